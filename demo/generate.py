"""Generating the whole demo brand as canonical CSV files in a folder."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from demo.catalog import Catalog, Sku, build_catalog
from demo.counts import build_counts
from demo.integrations import build_events
from demo.listings import Listings, build_listings
from demo.orders import Order, build_orders
from demo.plan import LOCATIONS, DemoPlan
from demo.planning import PlanningStories, plant_stock, plant_stories
from demo.returns import build_returns
from demo.shipping import ship_orders
from demo.stock import build_stock
from demo.writer import write_table

log = logging.getLogger(__name__)
Rows = Sequence[Sequence[object]]


@dataclass
class Generated:
    """What was generated: the plan, the rows of each canonical file, the catalog behind them and
    the planning stories planted in them."""

    plan: DemoPlan
    tables: dict[str, Rows]
    catalog: Catalog
    listings: Listings
    stories: PlanningStories


def generate(plan: DemoPlan) -> Generated:
    """Build every canonical table of the demo brand in memory (no database, no files)."""
    catalog = build_catalog(plan)
    listings = build_listings(plan, catalog)
    orders = build_orders(plan, catalog, listings)
    shipments = ship_orders(plan, orders)  # settles cancellations and split allocations
    stories = plant_stories(plan, catalog, orders)  # adds the slow style to the catalog
    stock = plant_stock(plan, stories, build_stock(plan, catalog, listings))
    tables: dict[str, Rows] = {
        "locations": [(loc.location_id, loc.name, loc.type, loc.channel) for loc in LOCATIONS],
        "items": [_item_row(i) for i in catalog.items],
        "bundle_components": catalog.bundles,
        "sku_mappings": listings.mapping_rows(),
        "stock_levels": stock,
        "cycle_counts": build_counts(plan, listings),
        "orders": [(o.order_id, o.channel, o.placed_at, o.cancelled_at) for o in orders],
        "order_lines": _line_rows(orders),
        "shipments": shipments,
        "returns": build_returns(plan, orders, shipments),
        "integration_events": build_events(plan, listings, orders),
    }
    return Generated(plan, tables, catalog, listings, stories)


def write_files(generated: Generated, folder: Path) -> dict[str, int]:
    """Write the canonical CSV files into a folder; rows written per entity."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {name: write_table(folder, name, rows) for name, rows in generated.tables.items()}
    log.info("demo files written to %s: %s", folder, counts)
    return counts


def generate_files(plan: DemoPlan, folder: Path) -> Generated:
    """Generate the demo brand and write its canonical CSV files into a folder."""
    generated = generate(plan)
    write_files(generated, folder)
    return generated


def _item_row(item: Sku) -> tuple[object, ...]:
    return (
        item.sku, item.name, item.category, item.brand, item.barcode, item.abc_class,
        item.lifecycle_status, item.created_at, item.approved_at, item.approved_by,
        item.parent_sku, item.unit_cost,
    )  # fmt: skip


def _line_rows(orders: list[Order]) -> list[tuple[str, str, str, int, str]]:
    return [
        (o.order_id, line, sku, quantity, allocated)
        for o in orders
        for line, sku, quantity, allocated in o.lines
    ]

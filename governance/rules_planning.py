"""Exception rules about planning signals (SPEC section 3.1): buffers, kits, dead and stranded stock.

Each rule reads the typed drill-down its metric counts (metrics.safety_stock.safety_stock_pairs,
metrics.bundles.bundle_checks, metrics.dead_stock.stock_positions), so a rule and its metric
always agree on which entities have the problem.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from sqlalchemy import Connection

from governance.rule_model import DetectContext, ExceptionRule, Found
from governance.vocabulary import Domain, Severity
from metrics.bundles import bundle_checks
from metrics.dead_stock import StockPosition, stock_positions
from metrics.safety_stock import safety_stock_pairs

DEAD_STOCK_MEDIUM_VALUE = Decimal(1000)  # units × unit_cost from which dead stock is medium
# What SKU resolution and book sellable units read (SPEC section 3's book and resolution).
BOOK_READS = ("stock_levels", "sku_mappings", "items")


def _shortfalls(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for pair in safety_stock_pairs(conn, ctx.metrics):
        if not pair.short:
            continue
        record = {
            "channel": pair.channel,
            "sku": pair.sku,
            "demand_units": pair.demand_units,
            "mean_daily": pair.mean_daily,
            "sd_daily": pair.sd_daily,
            "lead_time_days": pair.lead_time_days,
            "lead_time_sd_days": pair.lead_time_sd_days,
            "service_level": pair.service_level,
            "z": pair.z,
            "safety_stock": pair.safety_stock,
            "available": pair.available,
            "shortfall": pair.shortfall,
        }
        stocked_out = pair.available == 0
        yield SAFETY_STOCK_SHORTFALL.found(
            record, Severity.HIGH if stocked_out else Severity.MEDIUM
        )


def _bundle_breaches(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for check in bundle_checks(conn, ctx.metrics):
        if not check.breach:
            continue
        record = {
            "system": check.system,
            "location": check.location,
            "bundle_sku": check.bundle_sku,
            "book_system": check.book_system,
            "system_units": check.system_units,
            "buildable": check.buildable,
            "excess": check.system_units - check.buildable,
            "limiting": list(check.limiting),
            "components": [
                f"{c.sku}: {c.book_units} book units / {c.quantity} = {c.can_build}"
                for c in check.components
            ],
        }
        yield BUNDLE_AVAILABILITY_BREACH.found(record, Severity.HIGH)


def _idle_positions(conn: Connection, ctx: DetectContext) -> list[StockPosition]:
    """The dead and stranded positions at as_of (computed once per detection run)."""
    return ctx.once("idle_positions", lambda: stock_positions(conn, ctx.metrics))


def _position_record(position: StockPosition) -> dict[str, object]:
    return {
        "location": position.location,
        "sku": position.sku,
        "units": position.units,
        "unit_cost": position.unit_cost,
        "value": position.value,
        "lifecycle_status": position.lifecycle_status,
        "created_at": position.created_at,
        "last_shipped_at": position.last_shipped_at,
    }


def dead_stock_severity(value: Decimal | None) -> Severity:
    """Low; medium when the position's value (units × unit_cost) is ≥ 1,000 (no cost: low)."""
    valuable = value is not None and value >= DEAD_STOCK_MEDIUM_VALUE
    return Severity.MEDIUM if valuable else Severity.LOW


def _dead(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for position in _idle_positions(conn, ctx):
        if position.dead:
            record = _position_record(position)
            yield DEAD_STOCK.found(record, dead_stock_severity(position.value))


def _stranded(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for position in _idle_positions(conn, ctx):
        if position.stranded:
            yield STRANDED_STOCK.found(_position_record(position), Severity.MEDIUM)


SAFETY_STOCK_SHORTFALL = ExceptionRule(
    "safety_stock_shortfall",
    Domain.ORDER_ROUTING,
    "a (channel, sku) counted short by safety_stock_shortfalls",
    ("channel", "sku"),
    ("channel", "sku", "demand_units", "mean_daily", "sd_daily", "lead_time_days",
     "lead_time_sd_days", "service_level", "z", "safety_stock", "available", "shortfall"),
    "high when available is 0, else medium",
    _shortfalls,
    reads=("orders", "order_lines", "locations", *BOOK_READS),
)  # fmt: skip
BUNDLE_AVAILABILITY_BREACH = ExceptionRule(
    "bundle_availability_breach",
    Domain.WAREHOUSE_STOCK,
    "a triple counted by bundle_availability_breaches",
    ("system", "location", "bundle_sku"),
    ("system", "location", "bundle_sku", "book_system", "system_units", "buildable", "excess",
     "limiting", "components"),
    "high",
    _bundle_breaches,
    reads=("bundle_components", *BOOK_READS),
)  # fmt: skip
DEAD_STOCK = ExceptionRule(
    "dead_stock",
    Domain.WAREHOUSE_STOCK,
    "a dead SKU with book sellable units > 0 at a location",
    ("location", "sku"),
    ("location", "sku", "units", "unit_cost", "value", "created_at", "last_shipped_at"),
    "low; medium when its value (units × unit_cost) is ≥ 1,000",
    _dead,
    reads=("shipments", "order_lines", *BOOK_READS),
)
STRANDED_STOCK = ExceptionRule(
    "stranded_stock",
    Domain.ITEM_MASTER,
    "book sellable units > 0 of a SKU whose item is not active",
    ("location", "sku"),
    ("location", "sku", "units", "lifecycle_status", "unit_cost", "value"),
    "medium",
    _stranded,
    reads=BOOK_READS,
)
RULES = (SAFETY_STOCK_SHORTFALL, BUNDLE_AVAILABILITY_BREACH, DEAD_STOCK, STRANDED_STOCK)

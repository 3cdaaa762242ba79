"""dead_stock_units and stranded_units (SPEC section 3.1): book sellable units of dead or non-active SKUs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Item
from tests.spec_oracle.rows import DAY, Row, Settings, group_rows, money
from tests.spec_oracle.stock import book_units


@dataclass(frozen=True)
class BookPair:
    """A (location, sku) with book sellable units > 0, and the sku's item (None: no item)."""

    location_id: str
    sku: str
    units: int
    item: Item | None


def positive_book_pairs(data: Data, as_of: int, settings: Settings) -> list[BookPair]:
    """SPEC: "only pairs with units > 0 count in dead_stock_units, stranded_units and available units"."""
    items = data.records.get("items", {})
    return [
        BookPair(location, sku, units, items.get((sku,)))
        for (location, sku), units in sorted(book_units(data, as_of, settings).items())
        if units > 0
    ]


def shipped_skus(data: Data, start: int, end: int) -> set[str]:
    """SKUs shipped with shipped_at in (start, end]: "the sku of a shipment is its line's sku"
    (a shipment of an unknown line has no sku; READINGS item 5)."""
    lines = data.records.get("order_lines", {})
    skus = set()
    for shipment in data.all("shipments"):
        line = lines.get((shipment.order_id, shipment.line_id))
        if start < shipment.shipped_at <= end and line is not None and line.sku is not None:
            skus.add(line.sku)
    return skus


def _value_rows(
    metric: str, pairs: list[BookPair], counted: Callable[[BookPair], bool]
) -> list[Row]:
    """value Σ units of the counted pairs; n every pair; num "money: Σ units × unit_cost over [the
    counted] SKUs that have a unit_cost; null when none has" (READINGS item 7)."""
    facts = [(None, {"location": p.location_id}, p) for p in pairs]

    def finish(group: list[BookPair]) -> tuple[int, int, float | None]:
        chosen = [p for p in group if counted(p)]
        costed = [p for p in chosen if p.item is not None and p.item.unit_cost is not None]
        amount = sum((p.units * p.item.unit_cost for p in costed), Decimal(0)) if costed else None
        return sum(p.units for p in chosen), len(group), money(amount)

    return group_rows(metric, facts, ("location",), finish, always_all=True)


def dead_stock_units(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "Dead SKU at as_of: an active item created ≤ as_of − 90 days with no shipment of it from any
    location with shipped_at in (as_of − 90 days, as_of]"."""
    line = as_of - settings.dead_days * DAY
    recently_shipped = shipped_skus(data, line, as_of)

    def dead(p: BookPair) -> bool:
        return (
            p.item is not None
            and p.item.lifecycle_status == "active"
            and p.item.created_at <= line
            and p.sku not in recently_shipped
        )

    return _value_rows("dead_stock_units", positive_book_pairs(data, as_of, settings), dead)


def stranded_units(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "Σ book sellable units of SKUs whose item is not `active` (draft, retired)" (READINGS item 6:
    the item must exist; created_at not consulted)."""

    def stranded(p: BookPair) -> bool:
        return p.item is not None and p.item.lifecycle_status in ("draft", "retired")

    return _value_rows("stranded_units", positive_book_pairs(data, as_of, settings), stranded)

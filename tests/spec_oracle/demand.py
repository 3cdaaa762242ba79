"""raw_demand_units, fulfillable_demand_units and recovered_units (SPEC section 3.1), weekly."""

from __future__ import annotations

from tests.spec_oracle.data import Data
from tests.spec_oracle.orders import is_cancelled, placed_orders
from tests.spec_oracle.records import OrderLine, Return
from tests.spec_oracle.rows import Row, Settings, group_rows, iso_week


def _lines_by_order(data: Data) -> dict[str, list[OrderLine]]:
    """The lines of each order id ("lines of unknown orders never count": they match no order)."""
    lines: dict[str, list[OrderLine]] = {}
    for line in data.all("order_lines"):
        lines.setdefault(line.order_id, []).append(line)
    return lines


def raw_demand_units(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "Σ quantity of the lines of orders placed that week"; n "orders placed that week"
    (READINGS item 2: cancelled or not, with or without lines)."""
    lines = _lines_by_order(data)
    facts = [
        (
            iso_week(o.placed_at),
            {"channel": o.channel},
            sum(li.quantity for li in lines.get(o.order_id, [])),
        )
        for o in placed_orders(data, as_of)
    ]

    def finish(group: list[int]) -> tuple[int, int, None]:
        return sum(group), len(group), None

    return group_rows("raw_demand_units", facts, ("channel",), finish)


def fulfillable_demand_units(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "Σ quantity of those lines whose order is not cancelled and whose sku is an item created
    ≤ as_of"; n "orders placed that week and not cancelled" (READINGS items 1, 2)."""
    lines = _lines_by_order(data)
    items = data.records.get("items", {})

    def fulfillable(line: OrderLine) -> bool:
        # READINGS 1: line.sku as given, exact and case-sensitive; an empty sku is never fulfillable
        item = items.get((line.sku,)) if line.sku is not None else None
        return item is not None and item.created_at <= as_of

    facts = []
    for order in placed_orders(data, as_of):
        if not is_cancelled(order, as_of):
            units = sum(li.quantity for li in lines.get(order.order_id, []) if fulfillable(li))
            facts.append((iso_week(order.placed_at), {"channel": order.channel}, units))

    def finish(group: list[int]) -> tuple[int, int, None]:
        return sum(group), len(group), None

    return group_rows("fulfillable_demand_units", facts, ("channel",), finish)


def recovered_units(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "Σ quantity of returns dispositioned that week with disposition restock or refurbish"; n
    "returns dispositioned that week" (READINGS item 3: by disposition_at ≤ as_of, received or not,
    any disposition word; dim the return's channel)."""
    facts = [
        (iso_week(r.disposition_at), {"channel": r.channel}, r)
        for r in data.all("returns")
        if r.disposition_at is not None and r.disposition_at <= as_of
    ]

    def finish(group: list[Return]) -> tuple[int, int, None]:
        recovered = sum(r.quantity for r in group if r.disposition in ("restock", "refurbish"))
        return recovered, len(group), None

    return group_rows("recovered_units", facts, ("channel",), finish)

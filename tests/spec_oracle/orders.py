"""The order metrics of SPEC section 3: split, multi-location, reroute, fill rate, stalled orders."""

from __future__ import annotations

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Order, Shipment
from tests.spec_oracle.rows import HOUR, Row, Settings, group_rows, iso_week, ratio


def placed_orders(data: Data, as_of: int) -> list[Order]:
    """SPEC: "Orders placed after as_of are ignored together with their shipments"."""
    return [o for o in data.all("orders") if o.placed_at <= as_of]


def is_cancelled(order: Order, as_of: int) -> bool:
    """SPEC: "A cancelled order has cancelled_at ≤ as_of"."""
    return order.cancelled_at is not None and order.cancelled_at <= as_of


def shipments_by_order(data: Data, as_of: int) -> dict[str, list[Shipment]]:
    """SPEC: "Shipments count only with shipped_at ≤ as_of", grouped by their order_id."""
    by_order: dict[str, list[Shipment]] = {}
    for shipment in data.all("shipments"):
        if shipment.shipped_at <= as_of:
            by_order.setdefault(shipment.order_id, []).append(shipment)
    return by_order


def ordered_and_shipped(data: Data, as_of: int) -> dict[str, tuple[int, int]]:
    """Per order id: ordered units, and "Shipped units of an order: per line, the line's shipped
    quantity capped at its ordered quantity, summed over the order's lines" (a shipment of an
    unknown line is in no line, so in neither)."""
    shipped_of_line: dict[tuple[str, str], int] = {}
    for shipment in data.all("shipments"):
        if shipment.shipped_at <= as_of:
            key = (shipment.order_id, shipment.line_id)
            shipped_of_line[key] = shipped_of_line.get(key, 0) + shipment.quantity
    units: dict[str, tuple[int, int]] = {}
    for line in data.all("order_lines"):
        ordered, shipped = units.get(line.order_id, (0, 0))
        line_shipped = shipped_of_line.get((line.order_id, line.line_id), 0)
        units[line.order_id] = (ordered + line.quantity, shipped + min(line_shipped, line.quantity))
    return units


def _shipped_order_rows(data: Data, as_of: int, metric: str, attribute: str) -> list[Row]:
    """Orders with ≥ 2 distinct values of a shipment attribute / orders with ≥ 1 shipment, by placed_at.

    Cancelled orders count ("only fill_rate and stalled_orders leave cancelled orders out").
    """
    by_order = shipments_by_order(data, as_of)
    facts = []
    for order in placed_orders(data, as_of):
        shipments = by_order.get(order.order_id, [])
        if shipments:
            distinct = {getattr(s, attribute) for s in shipments}
            facts.append(
                (iso_week(order.placed_at), {"channel": order.channel}, len(distinct) >= 2)
            )

    def finish(group: list[bool]) -> tuple[float, int, int]:
        hits = sum(1 for g in group if g)
        return ratio(hits, len(group)), len(group), hits

    return group_rows(metric, facts, ("channel",), finish)


def split_order_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "orders with ≥2 distinct shipment_id / orders with ≥1 shipment"."""
    return _shipped_order_rows(data, as_of, "split_order_rate", "shipment_id")


def multi_location_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "orders shipped from ≥2 distinct location_id / orders with ≥1 shipment"."""
    return _shipped_order_rows(data, as_of, "multi_location_rate", "location_id")


def reroute_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "rerouted / shipment rows whose line has an allocated location", by placed_at of the order;
    num "rows with location_id ≠ the line's allocated_location_id"."""
    orders = {o.order_id: o for o in placed_orders(data, as_of)}
    lines = data.records.get("order_lines", {})
    facts = []
    for shipment in data.all("shipments"):
        order = orders.get(shipment.order_id)
        line = lines.get((shipment.order_id, shipment.line_id))
        if shipment.shipped_at > as_of or order is None or line is None:
            continue
        if line.allocated_location_id is None:
            continue
        rerouted = shipment.location_id != line.allocated_location_id
        facts.append((iso_week(order.placed_at), {"channel": order.channel}, rerouted))

    def finish(group: list[bool]) -> tuple[float, int, int]:
        hits = sum(1 for g in group if g)
        return ratio(hits, len(group)), len(group), hits

    return group_rows("reroute_rate", facts, ("channel",), finish)


def fill_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "shipped / ordered units of orders not cancelled"; n ordered units, num shipped units."""
    units = ordered_and_shipped(data, as_of)
    facts = []
    for order in placed_orders(data, as_of):
        if not is_cancelled(order, as_of):
            order_units = units.get(order.order_id, (0, 0))  # no lines: 0 ordered units
            facts.append((iso_week(order.placed_at), {"channel": order.channel}, order_units))

    def finish(group: list[tuple[int, int]]) -> tuple[float | None, int, int]:
        ordered = sum(o for o, _ in group)
        shipped = sum(s for _, s in group)
        return (ratio(shipped, ordered) if ordered else None), ordered, shipped

    return group_rows("fill_rate", facts, ("channel",), finish)


def stalled_orders(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "orders not cancelled, placed ≤ as_of − 48 h, shipped units < ordered units"; value = n."""
    units = ordered_and_shipped(data, as_of)
    facts = []
    for order in placed_orders(data, as_of):
        # "≤ as_of − 48 h" is inclusive
        if is_cancelled(order, as_of) or order.placed_at > as_of - settings.stalled_hours * HOUR:
            continue
        ordered, shipped = units.get(order.order_id, (0, 0))
        if shipped < ordered:
            facts.append((None, {"channel": order.channel}, order))

    def finish(group: list[Order]) -> tuple[int, int, None]:
        return len(group), len(group), None

    return group_rows("stalled_orders", facts, ("channel",), finish, always_all=True)

"""What the data shows for a migration checklist: edge cases present, returns by channel pair.

At as_of (events after it ignored, orders placed after it ignored with their shipments):
- split orders: orders with ≥ 2 distinct shipment_id;
- partial shipments: lines of orders not cancelled with 0 < shipped units < ordered units;
- cross-channel returns: returns received at a location whose `channel` is set and differs from the
  return's channel (the return's own, else its order's);
- channel pairs: returns received, by `<return channel>→<receiving location type>` (SPEC section
  3.1's channel_pair, an empty side written `unknown`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from core.schema import Location, Order, OrderLine, Return, Shipment
from core.timeutil import to_epoch
from metrics.sql import flag, happened, integer_sum, not_yet

UNKNOWN = "unknown"


@dataclass(frozen=True)
class EdgeCases:
    """Counts of the edge cases a migration should be tested on, and what they are counted among."""

    split_orders: int
    shipped_orders: int
    partial_lines: int
    shipped_lines: int
    cross_channel_returns: int
    received_returns: int


@dataclass(frozen=True)
class ChannelPair:
    """Returns received by one channel pair, and their units."""

    pair: str
    returns: int
    units: int


def _shipped(now: int) -> Any:
    ships, orders = Shipment.__table__, Order.__table__
    return (
        select(ships.c.order_id, ships.c.line_id, ships.c.shipment_id, ships.c.quantity)
        .join(orders, orders.c.order_id == ships.c.order_id)
        .where(happened(ships.c.shipped_at, now), happened(orders.c.placed_at, now))
        .subquery("shipped")
    )


def edge_cases(conn: Connection, as_of: datetime) -> EdgeCases:
    """Split orders, partial shipments and cross-channel returns in the data at as_of."""
    now = to_epoch(as_of)
    shipped = _shipped(now)
    per_order = (
        select(func.count(func.distinct(shipped.c.shipment_id)).label("shipments"))
        .group_by(shipped.c.order_id)
        .subquery("per_order")
    )
    split, orders_shipped = conn.execute(
        select(integer_sum(flag(per_order.c.shipments >= 2)), func.count())
    ).one()
    partial, lines_shipped = _partial_lines(conn, shipped, now)
    cross, received = _cross_channel(conn, now)
    return EdgeCases(int(split), int(orders_shipped), partial, lines_shipped, cross, received)


def _partial_lines(conn: Connection, shipped: Any, now: int) -> tuple[int, int]:
    lines, orders = OrderLine.__table__, Order.__table__
    per_line = (
        select(
            shipped.c.order_id, shipped.c.line_id, integer_sum(shipped.c.quantity).label("units")
        )
        .group_by(shipped.c.order_id, shipped.c.line_id)
        .subquery("per_line")
    )
    query = (
        select(
            func.count(),
            integer_sum(flag(per_line.c.units < lines.c.quantity)),
        )
        .select_from(per_line)
        .join(lines, and_(lines.c.order_id == per_line.c.order_id,
                          lines.c.line_id == per_line.c.line_id))
        .join(orders, orders.c.order_id == lines.c.order_id)
        .where(not_yet(orders.c.cancelled_at, now), per_line.c.units > 0)
    )  # fmt: skip
    shipped_lines, partial = conn.execute(query).one()
    return int(partial), int(shipped_lines)


def _received(now: int) -> Any:
    returns, orders, locations = Return.__table__, Order.__table__, Location.__table__
    channel = func.coalesce(returns.c.channel, orders.c.channel)
    return (
        select(
            channel.label("channel"),
            locations.c.type.label("location_type"),
            locations.c.channel.label("location_channel"),
            returns.c.quantity,
        )
        .select_from(returns)
        .outerjoin(orders, orders.c.order_id == returns.c.order_id)
        .outerjoin(locations, locations.c.location_id == returns.c.receiving_location_id)
        .where(happened(returns.c.received_at, now))
        .subquery("received")
    )


def _cross_channel(conn: Connection, now: int) -> tuple[int, int]:
    received = _received(now)
    crossing = and_(
        received.c.location_channel.is_not(None),
        received.c.location_channel != "",
        received.c.channel.is_not(None),
        received.c.location_channel != received.c.channel,
    )
    query = select(func.count(), integer_sum(flag(crossing)))
    total, cross = conn.execute(query.select_from(received)).one()
    return int(cross), int(total)


def channel_pairs(conn: Connection, as_of: datetime) -> list[ChannelPair]:
    """Returns received by `<return channel>→<receiving location type>`, most returns first."""
    returns, locations = Return.__table__, Location.__table__
    now = to_epoch(as_of)
    query = (
        select(returns.c.channel, locations.c.type, func.count(), integer_sum(returns.c.quantity))
        .select_from(returns)
        .outerjoin(locations, locations.c.location_id == returns.c.receiving_location_id)
        .where(happened(returns.c.received_at, now))
        .group_by(returns.c.channel, locations.c.type)
    )
    found: dict[str, ChannelPair] = {}
    for channel, location_type, count, units in conn.execute(query):
        pair = f"{channel or UNKNOWN}→{location_type or UNKNOWN}"
        before = found.get(pair, ChannelPair(pair, 0, 0))
        found[pair] = ChannelPair(pair, before.returns + int(count), before.units + int(units))
    return sorted(found.values(), key=lambda p: (-p.returns, p.pair))

"""Order routing metrics by ISO week of the order's placed_at: split, multi-location and reroute rates.

Orders placed after as_of are ignored with their shipments; a shipment counts only with
shipped_at ≤ as_of. Cancelled orders stay in (only fill_rate and stalled_orders leave them out).
Shipments of lines unknown to order_lines count for split and multi-location, not for reroute.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from core.schema import Order, OrderLine, Shipment
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, Family, MetricDef, Ratio, Source
from metrics.sql import flag, happened, monday_day, number, within


def scoped(order_id: ColumnElement[Any], ctx: Context) -> list[ColumnElement[bool]]:
    """Conditions keeping an order_id column to the context's orders and window (none without).

    With a window, the orders placed in it; with `ctx.orders`, those it selects (both served by
    the order_id indexes, so shipments and lines of other orders are never read).
    """
    conditions = in_scope(order_id, ctx)
    if ctx.window is not None:
        orders = Order.__table__
        placed = select(orders.c.order_id).where(*within(orders.c.placed_at, ctx.window))
        conditions.append(order_id.in_(placed))
    return conditions


def in_scope(order_id: ColumnElement[Any], ctx: Context) -> list[ColumnElement[bool]]:
    """The condition keeping an order_id column to `ctx.orders` (none without)."""
    return [] if ctx.orders is None else [order_id.in_(ctx.orders)]


def shipped_order_records(ctx: Context) -> Select[Any]:
    """Each order placed ≤ as_of with ≥1 shipment by as_of: its distinct shipments and locations."""
    orders, shipments = Order.__table__, Shipment.__table__
    per_order = (
        select(
            shipments.c.order_id,
            func.count(shipments.c.shipment_id.distinct()).label("shipments"),
            func.count(shipments.c.location_id.distinct()).label("locations"),
        )
        .where(happened(shipments.c.shipped_at, ctx.now), *scoped(shipments.c.order_id, ctx))
        .group_by(shipments.c.order_id)
        .subquery("per_order")
    )
    return (
        select(
            monday_day(orders.c.placed_at).label("wd"),
            orders.c.channel,
            orders.c.order_id,
            orders.c.placed_at,
            orders.c.cancelled_at,
            per_order.c.shipments,
            per_order.c.locations,
            flag(per_order.c.shipments >= number(2)).label("split"),
            flag(per_order.c.locations >= number(2)).label("multi_location"),
        )
        .select_from(orders.join(per_order, per_order.c.order_id == orders.c.order_id))
        .where(
            happened(orders.c.placed_at, ctx.now),
            *within(orders.c.placed_at, ctx.window),
            *in_scope(orders.c.order_id, ctx),
        )
    )


def allocated_shipment_records(ctx: Context) -> Select[Any]:
    """Shipment rows (shipped ≤ as_of, order placed ≤ as_of) whose line has an allocated location."""
    orders, lines, shipments = Order.__table__, OrderLine.__table__, Shipment.__table__
    line_match = and_(
        lines.c.order_id == shipments.c.order_id, lines.c.line_id == shipments.c.line_id
    )
    return (
        select(
            monday_day(orders.c.placed_at).label("wd"),
            orders.c.channel,
            shipments.c.order_id,
            shipments.c.line_id,
            shipments.c.shipment_id,
            shipments.c.shipped_at,
            shipments.c.quantity,
            lines.c.allocated_location_id,
            shipments.c.location_id,
            flag(shipments.c.location_id != lines.c.allocated_location_id).label("rerouted"),
        )
        .select_from(
            shipments.join(lines, line_match).join(
                orders, orders.c.order_id == shipments.c.order_id
            )
        )
        .where(
            happened(shipments.c.shipped_at, ctx.now),
            happened(orders.c.placed_at, ctx.now),
            lines.c.allocated_location_id.is_not(None),
            *within(orders.c.placed_at, ctx.window),
            *scoped(shipments.c.order_id, ctx),
        )
    )


SHIPPED_ORDERS = Source(
    "shipped_orders",
    dims=("channel",),
    parts=("split", "multi_location"),
    records=shipped_order_records,
    order_by=("placed_at", "order_id"),
)
ALLOCATED_SHIPMENTS = Source(
    "allocated_shipments",
    dims=("channel",),
    parts=("rerouted",),
    records=allocated_shipment_records,
    order_by=("order_id", "line_id", "shipment_id"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "split_order_rate",
        "Orders with ≥2 distinct shipment_id / orders with ≥1 shipment.",
        SHIPPED_ORDERS,
        "placed_at",
        ("channel",),
        Ratio("split"),
        drill_part="split",
        kpi=KpiSpec("Split order rate", F.FULFILMENT, U.SHARE, C.AT_MOST, 0.10, 0.05, "operations"),
        family=Family.ORDERS,
    ),
    MetricDef(
        "multi_location_rate",
        "Orders shipped from ≥2 distinct location_id / orders with ≥1 shipment.",
        SHIPPED_ORDERS,
        "placed_at",
        ("channel",),
        Ratio("multi_location"),
        drill_part="multi_location",
        family=Family.ORDERS,
    ),
    MetricDef(
        "reroute_rate",
        "Shipment rows shipped from another location than their line's allocated_location_id / "
        "shipment rows whose line has an allocated location.",
        ALLOCATED_SHIPMENTS,
        "placed_at",
        ("channel",),
        Ratio("rerouted"),
        drill_part="rerouted",
        kpi=KpiSpec("Reroute rate", F.FULFILMENT, U.SHARE, C.AT_MOST, 0.05, 0.03, "operations"),
        family=Family.ORDERS,
    ),
)

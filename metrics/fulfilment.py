"""Fulfilment metrics of orders not cancelled: fill rate (by week of placed_at) and stalled orders.

Shipped units of an order: per line, the line's quantity shipped by as_of capped at its ordered
quantity, summed over the order's lines (shipments of unknown lines do not count). An order is
cancelled when cancelled_at ≤ as_of. Stalled: placed ≤ as_of − 48 h (setting, inclusive) and
shipped units < ordered units.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, select

from core.schema import Order, OrderLine, Shipment
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, Count, Family, Keeping, MetricDef, Ratio, Source
from metrics.routing import in_scope, scoped
from metrics.sql import epoch, flag, happened, integer_sum, monday_day, not_yet, number, within

SECONDS_PER_HOUR = 3600


def order_unit_records(ctx: Context) -> Select[Any]:
    """Each order placed ≤ as_of and not cancelled by then, with ordered and shipped units."""
    orders, lines, shipments = Order.__table__, OrderLine.__table__, Shipment.__table__
    line_shipped = (
        select(
            shipments.c.order_id,
            shipments.c.line_id,
            integer_sum(shipments.c.quantity).label("shipped"),
        )
        .where(happened(shipments.c.shipped_at, ctx.now), *scoped(shipments.c.order_id, ctx))
        .group_by(shipments.c.order_id, shipments.c.line_id)
        .subquery("line_shipped")
    )
    shipped = func.coalesce(line_shipped.c.shipped, number(0))
    capped = case((shipped > lines.c.quantity, lines.c.quantity), else_=shipped)
    line_match = and_(
        line_shipped.c.order_id == lines.c.order_id, line_shipped.c.line_id == lines.c.line_id
    )
    units = (
        select(
            orders.c.order_id,
            orders.c.channel,
            orders.c.placed_at,
            integer_sum(lines.c.quantity).label("ordered"),
            integer_sum(capped).label("shipped"),
        )
        .select_from(
            orders.join(lines, lines.c.order_id == orders.c.order_id).outerjoin(
                line_shipped, line_match
            )
        )
        .where(
            happened(orders.c.placed_at, ctx.now),
            not_yet(orders.c.cancelled_at, ctx.now),
            *within(orders.c.placed_at, ctx.window),
            *in_scope(orders.c.order_id, ctx),
        )
        .group_by(orders.c.order_id, orders.c.channel, orders.c.placed_at)
        .subquery("units")
    )
    line_cutoff = ctx.now - ctx.settings.stalled_order_sla_hours * SECONDS_PER_HOUR
    stalled = and_(
        epoch(units.c.placed_at) <= number(line_cutoff), units.c.shipped < units.c.ordered
    )
    return select(
        monday_day(units.c.placed_at).label("wd"),
        units.c.channel,
        units.c.order_id,
        units.c.placed_at,
        units.c.ordered,
        units.c.shipped,
        flag(stalled).label("stalled"),
    )


ORDER_UNITS = Source(
    "order_units",
    dims=("channel",),
    parts=("ordered", "shipped", "stalled"),
    records=order_unit_records,
    order_by=("placed_at", "order_id"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "fill_rate",
        "Shipped units / ordered units of orders not cancelled.",
        ORDER_UNITS,
        "placed_at",
        ("channel",),
        Ratio("shipped", den="ordered"),
        kpi=KpiSpec("Fill rate", F.FULFILMENT, U.SHARE, C.AT_LEAST, 0.97, 0.02, "operations"),
        family=Family.ORDERS,
    ),
    MetricDef(
        "stalled_orders",
        "Orders not cancelled, placed ≤ as_of − 48 h, with shipped units < ordered units.",
        ORDER_UNITS,
        None,
        ("channel",),
        Count("stalled"),
        always_all=True,
        drill_part="stalled",
        kpi=KpiSpec("Stalled orders", F.FULFILMENT, U.COUNT, C.EQUAL, 0, 10, "operations"),
        family=Keeping.UNFILLED_ORDERS,
    ),
)

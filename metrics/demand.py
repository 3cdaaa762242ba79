"""Demand apart from noise, per ISO week: raw demand, what could be fulfilled, and what came back.

raw_demand_units: by week of the order's placed_at (≤ as_of), n the orders placed (cancelled or
not, with or without lines), value Σ quantity of their lines. fulfillable_demand_units: n the
orders not cancelled by as_of, value Σ quantity of their lines whose sku is exactly the sku of an
item created ≤ as_of (a line without a sku never is). recovered_units: by week of disposition_at
(≤ as_of, received or not), n the returns dispositioned that week (any disposition word), value
Σ quantity of those with disposition restock or refurbish; dim the return's channel.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, and_, case, func, select, union_all

from core.schema import Item, Order, OrderLine, Return
from metrics.handoff import RECOVERING
from metrics.model import Context, CountOf, Family, MetricDef, Source
from metrics.sql import flag, happened, monday_day, not_yet, number, within


def _known_item(ctx: Context) -> Any:
    """The join condition: the line's sku is an item created ≤ as_of."""
    lines, items = OrderLine.__table__, Item.__table__
    return and_(items.c.sku == lines.c.sku, happened(items.c.created_at, ctx.now))


def order_demand_records(ctx: Context) -> Select[Any]:
    """One record per order placed ≤ as_of (in the window), `orders` 1 and `live` 1 when not
    cancelled, and one per line of those orders with its units (and fulfillable units): summed
    per week and channel without grouping by order first."""
    orders, lines, items = Order.__table__, OrderLine.__table__, Item.__table__
    live = not_yet(orders.c.cancelled_at, ctx.now)
    placed = (happened(orders.c.placed_at, ctx.now), *within(orders.c.placed_at, ctx.window))
    zero, one = number(0), number(1)
    per_order = select(
        monday_day(orders.c.placed_at).label("wd"),
        orders.c.channel,
        one.label("orders"),
        flag(live).label("live"),
        zero.label("units"),
        zero.label("fulfillable"),
    ).where(*placed)
    fulfillable = case((and_(live, items.c.sku.is_not(None)), lines.c.quantity), else_=zero)
    per_line = (
        select(
            monday_day(orders.c.placed_at).label("wd"),
            orders.c.channel,
            zero.label("orders"),
            zero.label("live"),
            lines.c.quantity.label("units"),
            fulfillable.label("fulfillable"),
        )
        .select_from(
            orders.join(lines, lines.c.order_id == orders.c.order_id).outerjoin(
                items, _known_item(ctx)
            )
        )
        .where(*placed)
    )
    both = union_all(per_order, per_line).subquery("demand")
    return select(both)


def demand_line_records(ctx: Context) -> Select[Any]:
    """The lines behind the demand rows: each line of an order placed ≤ as_of, and whether it
    counts as fulfillable (order not cancelled, sku an item created ≤ as_of)."""
    orders, lines, items = Order.__table__, OrderLine.__table__, Item.__table__
    live = not_yet(orders.c.cancelled_at, ctx.now)
    return (
        select(
            monday_day(orders.c.placed_at).label("wd"),
            orders.c.channel,
            orders.c.order_id,
            lines.c.line_id,
            lines.c.sku,
            lines.c.quantity,
            orders.c.placed_at,
            orders.c.cancelled_at,
            flag(~live).label("cancelled"),
            flag(items.c.sku.is_not(None)).label("known_item"),
            flag(and_(live, items.c.sku.is_not(None))).label("fulfillable"),
        )
        .select_from(
            orders.join(lines, lines.c.order_id == orders.c.order_id).outerjoin(
                items, _known_item(ctx)
            )
        )
        .where(happened(orders.c.placed_at, ctx.now), *within(orders.c.placed_at, ctx.window))
    )


def recovery_records(ctx: Context) -> Select[Any]:
    """Each return dispositioned ≤ as_of (in the window), and its units back on sale."""
    returns = Return.__table__
    recovered = case((returns.c.disposition.in_(RECOVERING), returns.c.quantity), else_=number(0))
    return select(
        monday_day(returns.c.disposition_at).label("wd"),
        func.nullif(returns.c.channel, "").label("channel"),
        returns.c.return_id,
        returns.c.sku,
        returns.c.quantity,
        returns.c.disposition,
        returns.c.disposition_at,
        returns.c.received_at,
        recovered.label("recovered"),
    ).where(
        happened(returns.c.disposition_at, ctx.now), *within(returns.c.disposition_at, ctx.window)
    )


ORDER_DEMAND = Source(
    "order_demand",
    dims=("channel",),
    parts=("orders", "units", "live", "fulfillable"),
    records=order_demand_records,
    order_by=("placed_at", "order_id", "line_id"),
    drill=demand_line_records,
)
RECOVERIES = Source(
    "recoveries",
    dims=("channel",),
    parts=("recovered",),
    records=recovery_records,
    order_by=("disposition_at", "return_id"),
)

METRICS = (
    MetricDef(
        "raw_demand_units",
        "Σ quantity of the lines of the orders placed that week; n: orders placed that week.",
        ORDER_DEMAND,
        "placed_at",
        ("channel",),
        CountOf("units", "orders"),
        family=Family.ORDER_WEEKS,
        section="3.1",
    ),
    MetricDef(
        "fulfillable_demand_units",
        "Σ quantity of the lines of orders not cancelled whose sku is an item created ≤ as_of; "
        "n: orders placed that week and not cancelled.",
        ORDER_DEMAND,
        "placed_at",
        ("channel",),
        CountOf("fulfillable", "live"),
        drill_part="fulfillable",
        family=Family.ORDER_WEEKS,
        section="3.1",
    ),
    MetricDef(
        "recovered_units",
        "Σ quantity of the returns dispositioned that week with disposition restock or "
        "refurbish; n: returns dispositioned that week.",
        RECOVERIES,
        "disposition_at",
        ("channel",),
        CountOf("recovered", "records"),
        family=Family.DISPOSITIONS,
        section="3.1",
    ),
)

"""The returns handoff at as_of: returns received and not complete, at the step each waits at.

A return received ≤ as_of waits at the first step of this order it has not done: `order_link`
(no order_id), `inspection` (no condition and not dispositioned), `disposition` (not
dispositioned: disposition_at empty or after as_of), `refund` (refunded_at empty or after as_of),
`availability` (disposition restock or refurbish and restocked_at empty or after as_of); with none
left it is complete and not counted. channel_pair is "<return channel>→<receiving location type>",
an empty side (or a receiving location missing from `locations`) written `unknown`. Each step is
owned by a team (STEP_TEAMS, SPEC section 3.1's defaults).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, String, and_, case, func, literal, or_, select

from core.schema import Location, Return
from core.timeutil import SECONDS_PER_DAY
from metrics.model import Context, Count, Keeping, MetricDef, Source
from metrics.sql import epoch, happened, not_yet, number

RECOVERING = ("restock", "refurbish")  # dispositions that put the unit back on sale
UNKNOWN = "unknown"
ARROW = "→"


class Step(StrEnum):
    """The handoff steps in the order a return passes them."""

    ORDER_LINK = "order_link"
    INSPECTION = "inspection"
    DISPOSITION = "disposition"
    REFUND = "refund"
    AVAILABILITY = "availability"


STEP_TEAMS: dict[Step, str] = {
    Step.ORDER_LINK: "store operations",
    Step.INSPECTION: "store operations",
    Step.DISPOSITION: "inventory control",
    Step.REFUND: "finance",
    Step.AVAILABILITY: "inventory control",
}


def empty(column: ColumnElement[Any]) -> ColumnElement[bool]:
    """A text column is NULL or ''."""
    return or_(column.is_(None), column == "")


def step_of(ctx: Context) -> ColumnElement[str]:
    """The step a return waits at (NULL: complete), the first that applies."""
    r = Return.__table__.c
    undisposed = not_yet(r.disposition_at, ctx.now)
    return case(
        (empty(r.order_id), literal(Step.ORDER_LINK.value)),
        (and_(empty(r.condition), undisposed), literal(Step.INSPECTION.value)),
        (undisposed, literal(Step.DISPOSITION.value)),
        (not_yet(r.refunded_at, ctx.now), literal(Step.REFUND.value)),
        (
            and_(r.disposition.in_(RECOVERING), not_yet(r.restocked_at, ctx.now)),
            literal(Step.AVAILABILITY.value),
        ),
        else_=literal(None),
    )


def _side(column: ColumnElement[Any]) -> ColumnElement[str]:
    return func.coalesce(func.nullif(column, ""), literal(UNKNOWN), type_=String)


def waiting_records(ctx: Context) -> Select[Any]:
    """Every return received ≤ as_of and not complete: its step, channel pair and age."""
    returns, locations = Return.__table__, Location.__table__
    waiting = (
        select(
            returns.c.return_id,
            step_of(ctx).label("step"),
            (_side(returns.c.channel) + literal(ARROW) + _side(locations.c.type)).label(
                "channel_pair"
            ),
            returns.c.order_id,
            returns.c.sku,
            returns.c.quantity.label("units"),
            returns.c.channel,
            returns.c.receiving_location_id.label("location"),
            returns.c.received_at,
            returns.c.condition,
            returns.c.disposition,
            returns.c.disposition_at,
            returns.c.refunded_at,
            returns.c.restocked_at,
            (number(ctx.now) - epoch(returns.c.received_at)).label("age_seconds"),
        )
        .select_from(
            returns.outerjoin(locations, locations.c.location_id == returns.c.receiving_location_id)
        )
        .where(happened(returns.c.received_at, ctx.now))
        .subquery("returns_at_steps")
    )
    return select(
        waiting, (waiting.c.age_seconds / float(SECONDS_PER_DAY)).label("age_days")
    ).where(waiting.c.step.is_not(None))


WAITING = Source(
    "waiting_returns",
    dims=("step", "channel_pair"),
    parts=("units",),
    records=waiting_records,
    weekly=False,
    order_by=("received_at", "return_id"),
)

METRICS = (
    MetricDef(
        "returns_waiting",
        "Returns received and not complete, at the handoff step they wait at (order_link, "
        "inspection, disposition, refund, availability); num: Σ quantity.",
        WAITING,
        None,
        ("step", "channel_pair"),
        Count("records", num="units"),
        always_all=True,
        family=Keeping.EVERY_REFRESH,
        section="3.1",
    ),
)

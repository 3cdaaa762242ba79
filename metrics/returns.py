"""Returns intake metrics: lag to disposition (p50, p90 by ISO week of received_at), open and black-hole returns.

Received means received_at ≤ as_of; dispositioned means disposition_at ≤ as_of (the disposition
word is not used); refunded means refunded_at ≤ as_of. Lag hours are exact:
(disposition_at − received_at) in seconds / 3600. A black-hole return was received ≤ as_of − 7 days
(setting, inclusive), refunded and not dispositioned.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from sqlalchemy import Select, and_, select

from core.schema import Return
from core.timeutil import SECONDS_PER_DAY
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, Count, Family, Keeping, MetricDef, Percentile, Shape, Source
from metrics.sql import epoch, flag, happened, monday_day, not_yet, number, within

RETURN_COLUMNS = (
    "return_id",
    "order_id",
    "sku",
    "quantity",
    "channel",
    "received_at",
    "condition",
    "disposition",
    "disposition_at",
    "refunded_at",
)


def _columns() -> list[Any]:
    table = Return.__table__
    return [
        table.c.receiving_location_id.label("location"),
        *(table.c[name] for name in RETURN_COLUMNS),
    ]


def lag_records(ctx: Context) -> Select[Any]:
    """Returns received and dispositioned by as_of, with the lag in seconds."""
    table = Return.__table__
    seconds = epoch(table.c.disposition_at) - epoch(table.c.received_at)
    return select(
        monday_day(table.c.received_at).label("wd"), *_columns(), seconds.label("seconds")
    ).where(
        happened(table.c.received_at, ctx.now),
        happened(table.c.disposition_at, ctx.now),
        *within(table.c.received_at, ctx.window),
    )


def open_return_records(ctx: Context) -> Select[Any]:
    """Returns received by as_of and not dispositioned by then; whether each is a black hole."""
    table = Return.__table__
    cutoff = ctx.now - ctx.settings.black_hole_days * SECONDS_PER_DAY
    black_hole = and_(
        epoch(table.c.received_at) <= number(cutoff), happened(table.c.refunded_at, ctx.now)
    )
    return select(*_columns(), flag(black_hole).label("black_hole"), number(1).label("open")).where(
        happened(table.c.received_at, ctx.now),
        not_yet(table.c.disposition_at, ctx.now),
        *within(table.c.received_at, ctx.window),
    )


RETURN_LAGS = Source(
    "return_lags",
    dims=("location",),
    parts=(),
    records=lag_records,
    order_by=("seconds", "return_id"),
)
OPEN_RETURNS = Source(
    "open_returns",
    dims=("location",),
    parts=("open", "black_hole"),
    records=open_return_records,
    weekly=False,
    order_by=("received_at", "return_id"),
)


F, U, C = KpiFamily, Unit, Comparator


def _lag_metric(name: str, p: Fraction, kpi: KpiSpec | None = None) -> MetricDef:
    return MetricDef(
        name,
        f"Nearest-rank p{int(p * 100)} of hours from received_at to disposition_at of the returns "
        "received that week (and by location) that are dispositioned.",
        RETURN_LAGS,
        "received_at",
        ("location",),
        Percentile(p),
        shape=Shape.PERCENTILE,
        kpi=kpi,
        family=Family.RETURNS,
    )


METRICS = (
    _lag_metric("return_lag_p50_hours", Fraction(1, 2)),
    _lag_metric(
        "return_lag_p90_hours",
        Fraction(9, 10),
        KpiSpec("Return lag p90", F.RETURNS, U.HOURS, C.AT_MOST, 72, 24, "store operations"),
    ),
    MetricDef(
        "open_returns",
        "Returns received and not dispositioned yet.",
        OPEN_RETURNS,
        None,
        ("location",),
        Count("open"),
        always_all=True,
        drill_part="open",
        family=Keeping.OPEN_RETURNS,
    ),
    MetricDef(
        "black_hole_returns",
        "Returns received ≤ as_of − 7 days, refunded, not dispositioned yet.",
        OPEN_RETURNS,
        None,
        ("location",),
        Count("black_hole"),
        always_all=True,
        drill_part="black_hole",
        kpi=KpiSpec("Black-hole returns", F.RETURNS, U.COUNT, C.EQUAL, 0, 2, "store operations"),
        family=Keeping.OPEN_RETURNS,
    ),
)

"""Metric rows over several ISO weeks at once (e.g. the last 4 complete weeks governance judges).

Additive metrics are their weekly rows summed (Σ num / Σ n, via combine_weeks), read from the
aggregates when they hold as_of; percentiles cannot be summed, so they are picked from the
window's raw records, one group per dimension key over the whole window.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, func, select

from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY
from metrics.aggregates import stored_weekly_rows
from metrics.compute import combine_weeks, compute_rows, sort_rows
from metrics.current import holds
from metrics.errors import MetricError
from metrics.facts import finish
from metrics.model import Context, MetricDef, MetricRow, Percentile, Shape, make_context
from metrics.registry import metric
from metrics.sql import number


def window_rows(
    conn: Connection,
    as_of: datetime,
    metric_ids: Sequence[str],
    first_day: int,
    end_day: int,
    settings: Settings | None = None,
) -> list[MetricRow]:
    """Rows (week null) of weekly metrics over the ISO weeks [first_day, end_day) (Monday days)."""
    definitions = [metric(m) for m in metric_ids]
    if any(not d.weekly for d in definitions):
        raise MetricError("only weekly metrics have rows over a window of weeks")
    additive = [d for d in definitions if d.shape is not Shape.PERCENTILE]
    percentiles = [d for d in definitions if d.shape is Shape.PERCENTILE]
    window = (first_day * SECONDS_PER_DAY, end_day * SECONDS_PER_DAY)
    rows: list[MetricRow] = []
    if additive:
        ids = [d.id for d in additive]
        if holds(conn, as_of, settings):
            weekly = stored_weekly_rows(conn, ids, first_day, end_day)
        else:
            weekly = compute_rows(conn, as_of, additive, settings, window)
        rows += combine_weeks(weekly)
    ctx = make_context(as_of, settings, window)
    for definition in percentiles:
        rows += window_percentile(conn, definition, ctx)
    return sort_rows(rows)


def window_percentile(conn: Connection, definition: MetricDef, ctx: Context) -> list[MetricRow]:
    """A percentile metric over the context's whole window: `all` and one row per key."""
    measure, source = definition.measure, definition.source
    if not isinstance(measure, Percentile) or source.records is None:
        raise MetricError(f"{definition.id} is not a percentile of SQL records")
    rec = source.records(ctx).subquery("records")
    rows = []
    for dim in (None, *definition.dims):
        group = [rec.c[dim]] if dim else []
        ranked = select(
            *group,
            rec.c.seconds,
            func.row_number().over(partition_by=group or None, order_by=rec.c.seconds).label("rn"),
            func.count().over(partition_by=group or None).label("cnt"),
        ).subquery("ranked")
        rank = (number(measure.p.numerator) * ranked.c.cnt + number(measure.p.denominator - 1)) // number(measure.p.denominator)  # fmt: skip
        picked = select(ranked).where(ranked.c.rn == rank)
        for row in conn.execute(picked).mappings():
            key = (None, dim or "all", row[dim] if dim else None)
            parts = {"records": int(row["cnt"]), "seconds": int(row["seconds"])}
            rows.append(finish(definition, key, parts))
    return rows

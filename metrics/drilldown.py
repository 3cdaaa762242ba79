"""The records behind a metric row: the same record queries the metric sums, filtered to the row."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, select

from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, to_epoch, week_start
from metrics.compute import reading
from metrics.errors import MetricError
from metrics.model import Context, MetricDef, RecordLoader, Shape, make_context
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.sql import number

HIDDEN_COLUMNS = ("wd", "created_epoch", "approved_epoch", "shortfall_exact")


def records_behind(
    engine: Engine, row: Mapping[str, Any], as_of: datetime, settings: Settings | None = None
) -> pd.DataFrame:
    """The records a metric row counts (e.g. the split orders of that week and channel)."""
    definition = metric(str(row.get("metric")))
    filters = row_filter(definition, row)
    source = definition.source
    with reading(engine) as conn:
        ctx = make_context(as_of, settings or effective_settings(conn))
        if source.drill_load is not None:
            return _python_records(conn, source.drill_load, source.order_by, ctx, filters)
        if source.drill is not None or source.load is None:
            return _sql_records(conn, definition, ctx, filters)
        return _python_records(conn, source.load, source.order_by, ctx, filters)


@dataclass(frozen=True)
class RecordFilter:
    """Which records are behind a row: column equalities, and a part that must be > 0."""

    equal: dict[str, Any]
    part: str | None


def row_filter(definition: MetricDef, row: Mapping[str, Any]) -> RecordFilter:
    """The filter selecting the records behind a row of this metric; MetricError if malformed."""
    equal: dict[str, Any] = {}
    if definition.weekly:
        equal["wd"] = _monday_day(definition, row.get("week"))
    dim, part = row.get("dim"), definition.drill_part
    if definition.shape is Shape.PIVOT:
        parts = dict(definition.pivot)
        if row.get("key") not in parts:
            raise MetricError(f"{definition.id} has no key {row.get('key')!r}")
        part = parts[row["key"]]
    elif dim in definition.dims:
        equal[str(dim)] = row.get("key")
    elif dim != "all":
        raise MetricError(f"{definition.id} has no dimension {dim!r}")
    return RecordFilter(equal, part)


def _monday_day(definition: MetricDef, week: Any) -> int:
    try:
        return to_epoch(week_start(str(week))) // SECONDS_PER_DAY
    except ValueError:
        raise MetricError(f"a {definition.id} row needs its ISO week, not {week!r}") from None


def _sql_records(
    conn: Connection, definition: MetricDef, ctx: Context, filters: RecordFilter
) -> pd.DataFrame:
    source = definition.source
    query = source.drill or source.records
    if query is None:
        raise MetricError(f"source {source.name} has no record query")
    rec = query(ctx).subquery("records")
    conditions: list[ColumnElement[bool]] = [
        rec.c[name].is_(None) if value is None else rec.c[name] == value
        for name, value in filters.equal.items()
    ]
    if filters.part:
        conditions.append(rec.c[filters.part] > number(0))
    result = conn.execute(select(rec).where(*conditions))
    return _tidy(pd.DataFrame(result.all(), columns=list(result.keys())), source.order_by)


def _python_records(
    conn: Connection,
    load: RecordLoader,
    order_by: tuple[str, ...],
    ctx: Context,
    filters: RecordFilter,
) -> pd.DataFrame:
    kept = [
        record
        for record in load(conn, ctx)
        if all(record.get(name) == value for name, value in filters.equal.items())
        and (not filters.part or record[filters.part] > 0)
    ]
    return _tidy(pd.DataFrame(kept), order_by)


def _tidy(frame: pd.DataFrame, order_by: tuple[str, ...]) -> pd.DataFrame:
    """Sorted in Python (the same order on every dialect and collation), helper columns dropped."""
    if not frame.empty and order_by:
        frame = frame.sort_values(list(order_by), kind="stable", na_position="first")
    frame = frame.drop(columns=[c for c in HIDDEN_COLUMNS if c in frame.columns])
    return frame.reset_index(drop=True)

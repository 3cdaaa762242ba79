"""Snapshot metrics from the aggregates: the open-record sets, rows at an instant, and their history.

Stalled orders, open and black-hole returns depend on as_of through fixed thresholds (48 h,
7 days) as well as through events. The orders not fully shipped (metrics.order_facts) and the
returns not dispositioned at the state's as_of (kept per week of received_at) are the same sets at
any later instant while nothing happens, so the snapshot rows at that instant are counted from
them with the thresholds applied then. Stock rows are computed at each refresh that needs them. Every set of
snapshot rows computed is kept in `metric_snapshots`, the history behind snapshot KPI trends.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Select, and_, case, delete, func, insert, select

from core.schema import MetricSnapshot, OpenReturn
from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, to_epoch, utcnow, week_label, week_start
from metrics.compute import compute_rows, row_exists, sort_rows
from metrics.facts import finish, rollup
from metrics.families import (
    EVERY_REFRESH,
    SNAPSHOT_FROM_RETURNS,
    SNAPSHOT_IDS,
    STOCK_METRICS,
)
from metrics.model import Context, MetricRow, Window, parts_from_json, parts_to_json
from metrics.order_facts import stalled_rows
from metrics.registry import metric
from metrics.returns import open_return_records
from metrics.settings_store import effective_settings
from metrics.sql import epoch, happened, integer_sum, monday_day, number

SECONDS_PER_HOUR = 3600
OPEN = OpenReturn.__table__
HISTORY = MetricSnapshot.__table__


def _clear(conn: Connection, table: Any, window: Window | None) -> None:
    removal = delete(table)
    if window is not None:
        first, end = (edge // SECONDS_PER_DAY for edge in window)
        removal = removal.where(table.c.wd >= first, table.c.wd < end)
    conn.execute(removal)


OPEN_COLUMNS = ("return_id", "wd", "location", "received_at", "refunded")


def open_return_set(ctx: Context) -> Select[Any]:
    """The rows of `metric_open_returns` at the context's instant (OPEN_COLUMNS, in order)."""
    records = open_return_records(ctx).subquery("open")
    return select(
        records.c.return_id,
        monday_day(records.c.received_at),
        records.c.location,
        records.c.received_at,
        happened(records.c.refunded_at, ctx.now),
    )


def store_open_returns(conn: Connection, ctx: Context) -> None:
    """Replace the open returns of the context's window (received, not dispositioned)."""
    _clear(conn, OPEN, ctx.window)
    conn.execute(insert(OPEN).from_select(list(OPEN_COLUMNS), open_return_set(ctx)))


def open_return_rows(conn: Connection, as_of: datetime, settings: Settings) -> list[MetricRow]:
    """open_returns and black_hole_returns at as_of from the open returns."""
    cutoff = to_epoch(as_of) - settings.black_hole_days * SECONDS_PER_DAY
    black_hole = and_(epoch(OPEN.c.received_at) <= number(cutoff), OPEN.c.refunded)
    query = select(
        OPEN.c.location,
        func.count().label("open"),
        integer_sum(case((black_hole, number(1)), else_=number(0))).label("black_hole"),
    ).group_by(OPEN.c.location)
    facts = [
        {
            "wd": None,
            "location": row.location,
            "records": int(row.open),
            "open": int(row.open),
            "black_hole": int(row.black_hole),
        }
        for row in conn.execute(query)
    ]
    return [row for m in SNAPSHOT_FROM_RETURNS for row in rollup(metric(m), facts)]


def stock_rows_now(conn: Connection, as_of: datetime, settings: Settings) -> list[MetricRow]:
    """The stock metrics computed at as_of (from raw rows, and the book units just kept)."""
    return compute_rows(conn, as_of, [metric(m) for m in STOCK_METRICS], settings, held=True)


def history_rows(
    conn: Connection, as_of: datetime, metric_ids: Iterable[str] | None = None
) -> list[MetricRow]:
    """The snapshot rows kept for an instant (optionally only some metrics)."""
    query = select(HISTORY.c.metric, HISTORY.c.dim, HISTORY.c.key, HISTORY.c.parts).where(
        HISTORY.c.as_of == as_of
    )
    if metric_ids is not None:
        query = query.where(HISTORY.c.metric.in_(list(metric_ids)))
    rows = []
    for row in conn.execute(query):
        parts = parts_from_json(json.loads(row.parts) if isinstance(row.parts, str) else row.parts)
        rows.append(finish(metric(row.metric), (None, row.dim, row.key), parts))
    return sort_rows(rows)


def every_refresh_rows(
    conn: Connection, as_of: datetime, settings: Settings, held: bool = False
) -> list[MetricRow]:
    """The snapshots computed at every refresh (they depend on the instant itself), from raw
    rows, or with held from the book units and demand days the aggregates keep for as_of."""
    return compute_rows(conn, as_of, [metric(m) for m in EVERY_REFRESH], settings, held=held)


def snapshot_rows(
    conn: Connection,
    as_of: datetime,
    stock: list[MetricRow],
    settings: Settings | None = None,
    instant: list[MetricRow] | None = None,
) -> list[MetricRow]:
    """Every snapshot metric's rows at as_of: counted from the open sets, the stock rows given,
    and the every-refresh rows given (computed from raw rows at as_of when not given)."""
    chosen = settings or effective_settings(conn)
    if instant is None:
        instant = every_refresh_rows(conn, as_of, chosen)
    rows = [
        *stalled_rows(conn, as_of, chosen),
        *open_return_rows(conn, as_of, chosen),
        *stock,
        *instant,
    ]
    return [row for row in rows if row_exists(row)]


def record_history(conn: Connection, as_of: datetime, rows: Iterable[MetricRow]) -> int:
    """Keep a set of snapshot rows evaluated at as_of (replacing one kept for the same instant)."""
    conn.execute(delete(HISTORY).where(HISTORY.c.as_of == as_of))
    computed_at = utcnow()
    stored = [
        {
            "as_of": as_of,
            "computed_at": computed_at,
            "metric": row.metric,
            "dim": row.dim,
            "key": row.key,
            "value": None if row.value is None else float(row.value),
            "n": row.n,
            "num": row.num,
            "parts": parts_to_json(row.parts),
        }
        for row in rows
    ]
    if stored:
        conn.execute(insert(HISTORY), stored)
    return len(stored)


def week_end_instants(now: datetime, weeks: int) -> list[datetime]:
    """The last second (Sunday 23:59:59 UTC) of each of the last `weeks` complete ISO weeks, oldest first."""
    monday = week_start(week_label(now))
    return [monday - timedelta(days=7 * i, seconds=1) for i in range(weeks, 0, -1)]


def backfill_history(
    conn: Connection, instants: Iterable[datetime], settings: Settings | None = None
) -> int:
    """Snapshot rows computed from raw rows at past instants (e.g. week ends), kept as history."""
    definitions = [metric(m) for m in SNAPSHOT_IDS]
    written = 0
    for instant in instants:
        written += record_history(conn, instant, compute_rows(conn, instant, definitions, settings))
    return written

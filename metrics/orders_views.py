"""What the Orders and fulfilment page shows, as typed values: split, multi-location, reroute and
fill rates per ISO week of placed_at and per channel, stalled orders now, and the records behind.

Rows are the metrics' own weekly rows (read from the stored aggregates when they hold the instant,
else computed from the raw orders of the chosen weeks only). A filtered value is the metric's
measure finished over the summed parts of the chosen channels' rows (Σ num / Σ n), never an
average of shares. The records behind a point come from the metrics' own record queries
(as metrics.drilldown.records_behind runs them), read over the chosen weeks only and bounded;
stalled orders from the per-order facts when they hold, else from records_behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, Engine, func, select

from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, to_epoch, week_start
from metrics.accuracy_views import weeks_between
from metrics.aggregates import stored_weekly_rows
from metrics.compute import compute_rows, reading
from metrics.current import holding_state
from metrics.drilldown import HIDDEN_COLUMNS, records_behind
from metrics.kpis import load_targets
from metrics.model import MetricRow, Part, Window, make_context
from metrics.order_facts import FACTS, stalled_condition, stalled_rows
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.sql import number
from metrics.summed import summed_row

SPLIT, MULTI, REROUTE, FILL = (
    "split_order_rate",
    "multi_location_rate",
    "reroute_rate",
    "fill_rate",
)
STALLED = "stalled_orders"
RATE_METRICS = (SPLIT, MULTI, REROUTE, FILL)
WEEK_SECONDS = 7 * SECONDS_PER_DAY
MAX_RECORDS = 2_000  # rows a table of records holds at most (the count says how many there are)
STALLED_COLUMNS = ("order_id", "channel", "placed_at", "age_hours", "ordered", "shipped", "missing")

__all__ = [
    "FILL",
    "MULTI",
    "RATE_METRICS",
    "REROUTE",
    "SPLIT",
    "STALLED",
    "ChannelCount",
    "ChannelRate",
    "RateWeek",
    "Records",
    "by_channel",
    "orders_behind",
    "rate_rows",
    "stalled_by_channel",
    "stalled_records",
    "targets",
    "trend",
    "week_window",
    "weeks_between",
]


def week_window(weeks: Sequence[str]) -> Window | None:
    """[Monday of the first week, Monday after the last) in epoch seconds (None: no weeks)."""
    if not weeks:
        return None
    first = to_epoch(week_start(weeks[0]))
    return first, to_epoch(week_start(weeks[-1])) + WEEK_SECONDS


def rate_rows(
    conn: Connection, as_of: datetime, weeks: Sequence[str], settings: Settings | None = None
) -> list[MetricRow]:
    """The weekly rows of the four rates in `weeks` at as_of (aggregates when they hold it)."""
    window = week_window(weeks)
    if window is None:
        return []
    chosen = settings or effective_settings(conn)
    if holding_state(conn, as_of, chosen) is not None:
        first, end = (edge // SECONDS_PER_DAY for edge in window)
        return stored_weekly_rows(conn, RATE_METRICS, first, end)
    definitions = [metric(m) for m in RATE_METRICS]
    return compute_rows(conn, as_of, definitions, chosen, window)


def targets(conn: Connection) -> dict[str, float]:
    """The KPI target (a share) of each rate that is a KPI; multi-location rate has none."""
    found = load_targets(conn)
    return {m: float(found[m].target) for m in RATE_METRICS if m in found}


def _picked(row: MetricRow, channels: set[str]) -> bool:
    if not channels:
        return row.dim == "all"
    return row.dim == "channel" and row.key in channels


def _sum(rows: Iterable[MetricRow]) -> tuple[int, Part, float | None]:
    """(n, num, value) finished from the summed parts of rows of one metric (Σ num / Σ n)."""
    total = summed_row(rows)
    assert total is not None  # callers pass the rows of a group, never none
    return total.n, total.num or 0, None if total.value is None else float(total.value)


@dataclass(frozen=True)
class RateWeek:
    """One rate in one ISO week over the chosen channels: num of n (e.g. split orders of orders)."""

    metric: str
    week: str
    n: int
    num: int
    value: float | None


def trend(
    rows: Sequence[MetricRow], weeks: Sequence[str], channels: Sequence[str] = ()
) -> dict[str, list[RateWeek]]:
    """Per rate, its weeks (of `weeks`, with n > 0) over `channels` (empty: all), oldest first."""
    chosen, wanted = set(channels), set(weeks)
    picked: dict[tuple[str, str], list[MetricRow]] = defaultdict(list)
    for row in rows:
        if row.metric in RATE_METRICS and row.week in wanted and _picked(row, chosen):
            picked[(row.metric, str(row.week))].append(row)
    found: dict[str, list[RateWeek]] = {m: [] for m in RATE_METRICS}
    for name in RATE_METRICS:
        for week in weeks:
            group = picked.get((name, week))
            if not group:
                continue
            n, num, value = _sum(group)
            if n:
                found[name].append(RateWeek(name, week, n, int(num), value))
    return found


@dataclass(frozen=True)
class ChannelRate:
    """One rate of one channel summed over the chosen weeks."""

    metric: str
    channel: str
    n: int
    num: int
    value: float | None


def by_channel(
    rows: Sequence[MetricRow], weeks: Sequence[str], channels: Sequence[str] = ()
) -> dict[str, list[ChannelRate]]:
    """Per rate, each channel (only `channels` when given) over `weeks`, by channel name."""
    chosen, wanted = set(channels), set(weeks)
    picked: dict[tuple[str, str], list[MetricRow]] = defaultdict(list)
    for row in rows:
        in_view = row.metric in RATE_METRICS and row.dim == "channel" and row.week in wanted
        if in_view and (not chosen or row.key in chosen):
            picked[(row.metric, str(row.key))].append(row)
    found: dict[str, list[ChannelRate]] = {m: [] for m in RATE_METRICS}
    for (name, channel), group in sorted(picked.items()):
        n, num, value = _sum(group)
        if n:
            found[name].append(ChannelRate(name, channel, n, int(num), value))
    return found


@dataclass(frozen=True)
class ChannelCount:
    """Stalled orders of one channel now."""

    channel: str
    stalled: int


def stalled_by_channel(
    conn: Connection,
    as_of: datetime,
    channels: Sequence[str] = (),
    settings: Settings | None = None,
) -> list[ChannelCount]:
    """stalled_orders per channel at as_of (only `channels` when given), most stalled first."""
    chosen = settings or effective_settings(conn)
    if holding_state(conn, as_of, chosen) is not None:
        rows = stalled_rows(conn, as_of, chosen)
    else:
        rows = compute_rows(conn, as_of, [metric(STALLED)], chosen)
    found = [
        ChannelCount(str(r.key), int(r.value or 0))
        for r in rows
        if r.metric == STALLED and r.dim == "channel" and (not channels or r.key in channels)
    ]
    return sorted((c for c in found if c.stalled), key=lambda c: (-c.stalled, c.channel))


@dataclass(frozen=True)
class Records:
    """Records behind a pick: at most MAX_RECORDS rows, and how many there are in all."""

    table: pd.DataFrame
    total: int


def stalled_records(
    engine: Engine,
    as_of: datetime,
    channels: Sequence[str] = (),
    settings: Settings | None = None,
    limit: int = MAX_RECORDS,
) -> Records:
    """The stalled orders at as_of (only `channels` when given), oldest first, in STALLED_COLUMNS:
    age in hours since placed, ordered and shipped units (capped per line) and missing units."""
    with reading(engine) as conn:
        chosen = settings or effective_settings(conn)
        if holding_state(conn, as_of, chosen) is not None:
            table, total = _stalled_facts(conn, as_of, chosen, channels, limit)
        else:
            table = records_behind(engine, {"metric": STALLED, "dim": "all"}, as_of, chosen)
            if channels and not table.empty:
                table = table[table["channel"].isin(list(channels))]
            total = len(table)
            table = table.head(limit)
    if table.empty:
        return Records(pd.DataFrame(columns=list(STALLED_COLUMNS)), total)
    placed = pd.to_datetime(table["placed_at"], utc=True)
    table = table.assign(
        placed_at=placed,
        age_hours=(pd.Timestamp(as_of) - placed).dt.total_seconds() / 3600,
        ordered=table["ordered"].astype(int),
        shipped=table["shipped"].astype(int),
        missing=table["ordered"].astype(int) - table["shipped"].astype(int),
    )
    return Records(table[list(STALLED_COLUMNS)].reset_index(drop=True), total)


def _stalled_facts(
    conn: Connection, as_of: datetime, settings: Settings, channels: Sequence[str], limit: int
) -> tuple[pd.DataFrame, int]:
    """Stalled orders from the per-order facts (valid while they hold as_of), oldest first."""
    f = FACTS.c
    where = [stalled_condition(as_of, settings)]
    if channels:
        where.append(f.channel.in_(list(channels)))
    query = (
        select(f.order_id, f.channel, f.placed_at, f.ordered, f.shipped_units.label("shipped"))
        .where(*where)
        .order_by(f.placed_at, f.order_id)
        .limit(limit)
    )
    result = conn.execute(query)
    table = pd.DataFrame(result.all(), columns=list(result.keys()))
    total = sum(c.stalled for c in stalled_by_channel(conn, as_of, channels, settings))
    return table, total


def orders_behind(
    conn: Connection,
    as_of: datetime,
    name: str,
    weeks: Sequence[str],
    channels: Sequence[str] = (),
    settings: Settings | None = None,
    limit: int = MAX_RECORDS,
) -> Records:
    """The records a rate counts in `weeks` over `channels` (empty: all), at most `limit`: split,
    multi-location or fill orders, rerouted shipment rows. The metric's own record query (as
    records_behind runs it) read over the weeks' window only; fill orders short first."""
    definition, window = metric(name), week_window(weeks)
    if window is None or definition.source.records is None:
        return Records(pd.DataFrame(), 0)
    ctx = make_context(as_of, settings or effective_settings(conn), window)
    rec = definition.source.records(ctx).subquery("records")
    where = [rec.c.channel.in_(list(channels))] if channels else []
    if definition.drill_part:
        where.append(rec.c[definition.drill_part] > number(0))
    order = [rec.c[c] for c in definition.source.order_by]
    if name == FILL:
        order.insert(0, (rec.c.ordered - rec.c.shipped).desc())
    result = conn.execute(select(rec).where(*where).order_by(*order).limit(limit))
    table = pd.DataFrame(result.all(), columns=list(result.keys()))
    table = table.drop(columns=[c for c in HIDDEN_COLUMNS if c in table.columns])
    total = len(table)
    if total >= limit:  # counted only when the table is cut short
        total = conn.execute(select(func.count()).select_from(rec).where(*where)).scalar_one()
    return Records(table, int(total))

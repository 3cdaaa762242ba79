"""The Overview's KPI board under the shared filters: tiles and trend points for the chosen keys.

A weekly KPI's tile shows the latest complete ISO week inside the date range that has data for
the chosen keys (saying so when that is not the range's latest week), compared with the week
before it. A snapshot KPI shows the latest kept snapshot (snapshots are not split by date). Each
chosen dimension a metric has filters its value (metrics.kpi_slices); a chosen dimension it lacks
is named on the tile, whose value is then for all of that dimension's keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Connection

from core.timeutil import week_label, week_label_from_monday_day
from metrics.aggregates import day_of_week, load_state, stored_weekly_rows
from metrics.kpi_board import _weekly_instants, latest_complete_week, snapshot_instants
from metrics.kpi_slices import (
    KpiFilter,
    Split,
    empty_row,
    percentile_of_several,
    records_rows,
    split_of,
    sum_rows,
)
from metrics.kpis import KPIS, Kpi, Rag, Target, decimal_of, load_targets
from metrics.model import MetricDef, MetricRow
from metrics.registry import BY_ID
from metrics.snapshots import history_rows

EPOCH_DAY = date(1970, 1, 1)
DATES = "dates"  # named in `not_split` of a snapshot KPI when the person chose the dates


@dataclass(frozen=True)
class FilteredTile:
    """What the Overview shows for one KPI under the filters."""

    kpi: Kpi
    target: Target
    period: str  # the ISO week shown, or the snapshot's instant
    value: float | None
    previous: float | None
    status: Rag
    no_data_in: str | None = (
        None  # the range's latest week, when it had no data and an earlier shows
    )
    filtered_by: tuple[str, ...] = ()  # the chosen dimensions the value is filtered by
    not_split: tuple[str, ...] = ()  # chosen dimensions (or DATES) the metric is not split by

    @property
    def change(self) -> float | None:
        """Change from the week (or snapshot) before, in the KPI's unit (None without both)."""
        if self.value is None or self.previous is None:
            return None
        return float(decimal_of(self.value) - decimal_of(self.previous))


@dataclass(frozen=True)
class TrendPoint:
    """One point of a KPI's trend: its value in an ISO week under the filters."""

    metric: str
    week: str
    value: float | None


@dataclass(frozen=True)
class WeekSpan:
    """The complete ISO weeks a filter's date range covers: Monday day numbers, inclusive."""

    first_day: int
    last_day: int

    @property
    def weeks(self) -> list[str]:
        """The week labels, oldest first."""
        return [week_label_from_monday_day(d) for d in range(self.first_day, self.last_day + 1, 7)]


def week_span(chosen: KpiFilter, now: datetime) -> WeekSpan:
    """The range's weeks, ending at the latest complete week (a range inside the current week
    shows the latest complete one)."""
    last = min(_monday(chosen.end), day_of_week(latest_complete_week(now)))
    return WeekSpan(min(_monday(chosen.start), last), last)


def _monday(day: date) -> int:
    """The Monday day number of a day's ISO week."""
    return (day - EPOCH_DAY).days - day.weekday()


def _value(kpi: Kpi, row: MetricRow | None) -> float | None:
    return None if row is None else kpi.value_of(row)


def weekly_values(
    conn: Connection, kpi: Kpi, split: Split, rows: list[MetricRow], first: int, end: int
) -> dict[str | None, MetricRow]:
    """A weekly KPI's rows per week in [first, end) for the split: summed, or from the records."""
    metric = BY_ID[kpi.metric]
    if split.from_records or percentile_of_several(metric, split):
        state = load_state(conn)
        if state is None:
            return {}
        return records_rows(conn, metric, split, state.as_of, first, end)
    return sum_rows(metric, rows, split)


def _weekly_tile(
    kpi: Kpi, target: Target, split: Split, by_week: dict[str | None, MetricRow], span: WeekSpan
) -> FilteredTile:
    latest = week_label_from_monday_day(span.last_day)
    for day in range(span.last_day, span.first_day - 1, -7):
        week = week_label_from_monday_day(day)
        value = _value(kpi, by_week.get(week))
        if value is not None:
            prior = _value(kpi, by_week.get(week_label_from_monday_day(day - 7)))
            note = None if week == latest else latest
            return FilteredTile(kpi, target, week, value, prior, target.status(value), note,
                                tuple(split.keys), split.missing)  # fmt: skip
    return FilteredTile(kpi, target, latest, None, None, Rag.NO_DATA, None, tuple(split.keys),
                        split.missing)  # fmt: skip


def _snapshot_row(metric: MetricDef, kept: list[MetricRow], split: Split) -> MetricRow | None:
    """A snapshot's row for the split; keys without a row count nothing (a kept snapshot has a
    row only for the keys it found)."""
    if not kept:
        return None
    return sum_rows(metric, kept, split).get(None) or empty_row(metric, split)


def filtered_tiles(
    conn: Connection, now: datetime, chosen: KpiFilter, targets: dict[str, Target] | None = None
) -> list[FilteredTile]:
    """Every KPI's tile at now under the filters, in KPI order."""
    targets = targets or load_targets(conn)
    span = week_span(chosen, now)
    keys = chosen.chosen()
    first, end = span.first_day - 7, span.last_day + 7
    weekly_ids = [k.metric for k in KPIS if k.weekly]
    rows = stored_weekly_rows(conn, weekly_ids, first, end, keys=keys)
    latest, earlier = snapshot_instants(conn, now)
    snapshot_ids = [k.metric for k in KPIS if not k.weekly]
    current = history_rows(conn, latest, snapshot_ids) if latest else []
    before = history_rows(conn, earlier, snapshot_ids) if earlier else []
    tiles = []
    for kpi in KPIS:
        split = split_of(BY_ID[kpi.metric], keys)
        target = targets[kpi.metric]
        if kpi.weekly:
            by_week = weekly_values(conn, kpi, split, rows, first, end)
            tiles.append(_weekly_tile(kpi, target, split, by_week, span))
            continue
        metric = BY_ID[kpi.metric]
        value = _value(kpi, _snapshot_row(metric, current, split))
        prior = _value(kpi, _snapshot_row(metric, before, split))
        period = "no snapshot yet" if latest is None else f"snapshot {latest:%Y-%m-%d %H:%M} UTC"
        missing = split.missing + ((DATES,) if chosen.dated else ())
        tiles.append(FilteredTile(kpi, target, period, value, prior, target.status(value), None,
                                  tuple(split.keys), missing))  # fmt: skip
    return tiles


def filtered_trends(conn: Connection, now: datetime, chosen: KpiFilter) -> list[TrendPoint]:
    """Per KPI and ISO week of the range: its value under the filters (a snapshot KPI's is its
    latest kept snapshot of the week, the current week included when the range reaches it)."""
    span = week_span(chosen, now)
    keys = chosen.chosen()
    end = span.last_day + 7
    weekly_ids = [k.metric for k in KPIS if k.weekly]
    rows = stored_weekly_rows(conn, weekly_ids, span.first_day, end, keys=keys)
    points = []
    for kpi in (k for k in KPIS if k.weekly):
        split = split_of(BY_ID[kpi.metric], keys)
        for week, row in weekly_values(conn, kpi, split, rows, span.first_day, end).items():
            points.append(TrendPoint(kpi.metric, str(week), _value(kpi, row)))
    last_week = week_label(now) if _monday(chosen.end) > span.last_day else span.weeks[-1]
    snapshot_ids = [k.metric for k in KPIS if not k.weekly]
    for instant in _weekly_instants(conn, span.first_day, now):
        week = week_label(instant)
        if week > last_week:
            continue
        kept = history_rows(conn, instant, snapshot_ids)
        for kpi in (k for k in KPIS if not k.weekly):
            split = split_of(BY_ID[kpi.metric], keys)
            row = _snapshot_row(BY_ID[kpi.metric], kept, split)
            if row is not None:
                points.append(TrendPoint(kpi.metric, week, _value(kpi, row)))
    return sorted(points, key=lambda p: (p.metric, p.week))


def trend_weeks(chosen: KpiFilter, now: datetime) -> list[str]:
    """The weeks of the trend charts: the range's complete weeks, and the current week when the
    range reaches into it (snapshot KPIs have a point there)."""
    span = week_span(chosen, now)
    current = [week_label(now)] if _monday(chosen.end) > span.last_day else []
    return span.weeks + current

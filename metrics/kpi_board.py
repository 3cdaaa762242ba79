"""The Overview's KPI board, read from the aggregates: a tile per KPI and 12-week trend points.

A weekly KPI's value is its `all` row of the latest complete ISO week (the one before the week
holding now), compared with the week before; a snapshot KPI's is the latest kept snapshot,
compared with the latest kept at least 7 days earlier.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, func, select

from core.schema import MetricSnapshot
from core.timeutil import SECONDS_PER_DAY, week_label, week_label_from_monday_day
from metrics.aggregates import day_of_week, stored_weekly_rows
from metrics.kpis import KPI_BY_METRIC, KPIS, Kpi, Rag, Target, decimal_of, load_targets
from metrics.model import MetricRow
from metrics.snapshots import history_rows

HISTORY = MetricSnapshot.__table__
TREND_WEEKS = 12


@dataclass(frozen=True)
class KpiTile:
    """What the Overview shows for one KPI."""

    kpi: Kpi
    target: Target
    period: str  # the ISO week, or the snapshot's instant
    value: float | None
    previous: float | None
    status: Rag

    @property
    def change(self) -> float | None:
        """Week-over-week change in the KPI's unit (None without both values)."""
        if self.value is None or self.previous is None:
            return None
        return float(decimal_of(self.value) - decimal_of(self.previous))


def latest_complete_week(now: datetime) -> str:
    """The ISO week before the one holding now."""
    return week_label(now - timedelta(days=7))


def _all_values(rows: list[MetricRow]) -> dict[tuple[str, str | None], float | None]:
    """Each KPI's value in its `all` rows (the row's num for a KPI that reads it)."""
    return {
        (row.metric, row.week): KPI_BY_METRIC[row.metric].value_of(row)
        for row in rows
        if row.dim == "all" and row.metric in KPI_BY_METRIC
    }


def snapshot_instants(conn: Connection, now: datetime) -> tuple[datetime | None, datetime | None]:
    """The latest kept snapshot at or before now, and the latest kept ≥ 7 days before that one."""
    latest = conn.execute(select(func.max(HISTORY.c.as_of)).where(HISTORY.c.as_of <= now)).scalar()
    if latest is None:
        return None, None
    earlier = conn.execute(
        select(func.max(HISTORY.c.as_of)).where(HISTORY.c.as_of <= latest - timedelta(days=7))
    ).scalar()
    return latest, earlier


def kpi_tiles(
    conn: Connection, now: datetime, targets: dict[str, Target] | None = None
) -> list[KpiTile]:
    """Every KPI's tile at now, read from the aggregates and the kept snapshots."""
    chosen = targets or load_targets(conn)
    week = latest_complete_week(now)
    day = day_of_week(week)
    weekly_ids = [k.metric for k in KPIS if k.weekly]
    week_rows = stored_weekly_rows(conn, weekly_ids, day - 7, day + 7, dim="all")
    weekly = _all_values(week_rows)
    previous_week = week_label_from_monday_day(day - 7)
    latest, earlier = snapshot_instants(conn, now)
    snapshot_ids = [k.metric for k in KPIS if not k.weekly]
    current = _all_values(history_rows(conn, latest, snapshot_ids)) if latest else {}
    before = _all_values(history_rows(conn, earlier, snapshot_ids)) if earlier else {}
    tiles = []
    for kpi in KPIS:
        if kpi.weekly:
            period = week
            value, prior = weekly.get((kpi.metric, week)), weekly.get((kpi.metric, previous_week))
        else:
            period = (
                "no snapshot yet" if latest is None else f"snapshot {latest:%Y-%m-%d %H:%M} UTC"
            )
            value, prior = current.get((kpi.metric, None)), before.get((kpi.metric, None))
        target = chosen[kpi.metric]
        tiles.append(KpiTile(kpi, target, period, value, prior, target.status(value)))
    return tiles


def kpi_trends(
    conn: Connection, now: datetime, weeks: int = TREND_WEEKS
) -> list[dict[str, object]]:
    """Per KPI and ISO week of the last `weeks` complete weeks: the `all` value.

    A snapshot KPI's value of a week is its latest kept snapshot inside that week (the current week
    included, so the newest snapshot shows).
    """
    last = day_of_week(latest_complete_week(now))
    first = last - 7 * (weeks - 1)
    weekly_ids = [k.metric for k in KPIS if k.weekly]
    points = [
        {"metric": row.metric, "week": row.week, "value": KPI_BY_METRIC[row.metric].value_of(row)}
        for row in stored_weekly_rows(conn, weekly_ids, first, last + 7, dim="all")
    ]
    snapshot_ids = [k.metric for k in KPIS if not k.weekly]
    for instant in _weekly_instants(conn, first, now):
        points += [
            {
                "metric": row.metric,
                "week": week_label(instant),
                "value": KPI_BY_METRIC[row.metric].value_of(row),
            }
            for row in history_rows(conn, instant, snapshot_ids)
            if row.dim == "all"
        ]
    return sorted(points, key=lambda p: (str(p["metric"]), str(p["week"])))


def _weekly_instants(conn: Connection, first_day: int, now: datetime) -> list[datetime]:
    """The latest kept snapshot instant of each ISO week from first_day's week to now."""
    start = first_day * SECONDS_PER_DAY
    query = (
        select(HISTORY.c.as_of)
        .where(HISTORY.c.as_of >= start, HISTORY.c.as_of <= now)
        .group_by(HISTORY.c.as_of)
    )
    latest: dict[str, datetime] = {}
    for instant in conn.execute(query).scalars():
        label = week_label(instant)
        if label not in latest or instant > latest[label]:
            latest[label] = instant
    return [latest[label] for label in sorted(latest)]

"""The founder one-pager's numbers for an ISO week, read as the Overview reads them.

The week's report is the Overview as it stood during the following week: the Overview's
unfiltered KPI tiles (`metrics.kpi_filtered.filtered_tiles`, the chosen week ending the range) at
as_of = now, or the end of the following week when that is earlier (so weekly KPIs are the chosen
week's, or the last week with data before it, named; snapshot KPIs the latest snapshot by then).
Drift compares each location's inventory record accuracy over the 4 weeks ending with the chosen
week (Σ accurate / Σ counts) with the 4 weeks before; exceptions are the active ones by team.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import Connection, Engine

from core.db import read_session
from core.settings import get_settings
from core.timeutil import SECONDS_PER_DAY, iso_z, to_epoch, utcnow, week_label, week_start
from governance import labels
from governance.errors import GovernanceError
from governance.queue import list_exceptions
from metrics.aggregates import stored_weekly_rows
from metrics.compute import reading
from metrics.kpi_board import kpi_trends, latest_complete_week
from metrics.kpi_filtered import FilteredTile, filtered_tiles
from metrics.kpi_slices import DEFAULT_WEEKS, KpiFilter
from metrics.kpis import Rag
from reports.exposures import Exposure, all_exposures

DRIFT_WEEKS = 4
WORST = 3
TOP_EXPOSURES = 5
ACCURACY = "inventory_record_accuracy"


@dataclass(frozen=True)
class KpiLine:
    """One KPI as printed: value, target, status, change, owner, and its trend points."""

    metric: str
    label: str
    period: str
    value: float | None
    value_text: str
    target_text: str
    status: Rag
    status_word: str
    change_text: str
    owner: str
    trend: tuple[float | None, ...]
    no_data_in: str | None = None  # the chosen week, when it had no data and `period` is earlier


@dataclass(frozen=True)
class DriftingLocation:
    """A location whose record accuracy dropped: the recent and earlier shares and their counts."""

    location: str
    recent: float
    earlier: float
    recent_counts: int
    earlier_counts: int
    weekly: tuple[float | None, ...]

    @property
    def drop(self) -> float:
        """How far accuracy fell, as a share (0.05 = 5 points)."""
        return self.earlier - self.recent


@dataclass(frozen=True)
class TeamLoad:
    """A team's active exceptions: open, overdue, high severity."""

    team: str
    active: int
    overdue: int
    high: int


@dataclass(frozen=True)
class FounderReport:
    """Everything the one-pager prints."""

    week: str
    as_of: datetime
    kpis: tuple[KpiLine, ...]
    drifting: tuple[DriftingLocation, ...]
    teams: tuple[TeamLoad, ...]
    exposures: tuple[Exposure, ...]
    exposures_total: Decimal
    exposures_uncosted: int
    currency: str
    target_share: float | None


def report_instant(week: str, now: datetime | None = None) -> datetime:
    """The instant a week's report is read at; GovernanceError for a week that has not ended."""
    try:
        start = week_start(week)
    except ValueError:
        raise GovernanceError(f"week {week!r} is not an ISO week: write YYYY-Www") from None
    current = now or utcnow()
    if start + timedelta(days=7) > current:
        raise GovernanceError(
            f"week {week} has not ended: the latest complete week is {latest_complete_week(current)}"
        )
    return min(current, start + timedelta(days=14, seconds=-1))


def _kpi_lines(
    conn: Connection, week: str, as_of: datetime
) -> tuple[list[KpiLine], list[FilteredTile]]:
    """The Overview's unfiltered tiles with the chosen week as the range's last (its default
    span of DEFAULT_WEEKS weeks), so a KPI without data that week shows its last week with data."""
    monday = week_start(week).date()
    span = KpiFilter(monday - timedelta(weeks=DEFAULT_WEEKS - 1), monday + timedelta(days=6))
    tiles = filtered_tiles(conn, as_of, span)
    points: dict[str, dict[str, float | None]] = defaultdict(dict)
    for p in kpi_trends(conn, as_of):
        points[str(p["metric"])][str(p["week"])] = None if p["value"] is None else float(p["value"])  # type: ignore[arg-type]
    lines, currency = [], get_settings().currency  # values written as the Overview writes them
    for tile in tiles:
        kpi, target = tile.kpi, tile.target
        series = points.get(kpi.metric, {})
        lines.append(
            KpiLine(kpi.metric, kpi.label, tile.period, tile.value,
                    labels.kpi_value_text(tile.value, kpi.unit, currency),
                    labels.kpi_target_text(target.comparator, target.target, kpi.unit, currency),
                    tile.status, labels.RAG_WORDS[tile.status.value],
                    labels.kpi_change_text(tile.change, kpi.unit, currency) or "",
                    target.owner_team or "–",
                    tuple(series[w] for w in sorted(series)), tile.no_data_in)
        )  # fmt: skip
    return lines, tiles


def drifting_locations(conn: Connection, week: str, worst: int = WORST) -> list[DriftingLocation]:
    """The locations whose IRA fell most: last DRIFT_WEEKS weeks ending `week` against the ones before."""
    last = to_epoch(week_start(week)) // SECONDS_PER_DAY
    first = last - 7 * (2 * DRIFT_WEEKS - 1)
    rows = stored_weekly_rows(conn, [ACCURACY], first, last + 7, dim="location")
    recent_start = week_label(week_start(week) - timedelta(days=7 * (DRIFT_WEEKS - 1)))
    sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])  # recent num, n, earlier num, n
    weekly: dict[str, dict[str, float | None]] = defaultdict(dict)
    for row in rows:
        if row.key is None:
            continue
        at = 0 if str(row.week) >= recent_start else 2
        sums[row.key][at] += int(row.num or 0)
        sums[row.key][at + 1] += int(row.n)
        weekly[row.key][str(row.week)] = None if row.value is None else float(row.value)
    labels = [week_label(week_start(week) - timedelta(days=7 * i)) for i in range(2 * DRIFT_WEEKS)]
    found = [
        DriftingLocation(key, s[0] / s[1], s[2] / s[3], s[1], s[3],
                         tuple(weekly[key].get(w) for w in reversed(labels)))
        for key, s in sums.items()
        if s[1] and s[3]
    ]  # fmt: skip
    found = [d for d in found if d.drop > 0]
    return sorted(found, key=lambda d: (-d.drop, d.location))[:worst]


def team_loads(engine: Engine, as_of: datetime) -> list[TeamLoad]:
    """Active exceptions per owning team: how many, how many overdue at as_of, how many high."""
    with read_session(engine) as session:
        rows = list_exceptions(session, status="active")
    now = iso_z(as_of)
    acc: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        acc[row["team"]][0] += 1
        acc[row["team"]][1] += int(row["due_at"] < now)
        acc[row["team"]][2] += int(row["severity"] == "high")
    loads = [TeamLoad(team, *counts) for team, counts in acc.items()]
    return sorted(loads, key=lambda t: (-t.overdue, -t.active, t.team))


def founder_report(engine: Engine, week: str, now: datetime | None = None) -> FounderReport:
    """The one-pager's numbers for an ISO week (see the module docstring for which instant)."""
    as_of = report_instant(week, now)
    with reading(engine) as conn:
        kpis, tiles = _kpi_lines(conn, week, as_of)
        drifting = drifting_locations(conn, week)
        exposures = all_exposures(conn, as_of)
    accuracy = next((t.target for t in tiles if t.kpi.metric == ACCURACY), None)
    costed = [e.value for e in exposures if e.value is not None]
    return FounderReport(
        week=week,
        as_of=as_of,
        kpis=tuple(kpis),
        drifting=tuple(drifting),
        teams=tuple(team_loads(engine, as_of)),
        exposures=tuple(exposures[:TOP_EXPOSURES]),
        exposures_total=sum(costed, Decimal(0)),
        exposures_uncosted=len(exposures) - len(costed),
        currency=get_settings().currency,
        target_share=None if accuracy is None else float(accuracy.target),
    )

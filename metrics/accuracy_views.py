"""What the Inventory accuracy page shows, as typed values: weekly IRA and unit accuracy rows,
summed over chosen locations, the location × week cells, ABC classes, drift and the counts behind.

Rows are the metrics' own rows (inventory_record_accuracy, unit_accuracy): read from the stored
weekly aggregates when they hold the instant, else computed from raw cycle counts. A filtered
value is the metric's measure finished over the summed parts of the chosen keys (Σ accurate /
Σ counts), never an average of shares. Records come from metrics.drilldown.records_behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, Engine

from core.settings import Settings
from core.timeutil import week_label, week_start
from metrics.aggregates import stored_weekly_rows
from metrics.compute import compute_rows
from metrics.current import holding_state
from metrics.drilldown import records_behind
from metrics.kpis import load_targets
from metrics.model import MetricRow
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.summed import summed_row
from reports.founder_data import DriftingLocation, drifting_locations

IRA = "inventory_record_accuracy"
UNIT = "unit_accuracy"
ACCURACY_METRICS = (IRA, UNIT)
COUNT_COLUMNS = (
    "location",
    "counted_at",
    "sku",
    "abc_class",
    "counted_qty",
    "system_qty",
    "abs_diff",
    "accurate",
    "counted_by",
    "count_id",
)


def accuracy_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow]:
    """Every weekly row of the two accuracy metrics at as_of (aggregates when they hold it)."""
    chosen = settings or effective_settings(conn)
    if holding_state(conn, as_of, chosen) is not None:
        return stored_weekly_rows(conn, ACCURACY_METRICS)
    definitions = [metric(m) for m in ACCURACY_METRICS]
    return compute_rows(conn, as_of, definitions, chosen)


def targets(conn: Connection) -> tuple[float, float]:
    """The KPI targets (shares) of IRA and unit accuracy: stored rows, else the defaults."""
    found = load_targets(conn)
    return float(found[IRA].target), float(found[UNIT].target)


def weeks_between(start: date, end: date) -> tuple[str, ...]:
    """The ISO weeks that overlap the inclusive day range, oldest first."""
    monday = start - timedelta(days=start.weekday())
    found = []
    while monday <= end:
        found.append(week_of_day(monday))
        monday += timedelta(days=7)
    return tuple(found)


@dataclass(frozen=True)
class AccuracyWeek:
    """One ISO week: IRA (accurate counts / counts) and unit accuracy over the chosen locations."""

    week: str
    counts: int
    accurate: int
    ira: float | None
    unit_accuracy: float | None


def trend(
    rows: Sequence[MetricRow], weeks: Sequence[str], locations: Sequence[str] = ()
) -> list[AccuracyWeek]:
    """Per week of `weeks` with counts: IRA and unit accuracy, over `locations` (empty: all)."""
    chosen = set(locations)
    picked: dict[tuple[str, str], list[MetricRow]] = defaultdict(list)
    wanted = set(weeks)
    for row in rows:
        if row.week not in wanted:
            continue
        if (not chosen and row.dim == "all") or (
            chosen and row.dim == "location" and row.key in chosen
        ):
            picked[(row.metric, row.week)].append(row)
    found = []
    for week in weeks:
        ira, unit = (
            summed_row(picked.get((IRA, week), ())),
            summed_row(picked.get((UNIT, week), ())),
        )
        if ira is None or not ira.n:
            continue
        found.append(
            AccuracyWeek(
                week,
                ira.n,
                int(ira.num or 0),
                None if ira.value is None else float(ira.value),
                None if unit is None or unit.value is None else float(unit.value),
            )
        )
    return found


@dataclass(frozen=True)
class AccuracyCell:
    """IRA of one location in one week: accurate counts of counts."""

    location: str
    week: str
    counts: int
    accurate: int
    ira: float | None


def location_cells(
    rows: Sequence[MetricRow], weeks: Sequence[str], locations: Sequence[str] = ()
) -> list[AccuracyCell]:
    """The location × week cells of IRA in `weeks` (only `locations` when given), by location."""
    wanted, chosen = set(weeks), set(locations)
    cells = [
        AccuracyCell(str(r.key), str(r.week), r.n, int(r.num or 0),
                     None if r.value is None else float(r.value))
        for r in rows
        if r.metric == IRA and r.dim == "location" and r.week in wanted and r.n
        and (not chosen or r.key in chosen)
    ]  # fmt: skip
    return sorted(cells, key=lambda c: (c.location, c.week))


@dataclass(frozen=True)
class ClassAccuracy:
    """IRA of one ABC class (None: items with no class or unknown SKUs) over the chosen weeks."""

    abc_class: str | None
    counts: int
    accurate: int
    ira: float | None


def by_abc_class(
    rows: Sequence[MetricRow], weeks: Sequence[str], classes: Sequence[str] = ()
) -> list[ClassAccuracy]:
    """IRA per ABC class summed over `weeks` (only `classes` when given), A, B, C then no class."""
    wanted, chosen = set(weeks), set(classes)
    picked: dict[str | None, list[MetricRow]] = defaultdict(list)
    for row in rows:
        in_view = row.metric == IRA and row.dim == "abc_class" and row.week in wanted
        if in_view and (not chosen or row.key in chosen):
            picked[row.key].append(row)
    found = []
    for key, group in picked.items():
        total = summed_row(group)
        if total is not None and total.n:
            value = None if total.value is None else float(total.value)
            found.append(ClassAccuracy(key, total.n, int(total.num or 0), value))
    return sorted(found, key=lambda c: (c.abc_class is None, c.abc_class or ""))


def drifting(
    conn: Connection, week: str, locations: Sequence[str] = (), worst: int = 100
) -> list[DriftingLocation]:
    """Locations whose IRA fell: the founder report's drift (4 weeks ending `week` against the 4
    before, from the stored aggregates), kept to `locations` when given."""
    found = drifting_locations(conn, week, worst)
    return [d for d in found if not locations or d.location in locations]


def counts_behind(
    engine: Engine,
    as_of: datetime,
    weeks: Sequence[str],
    locations: Sequence[str] = (),
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The cycle counts behind a cell or a trend point: the IRA metric's records of those weeks,
    kept to `locations` (empty: all), newest week first, in COUNT_COLUMNS order."""
    frames = []
    for week in weeks:
        if len(locations) == 1:
            row = {"metric": IRA, "week": week, "dim": "location", "key": locations[0]}
        else:
            row = {"metric": IRA, "week": week, "dim": "all", "key": None}
        found = records_behind(engine, row, as_of, settings)
        if len(locations) > 1 and not found.empty:
            found = found[found["location"].isin(list(locations))]
        frames.append(found)
    kept = [f for f in frames if not f.empty]
    if not kept:
        return pd.DataFrame(columns=list(COUNT_COLUMNS))
    table = pd.concat(kept, ignore_index=True)
    return table[list(COUNT_COLUMNS)].reset_index(drop=True)


def week_of_day(day: date) -> str:
    """The ISO week label of a day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def previous_week(label: str) -> str:
    """The ISO week before a week label."""
    return week_label(week_start(label) - timedelta(days=7))

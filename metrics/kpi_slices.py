"""A KPI's rows for the chosen keys of its dimensions: Σ parts of the chosen keys, or the chosen records.

The aggregates keep, per week (or snapshot), an `all` row and one row per key of each dimension,
each with its additive parts. So a value filtered on one dimension is the chosen keys' parts
summed and finished (Σ num / Σ n for a ratio). Two dimensions at once, or a percentile of several
keys, are not in the aggregates: those are read from the metric's records (`records_rows`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime

from sqlalchemy import Connection, select

from core.timeutil import SECONDS_PER_DAY
from metrics.aggregates import WEEKS, day_of_week
from metrics.errors import MetricError
from metrics.facts import finish, load_facts
from metrics.model import Context, MetricDef, MetricRow, Part, Percentile, make_context
from metrics.registry import METRICS
from metrics.settings_store import effective_settings

# The dimensions the shared filters choose keys of, with their plain names.
DIMENSION_NAMES: dict[str, str] = {
    "channel": "channel",
    "location": "location",
    "abc_class": "ABC class",
    "category": "category",
}


DEFAULT_WEEKS = 12  # the default date range: this many whole ISO weeks up to the data's last day


@dataclass(frozen=True)
class KpiFilter:
    """The shared filters as the KPI board reads them: an inclusive day range (UTC), chosen keys
    per dimension (empty: all), and whether the dates are the person's choice (else the default)."""

    start: date
    end: date
    channel: tuple[str, ...] = ()
    location: tuple[str, ...] = ()
    abc_class: tuple[str, ...] = ()
    category: tuple[str, ...] = ()
    dated: bool = False

    def chosen(self) -> dict[str, tuple[str, ...]]:
        """The dimensions with chosen keys, in DIMENSION_NAMES order."""
        names = {f.name for f in fields(self)}
        return {d: getattr(self, d) for d in DIMENSION_NAMES if d in names and getattr(self, d)}


@dataclass(frozen=True)
class Split:
    """How one metric answers a filter: the chosen dimensions it has, and those it has not."""

    keys: Mapping[str, tuple[str, ...]]  # dimension -> chosen keys, for the metric's dimensions
    missing: tuple[str, ...]  # chosen dimensions the metric is not split by

    @property
    def from_records(self) -> bool:
        """Whether the aggregates cannot answer (two dimensions at once)."""
        return len(self.keys) > 1


def split_of(metric: MetricDef, chosen: Mapping[str, tuple[str, ...]]) -> Split:
    """Which of the chosen dimensions a metric is split by."""
    keys = {d: k for d, k in chosen.items() if d in metric.dims}
    return Split(keys, tuple(d for d in chosen if d not in metric.dims))


def percentile_of_several(metric: MetricDef, split: Split) -> bool:
    """Whether a percentile must be picked from the records (several keys of its dimension)."""
    return isinstance(metric.measure, Percentile) and any(len(k) > 1 for k in split.keys.values())


def sum_rows(
    metric: MetricDef, rows: Iterable[MetricRow], split: Split
) -> dict[str | None, MetricRow]:
    """Per week (None for a snapshot): the `all` row, or the chosen keys' parts summed and finished.

    `rows` are the metric's stored rows; only one dimension of `split.keys` may be chosen.
    """
    if split.from_records:
        raise MetricError(f"{metric.id}: two dimensions at once are read from the records")
    if not split.keys:
        return {row.week: row for row in rows if row.metric == metric.id and row.dim == "all"}
    ((dim, keys),) = split.keys.items()
    wanted = set(keys)
    sums: dict[str | None, dict[str, Part]] = {}
    days: dict[str | None, int | None] = {}
    for row in rows:
        if row.metric != metric.id or row.dim != dim or row.key not in wanted:
            continue
        acc = sums.setdefault(row.week, dict.fromkeys(metric.measure.parts, 0))
        for part in acc:
            acc[part] += row.parts.get(part, 0)
        days[row.week] = _day(row.week)
    label = ",".join(keys)
    return {week: finish(metric, (days[week], dim, label), acc) for week, acc in sums.items()}


def empty_row(metric: MetricDef, split: Split) -> MetricRow:
    """A snapshot row of chosen keys with nothing counted (every part 0)."""
    label = ";".join(f"{d}={','.join(k)}" for d, k in split.keys.items())
    return finish(metric, (None, "filtered", label), dict.fromkeys(metric.measure.parts, 0))


def filter_keys(conn: Connection, dims: Iterable[str]) -> dict[str, tuple[str, ...]]:
    """The keys the weekly aggregates of the KPIs hold for each of some dimensions, sorted."""
    wanted = list(dims)
    kpis = [m.id for m in METRICS if m.kpi is not None and m.weekly and set(m.dims) & set(wanted)]
    query = (
        select(WEEKS.c.dim, WEEKS.c.key)
        .where(WEEKS.c.metric.in_(kpis), WEEKS.c.dim.in_(wanted), WEEKS.c.key.is_not(None))
        .distinct()
    )
    found: dict[str, set[str]] = {d: set() for d in wanted}
    for dim, key in conn.execute(query):
        found[dim].add(str(key))
    return {d: tuple(sorted(keys)) for d, keys in found.items()}


def _day(week: str | None) -> int | None:
    return None if week is None else day_of_week(week)


def records_rows(
    conn: Connection,
    metric: MetricDef,
    split: Split,
    as_of: datetime,
    first_day: int,
    end_day: int,
) -> dict[str | None, MetricRow]:
    """Per week in [first_day, end_day): the metric's value over the records of the chosen keys,
    read from its source at the aggregates' instant (a percentile picked from the chosen records)."""
    ctx = make_context(
        as_of, effective_settings(conn), (first_day * SECONDS_PER_DAY, end_day * SECONDS_PER_DAY)
    )
    label = ";".join(f"{d}={','.join(k)}" for d, k in split.keys.items())
    if isinstance(metric.measure, Percentile):
        return _percentiles(conn, metric, split, ctx, label)
    sums: dict[int, dict[str, Part]] = {}
    for fact in load_facts(conn, metric.source, ctx):
        if all(fact[d] in keys for d, keys in split.keys.items()):
            acc = sums.setdefault(fact["wd"], dict.fromkeys(metric.measure.parts, 0))
            for part in acc:
                acc[part] += fact[part]
    rows = (finish(metric, (day, "filtered", label), acc) for day, acc in sums.items())
    return {row.week: row for row in rows}


def _percentiles(
    conn: Connection, metric: MetricDef, split: Split, ctx: Context, label: str
) -> dict[str | None, MetricRow]:
    measure = metric.measure
    if not isinstance(measure, Percentile) or metric.source.records is None:
        raise MetricError(f"{metric.id}: not a percentile of SQL records")
    rec = metric.source.records(ctx).subquery("records")
    query = select(rec.c.wd, rec.c.seconds).where(
        *(rec.c[d].in_(list(keys)) for d, keys in split.keys.items())
    )
    by_week: dict[int, list[int]] = {}
    for wd, seconds in conn.execute(query):
        by_week.setdefault(int(wd), []).append(int(seconds))
    rows = {}
    for day, values in by_week.items():
        values.sort()
        picked = values[measure.rank(len(values)) - 1]
        row = finish(metric, (day, "filtered", label), {"records": len(values), "seconds": picked})
        rows[row.week] = row
    return rows

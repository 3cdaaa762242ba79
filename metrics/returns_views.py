"""What the Returns page shows, as typed values: lag percentiles, open returns by age, black holes,
the handoff funnel and the returns behind each.

Lags are the return_lag metrics' records (metrics.returns.lag_records) of the chosen ISO weeks of
received_at and receiving locations; a percentile is the nearest rank (k = ⌈p·n⌉) of the chosen
rows' lags, never an average of per-location percentiles. Open and black-hole returns are the
open_returns records at as_of (a snapshot: every received date); their value is quantity ×
items.unit_cost where the return's SKU is an item with a cost. The funnel is
metrics.planning_board.handoff. Record tables are bounded by RECORD_LIMIT.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, func, or_, select

from core.schema import Item
from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, from_epoch, to_epoch, week_label, week_start
from metrics.handoff import Step, waiting_records
from metrics.kpis import load_targets
from metrics.model import Context, Percentile, Window, make_context
from metrics.planning_board import Handoff, handoff
from metrics.returns import lag_records, open_return_records
from metrics.settings_store import effective_settings

P50, P90 = Percentile(Fraction(1, 2)), Percentile(Fraction(9, 10))
LAG_P90 = "return_lag_p90_hours"
RECORD_LIMIT = 2000  # rows of a records-behind table (the page says when it is cut)
SECONDS_PER_HOUR = 3600
LAG_COLUMNS = ("location", "return_id", "order_id", "sku", "quantity", "channel", "received_at",
               "disposition", "disposition_at", "lag_hours")  # fmt: skip
OPEN_COLUMNS = ("location", "return_id", "order_id", "sku", "quantity", "channel", "received_at",
                "condition", "refunded_at", "age_days", "black_hole", "unit_cost", "value")  # fmt: skip
WAITING_COLUMNS = ("step", "channel_pair", "location", "return_id", "order_id", "sku", "units",
                   "received_at", "condition", "disposition", "refunded_at", "age_days")  # fmt: skip


@dataclass(frozen=True)
class AgeBucket:
    """Open returns whose age in whole days is in [low, high) (high None: no upper bound)."""

    label: str
    low: int
    high: int | None

    def holds(self, age_days: float) -> bool:
        """Whether an age (days, fractional) falls in this bucket."""
        return age_days >= self.low and (self.high is None or age_days < self.high)


# Age = as_of − received_at; 2 days 23 hours is still "0–2 days" (whole days elapsed).
AGE_BUCKETS: tuple[AgeBucket, ...] = (
    AgeBucket("0–2 days", 0, 3),
    AgeBucket("3–6 days", 3, 7),
    AgeBucket("7–13 days", 7, 14),
    AgeBucket("14–29 days", 14, 30),
    AgeBucket("30+ days", 30, None),
)


def _context(conn: Connection, as_of: datetime, settings: Settings | None) -> Context:
    return make_context(as_of, settings or effective_settings(conn))


def window_of(weeks: Sequence[str]) -> Window:
    """[Monday of the first week, Monday after the last) in epoch seconds."""
    start = week_start(weeks[0])
    return to_epoch(start), to_epoch(week_start(weeks[-1]) + timedelta(days=7))


def nearest_rank(seconds: Sequence[int | float], rule: Percentile) -> float | None:
    """The nearest-rank percentile of lags in seconds, in hours (None without values)."""
    if not seconds:
        return None
    ordered = sorted(seconds)
    return float(ordered[rule.rank(len(ordered)) - 1]) / SECONDS_PER_HOUR


@dataclass(frozen=True)
class LagSample:
    """One dispositioned return: the ISO week it was received, where, and its lag in seconds."""

    week: str
    location: str | None
    seconds: float


@dataclass(frozen=True)
class LagGroup:
    """Lag percentiles of a group of returns (a week or a location): p50 and p90 in hours."""

    key: str | None
    returns: int
    p50_hours: float | None
    p90_hours: float | None


def lag_samples(
    conn: Connection,
    as_of: datetime,
    weeks: Sequence[str],
    locations: Sequence[str] = (),
    settings: Settings | None = None,
) -> list[LagSample]:
    """The lags of returns received in `weeks` at `locations` (empty: all), dispositioned by as_of."""
    if not weeks:
        return []
    ctx = make_context(as_of, (settings or effective_settings(conn)), window_of(weeks))
    rec = lag_records(ctx).subquery("lags")
    query = select(rec.c.wd, rec.c.location, rec.c.seconds)
    if locations:
        query = query.where(at_locations(rec.c.location, locations))
    return [
        LagSample(week_label(from_epoch(int(wd) * SECONDS_PER_DAY)), location, float(seconds))
        for wd, location, seconds in conn.execute(query)
    ]


def _groups(samples: Sequence[LagSample], key_of: Any) -> list[LagGroup]:
    grouped: dict[str | None, list[float]] = defaultdict(list)
    for sample in samples:
        grouped[key_of(sample)].append(sample.seconds)
    return [
        LagGroup(key, len(values), nearest_rank(values, P50), nearest_rank(values, P90))
        for key, values in sorted(grouped.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))
    ]


def lag_by_week(samples: Sequence[LagSample]) -> list[LagGroup]:
    """p50 and p90 per ISO week received, over the samples' locations together, oldest first."""
    return _groups(samples, lambda s: s.week)


def lag_by_location(samples: Sequence[LagSample]) -> list[LagGroup]:
    """p50 and p90 per receiving location over every chosen week (no location last)."""
    return _groups(samples, lambda s: s.location)


def lag_target(conn: Connection) -> float:
    """The return lag p90 KPI target in hours (stored, else the default)."""
    return float(load_targets(conn)[LAG_P90].target)


def black_hole_days(conn: Connection) -> int:
    """Days after which a refunded, undispositioned return is a black hole (setting)."""
    return int(effective_settings(conn).black_hole_days)


def lag_returns(
    conn: Connection,
    as_of: datetime,
    weeks: Sequence[str],
    locations: Sequence[str] = (),
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The dispositioned returns behind a lag point or bar (longest lag first), LAG_COLUMNS."""
    if not weeks:
        return pd.DataFrame(columns=list(LAG_COLUMNS))
    ctx = make_context(as_of, (settings or effective_settings(conn)), window_of(weeks))
    rec = lag_records(ctx).subquery("lags")
    query = select(rec).order_by(rec.c.seconds.desc(), rec.c.return_id).limit(RECORD_LIMIT)
    if locations:
        query = query.where(at_locations(rec.c.location, locations))
    table = _frame(conn, query)
    table["lag_hours"] = [float(s) / SECONDS_PER_HOUR for s in table["seconds"]]
    return table[list(LAG_COLUMNS)]


def at_locations(column: Any, locations: Sequence[str]) -> ColumnElement[bool]:
    """The column is one of the locations ("" stands for no receiving location)."""
    named = [loc for loc in locations if loc]
    condition = column.in_(named)
    return or_(condition, column.is_(None), column == "") if "" in locations else condition


def _frame(conn: Connection, query: Select[Any]) -> pd.DataFrame:
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _open_query(ctx: Context, locations: Sequence[str]) -> Select[Any]:
    rec = open_return_records(ctx).subquery("open_returns")
    items = Item.__table__
    query = select(rec, items.c.unit_cost).select_from(
        rec.outerjoin(items, items.c.sku == rec.c.sku)
    )
    if locations:
        query = query.where(rec.c.location.in_(list(locations)))
    return query


def _with_age_and_value(table: pd.DataFrame, ctx: Context) -> pd.DataFrame:
    received = pd.to_datetime(table["received_at"], utc=True)
    ages = [(ctx.now - to_epoch(t.to_pydatetime())) / SECONDS_PER_DAY for t in received]
    costs = [None if pd.isna(c) else Decimal(str(c)) for c in table["unit_cost"]]
    return table.assign(
        age_days=ages,
        unit_cost=costs,
        value=[
            None if c is None else c * int(q) for c, q in zip(costs, table["quantity"], strict=True)
        ],
    )


def open_returns(
    conn: Connection,
    as_of: datetime,
    locations: Sequence[str] = (),
    settings: Settings | None = None,
) -> pd.DataFrame:
    """Returns received by as_of and not dispositioned, at `locations` (empty: all), OPEN_COLUMNS,
    oldest first; age_days is as_of − received_at, value quantity × unit_cost (None: no cost)."""
    ctx = _context(conn, as_of, settings)
    table = _frame(conn, _open_query(ctx, locations))
    if table.empty:
        return pd.DataFrame(columns=list(OPEN_COLUMNS))
    table = _with_age_and_value(table, ctx)[list(OPEN_COLUMNS)]
    return table.sort_values(["age_days", "return_id"], ascending=[False, True], kind="stable")


@dataclass(frozen=True)
class AgeCount:
    """Open returns of one age bucket: how many and their units."""

    bucket: AgeBucket
    returns: int
    units: int


def age_counts(table: pd.DataFrame) -> list[AgeCount]:
    """Every bucket of AGE_BUCKETS (empty ones included) with the open returns in it."""
    found = []
    for bucket in AGE_BUCKETS:
        inside = table[[bucket.holds(float(a)) for a in table["age_days"]]] if len(table) else table
        found.append(
            AgeCount(bucket, len(inside), int(inside["quantity"].sum()) if len(inside) else 0)
        )
    return found


def in_bucket(table: pd.DataFrame, label: str) -> pd.DataFrame:
    """The open returns of the bucket named `label`."""
    (bucket,) = [b for b in AGE_BUCKETS if b.label == label]
    return table[[bucket.holds(float(a)) for a in table["age_days"]]].reset_index(drop=True)


def black_holes(table: pd.DataFrame) -> pd.DataFrame:
    """The black-hole returns among open ones: received ≤ as_of − 7 days (setting), refunded."""
    return table[table["black_hole"].astype(int) > 0].reset_index(drop=True)


def total_value(table: pd.DataFrame) -> tuple[Decimal, int]:
    """Σ value of the returns with a known cost, and how many have none."""
    known = [v for v in table["value"] if v is not None and not pd.isna(v)]
    return sum(known, Decimal(0)), len(table) - len(known)


def funnel(
    conn: Connection,
    as_of: datetime,
    locations: Sequence[str] = (),
    channels: Sequence[str] = (),
    settings: Settings | None = None,
) -> Handoff:
    """The returns handoff at as_of (the Planning page's), kept to receiving locations and channels."""
    return handoff(conn, as_of, (), settings, locations=locations, channels=channels)


def waiting_returns(
    conn: Connection,
    as_of: datetime,
    step: str,
    locations: Sequence[str] = (),
    channels: Sequence[str] = (),
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The returns waiting at a handoff step (oldest first, at most RECORD_LIMIT), WAITING_COLUMNS."""
    waiting = waiting_records(_context(conn, as_of, settings)).subquery("waiting")
    query = select(waiting).where(waiting.c.step == step)
    if locations:
        query = query.where(waiting.c.location.in_(list(locations)))
    if channels:
        query = query.where(waiting.c.channel.in_(list(channels)))
    query = query.order_by(waiting.c.age_seconds.desc(), waiting.c.return_id).limit(RECORD_LIMIT)
    table = _frame(conn, query)
    if table.empty:
        return pd.DataFrame(columns=list(WAITING_COLUMNS))
    return table[list(WAITING_COLUMNS)]


@dataclass(frozen=True)
class PairCount:
    """Returns waiting at one step from one channel pair (return channel → location type)."""

    step: str
    channel_pair: str
    returns: int
    units: int


def step_pairs(
    conn: Connection,
    as_of: datetime,
    locations: Sequence[str] = (),
    channels: Sequence[str] = (),
    settings: Settings | None = None,
) -> list[PairCount]:
    """The handoff by step and channel pair (the returns_waiting records grouped), by pair."""
    waiting = waiting_records(_context(conn, as_of, settings)).subquery("waiting")
    query = select(
        waiting.c.step, waiting.c.channel_pair, func.count(), func.sum(waiting.c.units)
    ).group_by(waiting.c.step, waiting.c.channel_pair)
    if locations:
        query = query.where(waiting.c.location.in_(list(locations)))
    if channels:
        query = query.where(waiting.c.channel.in_(list(channels)))
    found = [PairCount(str(s), str(p), int(n), int(u or 0)) for s, p, n, u in conn.execute(query)]
    order = {step.value: i for i, step in enumerate(Step)}
    return sorted(found, key=lambda c: (c.channel_pair, order.get(c.step, len(order))))

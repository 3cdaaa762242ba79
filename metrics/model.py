"""The vocabulary of metric declarations: evaluation context, measures, sources, definitions, rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, Select

from core.settings import Settings, get_settings
from core.timeutil import to_epoch

Parts = Mapping[str, int]
Value = int | float | None
Finished = tuple[Value, int, int | None]
Window = tuple[int, int]  # [start, end) in epoch seconds, both Monday 00:00 UTC
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Context:
    """What every metric is evaluated against: the instant `as_of` (UTC) and the settings."""

    as_of: datetime
    settings: Settings
    window: Window | None = None  # only the ISO weeks in [start, end) epoch seconds; None: all
    orders: Select[Any] | None = None  # only the orders this query selects (order metrics)

    @property
    def now(self) -> int:
        """`as_of` in epoch seconds: an event at exactly this second has happened."""
        return to_epoch(self.as_of)


def make_context(
    as_of: datetime,
    settings: Settings | None = None,
    window: Window | None = None,
    orders: Select[Any] | None = None,
) -> Context:
    """A context for an instant (naive means UTC), with the process settings by default."""
    aware = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    return Context(aware.astimezone(UTC), settings or get_settings(), window, orders)


class Shape(StrEnum):
    """How a metric's rows are formed from its source's facts."""

    ROLLUP = "rollup"  # `all` plus one row per key of each dimension, parts summed
    WEEK_SHARE = "week_share"  # per key seen: its count against the whole week's count
    PIVOT = "pivot"  # one row per named part of the week (the keys are fixed, e.g. checks)
    PERCENTILE = "percentile"  # nearest-rank percentile picked in the database per group


@dataclass(frozen=True)
class Ratio:
    """value = num / den; n = den; num = num (e.g. accurate counts / counts)."""

    num: str
    den: str = "records"

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return (self.num, self.den)

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        n, k = parts[self.den], parts[self.num]
        return (k / n if n else None, n, k)


@dataclass(frozen=True)
class UnitAccuracy:
    """value = max(0, 1 − Σ abs diff / Σ system), null when Σ system = 0; n = records."""

    abs_diff: str = "abs_diff"
    system: str = "system_qty"

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return ("records", self.abs_diff, self.system)

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        total = parts[self.system]
        value = None if total == 0 else max(0.0, 1 - parts[self.abs_diff] / total)
        return (value, parts["records"], None)


@dataclass(frozen=True)
class Count:
    """value = n = a count of records (snapshot counts); num null."""

    part: str = "records"

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return (self.part,)

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        return (parts[self.part], parts[self.part], None)


@dataclass(frozen=True)
class CountOf:
    """value = a count out of a total; n = the total; num = an optional third part."""

    count: str
    total: str
    num: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return (self.count, self.total, *((self.num,) if self.num else ()))

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        return (parts[self.count], parts[self.total], parts[self.num] if self.num else None)


@dataclass(frozen=True)
class Percentile:
    """Nearest-rank percentile p of a group's values (seconds), given in hours; not additive."""

    p: Fraction

    @property
    def parts(self) -> tuple[str, ...]:
        """What a percentile row keeps: its group size and the picked value in seconds."""
        return ("records", "seconds")

    def rank(self, n: int) -> int:
        """k = ⌈p·n⌉ in integers."""
        return (self.p.numerator * n + self.p.denominator - 1) // self.p.denominator

    def finish(self, parts: Parts) -> Finished:
        """value (hours, exact division of seconds), n, num."""
        return (parts["seconds"] / SECONDS_PER_HOUR, parts["records"], None)


Measure = Ratio | UnitAccuracy | Count | CountOf | Percentile
RecordQuery = Callable[[Context], Select[Any]]
RecordLoader = Callable[[Connection, Context], list[dict[str, Any]]]


@dataclass(frozen=True)
class Source:
    """Record-level rows (SQL, or loaded in Python) with `wd`, dimension columns and additive parts.

    `wd` is the day number of the Monday of the record's ISO week; `records` (a count) is implicit.
    """

    name: str
    dims: tuple[str, ...]
    parts: tuple[str, ...]
    records: RecordQuery | None = None
    load: RecordLoader | None = None
    weekly: bool = True
    order_by: tuple[str, ...] = ()


@dataclass(frozen=True)
class MetricDef:
    """One metric of SPEC section 3, declared once."""

    id: str
    definition: str
    source: Source
    time_column: str | None  # whose ISO week a row is; None: a snapshot at as_of
    dims: tuple[str, ...]
    measure: Measure
    shape: Shape = Shape.ROLLUP
    always_all: bool = False  # the `all` row exists even when its n is 0
    drill_part: str | None = None  # drill-down keeps the records where this part > 0
    pivot: tuple[tuple[str, str], ...] = field(default=())  # PIVOT: (key, part) in key order

    @property
    def weekly(self) -> bool:
        """Whether rows are per ISO week (else one snapshot at as_of)."""
        return self.time_column is not None


@dataclass(frozen=True)
class MetricRow:
    """One output row, with the additive parts it was finished from (for re-aggregation)."""

    metric: str
    week: str | None
    dim: str
    key: str | None
    value: Value
    n: int
    num: int | None
    parts: Parts = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The row of `metrics --json`."""
        return {
            "metric": self.metric,
            "week": self.week,
            "dim": self.dim,
            "key": self.key,
            "value": self.value,
            "n": self.n,
            "num": self.num,
        }

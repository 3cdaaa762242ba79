"""The vocabulary of metric declarations: evaluation context, measures, sources, definitions, rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, Select

from core.settings import Settings, get_settings
from core.timeutil import to_epoch
from metrics.kpi_spec import KpiSpec

Part = int | Fraction  # additive parts are integers, or exact fractions (sums of floats)
Parts = Mapping[str, Part]
Value = int | float | None
Num = int | float | None
Finished = tuple[Value, int, Num]
MONEY_SCALE = 4  # money parts count units of 10⁻⁴ (unit_cost is a NUMERIC(14, 4))
Window = tuple[int, int]  # [start, end) in epoch seconds, both Monday 00:00 UTC
SECONDS_PER_HOUR = 3600


@dataclass(frozen=True)
class Context:
    """What every metric is evaluated against: the instant `as_of` (UTC) and the settings."""

    as_of: datetime
    settings: Settings
    window: Window | None = None  # only the ISO weeks in [start, end) epoch seconds; None: all
    orders: Select[Any] | None = None  # only the orders this query selects (order metrics)
    held: bool = False  # book units and demand days read from the aggregates (they hold as_of)

    @property
    def now(self) -> int:
        """`as_of` in epoch seconds: an event at exactly this second has happened."""
        return to_epoch(self.as_of)


def make_context(
    as_of: datetime,
    settings: Settings | None = None,
    window: Window | None = None,
    orders: Select[Any] | None = None,
    held: bool = False,
) -> Context:
    """A context for an instant (naive means UTC), with the process settings by default."""
    aware = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
    return Context(aware.astimezone(UTC), settings or get_settings(), window, orders, held)


class Family(StrEnum):
    """Weekly families: the metrics whose weekly rows a refresh recomputes together, named by the
    timestamp that anchors their records to an ISO week (metrics.touched says what touches each)."""

    COUNTS = "counts"  # counted_at of the cycle count
    ORDERS = "orders"  # placed_at of the order, regrouped from per-order facts (metric_order_facts)
    RETURNS = "returns"  # received_at of the return
    ITEMS = "items"  # created_at of the item
    EVENTS = "events"  # occurred_at of the integration event
    ORDER_WEEKS = "order_weeks"  # placed_at of the order, recomputed per week from raw rows
    DISPOSITIONS = "dispositions"  # disposition_at of the return


class Keeping(StrEnum):
    """How the aggregates keep a snapshot metric's rows between refreshes."""

    UNFILLED_ORDERS = "unfilled_orders"  # counted at any instant from the facts' unfilled orders
    OPEN_RETURNS = "open_returns"  # counted at any instant from the open returns kept
    STOCK = "stock"  # recomputed when stock, mappings, items or bundles change, else kept
    EVERY_REFRESH = "every_refresh"  # recomputed at every refresh; a kept set answers its instant


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
    """value = n = a count of records (snapshot counts); num null, or a second part's sum."""

    part: str = "records"
    num: str | None = None

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return (self.part, *((self.num,) if self.num else ()))

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        return (parts[self.part], parts[self.part], parts[self.num] if self.num else None)


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
class CountWithAmount:
    """value = a count out of a total (n); num = an exact amount given as a float (e.g. units short)."""

    count: str
    total: str
    amount: str

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return (self.count, self.total, self.amount)

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        return (parts[self.count], parts[self.total], float(parts[self.amount]))


@dataclass(frozen=True)
class UnitsWithValue:
    """value = units; n = records; num = their money value (a float of the exact decimal), null
    when none of the records counted has a unit cost."""

    units: str
    valued: str  # records counted that have a unit cost
    value: str  # Σ units × unit cost, in units of 10⁻⁴

    @property
    def parts(self) -> tuple[str, ...]:
        """The additive parts this measure reads."""
        return ("records", self.units, self.valued, self.value)

    def finish(self, parts: Parts) -> Finished:
        """value, n, num of summed parts."""
        money = None if not parts[self.valued] else float(money_of(int(parts[self.value])))
        return (parts[self.units], parts["records"], money)


def money_of(scaled: int) -> Decimal:
    """The exact decimal amount of a money part (units of 10⁻⁴)."""
    return Decimal(scaled).scaleb(-MONEY_SCALE)


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


Measure = Ratio | UnitAccuracy | Count | CountOf | CountWithAmount | UnitsWithValue | Percentile
RecordQuery = Callable[[Context], Select[Any]]
RecordLoader = Callable[[Connection, Context], list[dict[str, Any]]]


@dataclass(frozen=True)
class Source:
    """Record-level rows (SQL, or loaded in Python) with `wd`, dimension columns and additive parts.

    `wd` is the day number of the Monday of the record's ISO week; `records` (a count) is implicit.
    A drill-down reads `drill` (SQL) or `drill_load` (Python) instead when given: other records
    behind the same rows (e.g. the lines of the orders counted), with the dimension columns.
    """

    name: str
    dims: tuple[str, ...]
    parts: tuple[str, ...]
    records: RecordQuery | None = None
    load: RecordLoader | None = None
    weekly: bool = True
    order_by: tuple[str, ...] = ()
    drill: RecordQuery | None = None
    drill_load: RecordLoader | None = None


@dataclass(frozen=True)
class MetricDef:
    """One metric of SPEC section 3 or 3.1, declared once with all the product needs of it.

    `family` is where the aggregates keep it: a weekly Family, or a snapshot's Keeping; `kpi`
    makes it a KPI with its default target; `section` is the SPEC section it belongs to.
    """

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
    kpi: KpiSpec | None = None  # watched as a KPI on the Overview, with its default target
    family: Family | Keeping = field(kw_only=True)
    section: str = field(default="3", kw_only=True)

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
    num: Num
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


def parts_to_json(parts: Parts) -> dict[str, int | str]:
    """Parts as stored in JSON: integers as they are, fractions as "numerator/denominator"."""
    return {
        name: value if isinstance(value, int) else f"{value.numerator}/{value.denominator}"
        for name, value in parts.items()
    }


def parts_from_json(stored: Mapping[str, Any]) -> dict[str, Part]:
    """Parts read back from JSON (the inverse of parts_to_json)."""
    return {
        str(name): Fraction(value) if isinstance(value, str) else int(value)
        for name, value in stored.items()
    }

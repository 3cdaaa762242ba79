"""The output row of SPEC section 3, ISO weeks, grouping by week and dimension, the sort order, settings."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

DAY = 86400
HOUR = 3600

# "It prints exactly these metric ids" — the table of section 3, then the table of section 3.1.
SECTION3_METRICS = (
    "inventory_record_accuracy",
    "unit_accuracy",
    "split_order_rate",
    "multi_location_rate",
    "reroute_rate",
    "fill_rate",
    "stalled_orders",
    "return_lag_p50_hours",
    "return_lag_p90_hours",
    "open_returns",
    "black_hole_returns",
    "sku_quality_rate",
    "sku_check_failures",
    "integration_failure_rate",
    "integration_failures",
    "stock_discrepancies",
    "unmapped_system_skus",
)
SECTION31_METRICS = (
    "raw_demand_units",
    "fulfillable_demand_units",
    "recovered_units",
    "dead_stock_units",
    "stranded_units",
    "safety_stock_shortfalls",
    "bundle_availability_breaches",
    "returns_waiting",
)
METRIC_ORDER = SECTION3_METRICS + SECTION31_METRICS

Row = dict[str, Any]
Finish = Callable[[list[Any]], tuple[Any, int, Any]]


@dataclass(frozen=True)
class ChannelPlanning:
    """A channel's service level p, lead time L and lead-time standard deviation σL (days)."""

    service_level: float
    lead_time_days: int
    lead_time_sd_days: int


@dataclass(frozen=True)
class Settings:
    """The thresholds SPEC names as settings, at their defaults."""

    # "tol by the item's abc_class: A 0, B 0.02, C 0.05, empty or unknown item 0"
    tolerance: dict[str, Fraction] = field(
        default_factory=lambda: {"A": Fraction(0), "B": Fraction("0.02"), "C": Fraction("0.05")}
    )
    stalled_hours: int = 48
    black_hole_days: int = 7
    naming_pattern: str = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
    # "Book: per location, the system that owns warehouse stock (default `wms`, configurable per location)"
    book_system: str = "wms"
    book_by_location: dict[str, str] = field(default_factory=dict)
    dead_days: int = 90
    window_days: int = 56
    # "defaults shopify 0.95 / 14 / 3, amazon 0.98 / 21 / 7, pos 0.90 / 7 / 2, wholesale 0.99 / 28 / 5"
    planning: dict[str, ChannelPlanning] = field(
        default_factory=lambda: {
            "shopify": ChannelPlanning(0.95, 14, 3),
            "amazon": ChannelPlanning(0.98, 21, 7),
            "pos": ChannelPlanning(0.90, 7, 2),
            "wholesale": ChannelPlanning(0.99, 28, 5),
        }
    )
    # "any other 0.95 / 14 / 3"
    planning_other: ChannelPlanning = ChannelPlanning(0.95, 14, 3)

    def book_of(self, location_id: str) -> str:
        """The book system of a location."""
        return self.book_by_location.get(location_id, self.book_system)


def iso_week(epoch_seconds: int) -> str:
    """`YYYY-Www`: "the ISO week (Monday start, UTC) of the timestamp"."""
    year, week, _ = (
        datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch_seconds)
    ).isocalendar()
    return f"{year}-W{week:02d}"


def iso_z(epoch_seconds: int) -> str:
    """An instant written in UTC with `Z`, to the second."""
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(seconds=epoch_seconds)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def row(
    metric: str, week: str | None, dim: str, key: str | None, value: Any, n: int, num: Any
) -> Row:
    """`{"metric", "week", "dim", "key", "value", "n", "num"}`."""
    return {
        "metric": metric,
        "week": week,
        "dim": dim,
        "key": key,
        "value": value,
        "n": n,
        "num": num,
    }


def ratio(numerator: int | Fraction, denominator: int) -> float:
    """A ratio printed as a float (the float nearest the exact quotient)."""
    return float(Fraction(numerator) / denominator)


def money(amount: Decimal | None) -> float | None:
    """A money column: "a JSON number (the float nearest the exact decimal)" (READINGS item 7)."""
    return None if amount is None else float(amount)


def group_rows(
    metric: str,
    facts: Iterable[tuple[str | None, dict[str, str | None], Any]],
    dims: tuple[str, ...],
    finish: Finish,
    *,
    always_all: bool = False,
) -> list[Row]:
    """Rows of one metric from facts (week or None for a snapshot, {dim: key}, fact).

    Every fact is in its week's `all` group and in one group per named dimension.
    "A row appears only when its n > 0", except that with always_all the snapshot's `all` row exists.
    """
    groups: dict[tuple[str | None, str, str | None], list[Any]] = {}
    if always_all:
        groups[(None, "all", None)] = []
    for week, keys, fact in facts:
        groups.setdefault((week, "all", None), []).append(fact)
        for dim in dims:
            groups.setdefault((week, dim, keys[dim]), []).append(fact)
    rows = []
    for (week, dim, key), group in groups.items():
        value, n, num = finish(group)
        if n > 0 or (always_all and dim == "all"):
            rows.append(row(metric, week, dim, key, value, n, num))
    return rows


def sort_key(r: Row) -> tuple[Any, ...]:
    """SPEC: "Rows are sorted by metric (table order), then week (null first), then `all` before other
    dims, then dim name, then key (null first)" — keys in Python string order (READINGS item 11)."""
    return (
        METRIC_ORDER.index(r["metric"]),
        r["week"] is not None,
        r["week"] or "",
        r["dim"] != "all",
        r["dim"],
        r["key"] is not None,
        r["key"] or "",
    )

"""The return metrics of SPEC section 3: lag percentiles, open returns, black-hole returns."""

from __future__ import annotations

import math
from fractions import Fraction

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Return
from tests.spec_oracle.rows import DAY, HOUR, Row, Settings, group_rows, iso_week


def received(r: Return, as_of: int) -> bool:
    """SPEC: "Received means received_at ≤ as_of"."""
    return r.received_at is not None and r.received_at <= as_of


def dispositioned(r: Return, as_of: int) -> bool:
    """SPEC: "dispositioned means disposition_at ≤ as_of (the disposition word is not used)"."""
    return r.disposition_at is not None and r.disposition_at <= as_of


def refunded(r: Return, as_of: int) -> bool:
    """SPEC: "refunded means refunded_at ≤ as_of"."""
    return r.refunded_at is not None and r.refunded_at <= as_of


def nearest_rank(sorted_values: list[Fraction], p: Fraction) -> Fraction:
    """SPEC: "Nearest-rank percentile p of n sorted values x₁ ≤ … ≤ xₙ is x_k with k = ⌈p·n⌉"."""
    k = math.ceil(p * len(sorted_values))
    return sorted_values[k - 1]


def _lag_rows(data: Data, as_of: int, metric: str, p: Fraction) -> list[Row]:
    """The percentile p of lag hours of dispositioned returns, by week of received_at."""
    facts = []
    for r in data.all("returns"):
        if received(r, as_of) and dispositioned(r, as_of):
            # "Lag hours are exact: (disposition_at − received_at) in seconds / 3600, not rounded."
            lag = Fraction(r.disposition_at - r.received_at, HOUR)
            keys = {"location": r.receiving_location_id}
            facts.append((iso_week(r.received_at), keys, lag))

    def finish(group: list[Fraction]) -> tuple[float, int, None]:
        return float(nearest_rank(sorted(group), p)), len(group), None

    return group_rows(metric, facts, ("location",), finish)


def return_lag_p50_hours(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """Nearest-rank p50 of lag hours by week of received_at; dims location (receiving)."""
    return _lag_rows(data, as_of, "return_lag_p50_hours", Fraction(1, 2))


def return_lag_p90_hours(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """Nearest-rank p90 of lag hours by week of received_at; dims location (receiving)."""
    return _lag_rows(data, as_of, "return_lag_p90_hours", Fraction(9, 10))


def _count(group: list[Return]) -> tuple[int, int, None]:
    return len(group), len(group), None


def open_returns(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """Snapshot: "received, no disposition yet"; value = n; `all` always."""
    facts = [
        (None, {"location": r.receiving_location_id}, r)
        for r in data.all("returns")
        if received(r, as_of) and not dispositioned(r, as_of)
    ]
    return group_rows("open_returns", facts, ("location",), _count, always_all=True)


def black_hole_returns(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """Snapshot: "received ≤ as_of − 7 days, refunded, no disposition yet" (inclusive)."""
    line = as_of - settings.black_hole_days * DAY
    facts = [
        (None, {"location": r.receiving_location_id}, r)
        for r in data.all("returns")
        if received(r, line) and refunded(r, as_of) and not dispositioned(r, as_of)
    ]
    return group_rows("black_hole_returns", facts, ("location",), _count, always_all=True)

"""Return lag percentiles, open returns and black-hole returns on hand-made returns."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import get_engine
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

P50, P90 = "return_lag_p50_hours", "return_lag_p90_hours"
OPEN, BLACK = "open_returns", "black_hole_returns"
W2, W3, W4 = "2026-W02", "2026-W03", "2026-W04"
HEADER = (
    "return_id,quantity,receiving_location_id,received_at,disposition_at,refunded_at,disposition"
)
# as_of 2026-01-21T09:30:00Z; black-hole line (7 days before) 2026-01-14T09:30:00Z.
RETURNS = [
    # W02, dispositioned: lags 48.5, 10, 24, 24, 6 hours
    ("R1", 1, "DC1", "2026-01-05T00:00:00Z", "2026-01-07T00:30:00Z", "", "restock"),
    ("R2", 1, "DC1", "2026-01-06T00:00:00Z", "2026-01-06T10:00:00Z", "", "restock"),
    ("R3", 1, "STORE1", "2026-01-07T00:00:00Z", "2026-01-08T00:00:00Z", "", "write_off"),
    ("R4", 1, "STORE1", "2026-01-08T00:00:00Z", "2026-01-09T00:00:00Z", "", "restock"),
    ("R5", 1, "STORE1", "2026-01-09T00:00:00Z", "2026-01-09T06:00:00Z", "", ""),
    # W03
    (
        "R6",
        1,
        "",
        "2026-01-12T00:00:00Z",
        "2026-01-12T01:00:00Z",
        "",
        "restock",
    ),  # 1 h, no location
    ("R7", 1, "DC1", "2026-01-13T00:00:00Z", "2026-01-21T09:30:01Z", "2026-01-13T12:00:00Z", ""),
    ("R8", 1, "DC1", "2026-01-14T09:30:00Z", "", "2026-01-15T00:00:00Z", ""),  # exactly 7 days
    ("R9", 1, "DC1", "2026-01-14T09:30:01Z", "", "2026-01-15T00:00:00Z", ""),  # 1 s short of 7 days
    # W02 receipts still open
    ("R10", 1, "STORE1", "2026-01-10T00:00:00Z", "", "", ""),  # not refunded
    ("R11", 1, "STORE1", "2026-01-10T00:00:00Z", "", "2026-01-21T09:30:01Z", ""),  # refund later
    # not received by as_of
    ("R12", 1, "STORE1", "2026-01-21T09:30:01Z", "", "2026-01-05T00:00:00Z", ""),
    ("R13", 1, "STORE1", "", "", "2026-01-05T00:00:00Z", ""),
    # W04: dispositioned exactly at as_of, 33.5 h
    ("R14", 1, "STORE1", "2026-01-20T00:00:00Z", "2026-01-21T09:30:00Z", "", "restock"),
    # W01, no location, refunded, open: a black hole
    ("R15", 1, "", "2026-01-02T00:00:00Z", "", "2026-01-03T00:00:00Z", ""),
]


@pytest.fixture
def returns_db(db_url: str, tmp_path: Path) -> str:
    load(db_url, tmp_path / "data", returns=(HEADER, RETURNS))
    return db_url


@pytest.mark.hand_worked("return_lag_p50_hours", "return_lag_p90_hours")
def test_return_lag_percentiles(returns_db: str) -> None:
    # W02 all, sorted: 6, 10, 24, 24, 48.5 (n 5): p50 k = ceil(2.5) = 3 -> 24; p90 k = ceil(4.5) = 5.
    # DC1: 10, 48.5 (n 2): p50 k = 1 -> 10; p90 k = ceil(1.8) = 2 -> 48.5.
    # STORE1: 6, 24, 24 (n 3): p50 k = ceil(1.5) = 2 -> 24 (a tie); p90 k = ceil(2.7) = 3 -> 24.
    # W03: R6 only (R7's disposition is after as_of): 1 h, no location. W04: R14 33.5 h.
    assert rows_of(returns_db, P50, P90) == [
        row(P50, W2, "all", None, 24.0, 5, None),
        row(P50, W2, "location", "DC1", 10.0, 2, None),
        row(P50, W2, "location", "STORE1", 24.0, 3, None),
        row(P50, W3, "all", None, 1.0, 1, None),
        row(P50, W3, "location", None, 1.0, 1, None),
        row(P50, W4, "all", None, 33.5, 1, None),
        row(P50, W4, "location", "STORE1", 33.5, 1, None),
        row(P90, W2, "all", None, 48.5, 5, None),
        row(P90, W2, "location", "DC1", 48.5, 2, None),
        row(P90, W2, "location", "STORE1", 24.0, 3, None),
        row(P90, W3, "all", None, 1.0, 1, None),
        row(P90, W3, "location", None, 1.0, 1, None),
        row(P90, W4, "all", None, 33.5, 1, None),
        row(P90, W4, "location", "STORE1", 33.5, 1, None),
    ]


@pytest.mark.hand_worked("open_returns", "black_hole_returns")
def test_open_and_black_hole_returns(returns_db: str) -> None:
    # Open (received by as_of, no disposition by as_of): R7 R8 R9 (DC1), R10 R11 (STORE1), R15 (none).
    # Black holes (received <= Jan 14 09:30, refunded by as_of): R7, R8 (DC1), R15 (none);
    # not R9 (1 s late), R10 (no refund), R11 (refund after as_of).
    assert rows_of(returns_db, OPEN, BLACK) == [
        row(OPEN, None, "all", None, 6, 6, None),
        row(OPEN, None, "location", None, 1, 1, None),
        row(OPEN, None, "location", "DC1", 3, 3, None),
        row(OPEN, None, "location", "STORE1", 2, 2, None),
        row(BLACK, None, "all", None, 3, 3, None),
        row(BLACK, None, "location", None, 1, 1, None),
        row(BLACK, None, "location", "DC1", 2, 2, None),
    ]


def test_snapshot_all_rows_exist_with_zero(db_url: str, tmp_path: Path) -> None:
    # Only a dispositioned return: nothing open, yet the `all` rows are there with 0.
    load(db_url, tmp_path / "data", returns=(HEADER, [RETURNS[0]]))
    assert rows_of(db_url, OPEN, BLACK) == [
        row(OPEN, None, "all", None, 0, 0, None),
        row(BLACK, None, "all", None, 0, 0, None),
    ]


def test_returns_behind_rows(returns_db: str) -> None:
    engine = get_engine(returns_db)

    def ids(metric: str, week: str | None, dim: str, key: str | None) -> list[str]:
        frame = records_behind(engine, row(metric, week, dim, key, None, 0, None), AS_OF)
        return list(frame["return_id"])

    assert ids(P90, W2, "location", "STORE1") == ["R5", "R3", "R4"]  # by lag, then id
    assert ids(P50, W2, "all", None) == ["R5", "R2", "R3", "R4", "R1"]
    assert ids(OPEN, None, "location", "DC1") == ["R7", "R8", "R9"]
    assert ids(BLACK, None, "location", None) == ["R15"]
    assert ids(BLACK, None, "all", None) == ["R15", "R7", "R8"]
    lag = records_behind(engine, row(P90, W2, "location", "DC1", None, 0, None), AS_OF)
    assert [s / 3600 for s in lag["seconds"]] == [10.0, 48.5]

"""integration_failure_rate and integration_failures; ISO week-year boundaries and offsets."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.db import get_engine
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

RATE, FAILS = "integration_failure_rate", "integration_failures"
W2, W3, W4 = "2026-W02", "2026-W03", "2026-W04"
HEADER = "event_id,occurred_at,integration,status,error_type"
EVENTS = [
    # +05:30 on Monday Jan 12 local is Sunday Jan 11 19:30 UTC: W02
    ("E10", "2026-01-12T01:00:00+05:30", "pos", "failed", "validation_error"),
    # W03
    ("E1", "2026-01-12T08:00:00Z", "shopify", "success", ""),
    ("E2", "2026-01-12T09:00:00Z", "shopify", "failed", "timeout"),
    ("E3", "2026-01-13T09:00:00Z", "shopify", "failed", "timeout"),
    ("E4", "2026-01-14T09:00:00Z", "amazon", "failed", "unmapped_sku"),
    ("E5", "2026-01-14T10:00:00Z", "amazon", "success", ""),
    ("E6", "2026-01-15T10:00:00Z", "amazon", "failed", ""),  # failed without a type
    ("E7", "2026-01-16T10:00:00Z", "amazon", "success", "stale_sync"),  # a success: not a failure
    # W04: exactly at as_of counts; one second later does not
    ("E8", "2026-01-21T09:30:00Z", "shopify", "success", ""),
    ("E9", "2026-01-21T09:30:01Z", "shopify", "failed", "timeout"),
]


@pytest.mark.hand_worked("integration_failure_rate", "integration_failures")
def test_integration_metrics(db_url: str, tmp_path: Path) -> None:
    load(db_url, tmp_path / "data", integration_events=(HEADER, EVENTS))
    assert rows_of(db_url, RATE, FAILS) == [
        row(RATE, W2, "all", None, 1.0, 1, 1),
        row(RATE, W2, "integration", "pos", 1.0, 1, 1),
        row(RATE, W3, "all", None, 4 / 7, 7, 4),  # E2 E3 E4 E6 of E1..E7
        row(RATE, W3, "integration", "amazon", 2 / 4, 4, 2),  # E4 E6 of E4..E7
        row(RATE, W3, "integration", "shopify", 2 / 3, 3, 2),  # E2 E3 of E1..E3
        row(RATE, W4, "all", None, 0.0, 1, 0),  # E8
        row(RATE, W4, "integration", "shopify", 0.0, 1, 0),
        # only types seen among failed events; n = failed events of the week
        row(FAILS, W2, "error_type", "validation_error", 1, 1, None),
        row(FAILS, W3, "error_type", None, 1, 4, None),  # E6
        row(FAILS, W3, "error_type", "timeout", 2, 4, None),
        row(FAILS, W3, "error_type", "unmapped_sku", 1, 4, None),
    ]
    engine = get_engine(db_url)
    behind = records_behind(engine, row(FAILS, W3, "error_type", "timeout", 2, 4, None), AS_OF)
    assert list(behind["event_id"]) == ["E2", "E3"]
    behind = records_behind(engine, row(RATE, W3, "integration", "amazon", 0.5, 4, 2), AS_OF)
    assert list(behind["event_id"]) == ["E4", "E6"]


def test_iso_week_year_boundaries(db_url: str, tmp_path: Path) -> None:
    events = [
        ("Y1", "2024-12-30T00:00:00Z", "erp", "success", ""),  # Monday of 2025-W01
        ("Y2", "2025-12-28T23:59:59Z", "erp", "success", ""),  # Sunday of 2025-W52
        ("Y3", "2026-01-01T12:00:00Z", "erp", "success", ""),  # Thursday of 2026-W01
        ("Y4", "2027-01-01T00:00:00Z", "erp", "success", ""),  # Friday of 2026-W53
        ("Y5", "2027-01-04T01:00:00+02:00", "erp", "success", ""),  # Sun Jan 3 23:00 UTC: 2026-W53
        ("Y6", "2027-01-04T00:00:00Z", "erp", "success", ""),  # Monday of 2027-W01
    ]
    load(db_url, tmp_path / "data", integration_events=(HEADER, events))
    as_of = datetime(2027, 2, 1, tzinfo=UTC)
    weeks = [(r["week"], r["n"]) for r in rows_of(db_url, RATE, as_of=as_of) if r["dim"] == "all"]
    assert weeks == [
        ("2025-W01", 1),
        ("2025-W52", 1),
        ("2026-W01", 1),
        ("2026-W53", 2),
        ("2027-W01", 1),
    ]

"""inventory_record_accuracy and unit_accuracy on a hand-made set of cycle counts."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from core.db import get_engine
from core.settings import get_settings
from metrics import combine_weeks, compute_rows, records_behind
from metrics.compute import reading
from tests.test_metrics_common import AS_OF, load, row, rows_of

IRA, UA = "inventory_record_accuracy", "unit_accuracy"
COUNT_HEADER = "count_id,counted_at,location_id,sku,system_qty,counted_qty"
COUNTS = [
    # 2026-W02 (Jan 5-11)
    (
        "c12",
        "2026-01-06T08:00:00Z",
        "STORE2",
        "N1",
        0,
        3,
    ),  # no class: tol 0, system 0 -> inaccurate
    ("c13", "2026-01-07T08:00:00Z", "DC2", "A1", 2, 9),  # A: 7 off -> inaccurate
    # 2026-W03 (Jan 12-18)
    ("c1", "2026-01-12T08:00:00Z", "DC1", "B1", 100, 102),  # B: 2 = exactly 2 % -> accurate
    ("c2", "2026-01-12T09:00:00Z", "DC1", "B1", 100, 97),  # B: 3 > 2 -> inaccurate
    ("c3", "2026-01-13T08:00:00Z", "DC1", "C1", 40, 38),  # C: 2 = exactly 5 % of 40 -> accurate
    ("c4", "2026-01-13T09:00:00Z", "DC1", "C1", 40, 43),  # C: 3 > 2 -> inaccurate
    ("c5", "2026-01-14T08:00:00Z", "STORE1", "A1", 10, 10),  # A exact -> accurate
    ("c6", "2026-01-14T09:00:00Z", "STORE1", "A1", 10, 11),  # A: tol 0 -> inaccurate
    ("c7", "2026-01-15T08:00:00Z", "STORE1", "N1", 0, 0),  # empty class, 0 = 0 -> accurate
    ("c8", "2026-01-15T09:00:00Z", "STORE1", "X9", 0, 1),  # unknown SKU: tol 0 -> inaccurate
    # +05:30 on Monday Jan 19 local is Sunday Jan 18 21:30 UTC: still W03. B, system 0, counted 0.
    ("c9", "2026-01-19T03:00:00+05:30", "STORE1", "B1", 0, 0),
    # 2026-W04: exactly at as_of counts; one second later does not
    ("c11", "2026-01-21T09:30:00Z", "DC1", "A1", 5, 5),
    ("c10", "2026-01-21T09:30:01Z", "DC1", "A1", 5, 0),
]
ITEMS = [
    ("A1", "A", "active", "2025-06-01T00:00:00Z"),
    ("B1", "B", "active", "2025-06-01T00:00:00Z"),
    ("C1", "C", "active", "2025-06-01T00:00:00Z"),
    ("N1", "", "active", "2025-06-01T00:00:00Z"),
]


@pytest.fixture
def counts_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        items=("sku,abc_class,lifecycle_status,created_at", ITEMS),
        cycle_counts=(COUNT_HEADER, COUNTS),
    )
    return db_url


@pytest.mark.hand_worked("inventory_record_accuracy")
def test_inventory_record_accuracy(counts_db: str) -> None:
    w2, w3, w4 = "2026-W02", "2026-W03", "2026-W04"
    assert rows_of(counts_db, IRA) == [
        # W02: c12, c13 both inaccurate
        row(IRA, w2, "all", None, 0 / 2, 2, 0),
        row(IRA, w2, "abc_class", None, 0.0, 1, 0),  # c12
        row(IRA, w2, "abc_class", "A", 0.0, 1, 0),  # c13
        row(IRA, w2, "location", "DC2", 0.0, 1, 0),
        row(IRA, w2, "location", "STORE2", 0.0, 1, 0),
        # W03: 9 counts, accurate c1 c3 c5 c7 c9
        row(IRA, w3, "all", None, 5 / 9, 9, 5),
        row(IRA, w3, "abc_class", None, 1 / 2, 2, 1),  # c7 (empty class) ok, c8 (unknown) not
        row(IRA, w3, "abc_class", "A", 1 / 2, 2, 1),  # c5 ok, c6 not
        row(IRA, w3, "abc_class", "B", 2 / 3, 3, 2),  # c1, c9 ok; c2 not
        row(IRA, w3, "abc_class", "C", 1 / 2, 2, 1),  # c3 ok, c4 not
        row(IRA, w3, "location", "DC1", 2 / 4, 4, 2),  # c1..c4
        row(IRA, w3, "location", "STORE1", 3 / 5, 5, 3),  # c5..c9
        # W04: c11 only (c10 is after as_of)
        row(IRA, w4, "all", None, 1.0, 1, 1),
        row(IRA, w4, "abc_class", "A", 1.0, 1, 1),
        row(IRA, w4, "location", "DC1", 1.0, 1, 1),
    ]


@pytest.mark.hand_worked("unit_accuracy")
def test_unit_accuracy(counts_db: str) -> None:
    w2, w3, w4 = "2026-W02", "2026-W03", "2026-W04"
    assert rows_of(counts_db, UA) == [
        # W02: abs 3 + 7 = 10 over system 0 + 2 = 2 -> 1 - 5 < 0 -> 0
        row(UA, w2, "all", None, 0.0, 2, None),
        row(UA, w2, "location", "DC2", 0.0, 1, None),  # 1 - 7/2 < 0
        row(UA, w2, "location", "STORE2", None, 1, None),  # Σ system = 0 -> null
        # W03: abs 2+3+2+3+0+1+0+1+0 = 12 over 100+100+40+40+10+10+0+0+0 = 300
        row(UA, w3, "all", None, 1 - 12 / 300, 9, None),
        row(UA, w3, "location", "DC1", 1 - 10 / 280, 4, None),
        row(UA, w3, "location", "STORE1", 1 - 2 / 20, 5, None),
        row(UA, w4, "all", None, 1.0, 1, None),
        row(UA, w4, "location", "DC1", 1.0, 1, None),
    ]


def test_tolerances_come_from_the_settings(counts_db: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # B at 1 %: c1 (2 off 100) becomes inaccurate; c9 (0 of 0) stays accurate -> B 1/3, all 4/9.
    monkeypatch.setenv("INVGOV_TOLERANCE_B", "0.01")
    get_settings.cache_clear()
    w3 = [r for r in rows_of(counts_db, IRA) if r["week"] == "2026-W03"]
    assert w3[0] == row(IRA, "2026-W03", "all", None, 4 / 9, 9, 4)
    assert w3[3] == row(IRA, "2026-W03", "abc_class", "B", 1 / 3, 3, 1)


def test_counts_behind_a_row(counts_db: str) -> None:
    engine = get_engine(counts_db)
    ira_null = row(IRA, "2026-W03", "abc_class", None, 0.5, 2, 1)
    frame = records_behind(engine, ira_null, AS_OF)
    assert frame[["count_id", "accurate"]].values.tolist() == [["c7", 1], ["c8", 0]]
    store = row(UA, "2026-W03", "location", "STORE1", 0.9, 5, None)
    assert list(records_behind(engine, store, AS_OF)["count_id"]) == ["c5", "c6", "c7", "c8", "c9"]


def test_weeks_combine_as_sums_not_averages(counts_db: str) -> None:
    with reading(get_engine(counts_db)) as conn:
        rows = compute_rows(conn, AS_OF)
    weekly = [r for r in rows if r.metric == IRA and r.week in ("2026-W02", "2026-W03")]
    combined = {(r.dim, r.key): (r.value, r.n, r.num) for r in combine_weeks(weekly)}
    # all: (0 + 5) / (2 + 9); class A: (0 + 1) / (1 + 2)
    assert combined[("all", None)] == (5 / 11, 11, 5)
    assert combined[("abc_class", "A")] == (1 / 3, 3, 1)


@pytest.mark.hand_worked("inventory_record_accuracy")
def test_an_item_created_after_as_of_is_unknown_to_accuracy(db_url: str, tmp_path: Path) -> None:
    # READINGS item 0: the count of an item created after as_of takes tolerance 0 and key null.
    load(
        db_url,
        tmp_path / "data",
        items=(
            "sku,abc_class,lifecycle_status,created_at",
            [
                ("B-LATE", "B", "active", "2026-01-21T09:30:01Z"),  # one second after as_of
                ("B-NOW", "B", "active", "2026-01-21T09:30:00Z"),  # exactly at as_of: known
            ],
        ),
        cycle_counts=(
            COUNT_HEADER,
            [
                # 2 off 100 = exactly 2 %: accurate for a known B item, not for an unknown one
                ("k1", "2026-01-20T08:00:00Z", "DC1", "B-LATE", 100, 102),
                ("k2", "2026-01-20T09:00:00Z", "DC1", "B-NOW", 100, 102),
            ],
        ),
    )
    w4 = "2026-W04"
    # all: k2 accurate, k1 not -> 1/2; B-LATE is unknown -> key null (0/1); B-NOW class B (1/1).
    assert rows_of(db_url, IRA) == [
        row(IRA, w4, "all", None, 1 / 2, 2, 1),
        row(IRA, w4, "abc_class", None, 0.0, 1, 0),
        row(IRA, w4, "abc_class", "B", 1.0, 1, 1),
        row(IRA, w4, "location", "DC1", 1 / 2, 2, 1),
    ]
    # A second later B-LATE exists: both counts are B items within 2 % -> 2/2.
    later = AS_OF + timedelta(seconds=1)
    assert rows_of(db_url, IRA, as_of=later)[:2] == [
        row(IRA, w4, "all", None, 1.0, 2, 2),
        row(IRA, w4, "abc_class", "B", 1.0, 2, 2),
    ]

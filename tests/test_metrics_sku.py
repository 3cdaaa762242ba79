"""sku_quality_rate and sku_check_failures on a hand-made item master."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import get_engine
from core.settings import get_settings
from metrics import records_behind
from metrics.sku_checks import is_gtin
from tests.test_metrics_common import AS_OF, load, row, rows_of

RATE, FAIL = "sku_quality_rate", "sku_check_failures"
W2, W3, W4 = "2026-W02", "2026-W03", "2026-W04"
HEADER = "sku,name,category,brand,barcode,lifecycle_status,created_at,approved_at,size"
ITEMS = [
    # W02
    ("TEE-BLK-M", "Tee", "apparel", "Acme", "4006381333931", "active", "2026-01-05T00:00:00Z",
     "2026-01-06T00:00:00Z", "M"),  # passes all
    ("tee-wht-m", "Tee", "apparel", "Acme", "73513537", "active", "2026-01-05T01:00:00Z",
     "2026-01-06T00:00:00Z", ""),  # naming (lower case)
    ("MUG-01", "Mug", "homeware", "", "036000291452", "draft", "2026-01-06T00:00:00Z",
     "", ""),  # required (no brand); draft needs no approval
    ("MUG-02", "Mug", "homeware", "Acme", "4006381333932", "active", "2026-01-07T00:00:00Z",
     "2026-01-21T09:30:01Z", ""),  # valid (check digit), approved (after as_of)
    # W03
    ("BAG-1", "Bag", "", "Acme", "98412345678908", "active", "2026-01-12T00:00:00Z",
     "2026-01-12T00:00:00Z", ""),  # required (no category), unique (BAG-2)
    ("BAG-2", "Bag", "bags", "Acme", "98412345678908", "retired", "2026-01-13T00:00:00Z",
     "", ""),  # unique; retired needs no approval
    ("BAG-3", "Bag", "bags", "Acme", "4006-381333931", "active", "2026-01-14T00:00:00Z",
     "", ""),  # valid (not digits only), approved (none)
    ("BAG 4", "Bag", "bags", "Acme", "", "active", "2026-01-15T00:00:00Z",
     "2026-01-15T00:00:00Z", ""),  # naming (space), required (no barcode)
    # W04: created exactly at as_of (included) and one second later (ignored, even its barcode)
    ("EDGE-1", "Edge", "apparel", "Acme", "12345670", "draft", "2026-01-21T09:30:00Z", "", ""),
    ("FUTURE-1", "", "", "", "4006381333931", "active", "2026-01-21T09:30:01Z", "", ""),
]  # fmt: skip


@pytest.fixture
def items_db(db_url: str, tmp_path: Path) -> str:
    load(db_url, tmp_path / "data", items=(HEADER, ITEMS))
    return db_url


@pytest.mark.hand_worked("sku_quality_rate")
def test_sku_quality_rate(items_db: str) -> None:
    # W02: only TEE-BLK-M passes of 4; W03: none of 4 passes; W04: EDGE-1 passes.
    assert rows_of(items_db, RATE) == [
        row(RATE, W2, "all", None, 1 / 4, 4, 1),
        row(RATE, W2, "category", "apparel", 1 / 2, 2, 1),
        row(RATE, W2, "category", "homeware", 0 / 2, 2, 0),
        row(RATE, W3, "all", None, 0 / 4, 4, 0),
        row(RATE, W3, "category", None, 0.0, 1, 0),  # BAG-1 has no category
        row(RATE, W3, "category", "bags", 0.0, 3, 0),
        row(RATE, W4, "all", None, 1.0, 1, 1),
        row(RATE, W4, "category", "apparel", 1.0, 1, 1),
    ]


@pytest.mark.hand_worked("sku_check_failures")
def test_sku_check_failures_lists_all_five_checks_per_week(items_db: str) -> None:
    def week(
        label: str, n: int, approved: int, naming: int, required: int, unique: int, valid: int
    ):
        return [
            row(FAIL, label, "check", "approved", approved, n, None),
            row(FAIL, label, "check", "naming_convention", naming, n, None),
            row(FAIL, label, "check", "required_attributes", required, n, None),
            row(FAIL, label, "check", "unique_barcode", unique, n, None),
            row(FAIL, label, "check", "valid_barcode", valid, n, None),
        ]

    assert rows_of(items_db, FAIL) == [
        *week(
            W2, 4, approved=1, naming=1, required=1, unique=0, valid=1
        ),  # MUG-02; tee; MUG-01; -; MUG-02
        *week(
            W3, 4, approved=1, naming=1, required=2, unique=2, valid=1
        ),  # BAG-3; BAG 4; 1+4; 1+2; 3
        *week(W4, 1, approved=0, naming=0, required=0, unique=0, valid=0),
    ]


def test_configured_extras_and_naming_pattern(
    items_db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # apparel also needs `size` (an extra column of items.csv): tee-wht-m and EDGE-1 lack it.
    # A pattern allowing lower case and spaces: tee-wht-m and BAG 4 now pass naming.
    monkeypatch.setenv("INVGOV_REQUIRED_ATTRIBUTES_BY_CATEGORY", '{"apparel": ["size"]}')
    monkeypatch.setenv("INVGOV_SKU_NAMING_PATTERN", "^[A-Za-z0-9 ]+(-[A-Za-z0-9]+)*$")
    get_settings.cache_clear()
    by_key = {(r["week"], r["key"]): r["value"] for r in rows_of(items_db, FAIL)}
    assert by_key[(W2, "required_attributes")] == 2  # MUG-01, tee-wht-m
    assert by_key[(W2, "naming_convention")] == 0
    assert by_key[(W3, "naming_convention")] == 0
    assert by_key[(W4, "required_attributes")] == 1  # EDGE-1


def test_failing_skus_behind_a_check(items_db: str) -> None:
    engine = get_engine(items_db)
    unique = records_behind(engine, row(FAIL, W3, "check", "unique_barcode", 2, 4, None), AS_OF)
    assert list(unique["sku"]) == ["BAG-1", "BAG-2"]
    assert list(unique["failed_checks"]) == [
        "required_attributes, unique_barcode",
        "unique_barcode",
    ]
    homeware = records_behind(engine, row(RATE, W2, "category", "homeware", 0.0, 2, 0), AS_OF)
    assert list(homeware["sku"]) == ["MUG-01", "MUG-02"]


@pytest.mark.parametrize(
    ("barcode", "valid"),
    [
        ("73513537", True),  # GTIN-8
        ("036000291452", True),  # GTIN-12 (UPC-A)
        ("4006381333931", True),  # GTIN-13
        ("98412345678908", True),  # GTIN-14
        ("4006381333932", False),  # wrong check digit
        ("400638133393", False),  # 12 digits, wrong check digit
        ("4006-381333931", False),  # separators are not digits
        ("1234567", False),  # 7 digits
        ("０３６０００２９１４５２", False),  # full-width digits are not ASCII digits
    ],
)
def test_gtin(barcode: str, valid: bool) -> None:
    assert is_gtin(barcode) is valid

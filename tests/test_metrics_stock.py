"""stock_discrepancies and unmapped_system_skus on hand-made snapshots of several systems."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from core.db import get_engine
from core.settings import get_settings
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

DISC, UNMAPPED = "stock_discrepancies", "unmapped_system_skus"
STOCK_HEADER = "as_of,system,location_id,system_sku,status,quantity"
ITEMS = [
    ("SKU-A", "active", "2026-01-01T00:00:00Z"),
    ("SKU-B", "active", "2026-01-01T00:00:00Z"),
    ("SKU-C", "active", "2026-01-01T00:00:00Z"),
    ("SKU-D", "active", "2026-01-01T00:00:00Z"),
    ("SKU-LATE", "active", "2026-01-22T00:00:00Z"),  # created after as_of
]
MAPPINGS = [
    ("wms", "W-A", "SKU-A"),
    ("shopify", "shop-a", "SKU-A"),
    ("shopify", "shop-a2", "SKU-A"),
    ("shopify", "SKU-B", "SKU-C"),  # a mapping wins even over a canonical SKU of the same name
]
D19, D20, LATE = "2026-01-19T00:00:00Z", "2026-01-20T00:00:00Z", "2026-01-21T10:00:00Z"
STOCK = [
    # the book (wms) at DC1
    (D19, "wms", "DC1", "W-A", "sellable", 10),  # older snapshot of SKU-A
    (D19, "wms", "DC1", "SKU-B", "sellable", 5),  # missing from the newer snapshot: keeps 5
    (D20, "wms", "DC1", "W-A", "sellable", 8),  # SKU-A: 8
    (D20, "wms", "DC1", "SKU-C", "sellable", 4),
    (D20, "wms", "DC1", "SKU-C", "reserved", 3),  # not sellable
    (LATE, "wms", "DC1", "W-A", "sellable", 100),  # after as_of
    (D20, "wms", "DC1", "ZZZ-UNK", "sellable", 7),  # resolves to nothing
    (D20, "wms", "STORE1", "SKU-A", "damaged", 2),  # wms has no sellable row at STORE1
    # shopify at DC1
    ("2026-01-18T00:00:00Z", "shopify", "DC1", "shop-a", "sellable", 50),  # older: ignored
    (D20, "shopify", "DC1", "shop-a", "sellable", 9),  # SKU-A: 9 + 1 = 10
    (D20, "shopify", "DC1", "shop-a2", "sellable", 1),
    (D20, "shopify", "DC1", "SKU-B", "sellable", 4),  # mapped to SKU-C
    (D20, "shopify", "DC1", "SKU-D", "sellable", 2),  # canonical SKU
    (D20, "shopify", "DC1", "SKU-LATE", "sellable", 1),  # item created after as_of: unresolved
    (D20, "shopify", "DC1", "sku-a", "sellable", 1),  # case differs: unresolved
    # amazon: sellable only at STORE1 (no book there), reserved at DC1: never compared
    (D20, "amazon", "STORE1", "SKU-A", "sellable", 3),
    (D20, "amazon", "DC1", "SKU-A", "reserved", 1),
    ("2026-01-22T00:00:00Z", "amazon", "DC1", "AMZ-FUTURE", "sellable", 1),  # after as_of
    # pos at DC1: one sellable row of quantity 0, unresolvable, is enough to be compared
    (D20, "pos", "DC1", "POS-XX", "sellable", 0),
]


@pytest.fixture
def stock_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at", ITEMS),
        sku_mappings=("system,system_sku,sku", MAPPINGS),
        stock_levels=(STOCK_HEADER, STOCK),
    )
    return db_url


@pytest.mark.hand_worked("stock_discrepancies")
def test_stock_discrepancies(stock_db: str) -> None:
    # Book at DC1 (wms): SKU-A 8, SKU-B 5, SKU-C 4.
    # shopify at DC1: SKU-A 10 vs 8 (over 2), SKU-B 0 vs 5, SKU-C 4 vs 4, SKU-D 2 vs 0 (over 2)
    #   -> 4 pairs, 3 differ, 4 units overstated.
    # pos at DC1: nothing resolvable -> SKU-A 0/8, SKU-B 0/5, SKU-C 0/4 -> 3 pairs, 3 differ, 0 over.
    assert rows_of(stock_db, DISC) == [
        row(DISC, None, "all", None, 3 + 3, 4 + 3, 4 + 0),
        row(DISC, None, "system", "pos", 3, 3, 0),
        row(DISC, None, "system", "shopify", 3, 4, 4),
    ]


@pytest.mark.hand_worked("unmapped_system_skus")
def test_unmapped_system_skus(stock_db: str) -> None:
    # Distinct system SKUs of rows with as_of <= as_of, any status:
    # amazon SKU-A (1 seen, 0 unmapped); pos POS-XX (1, 1);
    # shopify shop-a shop-a2 SKU-B SKU-D SKU-LATE sku-a (6, 2: SKU-LATE, sku-a);
    # wms W-A SKU-B SKU-C ZZZ-UNK SKU-A (5, 1: ZZZ-UNK).
    assert rows_of(stock_db, UNMAPPED) == [
        row(UNMAPPED, None, "all", None, 0 + 1 + 2 + 1, 1 + 1 + 6 + 5, None),
        row(UNMAPPED, None, "system", "amazon", 0, 1, None),
        row(UNMAPPED, None, "system", "pos", 1, 1, None),
        row(UNMAPPED, None, "system", "shopify", 2, 6, None),
        row(UNMAPPED, None, "system", "wms", 1, 5, None),
    ]


def test_records_behind_stock_rows(stock_db: str) -> None:
    engine = get_engine(stock_db)
    shopify = records_behind(engine, row(DISC, None, "system", "shopify", 3, 4, 4), AS_OF)
    assert shopify[
        ["location", "sku", "system_qty", "book_system", "book_qty"]
    ].values.tolist() == [
        ["DC1", "SKU-A", 10, "wms", 8],
        ["DC1", "SKU-B", 0, "wms", 5],
        ["DC1", "SKU-D", 2, "wms", 0],
    ]
    unmapped = records_behind(engine, row(UNMAPPED, None, "all", None, 4, 13, None), AS_OF)
    assert unmapped[["system", "system_sku"]].values.tolist() == [
        ["pos", "POS-XX"],
        ["shopify", "SKU-LATE"],
        ["shopify", "sku-a"],
        ["wms", "ZZZ-UNK"],
    ]


def test_book_system_per_location(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_BOOK_SYSTEM_BY_LOCATION", '{"STORE1": "pos"}')
    get_settings.cache_clear()
    stock = [
        (D20, "wms", "DC1", "SKU-A", "sellable", 5),  # book at DC1
        (D20, "pos", "DC1", "SKU-A", "sellable", 4),  # pos vs wms: differs
        (D20, "pos", "STORE1", "SKU-A", "sellable", 2),  # book at STORE1
        (D20, "wms", "STORE1", "SKU-A", "sellable", 3),  # wms vs pos: differs, 1 over
        (D20, "shopify", "STORE1", "SKU-A", "sellable", 2),  # shopify vs pos: equal
    ]
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at", ITEMS[:1]),
        stock_levels=(STOCK_HEADER, stock),
    )
    assert rows_of(db_url, DISC) == [
        row(DISC, None, "all", None, 2, 3, 1),
        row(DISC, None, "system", "pos", 1, 1, 0),
        row(DISC, None, "system", "shopify", 0, 1, 0),
        row(DISC, None, "system", "wms", 1, 1, 1),
    ]


def test_discrepancy_records_carry_the_oversell_exposure(db_url: str, tmp_path: Path) -> None:
    load(
        db_url,
        tmp_path / "data",
        items=(
            "sku,lifecycle_status,created_at,unit_cost",
            [
                ("SKU-A", "active", "2026-01-01T00:00:00Z", "3.25"),
                ("SKU-B", "active", "2026-01-01T00:00:00Z", "7"),
                ("SKU-D", "active", "2026-01-01T00:00:00Z", ""),
            ],
        ),
        stock_levels=(
            STOCK_HEADER,
            [
                (D20, "wms", "DC1", "SKU-A", "sellable", 8),
                (D20, "wms", "DC1", "SKU-B", "sellable", 5),
                (D20, "shopify", "DC1", "SKU-A", "sellable", 10),  # 2 over × 3.25 = 6.50
                (D20, "shopify", "DC1", "SKU-B", "sellable", 1),  # under: 0 over × 7 = 0
                (D20, "shopify", "DC1", "SKU-D", "sellable", 2),  # 2 over, no unit cost
            ],
        ),
    )
    frame = records_behind(get_engine(db_url), row(DISC, None, "system", "shopify", 3, 3, 4), AS_OF)
    assert frame[["sku", "overstated", "oversell_exposure"]].values.tolist() == [
        ["SKU-A", 2, Decimal("6.50")],
        ["SKU-B", 0, Decimal("0")],
        ["SKU-D", 2, None],
    ]
    assert rows_of(db_url, DISC)[0] == row(DISC, None, "all", None, 3, 3, 4)  # format unchanged

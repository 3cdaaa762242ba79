"""dead_stock_units and stranded_units on hand-made book stock, items and shipments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from core.db import get_engine
from metrics import records_behind
from metrics.compute import reading
from metrics.dead_stock import stock_positions
from metrics.model import make_context
from tests.test_metrics_common import AS_OF, load, row, rows_of

DEAD, STRANDED = "dead_stock_units", "stranded_units"
CUTOFF = "2025-10-23T09:30:00Z"  # AS_OF − 90 days
OLD = "2025-06-01T00:00:00Z"
ITEMS = [
    # sku, lifecycle_status, created_at, unit_cost
    ("EXACT-90", "active", CUTOFF, "2.50"),  # created exactly 90 days before: can be dead
    ("YOUNG", "active", "2025-10-23T09:30:01Z", "9"),  # one second younger: never dead
    ("EDGE", "active", OLD, "1.1050"),  # last shipped exactly at the 90-day line: dead
    ("SOLD", "active", OLD, "3"),  # shipped one second inside the window: not dead
    ("LATER", "active", OLD, ""),  # shipped after as_of only (and long ago): dead, no cost
    ("RET", "retired", OLD, "4"),
    ("DRAFT", "draft", OLD, ""),
]
STOCK = [
    # as_of, system, location, system_sku, status, quantity (wms is the book everywhere)
    ("2026-01-10T00:00:00Z", "wms", "DC1", "EXACT-90", "sellable", 50),  # older snapshot
    ("2026-01-20T00:00:00Z", "wms", "DC1", "EXACT-90", "sellable", 10),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "YOUNG", "sellable", 5),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "EDGE", "sellable", 3),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "SOLD", "sellable", 7),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "LATER", "sellable", 2),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "RET", "sellable", 4),
    ("2026-01-20T00:00:00Z", "wms", "DC1", "W-NOITEM", "sellable", 6),  # mapped, no item
    ("2026-01-20T00:00:00Z", "wms", "DC1", "RET", "reserved", 40),  # not sellable
    ("2026-01-20T00:00:00Z", "shopify", "DC1", "EXACT-90", "sellable", 100),  # not the book
    ("2026-01-19T00:00:00Z", "wms", "STORE1", "EXACT-90", "sellable", 1),
    ("2026-01-19T00:00:00Z", "wms", "STORE1", "DRAFT", "sellable", 8),
    ("2026-01-19T00:00:00Z", "wms", "STORE1", "EDGE", "sellable", -2),  # negative: not counted
    ("2026-01-19T00:00:00Z", "wms", "STORE1", "YOUNG", "sellable", 0),  # zero: not counted
    ("2026-01-21T09:30:01Z", "wms", "STORE1", "RET", "sellable", 9),  # after as_of
]
ORDERS = [("O1", "shopify", "2025-09-01T00:00:00Z"), ("O2", "shopify", "2025-09-01T00:00:00Z")]
LINES = [
    ("O1", "L1", "EDGE", 1),
    ("O1", "L2", "SOLD", 1),
    ("O1", "L3", "LATER", 1),
    ("O2", "L1", "LATER", 1),
]
SHIPMENTS = [
    ("S1", "O1", "L1", "DC1", CUTOFF, 1),  # exactly at the line: outside (as_of − 90 d, as_of]
    ("S2", "O1", "L2", "DC1", "2025-10-23T09:30:01Z", 1),  # inside (placed_at is not consulted)
    ("S3", "O1", "L3", "DC1", "2025-09-15T00:00:00Z", 1),
    ("S4", "O2", "L1", "DC1", "2026-01-21T09:30:01Z", 1),  # after as_of
    ("S5", "O2", "L9", "DC1", "2026-01-10T00:00:00Z", 1),  # an unknown line has no sku
]


@pytest.fixture
def stock_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at,unit_cost", ITEMS),
        sku_mappings=("system,system_sku,sku", [("wms", "W-NOITEM", "NOITEM")]),
        stock_levels=("as_of,system,location_id,system_sku,status,quantity", STOCK),
        orders=("order_id,channel,placed_at", ORDERS),
        order_lines=("order_id,line_id,sku,quantity", LINES),
        shipments=("shipment_id,order_id,line_id,location_id,shipped_at,quantity", SHIPMENTS),
    )
    return db_url


@pytest.mark.hand_worked("dead_stock_units")
def test_dead_stock_units(stock_db: str) -> None:
    # Pairs with book units > 0: DC1 EXACT-90 10, YOUNG 5, EDGE 3, SOLD 7, LATER 2, RET 4,
    # NOITEM 6 (7 pairs); STORE1 EXACT-90 1, DRAFT 8 (2 pairs; EDGE −2 and YOUNG 0 are not).
    # Dead: EXACT-90 (never shipped), EDGE (shipped exactly at the line), LATER (shipped before
    # the window and after as_of). DC1: 10 + 3 + 2 = 15 units, value 10 × 2.50 + 3 × 1.1050 =
    # 28.315 (LATER has no cost); STORE1: EXACT-90 1 unit, 2.50.
    assert rows_of(stock_db, DEAD) == [
        row(DEAD, None, "all", None, 16, 9, 30.815),
        row(DEAD, None, "location", "DC1", 15, 7, 28.315),
        row(DEAD, None, "location", "STORE1", 1, 2, 2.5),
    ]


@pytest.mark.hand_worked("stranded_units")
def test_stranded_units(stock_db: str) -> None:
    # Stranded: RET (retired) 4 at DC1, value 4 × 4 = 16; DRAFT 8 at STORE1 without a cost
    # (null there). NOITEM resolves but has no item: neither dead nor stranded.
    assert rows_of(stock_db, STRANDED) == [
        row(STRANDED, None, "all", None, 12, 9, 16.0),
        row(STRANDED, None, "location", "DC1", 4, 7, 16.0),
        row(STRANDED, None, "location", "STORE1", 8, 2, None),
    ]


@pytest.mark.hand_worked("dead_stock_units")
def test_one_second_later(stock_db: str) -> None:
    # At as_of + 1 s the line moves to 2025-10-23T09:30:01: YOUNG is now 90 days old (dead, 5 × 9
    # = 45), SOLD's shipment is exactly at the line (dead, 7 × 3 = 21), LATER's shipment S4 has
    # happened (no longer dead, −2 units), and RET's 9 units at STORE1 appear (a 10th pair).
    later = AS_OF + timedelta(seconds=1)
    assert rows_of(stock_db, DEAD, as_of=later) == [
        row(DEAD, None, "all", None, 16 + 5 + 7 - 2, 10, 96.815),
        row(DEAD, None, "location", "DC1", 15 + 5 + 7 - 2, 7, 94.315),
        row(DEAD, None, "location", "STORE1", 1, 3, 2.5),
    ]


def test_the_positions_behind_a_location(stock_db: str) -> None:
    engine = get_engine(stock_db)
    frame = records_behind(engine, row(DEAD, None, "location", "DC1", 15, 7, 28.315), AS_OF)
    assert frame[["sku", "units", "value"]].values.tolist() == [
        ["EDGE", 3, Decimal("3.3150")],
        ["EXACT-90", 10, Decimal("25.0000")],
        ["LATER", 2, None],
    ]
    last = {sku: shipped for sku, shipped in frame[["sku", "last_shipped_at"]].values.tolist()}
    assert last["EDGE"] == datetime(2025, 10, 23, 9, 30, tzinfo=UTC)
    assert last["LATER"] == datetime(2025, 9, 15, tzinfo=UTC)  # S4 is after as_of
    assert pd.isna(last["EXACT-90"])  # never shipped
    stranded = records_behind(engine, row(STRANDED, None, "all", None, 12, 9, 16.0), AS_OF)
    assert stranded[["location", "sku", "lifecycle_status"]].values.tolist() == [
        ["DC1", "RET", "retired"],
        ["STORE1", "DRAFT", "draft"],
    ]


def test_positions_for_pages_and_rules(stock_db: str) -> None:
    with reading(get_engine(stock_db)) as conn:
        positions = stock_positions(conn, make_context(AS_OF))
    assert [(p.location, p.sku, p.dead, p.stranded) for p in positions] == [
        ("DC1", "EDGE", True, False),
        ("DC1", "EXACT-90", True, False),
        ("DC1", "LATER", True, False),
        ("DC1", "RET", False, True),
        ("STORE1", "DRAFT", False, True),
        ("STORE1", "EXACT-90", True, False),
    ]

"""raw_demand_units, fulfillable_demand_units and recovered_units on hand-made orders and returns."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from core.db import get_engine
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

RAW, FULFILLABLE, RECOVERED = "raw_demand_units", "fulfillable_demand_units", "recovered_units"
W03, W04 = "2026-W03", "2026-W04"  # AS_OF is Wednesday 2026-01-21 09:30 UTC, in W04
ORDERS = [
    # order_id, channel, placed_at, cancelled_at
    ("O1", "shopify", "2026-01-19T00:00:00Z", ""),  # W04's first second
    ("O2", "shopify", "2026-01-18T23:59:59Z", "2026-01-20T00:00:00Z"),  # W03, cancelled
    ("O3", "amazon", "2026-01-13T08:00:00Z", ""),  # W03, no lines
    ("O4", "amazon", "2026-01-14T08:00:00Z", "2026-01-22T00:00:00Z"),  # cancelled after as_of
    ("O5", "pos", "2026-01-21T09:30:01Z", ""),  # placed after as_of: ignored
    ("O6", "pos", "2026-01-21T09:30:00Z", ""),  # placed exactly at as_of: counts
]
LINES = [
    # order_id, line_id, sku, quantity
    ("O1", "L1", "SKU-A", 2),
    ("O1", "L2", "SKU-B", 3),  # SKU-B's item is created after as_of
    ("O1", "L3", "", 1),  # no sku: raw demand only
    ("O2", "L1", "SKU-A", 4),
    ("O4", "L1", "SKU-A", 5),
    ("O4", "L2", "SKU-X", 7),  # no such item
    ("O5", "L1", "SKU-A", 8),
    ("O6", "L1", "SKU-A", 1),
    ("GHOST", "L1", "SKU-A", 9),  # a line of an unknown order never counts
]
ITEMS = [
    ("SKU-A", "active", "2025-12-01T00:00:00Z"),
    ("SKU-B", "active", "2026-01-22T00:00:00Z"),
]
RETURNS = [
    # return_id, quantity, channel, received_at, disposition, disposition_at
    ("R1", 2, "shopify", "2026-01-18T10:00:00Z", "restock", "2026-01-19T10:00:00Z"),  # W04
    ("R2", 1, "shopify", "2026-01-18T10:00:00Z", "write_off", "2026-01-20T10:00:00Z"),  # W04
    ("R3", 3, "", "", "refurbish", "2026-01-12T00:00:00Z"),  # W03, never received: counts
    ("R4", 4, "amazon", "2026-01-12T00:00:00Z", "", "2026-01-13T00:00:00Z"),  # no word: n only
    ("R5", 5, "amazon", "2026-01-20T00:00:00Z", "restock", "2026-01-21T09:30:01Z"),  # after as_of
    ("R6", 1, "amazon", "2026-01-10T00:00:00Z", "restock", ""),  # not dispositioned
]


@pytest.fixture
def demand_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at", ITEMS),
        orders=("order_id,channel,placed_at,cancelled_at", ORDERS),
        order_lines=("order_id,line_id,sku,quantity", LINES),
        returns=(
            "return_id,quantity,channel,received_at,disposition,disposition_at",
            RETURNS,
        ),
    )
    return db_url


@pytest.mark.hand_worked("raw_demand_units")
def test_raw_demand_units(demand_db: str) -> None:
    # W03: O2 (shopify, 4, cancelled), O3 (amazon, no lines: 0), O4 (amazon, 5 + 7 = 12).
    # W04: O1 (shopify, 2 + 3 + 1 = 6), O6 (pos, 1); O5 is after as_of; GHOST has no order.
    assert rows_of(demand_db, RAW) == [
        row(RAW, W03, "all", None, 4 + 0 + 12, 3, None),
        row(RAW, W03, "channel", "amazon", 0 + 12, 2, None),
        row(RAW, W03, "channel", "shopify", 4, 1, None),
        row(RAW, W04, "all", None, 6 + 1, 2, None),
        row(RAW, W04, "channel", "pos", 1, 1, None),
        row(RAW, W04, "channel", "shopify", 6, 1, None),
    ]


@pytest.mark.hand_worked("fulfillable_demand_units")
def test_fulfillable_demand_units(demand_db: str) -> None:
    # Not cancelled at as_of: O3 (0 units), O4 (SKU-A 5; SKU-X has no item), O1 (SKU-A 2; SKU-B
    # created after as_of, the empty sku never), O6 (SKU-A 1). O2 is cancelled: W03 shopify has
    # no order left, so no row (n = 0).
    assert rows_of(demand_db, FULFILLABLE) == [
        row(FULFILLABLE, W03, "all", None, 5, 2, None),
        row(FULFILLABLE, W03, "channel", "amazon", 5, 2, None),
        row(FULFILLABLE, W04, "all", None, 2 + 1, 2, None),
        row(FULFILLABLE, W04, "channel", "pos", 1, 1, None),
        row(FULFILLABLE, W04, "channel", "shopify", 2, 1, None),
    ]


@pytest.mark.hand_worked("fulfillable_demand_units")
def test_fulfillable_demand_later(demand_db: str) -> None:
    # On 2026-01-22 12:00: SKU-B exists (O1: 2 + 3) and O4 is cancelled (W03 amazon: O3 only).
    later = datetime(2026, 1, 22, 12, 0, tzinfo=UTC)
    assert rows_of(demand_db, FULFILLABLE, as_of=later) == [
        row(FULFILLABLE, W03, "all", None, 0, 1, None),
        row(FULFILLABLE, W03, "channel", "amazon", 0, 1, None),
        row(FULFILLABLE, W04, "all", None, 5 + 1 + 8, 3, None),  # O5 is placed by then
        row(FULFILLABLE, W04, "channel", "pos", 1 + 8, 2, None),
        row(FULFILLABLE, W04, "channel", "shopify", 5, 1, None),
    ]


@pytest.mark.hand_worked("recovered_units")
def test_recovered_units(demand_db: str) -> None:
    # W03: R3 (no channel, refurbish 3, never received), R4 (amazon, no disposition word: n only).
    # W04: R1 (restock 2), R2 (write_off: n only). R5 is after as_of, R6 not dispositioned.
    assert rows_of(demand_db, RECOVERED) == [
        row(RECOVERED, W03, "all", None, 3, 2, None),
        row(RECOVERED, W03, "channel", None, 3, 1, None),
        row(RECOVERED, W03, "channel", "amazon", 0, 1, None),
        row(RECOVERED, W04, "all", None, 2, 2, None),
        row(RECOVERED, W04, "channel", "shopify", 2, 2, None),
    ]


def test_the_lines_behind_a_week_of_demand(demand_db: str) -> None:
    engine = get_engine(demand_db)
    raw = records_behind(engine, row(RAW, W04, "channel", "shopify", 6, 1, None), AS_OF)
    raw["sku"] = raw["sku"].fillna("(none)")
    assert raw[["order_id", "line_id", "sku", "quantity", "fulfillable"]].values.tolist() == [
        ["O1", "L1", "SKU-A", 2, 1],
        ["O1", "L2", "SKU-B", 3, 0],
        ["O1", "L3", "(none)", 1, 0],
    ]
    fulfillable = records_behind(engine, row(FULFILLABLE, W03, "all", None, 5, 2, None), AS_OF)
    assert fulfillable[["order_id", "line_id", "quantity"]].values.tolist() == [["O4", "L1", 5]]
    cancelled = records_behind(engine, row(RAW, W03, "channel", "shopify", 4, 1, None), AS_OF)
    assert cancelled[["order_id", "cancelled"]].values.tolist() == [["O2", 1]]
    back = records_behind(engine, row(RECOVERED, W03, "all", None, 3, 2, None), AS_OF)
    assert back[["return_id", "recovered"]].values.tolist() == [["R3", 3], ["R4", 0]]

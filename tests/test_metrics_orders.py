"""split_order_rate, multi_location_rate, reroute_rate, fill_rate and stalled_orders on hand-made orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import get_engine
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

SPLIT, MULTI, REROUTE = "split_order_rate", "multi_location_rate", "reroute_rate"
FILL, STALLED = "fill_rate", "stalled_orders"
W2, W3, W4 = "2026-W02", "2026-W03", "2026-W04"

ORDERS = [
    ("O1", "shopify", "2026-01-13T10:00:00Z", ""),
    ("O2", "shopify", "2026-01-14T10:00:00Z", ""),
    ("O3", "amazon", "2026-01-15T12:00:00Z", ""),
    ("O4", "amazon", "2026-01-16T08:00:00Z", "2026-01-17T00:00:00Z"),  # cancelled
    ("O5", "pos", "2026-01-16T09:00:00Z", "2026-01-22T00:00:00Z"),  # cancelled after as_of
    ("O6", "shopify", "2026-01-19T09:30:00Z", ""),  # exactly as_of - 48 h
    ("O7", "shopify", "2026-01-19T09:30:01Z", ""),  # one second inside the 48 h
    ("O8", "wholesale", "2026-01-21T09:30:01Z", ""),  # placed after as_of
    ("O9", "shopify", "2026-01-12T02:00:00+05:30", ""),  # = Jan 11 20:30 UTC: W02
    ("O10", "shopify", "2026-01-15T00:00:00Z", "2026-01-21T09:30:00Z"),  # cancelled at as_of
    ("O11", "amazon", "2026-01-14T00:00:00Z", ""),
]
LINES = [
    ("O1", "L1", 2, "DC1"),
    ("O1", "L2", 1, "DC1"),
    ("O2", "L1", 3, "DC1"),
    ("O3", "L1", 2, ""),  # no allocated location
    ("O4", "L1", 1, "DC1"),
    ("O4", "L2", 1, "DC1"),
    ("O5", "L1", 4, "STORE1"),
    ("O6", "L1", 1, "DC1"),
    ("O7", "L1", 1, "DC1"),
    ("O8", "L1", 5, "DC1"),
    ("O9", "L1", 2, "DC1"),
    ("O10", "L1", 2, "DC1"),
    ("O11", "L1", 2, "FBA1"),
]
SHIPMENTS = [
    ("S1", "O1", "L1", "DC1", "2026-01-14T00:00:00Z", 2),
    ("S2", "O1", "L2", "STORE1", "2026-01-15T00:00:00Z", 1),  # rerouted
    ("S3", "O2", "L1", "DC1", "2026-01-15T00:00:00Z", 1),
    ("S3", "O2", "L9", "DC2", "2026-01-15T00:00:00Z", 5),  # unknown line, same shipment
    ("S4", "O3", "L1", "FBA1", "2026-01-16T00:00:00Z", 3),  # ships 3 of 2 ordered
    ("S5", "O3", "L1", "FBA1", "2026-01-21T09:30:01Z", 1),  # after as_of
    ("S6", "O4", "L1", "DC2", "2026-01-16T09:00:00Z", 1),  # rerouted
    ("S7", "O4", "L2", "DC1", "2026-01-16T10:00:00Z", 1),
    ("S8", "O8", "L1", "DC1", "2026-01-21T09:00:00Z", 5),  # its order is placed after as_of
    ("S9", "O9", "L1", "DC1", "2026-01-12T00:00:00Z", 1),
    ("S10", "O9", "L1", "DC1", "2026-01-13T00:00:00Z", 1),
    ("S11", "O11", "L1", "FBA2", "2026-01-15T00:00:00Z", 1),  # rerouted, 1 of 2
    ("S12", "O99", "L1", "DC1", "2026-01-15T00:00:00Z", 1),  # unknown order
]


@pytest.fixture
def orders_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        orders=("order_id,channel,placed_at,cancelled_at", ORDERS),
        order_lines=("order_id,line_id,quantity,allocated_location_id", LINES),
        shipments=("shipment_id,order_id,line_id,location_id,shipped_at,quantity", SHIPMENTS),
    )
    return db_url


@pytest.mark.hand_worked("split_order_rate")
def test_split_order_rate(orders_db: str) -> None:
    # Orders with >= 1 shipment by as_of: W02 O9 (S9, S10: split); W03 O1 (split), O2 (one id S3),
    # O3 (S4 only: S5 is after as_of), O4 (split, cancelled orders count), O11.
    assert rows_of(orders_db, SPLIT) == [
        row(SPLIT, W2, "all", None, 1.0, 1, 1),
        row(SPLIT, W2, "channel", "shopify", 1.0, 1, 1),
        row(SPLIT, W3, "all", None, 2 / 5, 5, 2),  # O1, O4 of O1 O2 O3 O4 O11
        row(SPLIT, W3, "channel", "amazon", 1 / 3, 3, 1),  # O4 of O3 O4 O11
        row(SPLIT, W3, "channel", "shopify", 1 / 2, 2, 1),  # O1 of O1 O2
    ]


@pytest.mark.hand_worked("multi_location_rate")
def test_multi_location_rate(orders_db: str) -> None:
    # O1 (DC1, STORE1), O2 (DC1 and DC2 through its unknown line L9), O4 (DC2, DC1); O9 DC1 only.
    assert rows_of(orders_db, MULTI) == [
        row(MULTI, W2, "all", None, 0.0, 1, 0),
        row(MULTI, W2, "channel", "shopify", 0.0, 1, 0),
        row(MULTI, W3, "all", None, 3 / 5, 5, 3),
        row(MULTI, W3, "channel", "amazon", 1 / 3, 3, 1),
        row(MULTI, W3, "channel", "shopify", 2 / 2, 2, 2),
    ]


@pytest.mark.hand_worked("reroute_rate")
def test_reroute_rate(orders_db: str) -> None:
    # Shipment rows with an allocated line: W02 S9, S10 (none rerouted);
    # W03 S1, S2*, S3/L1 (S3/L9 has no line), S6*, S7, S11*; O3 has no allocation.
    assert rows_of(orders_db, REROUTE) == [
        row(REROUTE, W2, "all", None, 0.0, 2, 0),
        row(REROUTE, W2, "channel", "shopify", 0.0, 2, 0),
        row(REROUTE, W3, "all", None, 3 / 6, 6, 3),
        row(REROUTE, W3, "channel", "amazon", 2 / 3, 3, 2),  # S6*, S7, S11*
        row(REROUTE, W3, "channel", "shopify", 1 / 3, 3, 1),  # S1, S2*, S3
    ]


@pytest.mark.hand_worked("fill_rate")
def test_fill_rate(orders_db: str) -> None:
    # Not cancelled by as_of (O4 and O10 are out; O5's cancellation is after as_of).
    # W03 ordered/shipped: O1 3/3, O2 3/1 (L9 does not count), O3 2/2 (3 capped at 2), O5 4/0,
    # O11 2/1 -> 14 ordered, 7 shipped.
    assert rows_of(orders_db, FILL) == [
        row(FILL, W2, "all", None, 2 / 2, 2, 2),
        row(FILL, W2, "channel", "shopify", 1.0, 2, 2),
        row(FILL, W3, "all", None, 7 / 14, 14, 7),
        row(FILL, W3, "channel", "amazon", 3 / 4, 4, 3),  # O3 2/2 + O11 2/1
        row(FILL, W3, "channel", "pos", 0 / 4, 4, 0),
        row(FILL, W3, "channel", "shopify", 4 / 6, 6, 4),  # O1 3/3 + O2 3/1
        row(FILL, W4, "all", None, 0 / 2, 2, 0),  # O6, O7
        row(FILL, W4, "channel", "shopify", 0.0, 2, 0),
    ]


@pytest.mark.hand_worked("stalled_orders")
def test_stalled_orders(orders_db: str) -> None:
    # Placed <= 2026-01-19T09:30:00Z, not cancelled, short: O2, O5, O6 (exactly at the line), O11.
    # O7 is one second too recent; O10 cancelled exactly at as_of; O4 cancelled.
    assert rows_of(orders_db, STALLED) == [
        row(STALLED, None, "all", None, 4, 4, None),
        row(STALLED, None, "channel", "amazon", 1, 1, None),
        row(STALLED, None, "channel", "pos", 1, 1, None),
        row(STALLED, None, "channel", "shopify", 2, 2, None),
    ]


def test_orders_behind_rows(orders_db: str) -> None:
    engine = get_engine(orders_db)

    def ids(metric: str, week: str | None, dim: str, key: str | None, column: str) -> list[str]:
        frame = records_behind(engine, row(metric, week, dim, key, None, 0, None), AS_OF)
        return list(frame[column])

    assert ids(SPLIT, W3, "all", None, "order_id") == ["O1", "O4"]
    assert ids(MULTI, W3, "channel", "shopify", "order_id") == ["O1", "O2"]
    assert ids(REROUTE, W3, "all", None, "shipment_id") == ["S2", "S11", "S6"]  # by order, line
    assert ids(FILL, W3, "channel", "amazon", "order_id") == ["O11", "O3"]  # by placed_at
    assert ids(STALLED, None, "all", None, "order_id") == ["O11", "O2", "O5", "O6"]
    assert ids(STALLED, None, "channel", "shopify", "order_id") == ["O2", "O6"]

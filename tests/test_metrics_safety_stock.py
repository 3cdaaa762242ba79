"""safety_stock_shortfalls on hand-made orders, locations and book stock around the 56-day window."""

from __future__ import annotations

import json
import math
from pathlib import Path
from statistics import NormalDist

import pytest

from core.db import get_engine
from core.settings import get_settings
from metrics import records_behind
from metrics.compute import reading
from metrics.model import make_context
from metrics.safety_stock import safety_stock_pairs
from tests.test_metrics_common import AS_OF, load, row, rows_of

SAFETY = "safety_stock_shortfalls"
Z95 = NormalDist().inv_cdf(0.95)
# shopify S1: d_0 = 2, d_1 = 4 + 1 = 5, d_10 = 1, d_55 = 3 -> S = 11, Σ d² = 4 + 25 + 1 + 9 = 39.
# d̄ = 11/56, σd² = 39/56 − 121/3136 = 2063/3136; L 14, σL 3:
# radicand = 14 · 2063/3136 + 121/3136 · 9 = (28882 + 1089)/3136 = 29971/3136 -> about 5.085.
SHOPIFY_SS = Z95 * math.sqrt(29971 / 3136)
# ebay S1 (no parameters: any other, 0.95 / 14 / 3): d_3 = 56 -> d̄ = 1, σd² = 3136/56 − 1 = 55;
# radicand = 14 · 55 + 1 · 9 = 779 -> about 45.9.
EBAY_SS = Z95 * math.sqrt(779)
AS_OF_TEXT = "2026-01-21T09:30:00Z"
ORDERS = [
    # order_id, channel, placed_at, cancelled_at
    ("A0", "shopify", AS_OF_TEXT, ""),  # day 0: placed exactly at as_of
    ("A1", "shopify", "2026-01-20T09:30:00Z", ""),  # exactly 24 h before: day 1
    ("A2", "shopify", "2026-01-20T09:29:59Z", ""),  # 24 h + 1 s before: day 1 too
    ("A3", "shopify", "2026-01-11T09:30:00Z", "2026-01-22T00:00:00Z"),  # day 10, cancelled later
    ("A4", "shopify", "2025-11-26T09:30:01Z", ""),  # 56 days − 1 s before: day 55
    ("A5", "shopify", "2025-11-26T09:30:00Z", ""),  # exactly 56 days before: outside
    ("A6", "shopify", "2026-01-15T00:00:00Z", "2026-01-16T00:00:00Z"),  # cancelled in the window
    ("A7", "shopify", "2026-01-21T09:30:01Z", ""),  # after as_of
    ("E1", "ebay", "2026-01-18T00:00:00Z", ""),  # day 3
    ("W1", "wholesale", "2026-01-19T00:00:00Z", ""),
    ("P1", "pos", "2026-01-19T00:00:00Z", ""),
]
LINES = [
    ("A0", "L1", "S1", 2),
    ("A0", "L2", "", 5),  # no sku: ignored
    ("A1", "L1", "S1", 4),
    ("A2", "L1", "S1", 1),
    ("A3", "L1", "S1", 1),
    ("A4", "L1", "S1", 3),
    ("A5", "L1", "S1", 50),
    ("A6", "L1", "S1", 100),
    ("A7", "L1", "S1", 100),
    ("E1", "L1", "S1", 56),
    ("W1", "L1", "S3", 56),
    ("P1", "L1", "S1", 0),  # demand summing to 0: not a pair of n
]
LOCATIONS = [
    ("DC1", "dc", ""),  # serves every channel
    ("SHOP-FC", "3pl", "shopify"),
    ("STORE1", "store", "pos"),
]
STOCK = [
    ("2026-01-20T00:00:00Z", "wms", "DC1", "S1", "sellable", 2),
    ("2026-01-20T00:00:00Z", "wms", "SHOP-FC", "S1", "sellable", 2),
    ("2026-01-20T00:00:00Z", "wms", "STORE1", "S1", "sellable", 10),  # pos only
    ("2026-01-20T00:00:00Z", "wms", "UNLISTED", "S1", "sellable", 1),  # not in locations: any
    ("2026-01-20T00:00:00Z", "wms", "DC1", "S3", "sellable", 110),
    ("2026-01-20T00:00:00Z", "wms", "GONE", "S3", "sellable", -4),  # negative: not available
]
# wholesale: p = Φ(2) as the float whose quantile is exactly 2.0, L = 55, σL = 0. S3 has one day
# of 56 units: d̄ = 1, σd² = 56²/56 − 1 = 55, radicand = 55 · 55 = 3025, √ = 55.0, so the safety
# stock is exactly 2.0 × 55.0 = 110.0 — and 110 units are available: equal, not short.
WHOLESALE_P = "0.9772498680518208"


@pytest.fixture
def safety_db(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(
        "INVGOV_SAFETY_STOCK_PARAMETERS",
        json.dumps(
            {
                "wholesale": {
                    "service_level": WHOLESALE_P,
                    "lead_time_days": 55,
                    "lead_time_sd_days": 0,
                }
            }
        ),
    )
    get_settings.cache_clear()
    load(
        db_url,
        tmp_path / "data",
        items=(  # the stock SKUs resolve to items
            "sku,lifecycle_status,created_at",
            [("S1", "active", "2025-01-01T00:00:00Z"), ("S3", "active", "2025-01-01T00:00:00Z")],
        ),
        locations=("location_id,type,channel", LOCATIONS),
        orders=("order_id,channel,placed_at,cancelled_at", ORDERS),
        order_lines=("order_id,line_id,sku,quantity", LINES),
        stock_levels=("as_of,system,location_id,system_sku,status,quantity", STOCK),
    )
    return db_url


@pytest.mark.hand_worked("safety_stock_shortfalls")
def test_safety_stock_shortfalls(safety_db: str) -> None:
    # Available: shopify S1 = DC1 2 + SHOP-FC 2 + UNLISTED 1 = 5 < 5.085 -> short by 0.085;
    # ebay S1 = DC1 2 + UNLISTED 1 = 3 < 45.9 -> short; wholesale S3: safety stock 110.0 and
    # available DC1 110 (GONE's −4 does not count): equal, not short. pos S1 sums to 0: no pair.
    short = [EBAY_SS - 3, SHOPIFY_SS - 5]
    assert 0 < SHOPIFY_SS - 5 < 0.1
    assert rows_of(safety_db, SAFETY) == [
        row(SAFETY, None, "all", None, 2, 3, math.fsum(short)),
        row(SAFETY, None, "channel", "ebay", 1, 1, EBAY_SS - 3),
        row(SAFETY, None, "channel", "shopify", 1, 1, SHOPIFY_SS - 5),
        row(SAFETY, None, "channel", "wholesale", 0, 1, 0.0),
    ]


def test_the_pairs_behind_a_channel(safety_db: str) -> None:
    engine = get_engine(safety_db)
    frame = records_behind(engine, row(SAFETY, None, "all", None, 2, 3, 0.0), AS_OF)
    columns = ["channel", "sku", "demand_units", "z", "lead_time_days", "available", "short"]
    assert frame[columns].values.tolist() == [
        ["ebay", "S1", 56, Z95, 14, 3, 1],
        ["shopify", "S1", 11, Z95, 14, 5, 1],
    ]
    shopify = frame.iloc[1]
    assert shopify["mean_daily"] == 11 / 56
    assert shopify["sd_daily"] == math.sqrt(2063 / 3136)
    assert shopify["safety_stock"] == SHOPIFY_SS
    assert shopify["shortfall"] == SHOPIFY_SS - 5


@pytest.mark.hand_worked("safety_stock_shortfalls")
def test_the_window_moves_with_as_of(safety_db: str) -> None:
    # One day later: A4 (day 55) and E1's day are still in; A5 stays out; A3 is cancelled by then
    # (2026-01-22 00:00 ≤ 2026-01-22 09:30); A7 is day 0 now. shopify S1 days: A0, A1, A2 shift by
    # one (d_1 = 2, d_2 = 5), A7 d_0 = 100, A4 leaves (56 days + 1 day): S = 107.
    later = AS_OF.replace(day=22)
    # d_0 = 100, d_1 = 2, d_2 = 5: σd² = 10029/56 − 107²/3136; radicand =
    # (14 · (10029 · 56 − 107²) + 107² · 9) / 3136; available is still 5.
    expected = Z95 * math.sqrt((14 * (10029 * 56 - 107**2) + 107**2 * 9) / 3136)
    shopify = next(r for r in rows_of(safety_db, SAFETY, as_of=later) if r["key"] == "shopify")
    assert shopify == row(SAFETY, None, "channel", "shopify", 1, 1, expected - 5)


@pytest.mark.hand_worked("safety_stock_shortfalls")
def test_available_exactly_equal_to_safety_stock_is_not_short(safety_db: str) -> None:
    assert NormalDist().inv_cdf(float(WHOLESALE_P)) == 2.0
    with reading(get_engine(safety_db)) as conn:
        pairs = safety_stock_pairs(conn, make_context(AS_OF))
    wholesale = next(p for p in pairs if p.channel == "wholesale")
    assert (wholesale.safety_stock, wholesale.available, wholesale.short) == (110.0, 110, False)
    assert (wholesale.z, wholesale.mean_daily, wholesale.sd_daily) == (2.0, 1.0, math.sqrt(55))

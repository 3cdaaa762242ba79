"""returns_waiting on hand-made returns at every handoff step, by step and channel pair."""

from __future__ import annotations

from pathlib import Path

import pytest

from core.db import get_engine
from metrics import records_behind
from tests.test_metrics_common import AS_OF, load, row, rows_of

WAITING = "returns_waiting"
IN, DONE, AFTER = "2026-01-19T00:00:00Z", "2026-01-20T00:00:00Z", "2026-01-21T09:30:01Z"
RETURNS = [
    # id, qty, order_id, channel, location, received, condition, disposition, disposition_at,
    # refunded_at, restocked_at                                     -> step (channel pair)
    ("W1", 1, "", "shopify", "STORE1", IN, "", "", "", "", ""),  # order_link (shopify→store)
    ("W2", 2, "O1", "shopify", "STORE1", IN, "", "", "", "", ""),  # inspection
    ("W3", 3, "O1", "amazon", "DC1", IN, "new", "", "", "", ""),  # disposition (amazon→dc)
    ("W4", 1, "O1", "amazon", "DC1", IN, "damaged", "write_off", DONE, "", ""),  # refund
    (
        "W5",
        4,
        "O1",
        "",
        "GONE",
        IN,
        "new",
        "restock",
        DONE,
        DONE,
        "",
    ),  # availability (unknown→unknown)
    ("W6", 1, "O1", "amazon", "DC1", IN, "new", "refurbish", DONE, DONE, DONE),  # complete
    ("W7", 1, "O1", "amazon", "DC1", IN, "damaged", "write_off", DONE, DONE, ""),  # complete
    (
        "W8",
        5,
        "O1",
        "shopify",
        "STORE1",
        IN,
        "new",
        "",
        "",
        DONE,
        "",
    ),  # refunded first: disposition
    ("W9", 1, "", "shopify", "STORE1", AFTER, "", "", "", "", ""),  # received after as_of
    ("W10", 1, "O1", "shopify", "STORE1", IN, "", "restock", AFTER, "", ""),  # inspection still
    ("W11", 2, "O1", "amazon", "DC1", IN, "new", "restock", DONE, DONE, AFTER),  # availability
    ("W12", 1, "", "shopify", "GONE", IN, "", "", "", "", ""),  # order_link (shopify→unknown)
    ("W13", 1, "O1", "amazon", "DC1", "", "", "", "", "", ""),  # never received
]
HEADER = (
    "return_id,quantity,order_id,channel,receiving_location_id,received_at,condition,"
    "disposition,disposition_at,refunded_at,restocked_at"
)


@pytest.fixture
def handoff_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        locations=("location_id,type", [("STORE1", "store"), ("DC1", "dc")]),
        returns=(HEADER, RETURNS),
    )
    return db_url


@pytest.mark.hand_worked("returns_waiting")
def test_returns_waiting(handoff_db: str) -> None:
    # Waiting: W1 W2 W3 W4 W5 W8 W10 W11 W12 (9 returns, 1+2+3+1+4+5+1+2+1 = 20 units).
    # channel_pair: amazon→dc W3 W4 W11 (3, 6 units); shopify→store W1 W2 W8 W10 (4, 9);
    # shopify→unknown W12 (1, 1); unknown→unknown W5 (1, 4).
    # step: availability W5 W11 (2, 6); disposition W3 W8 (2, 8); inspection W2 W10 (2, 3);
    # order_link W1 W12 (2, 2); refund W4 (1, 1).
    assert rows_of(handoff_db, WAITING) == [
        row(WAITING, None, "all", None, 9, 9, 20),
        row(WAITING, None, "channel_pair", "amazon→dc", 3, 3, 6),
        row(WAITING, None, "channel_pair", "shopify→store", 4, 4, 9),
        row(WAITING, None, "channel_pair", "shopify→unknown", 1, 1, 1),
        row(WAITING, None, "channel_pair", "unknown→unknown", 1, 1, 4),
        row(WAITING, None, "step", "availability", 2, 2, 6),
        row(WAITING, None, "step", "disposition", 2, 2, 8),
        row(WAITING, None, "step", "inspection", 2, 2, 3),
        row(WAITING, None, "step", "order_link", 2, 2, 2),
        row(WAITING, None, "step", "refund", 1, 1, 1),
    ]


def test_the_returns_waiting_at_a_step(handoff_db: str) -> None:
    frame = records_behind(
        get_engine(handoff_db), row(WAITING, None, "step", "inspection", 2, 2, 3), AS_OF
    )
    # W2 and W10 were received 2026-01-19 00:00: 2 days 9 h 30 min before as_of.
    assert frame["return_id"].tolist() == ["W10", "W2"]
    assert frame["age_seconds"].tolist() == [2 * 86400 + 9 * 3600 + 1800] * 2
    assert frame["age_days"].tolist() == [(2 * 86400 + 9 * 3600 + 1800) / 86400] * 2

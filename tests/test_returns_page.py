"""The Returns page: lag percentiles, age buckets, black holes and the handoff, worked out by hand.

The dataset (as_of = now; P and L are the Tuesdays 00:00 of the two ISO weeks before this one):

Dispositioned returns (lag hours = disposition_at − received_at):
    week P: DC1 R1 10, R2 20, R3 30; S1 R4 40, R5 100
    week L: DC1 R6 5, R7 15; S1 R8 50, R9 60, R10 120; S2 R11 1
Open returns (not dispositioned), received as_of − age:
    O1 DC1 1 d (no order)          O2 S1 2 d 20 h (no condition)   O3 S1 3 d 2 h (refunded)
    O4 DC1 8 d, refunded, A1 × 2   O5 S1 10 d, refunded, B1 × 1    O6 S1 40 d (amazon)
    O7 DC1 20 d
A1 costs 12.50 a unit; B1 has no unit cost. R6 (amazon) was restocked by disposition but is not
back in stock; R7 is not refunded; every other dispositioned return is complete.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine
from core.timeutil import iso_z, utcnow, week_label, week_start
from metrics import returns_views as rv
from metrics.compute import reading
from tests.governance_support import make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui.auth import TOKEN_KEY

PAGE = "pages/returns.py"
HEADER = (
    "return_id,order_id,sku,quantity,channel,received_at,receiving_location_id,condition,"
    "disposition,disposition_at,refunded_at"
)


def _tuesdays(now: datetime) -> tuple[datetime, datetime]:
    """Tuesday 00:00 UTC of the week before last (P) and of last week (L)."""
    this_monday = week_start(week_label(now))
    return this_monday - timedelta(days=13), this_monday - timedelta(days=6)


def _lagged(rid: str, at: datetime, location: str, hours: int, **extra: str) -> tuple:
    done = iso_z(at + timedelta(hours=hours))
    row = {"order_id": "O-" + rid, "sku": "A1", "quantity": "1", "channel": "shopify",
           "condition": "new", "disposition": "write_off", "refunded_at": done} | extra  # fmt: skip
    return (rid, row["order_id"], row["sku"], row["quantity"], row["channel"], iso_z(at),
            location, row["condition"], row["disposition"], done, row["refunded_at"])  # fmt: skip


def _open(rid: str, now: datetime, location: str, age: timedelta, **extra: str) -> tuple:
    row = {"order_id": "O-" + rid, "sku": "A1", "quantity": "1", "channel": "shopify",
           "condition": "new", "refunded_at": ""} | extra  # fmt: skip
    return (rid, row["order_id"], row["sku"], row["quantity"], row["channel"],
            iso_z(now - age), location, row["condition"], "", "", row["refunded_at"])  # fmt: skip


def load_returns(db_url: str, folder: Path) -> None:
    """The returns of the module docstring, three locations and two items."""
    now = utcnow()
    p, last = _tuesdays(now)
    day, hour = timedelta(days=1), timedelta(hours=1)
    refunded = iso_z(now - day)
    lagged = [
        _lagged("R1", p, "DC1", 10), _lagged("R2", p, "DC1", 20), _lagged("R3", p, "DC1", 30),
        _lagged("R4", p, "S1", 40), _lagged("R5", p, "S1", 100),
        _lagged("R6", last, "DC1", 5, channel="amazon", disposition="restock"),
        _lagged("R7", last, "DC1", 15, refunded_at=""),
        _lagged("R8", last, "S1", 50), _lagged("R9", last, "S1", 60), _lagged("R10", last, "S1", 120),
        _lagged("R11", last, "S2", 1),
    ]  # fmt: skip
    still_open = [
        _open("O1", now, "DC1", day, order_id=""),
        _open("O2", now, "S1", 2 * day + 20 * hour, condition=""),
        _open("O3", now, "S1", 3 * day + 2 * hour, refunded_at=refunded),
        _open("O4", now, "DC1", 8 * day, quantity="2", refunded_at=refunded),
        _open("O5", now, "S1", 10 * day, sku="B1", refunded_at=refunded),
        _open("O6", now, "S1", 40 * day, channel="amazon"),
        _open("O7", now, "DC1", 20 * day),
    ]  # fmt: skip
    load(
        db_url,
        folder,
        # the channels (of locations here: there are no orders) are what the channel filter offers
        locations=("location_id,name,type,channel", [("DC1", "Main DC", "dc", "shopify"),
                                                      ("S1", "Store 1", "store", ""),
                                                      ("S2", "Store 2", "store", "amazon")]),
        items=("sku,lifecycle_status,unit_cost", [("A1", "active", "12.50"), ("B1", "active", "")]),
        returns=(HEADER, lagged + still_open),
    )  # fmt: skip


@pytest.fixture
def returned(db_url: str, tmp_path: Path) -> str:
    """The returns of load_returns, with an account per role."""
    load_returns(db_url, tmp_path / "returns")
    make_people(get_engine(db_url))
    return db_url


def _weeks() -> tuple[str, str]:
    p, last = _tuesdays(utcnow())
    return week_label(p), week_label(last)


def _lags(db_url: str, locations: tuple[str, ...] = ()) -> list[rv.LagSample]:
    with reading(get_engine(db_url)) as conn:
        return rv.lag_samples(conn, utcnow(), _weeks(), locations)


def test_lag_percentiles_by_week_by_hand(returned: str) -> None:
    p, last = _weeks()
    weeks = {g.key: g for g in rv.lag_by_week(_lags(returned))}
    # P: 10 20 30 40 100, n 5: p50 k = ⌈2.5⌉ = 3 → 30 h; p90 k = ⌈4.5⌉ = 5 → 100 h.
    assert (weeks[p].returns, weeks[p].p50_hours, weeks[p].p90_hours) == (5, 30.0, 100.0)
    # L: 1 5 15 50 60 120, n 6: p50 k = 3 → 15 h; p90 k = ⌈5.4⌉ = 6 → 120 h.
    assert (weeks[last].returns, weeks[last].p50_hours, weeks[last].p90_hours) == (6, 15.0, 120.0)


def test_a_location_filter_takes_the_percentile_of_its_rows(returned: str) -> None:
    _p, last = _weeks()
    weeks = {g.key: g for g in rv.lag_by_week(_lags(returned, ("DC1", "S1")))}
    # L at DC1 and S1: 5 15 50 60 120, n 5: p50 k = 3 → 50 h (the mean of DC1's p50 5 h and
    # S1's p50 60 h would be 32.5 h); p90 k = ⌈4.5⌉ = 5 → 120 h.
    assert (weeks[last].returns, weeks[last].p50_hours, weeks[last].p90_hours) == (5, 50.0, 120.0)
    only_s1 = {g.key: g for g in rv.lag_by_week(_lags(returned, ("S1",)))}
    # L at S1: 50 60 120, n 3: p50 k = ⌈1.5⌉ = 2 → 60 h; p90 k = ⌈2.7⌉ = 3 → 120 h.
    assert (only_s1[last].p50_hours, only_s1[last].p90_hours) == (60.0, 120.0)


def test_lag_by_location_over_both_weeks(returned: str) -> None:
    places = {g.key: g for g in rv.lag_by_location(_lags(returned))}
    # DC1: 5 10 15 20 30 → p50 15, p90 30; S1: 40 50 60 100 120 → p50 60, p90 120; S2: 1.
    assert (places["DC1"].returns, places["DC1"].p50_hours, places["DC1"].p90_hours) == (5, 15, 30)
    assert (places["S1"].p50_hours, places["S1"].p90_hours) == (60.0, 120.0)
    assert (places["S2"].returns, places["S2"].p50_hours, places["S2"].p90_hours) == (1, 1, 1)


def test_the_returns_behind_a_lag_point(returned: str) -> None:
    _p, last = _weeks()
    with reading(get_engine(returned)) as conn:
        table = rv.lag_returns(conn, utcnow(), (last,), ("S1",))
    assert list(table["return_id"]) == ["R10", "R9", "R8"]  # longest lag first
    assert list(table["lag_hours"]) == [120.0, 60.0, 50.0]


def _open_table(db_url: str, locations: tuple[str, ...] = ()) -> object:
    with reading(get_engine(db_url)) as conn:
        return rv.open_returns(conn, utcnow(), locations)


def test_age_buckets_by_hand(returned: str) -> None:
    counts = {a.bucket.label: (a.returns, a.units) for a in rv.age_counts(_open_table(returned))}
    # 0–2: O1 (1 d), O2 (2 d 20 h); 3–6: O3; 7–13: O4 (2 units), O5; 14–29: O7; 30+: O6.
    assert counts == {"0–2 days": (2, 2), "3–6 days": (1, 1), "7–13 days": (2, 3),
                      "14–29 days": (1, 1), "30+ days": (1, 1)}  # fmt: skip
    at_s1 = {a.bucket.label: a.returns for a in rv.age_counts(_open_table(returned, ("S1",)))}
    assert at_s1 == {"0–2 days": 1, "3–6 days": 1, "7–13 days": 1, "14–29 days": 0, "30+ days": 1}
    assert list(rv.in_bucket(_open_table(returned), "7–13 days")["return_id"]) == ["O5", "O4"]


def test_black_holes_and_their_value(returned: str) -> None:
    holes = rv.black_holes(_open_table(returned))
    # O4 and O5: refunded, received ≥ 7 days ago, not dispositioned (O3 is refunded but 3 days old).
    assert sorted(holes["return_id"]) == ["O4", "O5"]
    # O4: 2 units × 12.50 = 25.00; O5's B1 has no unit cost.
    assert rv.total_value(holes) == (25, 1)


def test_the_handoff_funnel_by_location_and_channel(returned: str) -> None:
    with reading(get_engine(returned)) as conn:
        every = rv.funnel(conn, utcnow())
        at_s1 = rv.funnel(conn, utcnow(), ("S1",))
        amazon = rv.funnel(conn, utcnow(), (), ("amazon",))
        waiting = rv.waiting_returns(conn, utcnow(), "disposition", ("S1",))
    # order_link O1; inspection O2; disposition O3 O4 O5 O6 O7; refund R7; availability R6.
    counts = {s.step: (s.count, s.team) for s in every.steps}
    assert counts == {"order_link": (1, "store operations"), "inspection": (1, "store operations"),
                      "disposition": (5, "inventory control"), "refund": (1, "finance"),
                      "availability": (1, "inventory control")}  # fmt: skip
    assert [s.count for s in at_s1.steps] == [0, 1, 3, 0, 0]  # O2; O3 O5 O6
    assert [s.count for s in amazon.steps] == [0, 0, 1, 0, 1]  # O6; R6
    assert list(waiting["return_id"]) == ["O6", "O5", "O3"]  # oldest first


def test_the_handoff_by_channel_pair(returned: str) -> None:
    with reading(get_engine(returned)) as conn:
        cells = {(c.channel_pair, c.step): c.returns for c in rv.step_pairs(conn, utcnow())}
    # shopify→dc: O1 order_link, O4 O7 disposition, R7 refund; shopify→store: O2 inspection,
    # O3 O5 disposition; amazon→store: O6 disposition; amazon→dc: R6 availability.
    assert cells == {
        ("amazon→dc", "availability"): 1, ("amazon→store", "disposition"): 1,
        ("shopify→dc", "order_link"): 1, ("shopify→dc", "disposition"): 2,
        ("shopify→dc", "refund"): 1, ("shopify→store", "inspection"): 1,
        ("shopify→store", "disposition"): 2,
    }  # fmt: skip


def _page(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metric(at: AppTest, label_start: str) -> str:
    (found,) = [m.value for m in at.metric if m.label.startswith(label_start)]
    return str(found)


def test_the_page_renders_for_a_viewer(returned: str) -> None:
    at = _page()
    assert at.title[0].value == "Returns"
    assert len(at.get("plotly_chart")) == 4  # trend, locations, ages, handoff
    assert _metric(at, "Black-hole returns") == "2"
    assert _metric(at, "Their value") == "25.00"
    weeks = at.dataframe[0].value  # the table of the weeks
    p, last = _weeks()
    assert list(weeks["ISO week received"]) == [p, last]
    assert list(weeks["lag p90 (hours)"]) == [100.0, 120.0]
    assert list(weeks["lag p90"]) == ["4.2 days", "5.0 days"]  # 100 h, 120 h


def test_a_location_filter_changes_the_values(returned: str) -> None:
    at = _page({"location": "S1"})
    assert _metric(at, "Black-hole returns") == "1"  # O5 only
    assert _metric(at, "Their value") == "0.00"  # B1 has no unit cost
    weeks = at.dataframe[0].value
    assert list(weeks["lag p50 (hours)"]) == [40.0, 60.0]  # P: 40 100 → k 1; L: 50 60 120 → k 2


def test_a_channel_filter_changes_the_funnel_only(returned: str) -> None:
    at = _page({"channel": "amazon"})
    steps = {row["step"]: row["returns waiting"] for _i, row in at.dataframe[2].value.iterrows()}
    # amazon: O6 waits at disposition, R6 at back in stock; nothing else.
    assert steps == {"Link to its order": 0, "Inspection": 0, "Disposition": 1, "Refund": 0,
                     "Back in stock": 1}  # fmt: skip
    assert _metric(at, "Black-hole returns") == "2"  # a return's channel does not filter these

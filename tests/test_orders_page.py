"""The Orders and fulfilment page: its numbers worked out by hand on the orders of load_orders."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine, write_session
from core.timeutil import iso_z, utcnow, week_label, week_start
from metrics import orders_views as ov
from metrics.compute import reading
from metrics.current import holding_state
from metrics.refresh import refresh
from tests.governance_support import make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui import orders_charts as charts
from ui import orders_views as views
from ui.auth import TOKEN_KEY

PAGE = "pages/orders.py"
SPLIT, MULTI, REROUTE, FILL = ov.SPLIT, ov.MULTI, ov.REROUTE, ov.FILL


def _monday(weeks_back: int, now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `weeks_back` weeks before the one holding now."""
    return week_start(week_label(now)) - timedelta(days=7 * weeks_back)


def _weeks() -> tuple[str, str]:
    """(P, L): the week before the latest complete week, and the latest complete week."""
    now = utcnow()
    return week_label(_monday(2, now)), week_label(_monday(1, now))


def load_orders(db_url: str, folder: Path) -> None:
    """Seven orders in weeks P and L (both ≥ 5 days old, so short ones are stalled), refreshed.

    Week P: A1 shopify, 2 units allocated DC1, shipped 2 from DC1 (SH1).
            A2 shopify, lines L1 and L2 of 1 unit each allocated DC1: SH2 ships L1 from DC1, SH3
               ships L2 from S1 (rerouted): split, multi-location, filled.
            A3 amazon, 4 units allocated DC1, 1 shipped from DC1 (SH4): short 3, stalled.
    Week L: B1 shopify, 3 units allocated DC1, SH5 and SH6 ship 2 each from DC1 (4 capped at 3):
               split, one location, filled.
            B2 amazon, L1 and L2 of 2 units allocated S1: SH7 ships L1 from DC1 (rerouted), L2
               never ships: short 2, stalled.
            B3 amazon, 5 units allocated DC1, cancelled after SH8 (DC1) and SH9 (S1, rerouted):
               split and multi-location (cancelled orders stay in), out of fill and stalled.
            B4 shopify, 2 units allocated DC1, nothing shipped: short 2, stalled.
    """
    now = utcnow()
    p, last = _monday(2, now) + timedelta(days=1), _monday(1, now) + timedelta(days=1)

    def at(day: datetime, hours: int) -> str:
        return iso_z(day + timedelta(hours=hours))

    load(
        db_url,
        folder,
        locations=("location_id,name,type", [("DC1", "Main DC", "dc"), ("S1", "Store 1", "store")]),
        orders=("order_id,channel,placed_at,cancelled_at",
                [("A1", "shopify", at(p, 10), ""), ("A2", "shopify", at(p, 11), ""),
                 ("A3", "amazon", at(p, 34), ""), ("B1", "shopify", at(last, 10), ""),
                 ("B2", "amazon", at(last, 11), ""), ("B3", "amazon", at(last, 34), at(last, 40)),
                 ("B4", "shopify", at(last, 58), "")]),
        order_lines=("order_id,line_id,quantity,allocated_location_id",
                     [("A1", "L1", 2, "DC1"), ("A2", "L1", 1, "DC1"), ("A2", "L2", 1, "DC1"),
                      ("A3", "L1", 4, "DC1"), ("B1", "L1", 3, "DC1"), ("B2", "L1", 2, "S1"),
                      ("B2", "L2", 2, "S1"), ("B3", "L1", 5, "DC1"), ("B4", "L1", 2, "DC1")]),
        shipments=("shipment_id,order_id,line_id,location_id,shipped_at,quantity",
                   [("SH1", "A1", "L1", "DC1", at(p, 12), 2),
                    ("SH2", "A2", "L1", "DC1", at(p, 13), 1),
                    ("SH3", "A2", "L2", "S1", at(p, 14), 1),
                    ("SH4", "A3", "L1", "DC1", at(p, 36), 1),
                    ("SH5", "B1", "L1", "DC1", at(last, 12), 2),
                    ("SH6", "B1", "L1", "DC1", at(last, 20), 2),
                    ("SH7", "B2", "L1", "DC1", at(last, 13), 2),
                    ("SH8", "B3", "L1", "DC1", at(last, 35), 1),
                    ("SH9", "B3", "L1", "S1", at(last, 36), 1)]),
    )  # fmt: skip
    with write_session(get_engine(db_url)) as session:
        refresh(session, now=utcnow())


@pytest.fixture
def ordered(db_url: str, tmp_path: Path) -> str:
    """The orders of load_orders, with an account per role."""
    load_orders(db_url, tmp_path / "orders")
    make_people(get_engine(db_url))
    return db_url


def _shares(found: dict[str, list[ov.RateWeek]], name: str) -> dict[str, tuple[int, int]]:
    return {w.week: (w.num, w.n) for w in found[name]}


@pytest.mark.parametrize("stored", [True, False], ids=["aggregates", "raw"])
def test_rates_per_week_by_hand(ordered: str, stored: bool) -> None:
    p, last = _weeks()
    now = utcnow()
    with reading(get_engine(ordered)) as conn:
        state = holding_state(conn, now)
        assert state is not None
        # Before the aggregates' instant they do not hold, so the rows come from the raw orders
        # (every order and shipment is days older than that instant: the same numbers).
        as_of = now if stored else state.as_of - timedelta(seconds=1)
        assert (holding_state(conn, as_of) is not None) is stored
        rows = ov.rate_rows(conn, as_of, (p, last))
    found = ov.trend(rows, (p, last))
    # Split: P A2 of A1 A2 A3 -> 1/3; L B1 and B3 of B1 B2 B3 -> 2/3.
    assert _shares(found, SPLIT) == {p: (1, 3), last: (2, 3)}
    # Multi-location: P A2 (DC1, S1) -> 1/3; L B3 (DC1, S1) -> 1/3 (B1 ships twice from DC1).
    assert _shares(found, MULTI) == {p: (1, 3), last: (1, 3)}
    # Reroute: P SH3 of SH1..SH4 -> 1/4; L SH7 and SH9 of SH5..SH9 -> 2/5.
    assert _shares(found, REROUTE) == {p: (1, 4), last: (2, 5)}
    # Fill: P shipped 2 + 2 + 1 of 2 + 2 + 4 -> 5/8 = 62.5 %;
    # L (B3 cancelled) B1 3 (4 capped) + B2 2 + B4 0 of 3 + 4 + 2 -> 5/9 = 55.6 %.
    assert _shares(found, FILL) == {p: (5, 8), last: (5, 9)}
    assert [round(w.value, 4) for w in found[FILL]] == [0.625, 0.5556]


def test_a_channel_filter_sums_the_parts(ordered: str) -> None:
    p, last = _weeks()
    with reading(get_engine(ordered)) as conn:
        rows = ov.rate_rows(conn, utcnow(), (p, last))
    amazon = ov.trend(rows, (p, last), ("amazon",))
    # Amazon: split P A3 unsplit 0/1, L B3 of B2 B3 1/2; fill P A3 1/4, L B2 2/4.
    assert _shares(amazon, SPLIT) == {p: (0, 1), last: (1, 2)}
    assert _shares(amazon, FILL) == {p: (1, 4), last: (2, 4)}
    # Both channels chosen is Σ num / Σ n = the `all` row, not the mean of the shares:
    # L fill shopify 3/5 = 60 %, amazon 2/4 = 50 % -> (3 + 2) / (5 + 4) = 55.6 %, not 55 %.
    both = ov.trend(rows, (p, last), ("amazon", "shopify"))
    assert _shares(both, FILL) == {p: (5, 8), last: (5, 9)}
    assert both == ov.trend(rows, (p, last))


def test_channels_over_the_weeks_by_hand(ordered: str) -> None:
    p, last = _weeks()
    with reading(get_engine(ordered)) as conn:
        rows = ov.rate_rows(conn, utcnow(), (p, last))
    found = ov.by_channel(rows, (p, last))

    def shares(name: str) -> dict[str, tuple[int, int]]:
        return {c.channel: (c.num, c.n) for c in found[name]}

    # Split: shopify A2 + B1 of A1 A2 B1 = 2/3; amazon B3 of A3 B2 B3 = 1/3.
    assert shares(SPLIT) == {"amazon": (1, 3), "shopify": (2, 3)}
    # Multi-location: shopify A2 of 3; amazon B3 of 3.
    assert shares(MULTI) == {"amazon": (1, 3), "shopify": (1, 3)}
    # Reroute: shopify SH3 of SH1 SH2 SH3 SH5 SH6 = 1/5; amazon SH7, SH9 of SH4 SH7 SH8 SH9 = 2/4.
    assert shares(REROUTE) == {"amazon": (2, 4), "shopify": (1, 5)}
    # Fill: shopify (2 + 2 + 3 + 0) / (2 + 2 + 3 + 2) = 7/9; amazon (1 + 2) / (4 + 4) = 3/8.
    assert shares(FILL) == {"amazon": (3, 8), "shopify": (7, 9)}
    only = ov.by_channel(rows, (last,), ("shopify",))
    assert [(c.channel, c.num, c.n) for c in only[FILL]] == [("shopify", 3, 5)]  # B1 3/3, B4 0/2


def test_targets_exist_only_for_kpis(ordered: str) -> None:
    with reading(get_engine(ordered)) as conn:
        found = ov.targets(conn)
    # SPEC defaults: split ≤ 10 %, reroute ≤ 5 %, fill ≥ 97 %; the multi-location rate is no KPI.
    assert found == {SPLIT: 0.10, REROUTE: 0.05, FILL: 0.97}


@pytest.mark.parametrize("stored", [True, False], ids=["facts", "raw"])
def test_stalled_orders_by_hand(ordered: str, stored: bool) -> None:
    engine = get_engine(ordered)
    now = utcnow()
    with reading(engine) as conn:
        state = holding_state(conn, now)
        assert state is not None
        as_of = now if stored else state.as_of - timedelta(seconds=1)
        counts = ov.stalled_by_channel(conn, as_of)
    # Short, not cancelled, ≥ 48 h old: A3 (amazon, 1 of 4), B2 (amazon, 2 of 4), B4 (shopify, 0
    # of 2). B3 is cancelled; A1, A2 and B1 are filled.
    assert [(c.channel, c.stalled) for c in counts] == [("amazon", 2), ("shopify", 1)]
    found = ov.stalled_records(engine, as_of)
    assert found.total == 3
    table = found.table
    assert list(table["order_id"]) == ["A3", "B2", "B4"]  # oldest first
    assert list(table["channel"]) == ["amazon", "amazon", "shopify"]
    assert list(table["missing"]) == [3, 2, 2]  # 4 − 1, 4 − 2, 2 − 0
    # A3 was placed on P's Wednesday at 10:00.
    placed = _monday(2, now) + timedelta(days=1, hours=34)
    assert table["age_hours"][0] == pytest.approx((as_of - placed).total_seconds() / 3600)
    shopify = ov.stalled_records(engine, as_of, ("shopify",))
    assert (shopify.total, list(shopify.table["order_id"])) == (1, ["B4"])
    capped = ov.stalled_records(engine, as_of, limit=2)
    assert (capped.total, len(capped.table)) == (3, 2)


def test_the_records_behind_a_point_or_a_bar(ordered: str) -> None:
    p, last = _weeks()
    with reading(get_engine(ordered)) as conn:

        def ids(name: str, weeks: tuple[str, ...], channels: tuple[str, ...], column: str) -> list:
            return list(ov.orders_behind(conn, utcnow(), name, weeks, channels).table[column])

        assert ids(SPLIT, (last,), (), "order_id") == ["B1", "B3"]
        assert ids(MULTI, (p, last), (), "order_id") == ["A2", "B3"]
        assert ids(REROUTE, (p,), (), "shipment_id") == ["SH3"]
        assert ids(REROUTE, (p, last), ("amazon",), "shipment_id") == ["SH7", "SH9"]
        # Fill: every order of the point, the shortest first: B2 short 2 before B1 (filled).
        fill = ov.orders_behind(conn, utcnow(), FILL, (last,), ("amazon", "shopify"))
        assert list(fill.table["order_id"]) == ["B2", "B4", "B1"]  # short 2, short 2, filled
        capped = ov.orders_behind(conn, utcnow(), FILL, (p, last), (), limit=2)
        assert (capped.total, len(capped.table)) == (6, 2)  # A1 A2 A3 B1 B2 B4
    table = views.records_table(fill.table)
    assert list(table["missing (units)"]) == [2, 2, 0]


@pytest.mark.parametrize(
    ("hours", "words"),
    [(1, "1 hour"), (30.9, "30 hours"), (48, "2 days"), (52, "2 days 4 hours"),
     (73, "3 days 1 hour")],
)  # fmt: skip
def test_age_words(hours: float, words: str) -> None:
    assert views.age_words(hours) == words


def _page(params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _weeks_table(at: AppTest) -> dict[str, float]:
    """Fill rate (%) per week, as the table of the weeks shows it."""
    (table,) = [d.value for d in at.dataframe if "ISO week" in d.value.columns]
    return dict(zip(table["ISO week"], table["fill rate (%)"], strict=True))


def test_the_page_renders_for_a_viewer(ordered: str) -> None:
    p, last = _weeks()
    at = _page()
    assert at.title[0].value == "Orders and fulfilment"
    assert len(at.get("plotly_chart")) == 5, "four trends and the channel bars"
    # Fill: P 5/8 = 62.5 %, L 5/9 = 55.6 % (see test_rates_per_week_by_hand).
    assert _weeks_table(at) == {p: 62.5, last: 55.6}
    (stalled,) = [m for m in at.metric if m.label == "Stalled orders"]
    assert stalled.value == "3"  # A3, B2, B4
    (table,) = [d.value for d in at.dataframe if "missing (units)" in d.value.columns]
    assert list(table["order"]) == ["A3", "B2", "B4"]
    assert list(table["missing (units)"]) == [3, 2, 2]
    assert at.info[0].value.startswith("Click a point")


def test_a_channel_filter_changes_the_values(ordered: str) -> None:
    p, last = _weeks()
    at = _page({"channel": "amazon", "location": "DC1"})
    # Amazon fill: P A3 1/4 = 25.0 %, L B2 2/4 = 50.0 %; stalled A3 and B2.
    assert _weeks_table(at) == {p: 25.0, last: 50.0}
    (stalled,) = [m for m in at.metric if m.label == "Stalled orders"]
    assert stalled.value == "2"
    notes = [c.value for c in at.caption]
    assert any("Your choice of locations is not applied here." in n for n in notes)


def _select(at: AppTest, key: str, *customdata: object) -> None:
    """Click a point of a chart, the way a selection comes back from the browser."""
    point = {"x": customdata[0], "customdata": list(customdata)}
    at.session_state[key] = {"selection": {"points": [point], "point_indices": [0], "box": [],
                                           "lasso": []}}  # fmt: skip
    at.run()
    assert not at.exception, [e.value for e in at.exception]


def _records(at: AppTest) -> tuple[str, list[str]]:
    """The heading of the records shown and their order (or shipment) column."""
    (heading,) = [s.value for s in at.subheader if s.value.startswith("Records behind")]
    (table,) = [d.value for d in at.dataframe if "order" in d.value.columns
                and "age" not in d.value.columns]  # fmt: skip
    column = "shipment" if "shipment" in table.columns else "order"
    return heading, list(table[column])


def test_a_click_opens_the_records_behind_it(ordered: str) -> None:
    _p, last = _weeks()
    at = _page()
    _select(at, charts.trend_key(SPLIT), last, "2", "3")
    # Split orders of week L: B1 (SH5, SH6) and B3 (SH8, SH9).
    assert _records(at) == (f"Records behind Split order rate: every channel, week {last}",
                            ["B1", "B3"])  # fmt: skip
    # Then a channel bar: amazon's rerouted shipment rows over both weeks, SH7 (B2) and SH9 (B3);
    # the chart clicked last decides what is shown.
    _select(at, charts.CHANNEL_KEY, REROUTE, "amazon", "2", "4", "", "")
    heading, ids = _records(at)
    assert ids == ["SH7", "SH9"]
    assert heading.startswith("Records behind Reroute rate: amazon, weeks ")
    assert not [i for i in at.info if i.value.startswith("Click a point")]

"""The Stock truth page: its numbers worked out by hand on the stock of load_stock.

Two locations (DC1, S2), the book `wms` (the default book) and one other system, `shopify`, two
stock snapshots: T1 (3 days ago) and T2 (1 day ago). Items (sku: ABC class, category, unit cost):
SKU-A: A, tops, 10.00; SKU-B: B, tops, 2.50; SKU-C: C, shoes, 4.00; SKU-E: C, shoes, no cost.

    T1  wms DC1: A 10, B 5      shopify DC1: A 10, B 5
        wms S2:  A 4            shopify S2:  A 4
    T2  wms DC1: A 8, C 3       shopify DC1: A 11, B 6, C 1, shop-x 2 (resolves to nothing)
        wms S2:  A 4, E 1       shopify S2:  A 4, E 3

Now (each side's newest snapshot per SKU; wms DC1 B is missing from T2 and keeps its 5):
    DC1 A: shopify 11, book 8  -> differs, 3 overstated, 3 x 10.00 = 30.00
    DC1 B: shopify 6,  book 5  -> differs, 1 overstated, 1 x 2.50  = 2.50
    DC1 C: shopify 1,  book 3  -> differs, 0 overstated (understated)
    S2  A: shopify 4,  book 4  -> same
    S2  E: shopify 3,  book 1  -> differs, 2 overstated, no unit cost (not valued)
5 compared pairs, 4 differ, 6 units overstated, money 32.50 (1 pair without a cost).
By location: DC1 3 of 3, 4 units, 32.50; S2 1 of 2, 2 units, 0.00. By system: shopify 4 of 5.
Unmapped: shopify sees SKU-A, SKU-B, SKU-C, SKU-E, shop-x -> 1 of 5; wms 0 of 4; all 1.
Snapshot history: at T1 + 1 h 3 pairs, none differ; at the refresh 4 of 5 differ, 6 units.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine, write_session
from core.timeutil import iso_z, to_epoch, utcnow
from metrics import stock_views as sv
from metrics.compute import reading
from metrics.model import make_context
from metrics.refresh import refresh
from metrics.snapshots import backfill_history
from tests.governance_support import make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui import stock_views as ui_views
from ui.auth import TOKEN_KEY
from ui.filters import Filters

PAGE = "pages/stock.py"
STOCK_HEADER = "as_of,system,location_id,system_sku,status,quantity"


def load_stock(db_url: str, folder: Path) -> None:
    """The stock of the module docstring, aggregates refreshed at now, T1 + 1 h kept as history."""
    now = utcnow()
    t1, t2 = iso_z(now - timedelta(days=3)), iso_z(now - timedelta(days=1))
    created = iso_z(now - timedelta(days=30))
    stock = [
        (t1, "wms", "DC1", "SKU-A", 10), (t1, "wms", "DC1", "SKU-B", 5),
        (t1, "shopify", "DC1", "SKU-A", 10), (t1, "shopify", "DC1", "SKU-B", 5),
        (t1, "wms", "S2", "SKU-A", 4), (t1, "shopify", "S2", "SKU-A", 4),
        (t2, "wms", "DC1", "SKU-A", 8), (t2, "wms", "DC1", "SKU-C", 3),
        (t2, "shopify", "DC1", "SKU-A", 11), (t2, "shopify", "DC1", "SKU-B", 6),
        (t2, "shopify", "DC1", "SKU-C", 1), (t2, "shopify", "DC1", "shop-x", 2),
        (t2, "wms", "S2", "SKU-A", 4), (t2, "wms", "S2", "SKU-E", 1),
        (t2, "shopify", "S2", "SKU-A", 4), (t2, "shopify", "S2", "SKU-E", 3),
    ]  # fmt: skip
    load(
        db_url,
        folder,
        locations=("location_id,name,type", [("DC1", "Main DC", "dc"), ("S2", "Store 2", "store")]),
        items=("sku,abc_class,category,lifecycle_status,created_at,unit_cost",
               [("SKU-A", "A", "tops", "active", created, "10.00"),
                ("SKU-B", "B", "tops", "active", created, "2.50"),
                ("SKU-C", "C", "shoes", "active", created, "4.00"),
                ("SKU-E", "C", "shoes", "active", created, "")]),
        stock_levels=(STOCK_HEADER, [(a, s, loc, sku, "sellable", q) for a, s, loc, sku, q in stock]),
    )  # fmt: skip
    with write_session(get_engine(db_url)) as session:
        refresh(session, now=utcnow())
    with write_session(get_engine(db_url)) as session:
        backfill_history(session.connection(), [now - timedelta(days=3, hours=-1)])


@pytest.fixture
def stocked(db_url: str, tmp_path: Path) -> str:
    """The stock of load_stock, with an account per role."""
    load_stock(db_url, tmp_path / "stock")
    make_people(get_engine(db_url))
    return db_url


def _groups(url: str, scope: sv.Scope | None = None) -> list[sv.PairGroup]:
    with reading(get_engine(url)) as conn:
        return sv.pair_groups(sv.pair_rows(conn, make_context(utcnow()), scope or sv.Scope()))


def test_pairs_by_location_and_system_by_hand(stocked: str) -> None:
    groups = _groups(stocked)
    assert sv.overall(groups) == sv.Total("all", 5, 4, 6)
    assert sv.totals_by(groups, "location") == [
        sv.Total("DC1", 3, 3, 4),  # A 3 over, B 1 over, C under
        sv.Total("S2", 2, 1, 2),  # E 2 over; A the same
    ]
    assert sv.totals_by(groups, "system") == [sv.Total("shopify", 5, 4, 6)]
    assert sv.book_systems(groups) == ("wms",)
    # The filtered value is the pairs' sum: S2 alone 1 of 2; ABC class A: DC1 A and S2 A, 1 differs.
    assert sv.overall(_groups(stocked, sv.Scope(("S2",)))) == sv.Total("all", 2, 1, 2)
    assert sv.overall(_groups(stocked, sv.Scope(abc_classes=("A",)))) == sv.Total("all", 2, 1, 3)
    # Category shoes: DC1 C (under) and S2 E (2 over): 2 of 2.
    assert sv.overall(_groups(stocked, sv.Scope(categories=("shoes",)))) == sv.Total("all", 2, 2, 2)


def test_the_metric_rows_agree(stocked: str) -> None:
    with reading(get_engine(stocked)) as conn:
        rows = sv.current_rows(conn, utcnow())
    discrepancies = sv.metric_all(rows, sv.DISCREPANCIES)
    assert discrepancies is not None
    assert (discrepancies.value, discrepancies.n, discrepancies.num) == (4, 5, 6)
    assert sv.unmapped_by_system(rows) == [
        sv.UnmappedSystem("shopify", 1, 5),
        sv.UnmappedSystem("wms", 0, 4),
    ]


def test_money_overstated_by_hand(stocked: str) -> None:
    with reading(get_engine(stocked)) as conn:
        money = sv.overstated_money(conn, utcnow())
        only_s2 = sv.overstated_money(conn, utcnow(), sv.Scope(("S2",)))
        tops = sv.overstated_money(conn, utcnow(), sv.Scope(categories=("tops",)))
    # 3 x 10.00 + 1 x 2.50 = 32.50; SKU-E's 2 units have no cost.
    assert (money.units, money.value, money.uncosted) == (6, Decimal("32.50"), 1)
    assert money.value_of(location="DC1") == Decimal("32.50")
    assert money.value_of(location="S2") == Decimal(0)
    assert (only_s2.units, only_s2.value, only_s2.uncosted) == (2, Decimal(0), 1)
    assert (tops.units, tops.value, tops.uncosted) == (4, Decimal("32.50"), 0)


def test_the_history_and_one_sku(stocked: str) -> None:
    today = utcnow().date()
    with reading(get_engine(stocked)) as conn:
        points = sv.snapshot_history(conn, today - timedelta(days=7), today)
        ctx = make_context(utcnow())
        worst = sv.worst_skus(sv.pair_rows(conn, ctx))
        history = sv.sku_history(conn, ctx, "SKU-A")
        at_s2 = sv.sku_history(conn, ctx, "SKU-A", ("S2",))
    alls = [
        (p.value, p.n, p.num) for p in points if p.metric == sv.DISCREPANCIES and p.dim == "all"
    ]
    # T1 + 1 h, then the refresh after the import (the import's own refresh may keep one more,
    # a second or so earlier, with the same numbers).
    assert alls[0] == (0, 3, 0)
    assert set(alls[1:]) == {(4, 5, 6)}
    t1_day = points[0].as_of.date()  # the day of T1 + 1 h, nearly 3 days before the refresh
    with reading(get_engine(stocked)) as conn:
        only_t1 = sv.snapshot_history(conn, t1_day, t1_day)
    assert {(p.value, p.n) for p in only_t1 if p.metric == sv.DISCREPANCIES} == {(0, 3)}
    # |system − book|: A 3 (DC1), C 2, E 2, B 1; ties by units over (E 2 > C 0).
    assert worst == ["SKU-A", "SKU-E", "SKU-C", "SKU-B"]
    lines = {line: list(g["units"]) for line, g in history.groupby("line")}
    assert lines == {"book": [14, 12], "shopify": [14, 15]}  # T1: 10 + 4 both; T2: 8 + 4, 11 + 4
    assert {line: list(g["units"]) for line, g in at_s2.groupby("line")} == {
        "book": [4, 4],
        "shopify": [4, 4],
    }


def test_the_pairs_behind_a_bar(stocked: str) -> None:
    engine = get_engine(stocked)
    table = sv.pairs_behind(engine, utcnow(), location="DC1")
    assert list(table["sku"]) == ["SKU-A", "SKU-B", "SKU-C"]
    assert list(table["difference"]) == [3, 1, -2]
    assert list(table["book_qty"]) == [8, 5, 3]
    by_system = sv.pairs_behind(engine, utcnow(), system="shopify", scope=sv.Scope(("S2",)))
    assert list(by_system["sku"]) == ["SKU-E"]
    unmapped = sv.unmapped_list(engine, utcnow(), "shopify")
    assert list(unmapped["system_sku"]) == ["shop-x"]


def _page(url: str, params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_renders_for_a_viewer(stocked: str) -> None:
    at = _page(stocked)
    assert at.title[0].value == "Stock truth"
    assert _metrics(at) == {
        "Stock discrepancies": "4",
        "Units overstated": "6",
        "Money overstated": "USD 32.50",
        "Unmapped system SKUs": "1",
    }
    assert at.selectbox(key="stock.sku").value == "SKU-A"
    assert len(at.get("plotly_chart")) >= 5, "trend, two bars, unmapped, one SKU"
    assert any("Channels do not apply" in c.value for c in at.caption)


def test_a_location_filter_changes_the_numbers(stocked: str) -> None:
    at = _page(stocked, {"location": "S2"})
    # S2 alone: E differs (2 over, no cost); A is the same. Unmapped counts every location.
    assert _metrics(at) == {
        "Stock discrepancies": "1",
        "Units overstated": "2",
        "Money overstated": "USD 0.00",
        "Unmapped system SKUs": "1",
    }
    assert at.selectbox(key="stock.sku").value == "SKU-E"


def test_a_clicked_location_bar_opens_its_pairs(stocked: str) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    at.run()
    at.switch_page(PAGE).run()
    at.session_state["stock.by_location"] = {
        "selection": {"points": [{"customdata": ["DC1", 3, 4, "USD 32.50"]}]}
    }
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(s.value == "Pairs behind DC1, every system" for s in at.subheader)
    (table,) = [d.value for d in at.dataframe if "difference (units)" in d.value.columns]
    assert list(table["SKU"]) == ["SKU-A", "SKU-B", "SKU-C"]
    assert list(table["difference (units)"]) == [3, 1, -2]
    assert list(table["oversell exposure (USD)"]) == [30.0, 2.5, 0.0]  # 3 x 10.00, 1 x 2.50, 0


def test_a_trend_point_names_its_snapshot_and_system() -> None:
    instant = utcnow().replace(microsecond=0)
    state = {"selection": {"points": [{"customdata": [to_epoch(instant), "shopify", 5, 6]}]}}
    filters = Filters(instant.date(), instant.date(), locations=("S2",))
    pick = ui_views.pick_from(state, "trend", instant - timedelta(days=1), filters)
    assert pick == ui_views.Pick(
        instant, "shopify", None, f"shopify at S2, snapshot {instant:%Y-%m-%d %H:%M} UTC"
    )
    assert ui_views.pick_from({"selection": {"points": []}}, "trend", instant, filters) is None


def test_the_default_dates_reach_the_newest_snapshot() -> None:
    instant = utcnow()
    last_order = (instant - timedelta(days=2)).date()
    default = Filters(last_order - timedelta(days=83), last_order)
    assert ui_views.history_days(default, instant) == (default.start, instant.date())
    chosen = Filters(default.start, last_order, dated=True)
    assert ui_views.history_days(chosen, instant) == (default.start, last_order)

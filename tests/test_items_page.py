"""The Item master page: its numbers worked out by hand on the small item master of load_items."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine, write_session
from core.timeutil import iso_z, utcnow, week_label, week_start
from metrics import items_views as iv
from metrics.compute import reading
from metrics.refresh import refresh
from metrics.sku_checks import Check
from tests.governance_support import gtin, make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui import items_charts as charts
from ui import items_views as views
from ui.auth import TOKEN_KEY
from ui.filters import Filters

PAGE = "pages/items.py"
SHARED = gtin(777)  # the barcode TOP-2 and HAT-1 share
ITEM_HEADER = "sku,name,category,brand,barcode,lifecycle_status,created_at,approved_at"


def _monday(weeks_back: int, now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `weeks_back` weeks before the one holding now."""
    return week_start(week_label(now)) - timedelta(days=7 * weeks_back)


def _weeks() -> tuple[str, str]:
    """(the last complete week L, the week before it P)."""
    now = utcnow()
    return week_label(_monday(1, now)), week_label(_monday(2, now))


def load_items(db_url: str, folder: Path) -> None:
    """Nine items in two categories over two weeks, stock SKUs of two systems, two mappings.

    Week P (4 items): TOP-1 tops passes; TOP-2 tops and HAT-1 hats share the barcode SHARED
    (both fail "barcode used once"); HAT-2 hats passes.
    Week L (5 items): TOP-3 tops has barcode 12345 (fails "valid barcode"); TOP-4 tops has no
    brand (fails "required fields"); HAT-3 hats is active without approved_at (fails
    "approved"); HAT-4 hats passes; hat-5 hats is a draft (approval not needed) whose SKU is
    lower case (fails "naming rule").
    Stock SKUs: shopify SH-TOP1 and SH-HAT2 (mapped), TOP-3 (an item's SKU), SH-GHOST (nothing);
    wms TOP-1 and HAT-1 (items' SKUs), W-99 (nothing). shopify also maps SH-OLD, not in stock.
    """
    now = utcnow()
    p_day, l_day = (
        iso_z(_monday(2, now) + timedelta(days=1)),
        iso_z(_monday(1, now) + timedelta(days=1)),
    )

    def row(sku: str, category: str, barcode: str, day: str, *, brand: str = "acme",
            status: str = "active", approved: bool = True) -> tuple[str, ...]:  # fmt: skip
        return (sku, f"Item {sku}", category, brand, barcode, status, day, day if approved else "")

    stock_at = iso_z(_monday(1, now) + timedelta(days=2))
    load(
        db_url,
        folder,
        items=(ITEM_HEADER, [
            row("TOP-1", "tops", gtin(1), p_day), row("TOP-2", "tops", SHARED, p_day),
            row("HAT-1", "hats", SHARED, p_day), row("HAT-2", "hats", gtin(2), p_day),
            row("TOP-3", "tops", "12345", l_day), row("TOP-4", "tops", gtin(4), l_day, brand=""),
            row("HAT-3", "hats", gtin(3), l_day, approved=False),
            row("HAT-4", "hats", gtin(5), l_day),
            row("hat-5", "hats", gtin(6), l_day, status="draft", approved=False),
        ]),
        sku_mappings=("system,system_sku,sku", [("shopify", "SH-TOP1", "TOP-1"),
                                                ("shopify", "SH-HAT2", "HAT-2"),
                                                ("shopify", "SH-OLD", "TOP-2")]),
        stock_levels=("as_of,system,location_id,system_sku,status,quantity", [
            (stock_at, "shopify", "DC1", s, "sellable", 5)
            for s in ("SH-TOP1", "SH-HAT2", "TOP-3", "SH-GHOST")
        ] + [(stock_at, "wms", "DC1", s, "sellable", 5) for s in ("TOP-1", "HAT-1", "W-99")]),
    )  # fmt: skip
    with write_session(get_engine(db_url)) as session:
        refresh(session, now=utcnow())


@pytest.fixture
def item_master(db_url: str, tmp_path: Path) -> str:
    """The items of load_items, with an account per role."""
    load_items(db_url, tmp_path / "items")
    make_people(get_engine(db_url))
    return db_url


def test_trend_and_checks_by_hand(item_master: str) -> None:
    last, before = _weeks()
    with reading(get_engine(item_master)) as conn:
        rows = iv.quality_rows(conn, utcnow())
        items = iv.item_checks(conn, utcnow())
    # P: TOP-1, HAT-2 pass of 4 -> 2/4 = 50 %. L: only HAT-4 passes of 5 -> 1/5 = 20 %.
    trend = {w.week: (w.passing, w.items, w.rate) for w in iv.quality_trend(rows, (before, last))}
    assert trend == {before: (2, 4, 0.5), last: (1, 5, 0.2)}
    # hats: P HAT-2 of HAT-1, HAT-2 -> 1/2; L HAT-4 of HAT-3, HAT-4, hat-5 -> 1/3.
    hats = {w.week: (w.passing, w.items) for w in iv.quality_trend(rows, (before, last), ("hats",))}
    assert hats == {before: (1, 2), last: (1, 3)}
    # By category over both weeks: hats 2 of 5 = 40 %, tops TOP-1 of 4 = 25 %.
    categories = [
        (c.category, c.passing, c.items, c.rate) for c in iv.by_category(rows, (before, last))
    ]
    assert categories == [("hats", 2, 5, 0.4), ("tops", 1, 4, 0.25)]
    # Both weeks, every category, 9 items: approved HAT-3, naming hat-5, required TOP-4,
    # barcode used once TOP-2 + HAT-1, valid barcode TOP-3.
    expected = {Check.APPROVED: 1, Check.NAMING_CONVENTION: 1, Check.REQUIRED_ATTRIBUTES: 1,
                Check.UNIQUE_BARCODE: 2, Check.VALID_BARCODE: 1}  # fmt: skip
    from_rows = iv.failures_from_rows(rows, (before, last))
    assert {c.check: (c.failing, c.items) for c in from_rows} == {
        c: (n, 9) for c, n in expected.items()
    }
    shown = iv.in_view(items, (before, last))
    assert iv.failures_from_items(shown) == from_rows  # the records agree with the metric rows
    # hats only (5 items): HAT-3 not approved, hat-5 naming, HAT-1 shares its barcode.
    only_hats = iv.failures_from_items(iv.in_view(items, (before, last), ("hats",)))
    assert {c.check: c.failing for c in only_hats} == {
        Check.APPROVED: 1, Check.NAMING_CONVENTION: 1, Check.REQUIRED_ATTRIBUTES: 0,
        Check.UNIQUE_BARCODE: 1, Check.VALID_BARCODE: 0,
    }  # fmt: skip
    assert {c.items for c in only_hats} == {5}


def test_failing_items_barcodes_and_words(item_master: str) -> None:
    last, before = _weeks()
    with reading(get_engine(item_master)) as conn:
        items = iv.item_checks(conn, utcnow())
    shown = iv.in_view(items, (before, last))
    assert [i.sku for i in iv.failing(shown, week=last)] == ["HAT-3", "TOP-3", "TOP-4", "hat-5"]
    assert [i.sku for i in iv.failing(shown, check=Check.UNIQUE_BARCODE)] == ["HAT-1", "TOP-2"]
    table = views.items_table(iv.failing(shown, week=last))
    assert dict(zip(table["SKU"], table["fails"], strict=True)) == {
        "HAT-3": "active but not approved",
        "TOP-3": "invalid barcode",
        "TOP-4": "missing brand",
        "hat-5": "breaks the SKU naming rule",
    }
    # The hats filter still lists the whole group of the shared barcode (TOP-2 is a top).
    shared = iv.duplicate_barcodes(items, iv.in_view(items, (before, last), ("hats",)))
    assert shared[["barcode", "items_sharing", "sku"]].values.tolist() == [
        [SHARED, 2, "HAT-1"], [SHARED, 2, "TOP-2"]
    ]  # fmt: skip
    assert iv.duplicate_barcodes(items, iv.in_view(items, (last,))).empty  # none created in L
    assert [i.sku for i in iv.failing(shown, check=Check.VALID_BARCODE)] == ["TOP-3"]


def test_mapping_coverage_by_hand(item_master: str) -> None:
    with reading(get_engine(item_master)) as conn:
        coverage = {c.system: c for c in iv.mapping_coverage(conn, utcnow())}
        ghosts = iv.unresolved_system_skus(conn, utcnow(), "shopify")
    # shopify: 4 seen, 2 through a mapping, TOP-3 itself, SH-GHOST nothing -> 3/4 = 75 %;
    # 3 mappings on file (SH-OLD is mapped but not in stock).
    assert coverage["shopify"] == iv.MappingCoverage("shopify", 4, 2, 1, 1, 3)
    assert coverage["shopify"].coverage == 0.75
    # wms: 3 seen, TOP-1 and HAT-1 themselves, W-99 nothing -> 2/3.
    assert coverage["wms"] == iv.MappingCoverage("wms", 3, 0, 2, 1, 0)
    assert ghosts["system_sku"].tolist() == ["SH-GHOST"]


def test_a_click_picks_the_items_behind_it(item_master: str) -> None:
    last, before = _weeks()
    with reading(get_engine(item_master)) as conn:
        items = iv.item_checks(conn, utcnow())
    filters = Filters(_monday(2, utcnow()).date(), utcnow().date())
    view = views.ItemsView((), (), (), tuple(iv.in_view(items, (before, last))),
                           iv.duplicate_barcodes(items, ()), (), 0.95)  # fmt: skip
    trend_click = {"selection": {"points": [{"customdata": [before, 2, 4]}]}}
    pick = views.pick_from(trend_click, "trend", filters)
    assert pick is not None and pick.week == before
    assert [i.sku for i in views.picked_items(view, pick)] == ["HAT-1", "TOP-2"]
    check_click = {"selection": {"points": [{"customdata": ["required_attributes", 9]}]}}
    pick = views.pick_from(check_click, "check", filters)
    assert pick is not None and [i.sku for i in views.picked_items(view, pick)] == ["TOP-4"]
    assert views.pick_from({"selection": {"points": []}}, "trend", filters) is None


def _page(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_the_page_renders_for_a_viewer(item_master: str) -> None:
    at = _page()
    assert at.title[0].value == "Item master"
    # Both weeks: TOP-1, HAT-2, HAT-4 pass of 9 -> 3/9 = 33.3 %; 6 fail a check.
    assert _tiles(at) == {"SKU quality rate": "33.3 %", "Items created": "9",
                          "Items failing a check": "6"}  # fmt: skip
    assert len(at.get("plotly_chart")) == 4  # trend, checks, categories, coverage
    assert any("do not apply" in c.value for c in at.caption)


def test_a_category_filter_changes_the_rate(item_master: str) -> None:
    # hats: HAT-2 and HAT-4 pass of HAT-1..HAT-4 and hat-5 -> 2/5 = 40.0 %.
    at = _page({"category": "hats"})
    assert _tiles(at) == {"SKU quality rate": "40.0 %", "Items created": "5",
                          "Items failing a check": "3"}  # fmt: skip


def test_the_charts_name_checks_in_plain_words(item_master: str) -> None:
    last, before = _weeks()
    with reading(get_engine(item_master)) as conn:
        rows = iv.quality_rows(conn, utcnow())
    figure = charts.checks_figure(iv.failures_from_rows(rows, (before, last)))
    names = list(figure.data[0].y)
    assert names == [
        "Invalid barcode",
        "Barcode shared with another item",
        "Missing required fields",
        "Breaks the SKU naming rule",
        "Active but not approved",
    ]  # fmt: skip  (bottom to top)
    assert list(figure.data[0].x) == [1, 2, 1, 1, 1]
    trend = charts.trend_figure(iv.quality_trend(rows, (before, last)), 0.95)
    assert list(trend.data[0].y) == [50.0, 20.0]  # per cent: 2 of 4, 1 of 5
    assert trend.layout.shapes[0].line.dash == "dash" and trend.layout.shapes[0].y0 == 95.0

"""The Overview's KPI tiles and trend charts, read from the aggregates of a small demo brand."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine
from core.timeutil import utcnow, week_label
from demo import load_demo
from metrics.aggregates import day_of_week, load_state, stored_weekly_rows
from metrics.compute import reading
from metrics.kpi_board import kpi_tiles
from metrics.kpi_filtered import FilteredTile, trend_weeks
from metrics.kpi_slices import KpiFilter, records_rows, split_of
from metrics.kpis import KPI_BY_METRIC, KPIS, Rag, Target, Unit
from metrics.registry import BY_ID
from tests.governance_support import session_token
from tests.test_app_pages import APP
from tests.test_overview_filters import status_bands
from ui.auth import TOKEN_KEY
from ui.filters import FilterKey
from ui.kpi_views import STATUS_ORDER, TileFace, change_text, tile_face, value_text

ADMIN = "demo.admin"  # a demo account
FAMILIES = [
    "Accuracy",
    "Routing and fulfilment",
    "Returns",
    "SKU quality",
    "Integrations",
    "Stock",
    "Planning",
]


@pytest.fixture
def demo_db(db_url: str) -> str:
    """A small demo brand whose history ends yesterday, or today on a Monday (with its accounts).

    The demo's integration spike is in the ISO week before the one holding its end date, so the end
    must stay in today's week for the spike to be the latest complete week.
    """
    today = utcnow().date()
    end = max(today - timedelta(days=1), today - timedelta(days=today.weekday()))
    load_demo(orders=400, seed=3, end=end, engine=get_engine(db_url))
    return db_url


def overview() -> AppTest:
    """The Overview as the admin, run without exceptions."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token(ADMIN)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_tile_per_kpi_with_target_status_change_and_owner(demo_db: str) -> None:
    at = overview()
    now = utcnow()
    with reading(get_engine(demo_db)) as conn:
        # The unfiltered board's own path (metrics.kpi_board) is the independent reading.
        expected = {tile_face(t).label: t for t in kpi_tiles(conn, now)}
    shown = {m.label: m for m in at.metric if m.label in expected}
    money = {k.label + " (USD)" for k in KPIS if k.unit is Unit.MONEY}  # the currency setting
    assert set(shown) == {k.label for k in KPIS if k.unit is not Unit.MONEY} | money
    ranks = [STATUS_ORDER[status] for status, _ in status_bands(at)]
    assert len(ranks) == len(KPIS)
    assert ranks == sorted(ranks)  # red, then amber, then green, then no data
    for label, metric in shown.items():
        tile = expected[label]
        if tile.value is None:  # no data in the latest week: an earlier week with data shows
            continue
        if tile.kpi.unit is Unit.MONEY:  # whole units, the currency in the label
            assert metric.value == f"{round(tile.value):,}"
            continue
        assert metric.value == value_text(tile.value, tile.kpi.unit)
        assert metric.delta == (change_text(tile.change, tile.kpi.unit) or "")
    captions = [c.value for c in at.caption]
    for tile in expected.values():
        assert any(f"owner {tile.target.owner_team}" in c for c in captions)
    integration = expected["Integration failure rate"]  # the demo's spike is last week
    assert integration.period == week_label(now - timedelta(days=7))
    assert integration.status.value == "red"
    assert any(c.startswith(f"Week {integration.period}") for c in captions)


def test_a_trend_chart_per_family_with_its_target_line(demo_db: str) -> None:
    at = overview()
    assert [t.label for t in at.tabs] == FAMILIES
    charts = [c for c in at.get("plotly_chart") if "kpi-trend" in c.proto.id]
    assert len(charts) == len(FAMILIES)
    start, end = at.session_state[FilterKey.DEFAULT_DATES]  # the data's last 12 weeks
    weeks = trend_weeks(KpiFilter(start, end), utcnow())
    accuracy = json.loads(charts[0].proto.spec)
    assert [t["name"] for t in accuracy["data"]] == ["Inventory record accuracy", "Unit accuracy"]
    assert accuracy["layout"]["xaxis"]["categoryarray"] == weeks
    targets = sorted(s["y0"] for s in accuracy["layout"]["shapes"])
    assert targets == [0.98, 0.99]
    (orders,) = [c for c in at.get("plotly_chart") if "orders-per-week" in c.proto.id]
    assert json.loads(orders.proto.spec)["data"]


def test_without_aggregates_the_overview_says_how_to_compute_them(demo_db: str) -> None:
    engine = get_engine(demo_db)
    with engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM metric_state")
    at = overview()
    assert any("manage.py metrics refresh" in i.value for i in at.info)
    assert not [c for c in at.get("plotly_chart") if "kpi-trend" in c.proto.id]


def test_display_texts() -> None:
    assert value_text(0.98765, Unit.SHARE) == "98.8 %"
    assert value_text(None, Unit.COUNT) == "–"
    assert value_text(1234.0, Unit.COUNT) == "1,234"
    assert value_text(47.25, Unit.HOURS) == "47.2 h"
    assert value_text(71.25, Unit.HOURS) == "3.0 days"  # 71.25 / 24 = 2.97
    assert change_text(-0.0125, Unit.SHARE) == "-1.2 pp"
    assert change_text(3.0, Unit.COUNT) == "+3"
    assert change_text(None, Unit.HOURS) is None
    assert change_text(0.0, Unit.COUNT) == "no change"
    assert change_text(-0.0004, Unit.SHARE) == "no change"  # -0.04 pp shows as -0.0: no change
    assert value_text(30815.5, Unit.MONEY) == "USD 30,815.50"  # the default currency setting
    assert change_text(-1250.5, Unit.MONEY) == "-USD 1,250.50"


def test_money_tiles_show_whole_units_with_the_currency_in_the_label() -> None:
    # A five-figure amount with cents ("USD 69,677.40") was cut to "USD 69,67…" in a tile at
    # 1440 px; the tile now reads "Dead stock value (USD)" over "69,677".
    kpi = KPI_BY_METRIC["dead_stock_units"]
    target = Target(kpi.metric, "<=", 0.0)
    tile = FilteredTile(kpi, target, "2026-W49", 69677.4, 70578.3, Rag.RED)
    assert tile_face(tile) == TileFace("Dead stock value (USD)", "69,677", "-901")  # −900.90
    same = FilteredTile(kpi, target, "2026-W49", 10.4, 10.1, Rag.RED)
    assert tile_face(same).delta == "no change"  # +0.30 rounds to no whole unit
    assert tile_face(FilteredTile(kpi, target, "2026-W49", None, None, Rag.NO_DATA)) == TileFace(
        "Dead stock value (USD)", "–", None
    )
    share = KPI_BY_METRIC["fill_rate"]
    face = tile_face(
        FilteredTile(share, Target(share.metric, ">=", 0.97), "W", 0.845, 0.979, Rag.RED)
    )
    assert face == TileFace("Fill rate", "84.5 %", "-13.4 pp")


@pytest.mark.parametrize("metric_id", ["return_lag_p90_hours", "inventory_record_accuracy"])
def test_reading_the_records_of_one_key_gives_the_stored_row(demo_db: str, metric_id: str) -> None:
    # Two paths to one location's weekly values: the aggregates' stored location rows, and the
    # records path the board takes for two dimensions or several keys of a percentile.
    metric = BY_ID[metric_id]
    with reading(get_engine(demo_db)) as conn:
        state = load_state(conn)
        assert state is not None
        rows = stored_weekly_rows(conn, [metric_id], dim="location")
        location = sorted({r.key for r in rows if r.key})[0]
        stored = {r.week: r.value for r in rows if r.key == location}
        days = [day_of_week(str(r.week)) for r in rows]
        split = split_of(metric, {"location": (location,)})
        picked = records_rows(conn, metric, split, state.as_of, min(days), max(days) + 7)
    assert len(stored) > 4
    assert {week: row.value for week, row in picked.items()} == stored

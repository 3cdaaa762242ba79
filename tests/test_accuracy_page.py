"""The Inventory accuracy page: its numbers worked out by hand on the counts of load_counts."""

from __future__ import annotations

from datetime import timedelta

from streamlit.testing.v1 import AppTest

from core.db import get_engine
from core.timeutil import utcnow, week_label
from metrics import accuracy_views as views
from metrics.compute import reading
from tests.governance_support import session_token
from tests.test_app_pages import APP
from tests.test_overview_filters import counted  # noqa: F401  (the fixture)
from ui.auth import TOKEN_KEY

PAGE = "pages/accuracy.py"


def _weeks() -> tuple[str, str]:
    now = utcnow()
    return week_label(now - timedelta(days=7)), week_label(now - timedelta(days=14))


def test_trend_cells_and_classes_by_hand(counted: str) -> None:  # noqa: F811
    last, before = _weeks()
    with reading(get_engine(counted)) as conn:
        rows = views.accuracy_rows(conn, utcnow())
    # Latest week: DC1 A1 3 of 4 exact, B1 2 of 2; S3 A1 2 of 5, B1 5 of 5 -> 12 of 16.
    # The week before: S3 A1 2 of 2, S4 B1 1 of 1 -> 3 of 3.
    by_week = {w.week: w for w in views.trend(rows, (before, last))}
    assert (by_week[last].accurate, by_week[last].counts, by_week[last].ira) == (12, 16, 0.75)
    assert (by_week[before].accurate, by_week[before].counts, by_week[before].ira) == (3, 3, 1.0)
    only_s3 = {w.week: w for w in views.trend(rows, (before, last), ("S3",))}
    assert (only_s3[last].accurate, only_s3[last].counts) == (7, 10)  # 2 + 5 of 5 + 5
    cells = {(c.location, c.week): c for c in views.location_cells(rows, (before, last))}
    assert (cells[("DC1", last)].accurate, cells[("DC1", last)].counts) == (5, 6)
    assert (cells[("S4", before)].accurate, cells[("S4", before)].counts) == (1, 1)
    classes = {c.abc_class: c for c in views.by_abc_class(rows, (last,))}
    # A1: DC1 3 of 4 + S3 2 of 5 = 5 of 9; B1: 2 + 5 = 7 of 7
    assert (classes["A"].accurate, classes["A"].counts) == (5, 9)
    assert (classes["B"].accurate, classes["B"].counts) == (7, 7)


def test_the_counts_behind_a_cell(counted: str) -> None:  # noqa: F811
    last, _before = _weeks()
    table = views.counts_behind(get_engine(counted), utcnow(), (last,), ("S3",))
    assert len(table) == 10  # S3's ten counts of the latest week
    assert int(table["accurate"].sum()) == 7


def test_the_page_renders_for_a_viewer(counted: str) -> None:  # noqa: F811
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Inventory accuracy"
    assert at.get("plotly_chart"), "the trend, the heatmap and the classes are drawn"

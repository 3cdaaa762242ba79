"""The Overview under the shared filters: tile values for chosen keys, worked out by hand, in the URL."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest

from core.db import get_engine, write_session
from core.timeutil import iso_z, utcnow, week_label, week_start
from metrics.compute import reading
from metrics.kpi_filtered import filtered_tiles
from metrics.kpi_slices import KpiFilter
from metrics.refresh import refresh
from tests.governance_support import make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui.auth import TOKEN_KEY
from ui.kpi_views import STATUS_ORDER, STATUS_WORD

IRA = "Inventory record accuracy"
OVERVIEW = "pages/overview.py"


def _monday(weeks_back: int, now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `weeks_back` weeks before the one holding now."""
    return week_start(week_label(now)) - timedelta(days=7 * weeks_back)


def _counts(prefix: str, when: datetime, location: str, sku: str, exact: int, total: int) -> list:
    """`total` cycle counts of 10 units, the first `exact` of them exact (the others 1 unit off)."""
    return [
        (f"{prefix}{i}", iso_z(when), location, sku, 10, 10 + (i >= exact)) for i in range(total)
    ]


def load_counts(db_url: str, folder: Path) -> None:
    """Cycle counts at three locations of an A and a B item, aggregates refreshed at now.

    Latest complete week (L): DC1 counts A1 3 exact of 4 and B1 2 of 2; S3 counts A1 2 of 5 and
    B1 5 of 5. The week before (P): S3 counts A1 2 of 2; S4 counts B1 1 of 1 (S4 has none in L).
    """
    now = utcnow()
    last, before = _monday(1, now) + timedelta(days=1), _monday(2, now) + timedelta(days=1)
    load(
        db_url,
        folder,
        locations=("location_id,name,type", [("DC1", "Main DC", "dc"), ("S3", "Store 3", "store"),
                                              ("S4", "Store 4", "store")]),
        items=("sku,abc_class,lifecycle_status,created_at",
               [("A1", "A", "active", iso_z(before - timedelta(days=7))),
                ("B1", "B", "active", iso_z(before - timedelta(days=7)))]),
        cycle_counts=("count_id,counted_at,location_id,sku,system_qty,counted_qty",
                      _counts("DA", last, "DC1", "A1", 3, 4) + _counts("DB", last, "DC1", "B1", 2, 2)
                      + _counts("SA", last, "S3", "A1", 2, 5) + _counts("SB", last, "S3", "B1", 5, 5)
                      + _counts("PA", before, "S3", "A1", 2, 2)
                      + _counts("QB", before, "S4", "B1", 1, 1)),
    )  # fmt: skip
    with write_session(get_engine(db_url)) as session:
        refresh(session, now=utcnow())


@pytest.fixture
def counted(db_url: str, tmp_path: Path) -> str:
    """The counts of load_counts, with an account per role."""
    load_counts(db_url, tmp_path / "counts")
    make_people(get_engine(db_url))
    return db_url


def overview(params: dict[str, str | list[str]] | None = None) -> AppTest:
    """The Overview as an admin, opened with these query parameters, run without exceptions."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("admin1")
    for name, value in (params or {}).items():
        at.query_params[name] = value
    at.switch_page(OVERVIEW)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def tile(at: AppTest, label: str) -> tuple[str, list[str]]:
    """A tile's value and the captions of its container."""
    (metric,) = [m for m in at.metric if m.label == label]
    return metric.value, tile_captions(at, label)


def tile_captions(at: AppTest, label: str) -> list[str]:
    """The captions drawn right after a tile's metric (its period, scope and target lines)."""
    elements = list(at.main)
    flat = _flatten(elements)
    at_metric = next(i for i, e in enumerate(flat) if e.type == "metric" and e.label == label)
    captions = []
    for element in flat[at_metric + 1 :]:
        if element.type == "metric":
            break
        if element.type == "caption":
            captions.append(element.value)
    return captions


def _flatten(nodes: list) -> list:
    """The elements, in page order, without the blocks holding them (iterating a block walks
    every element below it)."""
    return [node for node in nodes if not hasattr(node, "children")]


def test_one_location_is_the_sum_of_its_counts(counted: str) -> None:
    # S3 in week L: A1 2 exact of 5, B1 5 of 5 → (2 + 5) / (5 + 5) = 7/10 = 70.0 %;
    # in week P: A1 2 of 2 = 100 %, so the change is −30.0 pp. All locations: 12/16 = 75.0 %.
    assert tile(overview(), IRA)[0] == "75.0 %"
    at = overview({"location": "S3"})
    value, captions = tile(at, IRA)
    assert value == "70.0 %"
    (metric,) = [m for m in at.metric if m.label == IRA]
    assert metric.delta == "-30.0 pp"
    assert captions[0] == f"Week {week_label(_monday(1, utcnow()))} · Filtered by location"


def test_one_abc_class_and_class_with_location(counted: str) -> None:
    # ABC class A in week L: DC1 3 of 4 and S3 2 of 5 → 5/9 = 55.6 %.
    assert tile(overview({"abc": "A"}), IRA)[0] == "55.6 %"
    # S3 and class A together are not in the aggregates (each dimension is kept apart): from the
    # counts, 2 of 5 → 40.0 %.
    assert tile(overview({"abc": "A", "location": "S3"}), IRA)[0] == "40.0 %"


def test_a_metric_without_the_dimension_says_so(counted: str) -> None:
    at = overview({"abc": "A"})
    # Unit accuracy is split by location only: its value is for every class, and it says so.
    # All counts of week L: Σ |diff| = 1 + 0 + 3 + 0 = 4 units over Σ system 16 × 10 = 160
    # → 1 − 4/160 = 97.5 %.
    value, captions = tile(at, "Unit accuracy")
    assert value == "97.5 %"
    assert "Not split by ABC class: value for all" in captions[0]
    _, fill = tile(at, "Fill rate")
    assert "Not split by ABC class" in fill[0]


def test_no_data_in_the_latest_week_shows_the_last_week_with_data(counted: str) -> None:
    # S4 has one exact count in week P and none in L: the tile shows P's 100.0 % and says so.
    now = utcnow()
    value, captions = tile(overview({"location": "S4"}), IRA)
    assert value == "100.0 %"
    assert captions[0].startswith(
        f"No data in {week_label(_monday(1, now))}; showing {week_label(_monday(2, now))}"
    )


def test_the_filters_are_in_the_url_and_in_the_tile_links(counted: str) -> None:
    # AppTest has no browser to rewrite the URL after a widget changes (tests/browser does that).
    # A tile's link adds only its own page's parameters: the filters' widgets are bound to the
    # URL and carry them to the next page themselves (adding them again would repeat them,
    # `?location=S3&location=S3`; tests/browser/test_drill_down.py follows a link).
    at = overview()
    at.multiselect(key="location").select("S3").run()
    assert not at.exception
    assert tile(at, IRA)[0] == "70.0 %"
    links = [p.proto for p in at.get("page_link")
             if p.proto.help == "All exceptions of type Record accuracy below target"]  # fmt: skip
    link = links[0]  # the record accuracy tile's (unit accuracy leads to the same exceptions)
    assert link.label == "Open exceptions"
    params = parse_qs(link.query_string)
    assert link.page.endswith("exceptions")
    assert params == {"exceptions.type": ["Record accuracy below target"]}
    params["location"] = ["S3"]  # what the bound filter widget keeps in the URL
    pages = [p.proto for p in at.get("page_link") if p.proto.label == "Open Inventory accuracy"]
    assert len(pages) == 2  # the record accuracy and unit accuracy tiles
    page = pages[0]
    assert page.page.endswith("accuracy") and not page.query_string
    shared = overview({"location": params["location"]})
    assert shared.multiselect(key="location").value == ["S3"]
    assert tile(shared, IRA)[0] == "70.0 %"
    # The exceptions page opened from that link has its type filter set.
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("admin1")
    for name, values in params.items():
        at.query_params[name] = values
    at.switch_page("pages/exceptions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.selectbox(key="exceptions.type").value == "accuracy_below_target"
    assert at.multiselect(key="location").value == ["S3"]


BAND_STATUS = {"error": "red", "warning": "amber", "success": "green"}


def status_bands(at: AppTest) -> list[tuple[str, str]]:
    """Each tile's band, in page order: (status, its text)."""
    bands = []
    for element in _flatten(list(at.main)):
        if element.type in BAND_STATUS:
            bands.append((BAND_STATUS[element.type], element.value))
        elif element.type == "markdown" and element.value.startswith(":gray-background["):
            bands.append(("no_data", element.value))
    return bands


def test_tiles_are_worst_first_with_a_colour_band_and_a_word(counted: str) -> None:
    at = overview({"location": "S3"})
    bands = status_bands(at)
    with reading(get_engine(counted)) as conn:
        today = utcnow().date()
        tiles = filtered_tiles(conn, utcnow(), KpiFilter(today - timedelta(weeks=11), today,
                                                          location=("S3",)))  # fmt: skip
    # Red, then amber, then green, then no data, each band saying its status in words.
    assert [status for status, _ in bands] == sorted(
        (t.status.value for t in tiles), key=lambda s: STATUS_ORDER[s]
    )
    for status, text in bands:
        assert f"**{STATUS_WORD[status].upper()}**" in text
    # S3's record accuracy (70.0 %) misses its 98 % target by more than the margin: red, first.
    assert bands[0][0] == "red"

"""The Streamlit app: every page renders on an empty and a filled database, safely; CSV exports are inert."""

from __future__ import annotations

import base64
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

import pipeline
from core.db import dispose_engines, get_engine, write_session
from core.settings import get_settings
from governance.accounts import create_first_admin
from tests.governance_support import session_token
from ui import page_registry, queries
from ui.auth import TOKEN_KEY
from ui.export import neutralise_cell, to_csv_bytes
from ui.filters import FilterKey, Filters, default_dates, get_filters
from ui.format import age_text

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "app.py")
PAGES = tuple(spec.file for spec in page_registry.PAGES)  # every declared page
TITLES = {spec.file: spec.title for spec in page_registry.PAGES}
ADMIN = "admin"
DATA_PAGES = ("pages/overview.py", "pages/planning.py", "pages/data.py")
PAYLOAD = "<script>alert(1)</script>"
# Elements that show their content as plain text (no Markdown, no HTML).
TEXT_ONLY = {"dataframe", "arrow_data_frame", "text", "code"}

# A small canonical drop: 3 good items (one named with a script tag), one unreadable item,
# 3 good orders and one with an unparseable date; quarantined: 2 rows.
CANONICAL = {
    "locations.csv": "location_id,name,type,channel\nDC1,Main DC,dc,\nS1,Store one,store,pos\n",
    "items.csv": (
        "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at,"
        "approved_by,parent_sku\n"
        "SKU-1,Plain tee,tops,acme,,A,active,2026-01-05T00:00:00Z,,,\n"
        f"SKU-2,{PAYLOAD},tops,acme,,B,active,2026-01-05T00:00:00Z,,,\n"
        "SKU-3,Formula cap,hats,acme,,C,draft,2026-01-05T00:00:00Z,,,\n"
        f"SKU-4,{PAYLOAD},hats,acme,,,bogus,2026-01-05T00:00:00Z,,,\n"
    ),
    "orders.csv": (
        "order_id,channel,placed_at,cancelled_at\n"
        "O1,shopify,2026-11-02T10:00:00Z,\n"
        "O2,amazon,2026-11-03T10:00:00Z,\n"
        "O3,shopify,2026-11-10T10:00:00Z,\n"
        "O4,shopify,not-a-date,\n"
    ),
    "order_lines.csv": (
        "order_id,line_id,sku,quantity,allocated_location_id\n"
        "O1,1,SKU-1,2,DC1\nO2,1,SKU-2,1,S1\nO3,1,SKU-1,1,DC1\n"
    ),
}


@pytest.fixture(autouse=True)
def admin_account(request: pytest.FixtureRequest) -> None:
    """Every page needs a signed-in user: an admin account in the test database."""
    if "db_url" not in request.fixturenames:
        return
    url = request.getfixturevalue("db_url")
    with write_session(get_engine(url)) as session:
        create_first_admin(session=session, name=ADMIN, password="admin-password-1")


@pytest.fixture
def filled_db(db_url: str, tmp_path: Path) -> str:
    """The test database with the small canonical drop imported."""
    folder = tmp_path / "drop"
    folder.mkdir()
    for name, body in CANONICAL.items():
        (folder / name).write_text(body, encoding="utf-8")
    reports = pipeline.import_paths([folder], "canonical", engine=get_engine(db_url))
    assert [r.status for r in reports] == ["committed"] * len(CANONICAL)
    return db_url


def run_page(page: str) -> AppTest:
    """Run the app, switch to a page, and check neither run raised.

    With a `pages/` folder beside app.py, AppTest runs a switched-to page file on its own, the way
    a cold deep link does on a fresh server; the page then draws the shared sidebar itself.
    """
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(ADMIN)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def all_elements(at: AppTest) -> list[Any]:
    """Every element of the main area and the sidebar."""
    return [*at.main, *at.sidebar]


def typed_array_sum(values: list[int] | dict[str, str]) -> int:
    """Sum of a plotly figure array, plain or typed (`{"dtype", "bdata"}` as plotly 6+ writes them)."""
    if isinstance(values, list):
        return sum(values)
    return int(np.frombuffer(base64.b64decode(values["bdata"]), dtype=values["dtype"]).sum())


def metric_values(at: AppTest) -> dict[str, str]:
    """Metric tiles by label."""
    return {m.label: m.value for m in at.metric}


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_an_empty_database(db_url: str, page: str) -> None:
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == TITLES[page]
    if page not in DATA_PAGES:
        return
    shown = " ".join(str(e.value) for e in [*at.info, *at.code, *at.text])
    assert "python manage.py demo" in shown
    assert "python manage.py import canonical DIR" in shown
    assert "items.csv" in shown


def test_a_database_without_schema_says_to_run_init(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_DATABASE_URL", f"sqlite:///{tmp_path / 'blank.db'}")
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(APP, default_timeout=30).run()
    finally:
        dispose_engines()
        get_settings.cache_clear()
    assert not at.exception
    assert "python manage.py init" in at.error[0].value
    assert not at.title  # the page stopped before drawing anything else


def test_overview_says_what_to_import_when_empty(db_url: str) -> None:
    at = run_page("pages/overview.py")
    assert at.info[0].value.startswith("No data yet.")
    assert not at.metric
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders_on_a_filled_database(filled_db: str, page: str) -> None:
    at = run_page(page)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == TITLES[page]
    freshness = at.sidebar.dataframe[0].value
    # Canonical files count as their domain owner: locations and items from erp, orders from oms.
    assert set(zip(freshness["source"], freshness["system"], strict=True)) == {
        ("canonical", "erp"),
        ("canonical", "oms"),
    }
    assert set(freshness["last import"]) <= {"just now", "1 min ago"}


def test_overview_shows_counts_and_the_orders_chart(filled_db: str) -> None:
    at = run_page("pages/overview.py")
    counts = metric_values(at)
    # By hand from CANONICAL: items 3 (SKU-4 quarantined), orders 3 (O4 quarantined), 2 locations.
    assert counts["Items"] == "3"
    assert counts["Orders"] == "3"
    assert counts["Order lines"] == "3"
    assert counts["Locations"] == "2"
    assert counts["Quarantined rows"] == "2"
    assert counts["Shipments"] == "0"
    figures = [json.loads(c.proto.spec)["data"] for c in at.get("plotly_chart")]
    (bars,) = [f for f in figures if f and all(t.get("type") == "bar" for t in f)]
    assert sum(typed_array_sum(bar["y"]) for bar in bars) == 3  # O1-O3 fall in the default range
    assert len(at.main.dataframe[-1].value) == len(CANONICAL)  # recent imports: one run per file


def test_a_new_import_shows_on_the_next_run(db_url: str, tmp_path: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(ADMIN)
    at.run()
    assert not at.metric
    (tmp_path / "items.csv").write_text(CANONICAL["items.csv"], encoding="utf-8")
    pipeline.import_paths([tmp_path / "items.csv"], "canonical", engine=get_engine(db_url))
    at.run()
    assert metric_values(at)["Items"] == "3"


def test_data_page_lists_runs_and_quarantine(filled_db: str) -> None:
    at = run_page("pages/data.py")
    history, quarantine = (d.value for d in at.main.dataframe)
    assert sorted(history["file"]) == sorted(CANONICAL)
    assert history["finished (UTC)"].str.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$").all()
    assert sorted(quarantine["file"]) == ["items.csv", "orders.csv"]
    assert [b.label for b in at.download_button] == [
        "Download import history (CSV)",
        "XLSX",
        "Download quarantined rows (CSV)",
        "XLSX",
    ]


def test_quarantine_filter_by_reason_and_file(filled_db: str) -> None:
    at = run_page("pages/data.py")
    at.selectbox(key="quarantine.file").set_value("orders.csv").run()
    quarantine = at.main.dataframe[-1].value
    assert list(quarantine["line"]) == [5]  # O4 is on line 5 (header is line 1)
    at.selectbox(key="quarantine.file").set_value(None)
    at.text_input(key="quarantine.reason").input("NO SUCH REASON").run()
    assert at.main.dataframe[-1].value.empty


def test_user_text_is_never_rendered_as_html(filled_db: str) -> None:
    shown_as_data = False
    for page in PAGES:
        at = run_page(page)
        for element in all_elements(at):
            if element.type in TEXT_ONLY:
                value = element.value
                if isinstance(value, pd.DataFrame):
                    shown_as_data |= (
                        value.astype(str)
                        .apply(lambda c: c.str.contains(PAYLOAD, regex=False))
                        .any()
                        .any()
                    )
                continue
            assert PAYLOAD not in str(element.proto), element.type
            assert not getattr(element.proto, "allow_html", False), element.type
    assert shown_as_data  # the quarantined raw row holding it is shown, as data


def test_orders_per_week_counts_in_sql(filled_db: str) -> None:
    engine = get_engine(filled_db)
    # ISO weeks by hand: 2026-11-02 and 11-03 fall in 2026-W45, 2026-11-10 in 2026-W46.
    assert date(2026, 11, 2).isocalendar()[:2] == (2026, 45)
    everything = queries.orders_per_week(engine, start=date(2026, 1, 1), end=date(2026, 12, 31))
    assert everything == [
        {"week": "2026-W45", "channel": "amazon", "orders": 1},
        {"week": "2026-W45", "channel": "shopify", "orders": 1},
        {"week": "2026-W46", "channel": "shopify", "orders": 1},
    ]
    at_store = queries.orders_per_week(
        engine, start=date(2026, 1, 1), end=date(2026, 12, 31), locations=["S1"]
    )
    assert at_store == [{"week": "2026-W45", "channel": "amazon", "orders": 1}]
    one_day = queries.orders_per_week(
        engine, start=date(2026, 11, 10), end=date(2026, 11, 10), channels=["shopify"]
    )
    assert one_day == [{"week": "2026-W46", "channel": "shopify", "orders": 1}]


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("plain", "plain"),
        ("a=b", "a=b"),
        ("", ""),
        (-5, -5),
        (None, None),
    ],
)
def test_neutralise_cell(cell: object, expected: object) -> None:
    assert neutralise_cell(cell) == expected


def test_csv_export_is_formula_safe() -> None:
    frame = pd.DataFrame({"name": ["=1+1", "ok"], "qty": [-3, 4], "=col": ["x", "@y"]})
    text = to_csv_bytes(frame).decode("utf-8-sig")
    assert text.splitlines() == ["name,qty,'=col", "'=1+1,-3,x", "ok,4,'@y"]


DEFAULTS = (date(2026, 8, 1), date(2026, 10, 23))


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({}, None),  # sidebar never drawn: twelve whole weeks up to today
        ({FilterKey.DEFAULT_DATES: DEFAULTS}, Filters(*DEFAULTS)),
        (
            {FilterKey.DEFAULT_DATES: DEFAULTS, FilterKey.DATES: (date(2026, 9, 1),)},
            Filters(date(2026, 9, 1), DEFAULTS[1], dated=True),  # only a start picked so far
        ),
        (
            {
                FilterKey.DEFAULT_DATES: DEFAULTS,
                FilterKey.DATES: (date(2026, 9, 1), date(2026, 9, 7)),
                FilterKey.CHANNELS: ["pos"],
                FilterKey.LOCATIONS: ["S1", "S2"],
                FilterKey.ABC_CLASSES: ["A"],
                FilterKey.CATEGORIES: ["shoes"],
            },
            Filters(
                date(2026, 9, 1),
                date(2026, 9, 7),
                ("pos",),
                ("S1", "S2"),
                ("A",),
                ("shoes",),
                dated=True,
            ),
        ),
    ],
)
def test_get_filters(state: dict[str, Any], expected: Filters | None) -> None:
    found = get_filters(state)
    if expected is None:
        assert found.start.weekday() == 0  # a Monday
        assert timedelta(weeks=11) <= found.end - found.start < timedelta(weeks=12)
        assert (found.channels, found.locations) == ((), ())
    else:
        assert found == expected


@pytest.mark.parametrize(
    ("last_order_day", "expected_start"),
    [
        (date(2026, 11, 25), date(2026, 9, 7)),  # a Wednesday: its week's Monday minus 11 weeks
        (date(2026, 11, 23), date(2026, 9, 7)),  # a Monday
        (date(2026, 11, 29), date(2026, 9, 7)),  # a Sunday
    ],
)
def test_default_dates_are_whole_weeks(last_order_day: date, expected_start: date) -> None:
    assert default_dates(last_order_day, date(2030, 1, 1)) == (expected_start, last_order_day)


NOW = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("then", "expected"),
    [
        (None, "never"),
        (NOW, "just now"),
        (NOW - timedelta(seconds=59), "just now"),
        (NOW - timedelta(minutes=5, seconds=30), "5 min ago"),
        (NOW - timedelta(hours=3, minutes=59), "3 h ago"),
        (NOW - timedelta(days=2, hours=23), "2 d ago"),
        (NOW + timedelta(minutes=1), "in the future"),
    ],
)
def test_age_text(then: datetime | None, expected: str) -> None:
    assert age_text(then, NOW) == expected


def test_formula_sku_is_neutralised_in_csv_and_xlsx() -> None:
    from io import BytesIO

    from openpyxl import load_workbook

    from ui.export import to_xlsx_bytes

    frame = pd.DataFrame({"sku": ['=HYPERLINK("http://x")', "SAFE-1"], "qty": [1, 2]})
    csv_text = to_csv_bytes(frame).decode("utf-8-sig")
    assert csv_text.splitlines()[1] == '"\'=HYPERLINK(""http://x"")",1'
    sheet = load_workbook(BytesIO(to_xlsx_bytes(frame))).active
    cell = sheet["A2"]
    assert cell.value == '\'=HYPERLINK("http://x")'
    assert cell.data_type == "s"  # stored as text, not as a formula
    assert [c.value for c in sheet[3]] == ["SAFE-1", 2]


def test_every_page_file_is_declared_once() -> None:
    # the registry is the only list: a page file without a line there (or a line without a
    # file) would be missing from the menu, the guard and these tests
    files = {f"pages/{p.name}" for p in (PROJECT_ROOT / "pages").glob("*.py")}
    assert files == set(PAGES)
    assert len(PAGES) == len(set(PAGES))
    for spec in page_registry.PAGES:  # each page guards itself with its own key
        source = (PROJECT_ROOT / spec.file).read_text(encoding="utf-8")
        assert f'require("{spec.key}")' in source, spec.file

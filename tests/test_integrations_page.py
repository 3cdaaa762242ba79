"""The Integrations page: its numbers worked out by hand on the events and bad file of load_events."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import pipeline
from core.db import get_engine, write_session
from core.timeutil import iso_z, utcnow, week_label, week_start
from metrics import integrations_views as iv
from metrics.compute import compute_rows, reading
from metrics.current import holding_state
from metrics.refresh import refresh
from metrics.registry import metric
from tests.governance_support import make_people, session_token
from tests.test_app_pages import APP
from tests.test_metrics_common import load
from ui import integrations_charts as charts
from ui import integrations_views as views
from ui.auth import TOKEN_KEY
from ui.queries import quarantined_rows

PAGE = "pages/integrations.py"
HEADER = "event_id,occurred_at,integration,entity_type,entity_key,status,error_type,message"
BAD_FILE = "integration_events.csv"


def _monday(weeks_back: int, now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `weeks_back` weeks before the one holding now."""
    return week_start(week_label(now)) - timedelta(days=7 * weeks_back)


def _weeks() -> tuple[str, str, str]:
    """(the last complete week L, the week before it P, the current week N)."""
    now = utcnow()
    return week_label(_monday(1, now)), week_label(_monday(2, now)), week_label(now)


def load_events(db_url: str, folder: Path) -> None:
    """Twelve events of two integrations over weeks P and L, then a file of two unreadable rows.

    P: order_sync E1 ok, E2 failed timeout (order O-1), E3 ok, E4 ok -> 1 of 4 = 25 %;
       stock_feed E5 failed unmapped_sku (SKU-9), E6 failed timeout -> 2 of 2 = 100 %.
    L: order_sync E7 failed with no type, E8 ok -> 1 of 2 = 50 %;
       stock_feed E9, E10, E11 ok, E12 failed timeout -> 1 of 4 = 25 %.
    The bad file (imported now, so quarantined in the current week N): line 2 has an unreadable
    date, line 3 a status outside the vocabulary.
    """
    now = utcnow()

    def at(weeks_back: int, hour: int) -> str:
        return iso_z(_monday(weeks_back, now) + timedelta(days=1, hours=hour))

    def event(eid: str, back: int, hour: int, name: str, error: str = "", *, entity: str = "",
              key: str = "") -> tuple[str, ...]:  # fmt: skip
        status = "failed" if error or eid == "E7" else "success"
        message = f"{error} on {key}" if error else ""
        return (eid, at(back, hour), name, entity, key, status, error, message)

    load(
        db_url,
        folder / "good",
        integration_events=(HEADER, [
            event("E1", 2, 1, "order_sync"),
            event("E2", 2, 2, "order_sync", "timeout", entity="order", key="O-1"),
            event("E3", 2, 3, "order_sync"), event("E4", 2, 4, "order_sync"),
            event("E5", 2, 5, "stock_feed", "unmapped_sku", entity="sku", key="SKU-9"),
            event("E6", 2, 6, "stock_feed", "timeout"),
            event("E7", 1, 1, "order_sync"), event("E8", 1, 2, "order_sync"),
            event("E9", 1, 3, "stock_feed"), event("E10", 1, 4, "stock_feed"),
            event("E11", 1, 5, "stock_feed"), event("E12", 1, 6, "stock_feed", "timeout"),
        ]),
    )  # fmt: skip
    bad = folder / "bad"
    bad.mkdir(parents=True)
    with (bad / BAD_FILE).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER.split(","))
        writer.writerow(["Q1", "not a date", "order_sync", "", "", "failed", "timeout", ""])
        writer.writerow(["Q2", at(1, 7), "order_sync", "", "", "exploded", "", ""])
    reports = pipeline.import_paths([bad], "canonical", engine=get_engine(db_url))
    assert [r.quarantined for r in reports] == [2]
    with write_session(get_engine(db_url)) as session:
        refresh(session, now=utcnow())


@pytest.fixture
def events(db_url: str, tmp_path: Path) -> str:
    """The events of load_events, with an account per role."""
    load_events(db_url, tmp_path / "events")
    make_people(get_engine(db_url))
    return db_url


def test_failure_rates_and_types_by_hand(events: str) -> None:
    last, before, _now = _weeks()
    both = (before, last)
    with reading(get_engine(events)) as conn:
        assert holding_state(conn, utcnow()) is not None  # read from the aggregates
        rows = iv.event_rows(conn, utcnow())
        computed = compute_rows(conn, utcnow(), [metric(m) for m in iv.EVENT_METRICS])
    trend = {
        (p.integration, p.week): (p.failed, p.events, p.rate) for p in iv.rate_trend(rows, both)
    }
    assert trend == {
        ("order_sync", before): (1, 4, 0.25),  # E2 of E1..E4
        ("stock_feed", before): (2, 2, 1.0),  # E5, E6
        ("order_sync", last): (1, 2, 0.5),  # E7 of E7, E8
        ("stock_feed", last): (1, 4, 0.25),  # E12 of E9..E12
    }
    # The computed rows agree with the stored ones.
    assert {
        (p.integration, p.week): (p.failed, p.events) for p in iv.rate_trend(computed, both)
    } == {k: v[:2] for k, v in trend.items()}
    # Both weeks: E2, E5, E6, E7, E12 of 12 events; L alone: E7, E12 of 6.
    total = iv.overall(rows, both)
    assert (total.failed, total.events) == (5, 12)
    assert iv.overall(rows, (last,)).rate == pytest.approx(2 / 6)
    # By integration over both weeks: order_sync E2, E7 of 6 = 33.3 %; stock_feed 3 of 6 = 50 %.
    assert [(p.integration, p.failed, p.events) for p in iv.by_integration(rows, both)] == [
        ("order_sync", 2, 6),
        ("stock_feed", 3, 6),
    ]
    # Types: timeout E2, E6, E12; unmapped_sku E5; no type E7.
    assert iv.type_totals(iv.failures_by_type(rows, both)) == {
        "timeout": 3,
        None: 1,
        "unmapped_sku": 1,
    }
    assert iv.type_totals(iv.failures_by_type(rows, (last,))) == {None: 1, "timeout": 1}


def test_the_failed_events_behind_a_click(events: str) -> None:
    last, before, _now = _weeks()
    both = (before, last)
    trend_click = {"selection": {"points": [{"customdata": ["order_sync", before, 1, 4]}]}}
    pick = views.pick_from(trend_click, "trend", both)
    assert pick == views.Pick((before,), "order_sync", None, True, f"Order sync, week {before}")
    type_click = {"selection": {"points": [{"customdata": ["timeout", 1]}]}}
    none_click = {"selection": {"points": [{"customdata": ["", 0]}]}}
    bar_click = {"selection": {"points": [{"customdata": ["stock_feed", 3, 6]}]}}
    picks = [
        pick,
        views.pick_from(type_click, "type", both),
        views.pick_from(none_click, "type", both),
        views.pick_from(bar_click, "integration", both),
    ]
    assert views.pick_from({"selection": {"points": []}}, "trend", both) is None
    with reading(get_engine(events)) as conn:
        found = [
            iv.failed_events(conn, utcnow(), p.weeks, integration=p.integration,
                             error_type=p.error_type, any_type=p.any_type)
            for p in picks if p is not None
        ]  # fmt: skip
        limited = iv.failed_events(conn, utcnow(), both, limit=2)
    # Newest first.
    assert [list(f.table["event_id"]) for f in found] == [
        ["E2"],
        ["E12", "E6", "E2"],
        ["E7"],
        ["E12", "E6", "E5"],
    ]
    assert [f.total for f in found] == [1, 3, 1, 3]
    assert (list(limited.table["event_id"]), limited.total) == (["E12", "E7"], 5)
    table = views.plain_events(found[0].table)
    first = table.iloc[0]
    assert (first["integration"], first["record type"], first["record (SKU, order, …)"],
            first["error type"]) == ("Order sync", "Order", "O-1", "Timeout")  # fmt: skip
    assert views.plain_events(found[2].table).iloc[0]["error type"] == "No error type given"


def test_the_quarantined_rows(events: str) -> None:
    last, before, now_week = _weeks()
    engine = get_engine(events)
    with reading(engine) as conn:
        weeks = iv.quarantine_weeks(conn, utcnow(), (before, last, now_week))
        counts = iv.quarantine_counts(conn, utcnow(), (before, last, now_week))
        earlier = iv.quarantine_counts(conn, utcnow(), (before, last))
    assert weeks == [iv.QuarantineWeek(now_week, 2)]  # both rows, quarantined at import, now
    assert sorted(counts["rows"]) == [1, 1] and set(counts["file_name"]) == {BAD_FILE}
    assert set(counts["source"]) == {"canonical"} and len(set(counts["reason"])) == 2
    assert earlier.empty  # nothing quarantined in P or L
    since, until = week_start(now_week), week_start(now_week) + timedelta(days=7)
    rows, total = quarantined_rows(engine, file_name=None, reason_contains=None, limit=10,
                                   since=since, until=until)  # fmt: skip
    assert total == 2 and sorted(r["line_number"] for r in rows) == [2, 3]
    _none, nothing = quarantined_rows(engine, file_name=None, reason_contains=None, limit=10,
                                      since=week_start(before), until=since)  # fmt: skip
    assert nothing == 0


def test_names_and_figures_in_plain_words(events: str) -> None:
    last, before, _now = _weeks()
    assert charts.name_words("wms_order_export") == "WMS order export"
    assert charts.name_words("unmapped_sku") == "Unmapped SKU"
    with reading(get_engine(events)) as conn:
        rows = iv.event_rows(conn, utcnow())
    figure = charts.trend_figure(iv.rate_trend(rows, (before, last)), (before, last), 0.01)
    assert [t.name for t in figure.data] == ["Order sync", "Stock feed"]
    assert [list(t.y) for t in figure.data] == [[25.0, 50.0], [100.0, 25.0]]
    assert figure.layout.shapes[0].line.dash == "dash" and figure.layout.shapes[0].y0 == 1.0
    assert figure.layout.yaxis.title.text == "share of events failed (%)"
    bars = charts.types_figure(iv.type_totals(iv.failures_by_type(rows, (before, last))))
    assert list(bars.data[0].y) == ["Unmapped SKU", "No error type given", "Timeout"]  # bottom up
    assert list(bars.data[0].x) == [1, 1, 3]


def _page(params: dict[str, list[str]] | None = None) -> AppTest:
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


def test_the_page_renders_for_a_viewer(events: str) -> None:
    at = _page()
    assert at.title[0].value == "Integrations"
    # The default range (12 weeks to today) holds P, L and now: 5 of 12 failed = 41.7 %;
    # the bad file's 2 rows were quarantined now.
    assert _tiles(at) == {"Failure rate": "41.7 %", "Failed events": "5 of 12",
                          "Rows quarantined": "2"}  # fmt: skip
    assert len(at.get("plotly_chart")) == 4  # trend, by integration, error types, quarantine
    assert any("do not apply" in c.value for c in at.caption)
    subheaders = [s.value for s in at.subheader]
    assert "Failed events: every integration, the chosen weeks" in subheaders
    assert "Quarantined import rows" in subheaders


def test_the_date_filter_changes_the_rate(events: str) -> None:
    last = week_start(_weeks()[0]).date()
    # Week L only: E7, E12 of E7..E12 -> 2/6 = 33.3 %; nothing quarantined in L.
    at = _page({"dates": [last.isoformat(), (last + timedelta(days=6)).isoformat()]})
    assert _tiles(at) == {"Failure rate": "33.3 %", "Failed events": "2 of 6",
                          "Rows quarantined": "0"}  # fmt: skip

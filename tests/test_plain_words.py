"""Plain words: no page, minute or export of the demo brand shows a metric id or an over-long decimal.

Every page is rendered (AppTest, as the demo admin, who may open all of them; the exception
panels and the review's meeting with it), then the exports: the exceptions CSV, the minutes in
Markdown and CSV. Their text must hold no snake_case metric id (`return_lag_p90_hours`) and no
number with more digits after the point than its unit needs (113.7525 instead of 113.8 h).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from core.db import get_engine, read_session, write_session
from core.timeutil import utcnow, week_label
from demo import load_demo
from governance import labels, queue, review, review_read
from governance.gov_kpis import governance_kpis
from governance.permissions import actor_by_name
from metrics.registry import METRIC_IDS
from tests.governance_support import session_token
from tests.test_app_pages import APP
from ui import gov_format
from ui.auth import PAGE_ACCESS, TOKEN_KEY

ADMIN = "demo.admin"
# A number with three or more digits after the point: no unit needs that many for people.
LONG_DECIMAL = re.compile(r"(?<![\w.])\d+\.\d{3,}(?![\w.])")
GOVERNANCE_IDS = [row for row in ("review_completion", "mean_time_to_acknowledge_hours",
                                  "mean_time_to_resolve_hours", "exception_age_mean_days",
                                  "reopen_rate")]  # fmt: skip


def _metric_ids() -> list[str]:
    return [*METRIC_IDS, *GOVERNANCE_IDS]


def offenders(text: str) -> list[str]:
    """The metric ids and over-long decimals in a text."""
    found = [m for m in _metric_ids() if re.search(rf"(?<![\w-]){m}(?![\w-])", text)]
    return found + LONG_DECIMAL.findall(text)


def _in_context(text: str) -> list[str]:
    """Each offender with the words around it (for the failure message)."""
    spots = []
    for hit in offenders(text):
        at = text.find(hit)
        spots.append(text[max(0, at - 60) : at + len(hit) + 30].replace("\n", " "))
    return spots


@pytest.fixture
def demo_brand(db_url: str) -> Engine:
    """The demo brand (detected exceptions and all) with this week's review open, one decision."""
    today = utcnow().date()
    end = max(today - timedelta(days=1), today - timedelta(days=today.weekday()))
    engine = get_engine(db_url)
    load_demo(orders=400, seed=3, end=end, engine=engine)
    with write_session(engine) as session:
        steward = actor_by_name(session, "steward")
        view = review.open_review(session=session, actor=steward, week=week_label(utcnow()))
        review.record_decision(session=session, actor=steward, week=view["week"],
                               key=view["items"][0]["key"], decision="Recount")  # fmt: skip
    return engine


def _texts(at: AppTest) -> Iterator[str]:
    """Every piece of text a person sees in a run: words, tiles, tables, choices, labels."""
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "code", "info",
                 "warning", "error", "success", "exception"):  # fmt: skip
        for element in getattr(at, kind):
            yield str(element.value)
    for metric in at.metric:
        yield f"{metric.label} {metric.value} {metric.help or ''}"
    for frame in [*at.dataframe, *at.table]:
        table = frame.value
        yield " ".join(map(str, table.columns)) + "\n" + table.to_csv(index=False)
    for widget in [*at.selectbox, *at.multiselect, *at.radio]:
        yield f"{widget.label} " + " ".join(map(str, widget.options))
    for element in [*at.button, *at.checkbox, *at.text_input, *at.tabs, *at.expander]:
        yield str(element.label)


def _page(name: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state[TOKEN_KEY] = session_token(ADMIN)
    at.run()
    if name != "overview":
        at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.mark.slow
def test_no_page_minute_or_export_shows_a_metric_id_or_a_long_decimal(demo_brand: Engine) -> None:
    seen: dict[str, list[str]] = {}
    shown: dict[str, str] = {}
    for name in PAGE_ACCESS:
        at = _page(name)
        shown[name] = "\n".join(_texts(at))
        seen[name] = _in_context(shown[name])
    # the scan reads what people read: the exception panel, the agenda, the KPI tiles
    assert "Status: " in shown["queue"] and "Black-hole return" in shown["exceptions"]
    assert "Review completion: 1 of" in shown["review"] and "(target " in shown["review"]
    assert "Inventory record accuracy" in shown["overview"]
    week = week_label(utcnow())
    with read_session(demo_brand) as session:
        rows = queue.list_exceptions(session)
        exports = {
            "exceptions.csv": gov_format.export_table(rows).to_csv(index=False),
            "minutes.md": review_read.minutes(session, week, "md"),
            "minutes.csv": review_read.minutes(session, week, "csv"),
        }
        kpis = governance_kpis(session, as_of=utcnow(), week=week)
    for name, text in exports.items():
        seen[name] = _in_context(text)
    bad = {name: sorted(set(hits)) for name, hits in seen.items() if hits}
    assert bad == {}, bad
    assert len(rows) > 20 and any(r["type"] == "black_hole_return" for r in rows)
    # the agenda names KPIs by their labels with formatted values, e.g. "Return lag p90: 113.8 h"
    kpi_titles = re.findall(r"\| \d+ \| ([^|]+) \|", exports["minutes.md"])
    assert kpi_titles and all(not offenders(title) for title in kpi_titles)
    assert next(row["kpi"] for row in kpis) == "review_completion"


def test_the_finder_of_offenders_is_not_blind() -> None:
    assert offenders("return_lag_p90_hours 113.7525") == ["return_lag_p90_hours", "113.7525"]
    assert offenders("Return lag p90: 113.8 h (target ≤ 72 h); 97.3 %; 12.50") == []
    assert offenders("return_lag_p90_hours_total") == []  # another word, not the id
    assert labels.kpi_phrase("return_lag_p90_hours", 113.7525, "<=", 72) == (
        "Return lag p90: 113.8 h (target ≤ 72 h)"
    )

"""The Integrations page's parts: cached reads, tiles, picks, the failed events and the quarantine.

Numbers come from metrics.integrations_views; a click on a trend point, an integration bar or an
error-type bar opens the failed events behind it; a click on a quarantine week or a row of the
quarantine breakdown opens those quarantined rows (read by ui.data.quarantined_rows, as on the
Data page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import streamlit as st

from core.timeutil import week_start
from metrics import integrations_views as iv
from metrics.accuracy_views import weeks_between
from metrics.compute import reading
from ui import data
from ui import integrations_charts as charts
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.integrations_charts import name_words, type_words
from ui.queries import DataVersion

TREND_KEY = "integrations.trend"
INTEGRATION_KEY = "integrations.by_integration"
TYPES_KEY = "integrations.types"
QUARANTINE_KEY = "integrations.quarantine"
QUARANTINE_TABLE_KEY = "integrations.quarantine_table"
ONE_DECIMAL = {"failure rate (%)": st.column_config.NumberColumn(format="%.1f")}
EVENT_HEADINGS = {
    "event_id": "event",
    "integration": "integration",
    "entity_type": "record type",
    "entity_key": "record (SKU, order, …)",
    "error_type": "error type",
    "occurred_at": "occurred at (UTC)",
    "week": "ISO week",
    "message": "message",
}
COUNT_HEADINGS = {
    "file_name": "file",
    "source": "import source",
    "entity": "entity",
    "reason": "reason",
    "rows": "rows",
    "last_at": "last quarantined (UTC)",
}


@dataclass(frozen=True)
class IntegrationsView:
    """Everything the page draws for one set of filters."""

    weeks: tuple[str, ...]  # the ISO weeks the date range overlaps
    trend: tuple[iv.RatePoint, ...]
    total: iv.RatePoint  # every integration over the chosen weeks
    integrations: tuple[iv.RatePoint, ...]
    types: tuple[iv.TypeCount, ...]
    quarantine_weeks: tuple[iv.QuarantineWeek, ...]
    quarantine_counts: pd.DataFrame
    target: float

    @property
    def quarantined(self) -> int:
        """Rows quarantined in the chosen weeks."""
        return sum(w.rows for w in self.quarantine_weeks)


@dataclass(frozen=True)
class Pick:
    """What a click chose: weeks, an integration (None: all), an error type and its words.

    `any_type` False means only `error_type` (None there: failed with no type given)."""

    weeks: tuple[str, ...]
    integration: str | None
    error_type: str | None
    any_type: bool
    words: str


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def integrations_view(
    url: str, version: DataVersion, token: object, as_of: datetime, filters: Filters
) -> IntegrationsView:
    """The page's numbers for the date range (`version`, `token` key the cache)."""
    weeks = weeks_between(filters.start, filters.end)
    with reading(engine_for(url)) as conn:
        rows = iv.event_rows(conn, as_of)
        target = iv.failure_target(conn)
        q_weeks = iv.quarantine_weeks(conn, as_of, weeks)
        q_counts = iv.quarantine_counts(conn, as_of, weeks)
    return IntegrationsView(
        weeks,
        tuple(iv.rate_trend(rows, weeks)),
        iv.overall(rows, weeks),
        tuple(iv.by_integration(rows, weeks)),
        tuple(iv.failures_by_type(rows, weeks)),
        tuple(q_weeks),
        q_counts,
        target,
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def events_table(
    url: str, version: DataVersion, token: object, as_of: datetime, pick: Pick
) -> tuple[pd.DataFrame, int]:
    """The failed events behind a pick headed in plain words (at most EVENT_LIMIT), and the total."""
    with reading(engine_for(url)) as conn:
        found = iv.failed_events(conn, as_of, pick.weeks, integration=pick.integration,
                                 error_type=pick.error_type, any_type=pick.any_type)  # fmt: skip
    return plain_events(found.table), found.total


def plain_events(table: pd.DataFrame) -> pd.DataFrame:
    """Failed events (EVENT_COLUMNS) with names and types in plain words, times in UTC."""
    table = table.assign(
        integration=[name_words(n) for n in table["integration"]],
        error_type=[type_words(t) for t in table["error_type"]],
        entity_type=[name_words(t) if t else "" for t in table["entity_type"]],
        entity_key=table["entity_key"].fillna(""),
        message=table["message"].fillna(""),
        occurred_at=pd.to_datetime(table["occurred_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
    )
    return table.rename(columns=EVENT_HEADINGS)


def percent_text(value: float | None) -> str:
    """A share in per cent with one decimal."""
    return "no value" if value is None else f"{100 * value:.1f} %"


def _points(state: object) -> list[Mapping[str, Any]]:
    if not isinstance(state, Mapping):
        return []
    return list(((state.get("selection") or {}).get("points")) or [])


def _span(weeks: Sequence[str]) -> str:
    return weeks[0] if len(weeks) == 1 else f"weeks {weeks[0]} to {weeks[-1]}"


def pick_from(state: object, kind: str, weeks: Sequence[str]) -> Pick | None:
    """The point or bar a chart's selection chose (None when nothing is selected)."""
    points = _points(state)
    if not points or not weeks:
        return None
    data_ = list(points[0].get("customdata") or [])
    every = tuple(weeks)
    if kind == "type" and len(data_) >= 2:
        error_type = str(data_[0]) if int(data_[1]) else None
        return Pick(every, None, error_type, False, f"{type_words(error_type)}, {_span(every)}")
    if kind == "integration" and data_:
        name = str(data_[0])
        return Pick(every, name, None, True, f"{name_words(name)}, {_span(every)}")
    if kind == "trend" and len(data_) >= 2:
        name, week = str(data_[0]), str(data_[1])
        return Pick((week,), name, None, True, f"{name_words(name)}, week {week}")
    return None


def quarantine_week_from(state: object) -> str | None:
    """The week a quarantine bar selection chose (None when nothing is selected)."""
    points = _points(state)
    data_ = points[0].get("customdata") if points else None
    return str(data_[0]) if data_ else None


def trend_table(view: IntegrationsView) -> pd.DataFrame:
    """The trend as a table, the rate in per cent."""
    return pd.DataFrame(
        [{"integration": name_words(p.integration), "ISO week": p.week, "events": p.events,
          "failed": p.failed,
          "failure rate (%)": None if p.rate is None else round(100 * p.rate, 1)}
         for p in view.trend],
        columns=["integration", "ISO week", "events", "failed", "failure rate (%)"],
    )  # fmt: skip


def types_table(view: IntegrationsView) -> pd.DataFrame:
    """Failed events per ISO week and error type."""
    return pd.DataFrame(
        [{"ISO week": t.week, "error type": type_words(t.error_type), "failed events": t.failed}
         for t in view.types],
        columns=["ISO week", "error type", "failed events"],
    )  # fmt: skip


def quarantine_counts_table(view: IntegrationsView) -> pd.DataFrame:
    """The quarantine breakdown headed in plain words."""
    table = view.quarantine_counts
    table = table.assign(
        source=table["source"].fillna(""),
        entity=[name_words(e) if e else "" for e in table["entity"]],
        last_at=pd.to_datetime(table["last_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
    )
    return table.rename(columns=COUNT_HEADINGS)


def render_tiles(view: IntegrationsView) -> None:
    """The chosen weeks' failure rate (Σ failed / Σ events), failed events, quarantined rows."""
    left, middle, right = st.columns(3)
    left.metric("Failure rate", percent_text(view.total.rate), border=True)
    middle.metric("Failed events", f"{view.total.failed:,} of {view.total.events:,}", border=True)
    right.metric("Rows quarantined", f"{view.quarantined:,}", border=True)


def render_events(url: str, version: DataVersion, token: object, as_of: datetime,
                  pick: Pick) -> None:  # fmt: skip
    """The failed events behind a pick, with their downloads."""
    st.subheader(f"Failed events: {pick.words}")
    table, total = events_table(url, version, token, as_of, pick)
    shown = f"the newest {len(table):,} of {total:,}" if total > len(table) else f"{total:,}"
    st.caption(f"{shown} failed events, newest first.")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Events CSV", file_name="failed-events.csv",
                 key="dl.integrations.events")  # fmt: skip


def week_bounds(weeks: Sequence[str]) -> tuple[datetime, datetime]:
    """[Monday 00:00 UTC of the first week, Monday 00:00 UTC after the last)."""
    return week_start(weeks[0]), week_start(weeks[-1]) + timedelta(days=7)


def render_quarantine(view: IntegrationsView, url: str, version: DataVersion) -> None:
    """Quarantined rows per week, per file and reason, and the rows behind a click."""
    st.subheader("Quarantined import rows")
    st.caption(
        "Rows of imported files that could not be read, kept with their file, line and reason "
        "(by ISO week they were quarantined). Click a week's bar or select a row of the table "
        "to see those rows."
    )
    if not view.quarantine_weeks:
        st.success("No row was quarantined in the chosen dates: every imported row was read.")
        return
    state = st.plotly_chart(charts.quarantine_figure(view.quarantine_weeks, view.weeks),
                            config={"displaylogo": False}, key=QUARANTINE_KEY,
                            on_select="rerun", selection_mode="points")  # fmt: skip
    counts = quarantine_counts_table(view)
    picked = st.dataframe(counts, hide_index=True, key=QUARANTINE_TABLE_KEY,
                          on_select="rerun", selection_mode="single-row")  # fmt: skip
    csv_download(counts, label="Counts CSV", file_name="quarantine-counts.csv",
                 key="dl.integrations.quarantine_counts")  # fmt: skip
    since, until = week_bounds(view.weeks)
    file_name = reason = None
    words = f"{_span(view.weeks)}"
    week = quarantine_week_from(state)
    rows_picked = getattr(getattr(picked, "selection", None), "rows", None) or []
    if rows_picked:
        chosen = view.quarantine_counts.iloc[rows_picked[0]]
        file_name, reason = str(chosen["file_name"]), str(chosen["reason"])
        words = f"{file_name}: {reason}"
    elif week is not None:
        since, until = week_bounds([week])
        words = f"week {week}"
    rows, total = data.quarantined_rows(url, version, file_name, reason, since, until)
    st.markdown(f"**Quarantined rows: {words}**")
    st.caption(f"{len(rows):,} of {total:,} rows shown.")
    st.dataframe(rows, hide_index=True)
    csv_download(rows, label="Quarantined rows CSV", file_name="quarantined-rows.csv",
                 key="dl.integrations.quarantine")  # fmt: skip


def type_totals(view: IntegrationsView) -> dict[str | None, int]:
    """Failed events per error type over the chosen weeks, most first."""
    return iv.type_totals(view.types)

"""The Returns page's parts: cached reads, the lag trend and locations, open-return ages, black
holes, the handoff funnel, and the returns behind a click.

Numbers come from metrics.returns_views (percentiles from the chosen rows, the Planning page's
handoff); a click on a point, a bar or a funnel step opens the returns behind it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from governance import labels
from metrics import accuracy_views as av
from metrics import returns_views as rv
from metrics.compute import reading
from metrics.planning_board import HandoffStep
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR
from ui.planning_views import currency

TREND_KEY, LOCATION_KEY = "returns.trend", "returns.locations"
AGES_KEY, FUNNEL_KEY = "returns.ages", "returns.funnel"
PICKS_KEY, SHOWN_KEY = "returns.picks", "returns.shown"  # session state of latest_pick
P50_COLOUR, P90_COLOUR, BAR_COLOUR = SERIES_COLOURS[0], SERIES_COLOURS[1], SERIES_COLOURS[2]
DAYS_FROM_HOURS = 48  # a lag of 48 h or more reads in days
NO_LOCATION = "no location"
HEADINGS = {
    "location": "receiving location", "return_id": "return", "order_id": "order", "sku": "SKU",
    "quantity": "units", "units": "units", "channel": "channel", "received_at": "received (UTC)",
    "condition": "condition", "disposition": "disposition",
    "disposition_at": "dispositioned (UTC)", "refunded_at": "refunded (UTC)",
    "lag_hours": "lag (hours)", "age_days": "age (days)", "step": "waiting at",
    "channel_pair": "channel → location type",
}  # fmt: skip
TIME_COLUMNS = ("received_at", "disposition_at", "refunded_at")
WORD_COLUMNS = ("order_id", "sku", "channel", "condition", "disposition", "location")


@dataclass(frozen=True)
class ReturnsView:
    """Everything the page draws for one set of filters."""

    weeks: tuple[rv.LagGroup, ...]
    locations: tuple[rv.LagGroup, ...]
    target_hours: float
    open_table: pd.DataFrame
    ages: tuple[rv.AgeCount, ...]
    steps: tuple[HandoffStep, ...]
    pairs: tuple[rv.PairCount, ...]
    black_hole_days: int


@dataclass(frozen=True)
class Pick:
    """What a click chose: a kind (lag, bucket, step), its keys and its words."""

    kind: str
    weeks: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    name: str = ""
    words: str = ""


def hours_text(hours: float | None) -> str:
    """A lag in hours, or in days from 48 h on."""
    if hours is None:
        return "no value"
    if hours < DAYS_FROM_HOURS:
        return f"{hours:,.1f} h"
    return f"{hours / 24:,.1f} days"


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def returns_view(
    url: str, version: object, token: object, as_of: datetime, filters: Filters
) -> ReturnsView:
    """The page's numbers for the filters (`version`, `token` key the cache)."""
    weeks = av.weeks_between(filters.start, filters.end)
    with reading(engine_for(url)) as conn:
        samples = rv.lag_samples(conn, as_of, weeks, filters.locations)
        target = rv.lag_target(conn)
        table = rv.open_returns(conn, as_of, filters.locations)
        steps = rv.funnel(conn, as_of, filters.locations, filters.channels).steps
        pairs = rv.step_pairs(conn, as_of, filters.locations, filters.channels)
        days = rv.black_hole_days(conn)
    return ReturnsView(
        tuple(rv.lag_by_week(samples)),
        tuple(rv.lag_by_location(samples)),
        target,
        table,
        tuple(rv.age_counts(table)),
        steps,
        tuple(pairs),
        days,
    )


def _word(column: str, value: object) -> str:
    """Text for a table cell: empty for none, vocabulary words with spaces (like_new: like new)."""
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value).replace("_", " ") if column in ("condition", "disposition") else str(value)


def _readable(table: pd.DataFrame) -> pd.DataFrame:
    """Times as text to the minute, numbers rounded, headed in plain words."""
    shown = table.copy()
    for column in TIME_COLUMNS:
        if column in shown.columns:
            stamps = pd.to_datetime(shown[column], utc=True)
            shown[column] = stamps.dt.strftime("%Y-%m-%d %H:%M").where(stamps.notna(), "")
    for column in ("lag_hours", "age_days"):
        if column in shown.columns:
            shown[column] = [round(float(v), 1) for v in shown[column]]
    for column in WORD_COLUMNS:
        if column in shown.columns:
            shown[column] = [_word(column, v) for v in shown[column]]
    if "step" in shown.columns:
        shown["step"] = [labels.step_label(str(s)) for s in shown["step"]]
    if "value" in shown.columns:
        money = currency()
        shown = shown.drop(columns=["black_hole"], errors="ignore").rename(
            columns={"unit_cost": f"unit cost ({money})", "value": f"value ({money})"}
        )
        for column in (f"unit cost ({money})", f"value ({money})"):
            shown[column] = [None if v is None or pd.isna(v) else float(v) for v in shown[column]]
    return shown.rename(columns=HEADINGS)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def lag_table(
    url: str, version: object, token: object, as_of: datetime, pick: Pick
) -> pd.DataFrame:
    """The dispositioned returns behind a lag point or bar."""
    with reading(engine_for(url)) as conn:
        table = rv.lag_returns(conn, as_of, pick.weeks, pick.locations)
    return _readable(table)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def waiting_table(
    url: str, version: object, token: object, as_of: datetime, pick: Pick, filters: Filters
) -> pd.DataFrame:
    """The returns waiting at a funnel step."""
    with reading(engine_for(url)) as conn:
        table = rv.waiting_returns(conn, as_of, pick.name, filters.locations, filters.channels)
    return _readable(table)


def open_table(view: ReturnsView, bucket: str | None = None) -> pd.DataFrame:
    """The open returns (of one age bucket when given), readable."""
    table = view.open_table if bucket is None else rv.in_bucket(view.open_table, bucket)
    return _readable(table)


def black_hole_table(view: ReturnsView) -> pd.DataFrame:
    """The black-hole returns, readable, with their value."""
    return _readable(rv.black_holes(view.open_table))


def _layout(figure: go.Figure, x_title: str, y_title: str, height: int = 340) -> go.Figure:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"type": "category", "title": {"text": x_title}},
        yaxis={"title": {"text": y_title}, "rangemode": "tozero"},
        clickmode="event+select",
    )
    return figure


def _lag_trace(groups: tuple[rv.LagGroup, ...], which: str, bar: bool) -> go.BaseTraceType:
    name, colour = ("p50 (median)", P50_COLOUR) if which == "p50" else ("p90", P90_COLOUR)
    values = [g.p50_hours if which == "p50" else g.p90_hours for g in groups]
    keys = [plot_label(g.key or NO_LOCATION) for g in groups]
    data = [[g.key or "", hours_text(v), g.returns] for g, v in zip(groups, values, strict=True)]
    hover = (f"Lag {name} for %{{x}}: %{{customdata[1]}} (%{{y:,.1f}} h)<br>"
             "over %{customdata[2]} dispositioned returns<br>Click to see them<extra></extra>")  # fmt: skip
    if bar:
        return go.Bar(x=keys, y=values, name=name, marker={"color": colour}, customdata=data,
                      hovertemplate=hover)  # fmt: skip
    return go.Scatter(x=keys, y=values, name=name, mode="lines+markers", line={"color": colour},
                      marker={"size": 10}, customdata=data, hovertemplate=hover)  # fmt: skip


def _target(figure: go.Figure, hours: float) -> None:
    figure.add_hline(y=hours, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"p90 target {hours:,.0f} h",
                     annotation_position="top right")  # fmt: skip


def trend_figure(view: ReturnsView) -> go.Figure:
    """Lag p50 and p90 per ISO week received, in hours, the p90 target dashed."""
    figure = go.Figure([_lag_trace(view.weeks, "p50", False), _lag_trace(view.weeks, "p90", False)])
    _target(figure, view.target_hours)
    return _layout(figure, "ISO week received (UTC)", "lag to disposition (hours)")


def location_figure(view: ReturnsView) -> go.Figure:
    """Lag p50 and p90 per receiving location over the chosen weeks, the p90 target dashed."""
    bars = [_lag_trace(view.locations, "p50", True), _lag_trace(view.locations, "p90", True)]
    figure = go.Figure(bars)
    figure.update_layout(barmode="group")
    _target(figure, view.target_hours)
    return _layout(figure, "receiving location", "lag to disposition (hours)")


def age_figure(view: ReturnsView) -> go.Figure:
    """Open returns per age bucket."""
    figure = go.Figure(
        go.Bar(
            x=[a.bucket.label for a in view.ages],
            y=[a.returns for a in view.ages],
            marker={"color": BAR_COLOUR},
            customdata=[[a.bucket.label, a.units] for a in view.ages],
            hovertemplate="%{y:,} open returns aged %{x} (%{customdata[1]:,} units)"
            "<br>Click to see them<extra></extra>",
            showlegend=False,
        )
    )
    return _layout(figure, "age since received (days)", "open returns", height=300)


def step_text(step: HandoffStep) -> str:
    """A funnel step with its owning team."""
    return f"{labels.step_label(step.step)} ({step.team})"


def funnel_figure(view: ReturnsView) -> go.Figure:
    """Returns waiting per handoff step, in handoff order top down, each with its owning team."""
    steps = list(view.steps)
    figure = go.Figure(
        go.Bar(
            y=[step_text(s) for s in steps],
            x=[s.count for s in steps],
            orientation="h",
            marker={"color": BAR_COLOUR},
            text=[f"{s.count:,}" for s in steps],
            customdata=[[s.step, s.team, s.units] for s in steps],
            hovertemplate="%{x:,} returns waiting at %{y}<br>%{customdata[2]:,} units"
            "<br>Click to see them<extra></extra>",
            showlegend=False,
        )
    )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": {"text": "returns waiting"}, "rangemode": "tozero"},
        yaxis={"title": {"text": "handoff step (owning team)"}, "autorange": "reversed"},
        clickmode="event+select",
    )
    return figure


def _points(state: object) -> list[Mapping[str, Any]]:
    if not isinstance(state, Mapping):
        return []
    return list((state.get("selection") or {}).get("points") or [])


def pick_from(state: object, kind: str, filters: Filters) -> Pick | None:
    """What a chart's selection chose (None when nothing is selected)."""
    points = _points(state)
    if not points:
        return None
    data = points[0].get("customdata") or []
    weeks = av.weeks_between(filters.start, filters.end)
    where = ", ".join(filters.locations) if filters.locations else "every location"
    if kind == "trend":
        week = str(data[0]) if data else str(points[0].get("x"))
        return Pick("lag", (week,), filters.locations, words=f"{where}, received in week {week}")
    if kind == "location":
        location = str(data[0]) if data else str(points[0].get("x"))  # "": no location
        return Pick("lag", weeks, (location,), words=f"{location or NO_LOCATION}, chosen weeks")
    if kind == "bucket":
        return Pick("bucket", name=str(data[0]), words=f"open returns aged {data[0]}")
    step = str(data[0])
    return Pick("step", name=step, words=f"returns waiting at {labels.step_label(step)}")


def latest_pick(picks: Mapping[str, Pick | None]) -> Pick | None:
    """The selection made last among the charts' (a chart keeps its selection across reruns, so
    the one that changed since the previous run is the newest; else the one shown before)."""
    before: dict[str, Pick | None] = st.session_state.get(PICKS_KEY, {})
    st.session_state[PICKS_KEY] = dict(picks)
    changed = [p for kind, p in picks.items() if p is not None and before.get(kind) != p]
    shown = st.session_state.get(SHOWN_KEY)
    if changed:
        shown = changed[0]
    elif shown not in picks.values():
        shown = next((p for p in picks.values() if p is not None), None)
    st.session_state[SHOWN_KEY] = shown
    return shown


def lag_table_of(view: ReturnsView) -> pd.DataFrame:
    """The weekly percentiles as a table (hours, and the same lag in words)."""
    return pd.DataFrame(
        [
            {"ISO week received": g.key, "dispositioned returns": g.returns,
             "lag p50 (hours)": None if g.p50_hours is None else round(g.p50_hours, 1),
             "lag p90 (hours)": None if g.p90_hours is None else round(g.p90_hours, 1),
             "lag p90": hours_text(g.p90_hours)}
            for g in view.weeks
        ]
    )  # fmt: skip


def steps_table(view: ReturnsView) -> pd.DataFrame:
    """The handoff steps as a table: returns, units, median age, owning team."""
    return pd.DataFrame(
        [
            {"step": labels.step_label(s.step), "owning team": s.team, "returns waiting": s.count,
             "units": s.units,
             "median age (days)": None if s.median_age_days is None else round(s.median_age_days, 1)}
            for s in view.steps
        ]
    )  # fmt: skip


def pairs_table(view: ReturnsView) -> pd.DataFrame:
    """Returns waiting per channel pair (rows) and step (columns, handoff order)."""
    names = [labels.step_label(s.step) for s in view.steps]
    rows: dict[str, dict[str, int]] = {}
    for cell in view.pairs:
        rows.setdefault(cell.channel_pair, {})[labels.step_label(cell.step)] = cell.returns
    return pd.DataFrame(
        [{"channel → location type": pair} | {n: found.get(n, 0) for n in names}
         for pair, found in rows.items()],
        columns=["channel → location type", *names],
    )  # fmt: skip


def render_records(table: pd.DataFrame, words: str) -> None:
    """The returns behind a click, with their downloads."""
    st.subheader(f"Returns behind: {words}")
    if len(table) >= rv.RECORD_LIMIT:
        st.caption(f"The first {rv.RECORD_LIMIT:,} returns are shown.")
    st.dataframe(table, hide_index=True)
    csv_download(
        table, label="Returns CSV", file_name="returns-behind.csv", key="dl.returns.behind"
    )

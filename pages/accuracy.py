"""Inventory accuracy: IRA and unit accuracy by week, a location × week heatmap, ABC classes, drift."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from ui import accuracy_views as views
from ui import data, frame
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import current_token

actor = require("accuracy")

ctx = frame.page_context()
st.title("Inventory accuracy")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC, cycle counts by ISO week of the count. Inventory record "
    "accuracy: counts within their ABC class's tolerance / counts. Unit accuracy: 1 − units "
    "miscounted / system units. Filters used: dates and locations. Channels and categories do not "
    "apply (a cycle count has neither); an ABC class filter applies to the ABC class chart only."
)
view = views.accuracy_view(ctx.url, ctx.version, token, as_of, filters)
if not view.weeks:
    st.info("No cycle counts in the chosen dates and locations.")
    st.stop()

st.subheader("Accuracy per week")
st.caption("Dashed lines: the KPI targets. Click a point to see the counts behind it.")
trend_state = st.plotly_chart(
    views.trend_figure(view),
    config={"displaylogo": False},
    key=views.TREND_KEY,
    on_select="rerun",
    selection_mode="points",
)
with st.expander("Table of the weeks"):
    table = views.trend_table(view)
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Weeks CSV", file_name="accuracy-per-week.csv", key="dl.accuracy")

st.subheader("Inventory record accuracy by location and week")
st.caption("Darker is more accurate; an empty square: no counts. Click a square for its counts.")
heat_state = st.plotly_chart(
    views.heatmap_figure(view),
    config={"displaylogo": False},
    key=views.HEATMAP_KEY,
    on_select="rerun",
    selection_mode="points",
)
pick = views.pick_from(views.selected(heat_state), filters, "heatmap") or views.pick_from(
    views.selected(trend_state), filters, "trend"
)
if pick is None:
    st.info("Click a point of the weekly chart or a square of the heatmap to see its counts.")
else:
    views.render_counts(views.counts_table(ctx.url, ctx.version, token, as_of, pick), pick)

views.render_drift(view)
views.render_classes(view, filters)

"""Item master: the SKU quality rate by ISO week created, failures by check, the failing items,
duplicate and invalid barcodes, and mapping coverage per system."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from ui import data, frame
from ui import items_charts as charts
from ui import items_views as views
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import current_token

actor = require("items")

ctx = frame.page_context()
st.title("Item master")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC, items by ISO week of their creation. SKU quality rate: "
    "items passing all five checks (approved, SKU naming rule, required fields, barcode used once, "
    "valid barcode) / items created. Filters used: dates (week created) and categories. Channels, "
    "locations and ABC classes do not apply (an item has no channel or location, and the SKU "
    "checks are not split by ABC class)."
)
view = views.items_view(ctx.url, ctx.version, token, as_of, filters)
if not view.weeks:
    st.info("No items created in the chosen dates and categories.")
    views.render_coverage(view, ctx.url, ctx.version, token, as_of)
    st.stop()

views.render_tiles(view)

st.subheader("SKU quality rate per week created")
st.caption("Dashed line: the KPI target. Click a point to see that week's failing items.")
trend_state = st.plotly_chart(
    charts.trend_figure(view.weeks, view.target),
    config={"displaylogo": False},
    key=views.TREND_KEY,
    on_select="rerun",
    selection_mode="points",
)
with st.expander("Table of the weeks"):
    table = views.trend_table(view)
    st.dataframe(table, hide_index=True, column_config=views.ONE_DECIMAL)
    csv_download(table, label="Weeks CSV", file_name="sku-quality-per-week.csv", key="dl.items")

st.subheader("Failures by check")
st.caption("Items created in the chosen weeks and categories failing each check (an item can fail "
           "several). Click a bar to see those items.")  # fmt: skip
checks_state = st.plotly_chart(
    charts.checks_figure(view.checks),
    config={"displaylogo": False},
    key=views.CHECKS_KEY,
    on_select="rerun",
    selection_mode="points",
)
st.subheader("By category")
st.caption("Over the chosen weeks. Click a bar to see that category's failing items.")
category_state = st.plotly_chart(
    charts.category_figure(view.categories, view.target),
    config={"displaylogo": False},
    key=views.CATEGORY_KEY,
    on_select="rerun",
    selection_mode="points",
)
pick = (
    views.pick_from(checks_state, "check", filters)
    or views.pick_from(category_state, "category", filters)
    or views.pick_from(trend_state, "trend", filters)
)
if pick is None:
    st.info("Click a week, a check or a category to see the failing items behind it.")
    pick = views.Pick(None, None, None, "every chosen week and category")
views.render_items(views.picked_items(view, pick), pick)
views.render_barcodes(view)
views.render_coverage(view, ctx.url, ctx.version, token, as_of)

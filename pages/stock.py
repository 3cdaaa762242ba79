"""Stock truth: where systems' sellable stock differs from the book's, what it is worth, unmapped SKUs."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.timeutil import utcnow
from ui import data, frame
from ui import stock_views as views
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import current_token

actor = require("stock")

ctx = frame.page_context()
st.title("Stock truth")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC. A pair is a (location, SKU) a system is compared on with "
    "the location's book: it differs when the system's sellable units are not the book's; units "
    "overstated are Σ max(0, system − book), valued at unit cost. Filters used: locations, ABC "
    "classes and categories (by the SKU's item) for the numbers, bars and pairs; dates for the "
    "history charts only. Channels do not apply (stock is held by location, not channel)."
)
view = views.stock_view(ctx.url, ctx.version, token, as_of, filters)
views.render_headline(view)
if not view.groups:
    st.info(
        "No compared pairs: no location has sellable stock rows from the book and another system."
    )

st.subheader("Stock discrepancies over time")
st.caption(
    "Pairs that differ at each kept snapshot in the chosen dates, for all systems and each "
    "system; dashed: the KPI target. Over every location, ABC class and category (the snapshot "
    "history keeps systems only). Click a point to see the pairs behind it."
)
trend_state = None
if any(p.metric == views.sv.DISCREPANCIES for p in view.history):
    trend_state = st.plotly_chart(views.trend_figure(view), config={"displaylogo": False},
                                  key=views.TREND_KEY, on_select="rerun", selection_mode="points")  # fmt: skip
else:
    st.info("No snapshots kept in the chosen dates.")

left, right = st.columns(2)
with left:
    st.subheader("By location")
    location_state = st.plotly_chart(
        views.bar_figure(view, view.by_location, "location"), config={"displaylogo": False},
        key=views.LOCATION_KEY, on_select="rerun", selection_mode="points",
    )  # fmt: skip
with right:
    st.subheader("By system")
    system_state = st.plotly_chart(
        views.bar_figure(view, view.by_system, "system"), config={"displaylogo": False},
        key=views.SYSTEM_KEY, on_select="rerun", selection_mode="points",
    )  # fmt: skip
with st.expander("Table of the locations and systems"):
    table = pd.DataFrame(
        [{"location": g.location, "system": g.system, "book system": g.book_system,
          "compared pairs": g.pairs, "pairs that differ": g.differing,
          "units overstated": g.overstated} for g in view.groups]
    )  # fmt: skip
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Locations CSV", file_name="stock-by-location.csv",
                 key="dl.stock.groups")  # fmt: skip

pick = (
    views.pick_from(views.selected(location_state), "location", as_of, filters)
    or views.pick_from(views.selected(system_state), "system", as_of, filters)
    or views.pick_from(views.selected(trend_state), "trend", as_of, filters)
)
if pick is None:
    st.info("Click a bar or a point of the history to see the pairs behind it.")
else:
    views.render_pairs(views.pairs_table(ctx.url, ctx.version, token, pick, filters), pick)

views.render_unmapped(ctx.url, ctx.version, token, as_of, view)
views.render_sku(ctx.url, ctx.version, token, as_of, view, filters)

"""Orders and fulfilment: split, multi-location, reroute and fill rates by week and channel, and
the stalled orders now."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from metrics.orders_views import RATE_METRICS
from ui import data, frame
from ui import orders_charts as charts
from ui import orders_views as views
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import current_token

actor = require("orders")

ctx = frame.page_context()
st.title("Orders and fulfilment")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC, orders by the ISO week they were placed in. Split order "
    "rate: orders shipped in 2 or more shipments / orders shipped. Multi-location rate: orders "
    "shipped from 2 or more locations / orders shipped. Reroute rate: shipment rows shipped from "
    "another location than the line's allocated one / shipment rows with an allocated location. "
    "Fill rate: units shipped / units ordered, orders not cancelled."
)
st.caption(views.filters_note(filters))
view = views.orders_view(ctx.url, ctx.version, token, as_of, filters)

states: dict[str, object] = {}
if view.empty:
    st.info("No orders placed in the chosen dates and channels.")
else:
    st.subheader("Rates per week")
    st.caption(
        "Dashed lines: the KPI targets (the multi-location rate has none). A recent week is "
        "still filling in: its orders may not all have shipped yet. Click a point to see the "
        "records behind it."
    )
    columns = st.columns(2)
    for index, name in enumerate(RATE_METRICS):
        with columns[index % 2]:
            st.markdown(f"**{charts.NAMES[name]}**")
            if not view.trend[name]:
                st.caption("No records in the chosen dates and channels.")
                continue
            states[name] = st.plotly_chart(
                charts.trend_figure(view, name),
                config={"displaylogo": False},
                key=charts.trend_key(name),
                on_select="rerun",
                selection_mode="points",
            )
    with st.expander("Table of the weeks"):
        table = views.weeks_table(view)
        st.dataframe(table, hide_index=True)
        csv_download(table, label="Weeks CSV", file_name="orders-per-week.csv", key="dl.orders")

    st.subheader("By channel")
    st.caption(
        f"Each rate over {views.weeks_words(view.weeks)}, per channel. Dashed: the KPI target. "
        "Click a bar to see the records behind it."
    )
    states["channel"] = st.plotly_chart(
        charts.channel_figure(view),
        config={"displaylogo": False},
        key=charts.CHANNEL_KEY,
        on_select="rerun",
        selection_mode="points",
    )
    with st.expander("Table of the channels"):
        table = views.channels_table(view)
        st.dataframe(table, hide_index=True)
        csv_download(table, label="Channels CSV", file_name="orders-by-channel.csv",
                     key="dl.orders.channels")  # fmt: skip

    pick = views.latest_pick(
        {kind: views.pick_from(state, kind, filters, view) for kind, state in states.items()}
    )
    if pick is None:
        st.info("Click a point of a weekly chart or a channel bar to see the records behind it.")
    else:
        behind, total = views.behind_table(ctx.url, ctx.version, token, as_of, pick)
        views.render_records(behind, total, pick)

stalled, stalled_total = views.stalled_table(ctx.url, ctx.version, token, as_of, filters.channels)
views.render_stalled(view, stalled, stalled_total, filters)

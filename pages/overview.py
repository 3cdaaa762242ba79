"""Overview: KPIs against their targets with 12-week trends, how much data there is, orders per week, imports."""

from __future__ import annotations

import streamlit as st

from ui import data, frame
from ui.auth import require
from ui.charts import orders_per_week_figure
from ui.filters import get_filters
from ui.founder_download import render_founder_download
from ui.kpi_views import render_kpis
from ui.migration_views import freeze_banner
from ui.setup_views import render_setup

actor = require("overview")

RECENT_IMPORTS = 10

ctx = frame.page_context()
st.title("Overview")
freeze_banner()
counts = data.entity_counts(ctx.url, ctx.version)

if frame.is_empty(counts):
    render_setup(actor)
    frame.show_empty_state()
else:
    chosen = get_filters()
    render_kpis(actor, ctx.url, ctx.version, chosen)
    render_founder_download()
    st.subheader("Data")
    frame.metric_tiles(counts)
    st.subheader("Orders placed per week")
    st.caption(
        f"{chosen.start:%Y-%m-%d} to {chosen.end:%Y-%m-%d} (UTC), by channel. "
        "The location filter keeps orders with a line allocated to a chosen location; the ABC "
        "class and category filters do not apply to orders."
    )
    weekly = data.orders_per_week(
        ctx.url, ctx.version, chosen.start, chosen.end, chosen.channels, chosen.locations
    )
    if weekly.empty:
        st.info("No orders placed in this range for the chosen channels and locations.")
    else:
        st.plotly_chart(
            orders_per_week_figure(weekly), config={"displaylogo": False}, key="orders-per-week"
        )

st.subheader("Recent imports")
recent = data.import_history(ctx.url, ctx.version, RECENT_IMPORTS)
if recent.empty:
    st.caption("No imports yet.")
else:
    st.dataframe(recent, hide_index=True)
    st.page_link(
        "pages/data.py",
        label="Full import history and quarantined rows",
        icon=":material/arrow_forward:",
    )

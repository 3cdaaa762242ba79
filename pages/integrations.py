"""Integrations: the failure rate per integration by ISO week, failures by error type, the failed
events behind a click, and quarantined import rows."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from ui import data, frame
from ui import integrations_charts as charts
from ui import integrations_views as views
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import current_token

actor = require("integrations")

ctx = frame.page_context()
st.title("Integrations")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC, integration events by ISO week of when they occurred. "
    "Failure rate: failed events / events. Filters used: dates only. Channels, locations, ABC "
    "classes and categories do not apply (an integration event has no channel, location or item "
    "class; it names only its integration and the record it carried)."
)
view = views.integrations_view(ctx.url, ctx.version, token, as_of, filters)
views.render_tiles(view)

if not view.trend:
    st.info("No integration events in the chosen dates.")
else:
    st.subheader("Failure rate per integration and week")
    st.caption("A line per integration; dashed line: the KPI target. Click a point to see that "
               "integration's failed events of that week.")  # fmt: skip
    trend_state = st.plotly_chart(
        charts.trend_figure(view.trend, view.weeks, view.target),
        config={"displaylogo": False},
        key=views.TREND_KEY,
        on_select="rerun",
        selection_mode="points",
    )
    with st.expander("Table of the weeks"):
        table = views.trend_table(view)
        st.dataframe(table, hide_index=True, column_config=views.ONE_DECIMAL)
        csv_download(table, label="Weeks CSV", file_name="integration-failure-rate-per-week.csv",
                     key="dl.integrations")  # fmt: skip

    st.subheader("Failure rate by integration")
    st.caption("Over the chosen weeks: failed events / events of each integration. Click a bar "
               "to see its failed events.")  # fmt: skip
    integration_state = st.plotly_chart(
        charts.integration_figure(view.integrations, view.target),
        config={"displaylogo": False},
        key=views.INTEGRATION_KEY,
        on_select="rerun",
        selection_mode="points",
    )

    st.subheader("Failures by error type")
    st.caption("Failed events of each error type over the chosen weeks, every integration. Click "
               "a bar to see those events.")  # fmt: skip
    totals = views.type_totals(view)
    if not totals:
        st.success("No event failed in the chosen dates.")
        types_state = None
    else:
        types_state = st.plotly_chart(
            charts.types_figure(totals),
            config={"displaylogo": False},
            key=views.TYPES_KEY,
            on_select="rerun",
            selection_mode="points",
        )
        with st.expander("Table of the error types per week"):
            types = views.types_table(view)
            st.dataframe(types, hide_index=True)
            csv_download(types, label="Error types CSV", file_name="failures-by-type.csv",
                         key="dl.integrations.types")  # fmt: skip
    pick = (
        views.pick_from(types_state, "type", view.weeks)
        or views.pick_from(integration_state, "integration", view.weeks)
        or views.pick_from(trend_state, "trend", view.weeks)
    )
    if pick is None:
        st.info("Click a point of the weekly chart, an integration or an error type to see the "
                "failed events behind it.")  # fmt: skip
        pick = views.Pick(view.weeks, None, None, True, "every integration, the chosen weeks")
    views.render_events(ctx.url, ctx.version, token, as_of, pick)

views.render_quarantine(view, ctx.url, ctx.version)

"""Returns: lag to disposition by week and location, open returns by age, black holes, the handoff."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from metrics import returns_views as rv
from ui import data, frame
from ui import returns_views as views
from ui.auth import require
from ui.download import csv_download
from ui.filters import get_filters
from ui.planning_views import currency, current_token

actor = require("returns")

ctx = frame.page_context()
st.title("Returns")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
filters = get_filters()
token = current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC. Lag: hours from a return's receipt to its disposition, "
    "p50 and p90 by nearest rank over the chosen returns themselves (never an average of "
    "locations). Filters used: dates (the ISO week a return was received; lag charts only) and "
    "locations (the receiving location; every section). Channels apply to the handoff funnel "
    "only (a return's channel); ABC classes and categories do not apply to returns."
)
view = views.returns_view(ctx.url, ctx.version, token, as_of, filters)
key = (ctx.url, ctx.version, token, as_of)

st.subheader("Lag to disposition per week received")
st.caption(
    "Dashed line: the p90 KPI target. A recent week counts only the returns dispositioned so far, "
    "so its lag can still rise. Click a point to see the returns behind it."
)
if not view.weeks:
    st.info("No dispositioned returns received in the chosen dates and locations.")
    trend_state = None
    location_state = None
else:
    trend_state = st.plotly_chart(views.trend_figure(view), config={"displaylogo": False},
                                  key=views.TREND_KEY, on_select="rerun", selection_mode="points")  # fmt: skip
    with st.expander("Table of the weeks"):
        weeks_table = views.lag_table_of(view)
        st.dataframe(weeks_table, hide_index=True)
        csv_download(weeks_table, label="Weeks CSV", file_name="return-lag-per-week.csv",
                     key="dl.returns.weeks")  # fmt: skip
    st.subheader("Lag to disposition by receiving location")
    st.caption("Over the chosen weeks. Click a bar to see that location's returns.")
    location_state = st.plotly_chart(views.location_figure(view), config={"displaylogo": False},
                                     key=views.LOCATION_KEY, on_select="rerun",
                                     selection_mode="points")  # fmt: skip

st.subheader("Open returns by age")
st.caption(
    "Received and not dispositioned at the time above, whatever the date received (the date "
    "filter does not apply). Age: whole days since receipt "
    "(0–2, 3–6, 7–13, 14–29, 30 or more). Click a bar to see them."
)
ages_state = st.plotly_chart(views.age_figure(view), config={"displaylogo": False},
                             key=views.AGES_KEY, on_select="rerun", selection_mode="points")  # fmt: skip

st.subheader("Black-hole returns")
holes = views.black_hole_table(view)
value, unknown = rv.total_value(rv.black_holes(view.open_table))
left, right = st.columns(2)
left.metric("Black-hole returns", f"{len(holes):,}")
right.metric(f"Their value ({currency()})", f"{value:,.2f}")
st.caption(
    f"Refunded, received {view.black_hole_days} or more days ago and never dispositioned, "
    "whatever the date received: money paid out for units nobody has put back. Value: units × "
    "the item's unit cost"
    + (f"; {unknown:,} without a unit cost are not in it." if unknown else ".")
)
if holes.empty:
    st.success("No black-hole returns.")
else:
    st.dataframe(holes, hide_index=True)
    csv_download(holes, label="Black holes CSV", file_name="black-hole-returns.csv",
                 key="dl.returns.holes")  # fmt: skip

st.subheader("Returns handoff")
st.caption(
    "Returns received and not yet complete, at the first step they wait at, with the team that "
    "owns it (as on the Planning page), whatever the date received. Channel pair: the return's "
    "channel → the receiving location's type. Click a step to see its returns."
)
funnel_state = st.plotly_chart(views.funnel_figure(view), config={"displaylogo": False},
                               key=views.FUNNEL_KEY, on_select="rerun", selection_mode="points")  # fmt: skip
with st.expander("Table of the steps, and by channel pair"):
    steps = views.steps_table(view)
    st.dataframe(steps, hide_index=True)
    csv_download(steps, label="Steps CSV", file_name="returns-handoff-steps.csv",
                 key="dl.returns.steps")  # fmt: skip
    pairs = views.pairs_table(view)
    st.caption("Returns waiting per channel pair (the return's channel → the receiving "
               "location's type) and step.")  # fmt: skip
    st.dataframe(pairs, hide_index=True)
    csv_download(pairs, label="Channel pairs CSV", file_name="returns-handoff-pairs.csv",
                 key="dl.returns.pairs")  # fmt: skip

pick = views.latest_pick(
    {
        "trend": views.pick_from(trend_state, "trend", filters),
        "location": views.pick_from(location_state, "location", filters),
        "bucket": views.pick_from(ages_state, "bucket", filters),
        "step": views.pick_from(funnel_state, "step", filters),
    }
)
if pick is None:
    st.info("Click a point, a bar or a handoff step to see the returns behind it.")
elif pick.kind == "lag":
    views.render_records(views.lag_table(*key, pick), pick.words)
elif pick.kind == "bucket":
    views.render_records(views.open_table(view, pick.name), pick.words)
else:
    views.render_records(views.waiting_table(*key, pick, filters), pick.words)

"""Planning: demand apart from noise, dead and stranded stock, safety stock, bundles, returns handoff."""

from __future__ import annotations

import streamlit as st

from core.timeutil import utcnow
from ui import data, frame
from ui import planning_views as views
from ui.auth import require

actor = require("planning")

ctx = frame.page_context()
st.title("Planning")
if frame.is_empty(data.entity_counts(ctx.url, ctx.version)):
    frame.show_empty_state()
    st.stop()
token = views.current_token(ctx.url)
as_of = token.as_of(utcnow())
st.caption(
    f"As of {as_of:%Y-%m-%d %H:%M} UTC. Read from the pre-computed aggregates when they are "
    "current, otherwise computed from the imported rows."
)
key = (ctx.url, ctx.version, token, as_of)
# Only the chosen tab is computed (each costs a few hundred ms cold at 200,000 orders); the tab is
# bound to the URL (`?planning.tab=Safety+stock`), so a shared link opens it.
demand, idle, safety, bundles, handoff = st.tabs(
    list(views.TABS), key=views.TAB_KEY, bind="query-params"
)
if demand.open:
    with demand:
        views.render_demand(views.demand_table(*key))
if idle.open:
    with idle:
        views.render_idle(*views.idle_tables(*key), days=token.dead_stock_days)
if safety.open:
    with safety:
        views.render_safety(views.safety_table(*key), days=token.safety_stock_window_days)
if bundles.open:
    with bundles:
        views.render_bundles(views.bundle_table(*key))
if handoff.open:
    with handoff:
        views.render_handoff(*key)

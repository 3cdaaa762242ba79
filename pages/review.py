"""Weekly review: open the week's review, walk its agenda team by team recording decisions, close it, export minutes."""

from __future__ import annotations

import streamlit as st

from ui import frame, gov_reads, review_views
from ui.auth import require

actor = require("review")

SLOT = "review"
frame.page_context()
st.title("Weekly review")
week = review_views.week_choice(key=f"{SLOT}.week")
st.subheader("Governance KPIs")
st.caption(f"Review completion is for {week}; aging, acknowledge and resolve times are as of now.")
review_views.kpi_tiles(week)
st.subheader(f"Review of {week}")
view = gov_reads.review(week)
review_views.review_header(actor, view, week, SLOT)
if view is not None:
    meeting, agenda, minutes = st.tabs(["Meeting", "Whole agenda", "Minutes"])
    with meeting:
        review_views.meeting(actor, view, SLOT)
    with agenda:
        st.dataframe(review_views.agenda_table(view["items"]), hide_index=True, height="content")
    with minutes:
        review_views.minutes_panel(view)

"""The Overview's founder one-pager: a week to choose and the A4 PDF to download."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from core.timeutil import utcnow
from metrics.kpi_board import latest_complete_week
from reports.founder import founder_pdf
from ui import data

WEEKS_OFFERED = 12


def ended_weeks(count: int = WEEKS_OFFERED) -> list[str]:
    """The last `count` ISO weeks that have ended, newest first."""
    now = utcnow()
    return [latest_complete_week(now - timedelta(weeks=back)) for back in range(count)]


def render_founder_download() -> None:
    """A week picker and a button that renders that week's one-pager when pressed."""
    left, right = st.columns([1, 2], vertical_alignment="bottom")
    week = left.selectbox(
        "Founder one-pager of week",
        ended_weeks(),
        key="overview.founder_week",
        help="One A4 page: every KPI against its target, the locations drifting most, "
        "exceptions by team and the largest money exposures.",
    )
    url = data.database_url()
    right.download_button(
        "Download the founder one-pager (PDF)",
        data=lambda: founder_pdf(data.engine_for(url), week),
        file_name=f"invgov-founder-{week}.pdf",
        mime="application/pdf",
        icon=":material/picture_as_pdf:",
        on_click="ignore",
    )

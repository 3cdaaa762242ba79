"""Ownership: who owns what (routing, field ownership), due dates, KPI targets, planning settings."""

from __future__ import annotations

import streamlit as st

from ui import frame, gov_reads, ownership_views, planning_settings_views
from ui.auth import require

actor = require("ownership")

SLOT = "ownership"
frame.page_context()
st.title("Ownership")
st.caption(
    "Everyone reads these tables; stewards and admins change them, and every change is audited."
)
tables = gov_reads.ownership_tables()
routing, fields, sla, kpis, planning = st.tabs(
    [
        "Exception routing",
        "Field ownership",
        "Due dates (SLA)",
        "KPI targets and owners",
        "Planning settings",
    ]
)
with routing:
    ownership_views.table_section(actor, ownership_views.TABLES[0], tables, SLOT)
with fields:
    ownership_views.table_section(actor, ownership_views.TABLES[1], tables, SLOT)
with sla:
    ownership_views.table_section(actor, ownership_views.TABLES[2], tables, SLOT)
with kpis:
    ownership_views.targets_section(actor, tables["teams"], SLOT)
with planning:
    planning_settings_views.planning_section(actor, SLOT)

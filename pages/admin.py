"""Admin: people, teams and roles, and the audit log (admins only)."""

from __future__ import annotations

import streamlit as st

from ui import admin_digest, admin_views, frame
from ui.auth import require

actor = require("admin")

frame.page_context()
st.title("Admin")
people, audit = st.tabs(["People and teams", "Audit log"])
with people:
    table = admin_views.people_table()
    st.dataframe(table, hide_index=True)
    st.subheader("Teams")
    st.caption(
        "A team is created when an owner is first given it; routing sends exceptions to teams."
    )
    st.dataframe(admin_views.teams_table(), hide_index=True)
    st.subheader("Add a user")
    admin_views.add_user_form(actor)
    st.subheader("Change a user")
    admin_views.change_user_form(actor, sorted(table["name"]) if "name" in table else [])
    st.subheader("Founder digest")
    admin_digest.founders_panel(actor, sorted(table["name"]) if "name" in table else [])
with audit:
    admin_views.audit_log_view(actor)

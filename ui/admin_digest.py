"""Admin page part: who receives the founder digest (the KPI summary with the one-pager attached)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from core.db import read_session
from governance import founders
from governance.permissions import Actor
from ui import data
from ui.admin_views import run_change


def founders_panel(actor: Actor, names: list[str]) -> None:
    """The founder-digest recipients with their email, and a form to add or remove one."""
    with read_session(data.engine_for(data.database_url())) as session:
        current = founders.founder_recipients(session)
    if current:
        st.dataframe(pd.DataFrame([{"user": f.name, "email": f.email or "none: add one",
                                    "account": f.account} for f in current]), hide_index=True)  # fmt: skip
    else:
        st.caption("Nobody receives the founder digest yet.")
    with st.form("admin.founders"):
        left, right = st.columns(2)
        name = left.selectbox("User", names, key="admin.founders.name")
        what = right.selectbox("Change", ["Add to the founder digest", "Remove from it"])
        submitted = st.form_submit_button("Apply")
    if submitted and name:
        change = (
            founders.add_founder_recipient
            if what.startswith("Add")
            else founders.remove_founder_recipient
        )
        run_change(f"{what}: {name} done.", change, actor=actor, name=name)

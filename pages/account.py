"""My account: who I am, and changing my own password."""

from __future__ import annotations

import streamlit as st

from core.db import DatabaseBusy, write_session
from governance.accounts import change_own_password
from governance.errors import GovernanceError
from ui import data, frame
from ui.auth import require, sign_out
from ui.gov_actions import BUSY
from ui.web_session import sentence

actor = require("account")

frame.page_context()
st.title("My account")
st.text(f"User: {actor.name}\nRole: {actor.role}\nTeam: {actor.team or '(none)'}")

st.subheader("Change my password")
with st.form("account.password", clear_on_submit=True):
    current = st.text_input("Current password", type="password", autocomplete="current-password")
    new = st.text_input(
        "New password (10 characters or more)", type="password", autocomplete="new-password"
    )
    again = st.text_input("New password again", type="password", autocomplete="new-password")
    submitted = st.form_submit_button("Change password", type="primary")
if submitted:
    if new != again:
        st.error("The two new passwords differ.")
    else:
        try:
            with write_session(data.engine_for(data.database_url())) as session:
                change_own_password(
                    session=session, actor=actor, current_password=current, new_password=new
                )
        except GovernanceError as refused:
            st.error(sentence(str(refused)))
        except DatabaseBusy:
            st.error(BUSY)
        else:
            st.success(
                "Password changed. Every session of yours has ended, this one too: sign in again "
                "with the new password.",
                icon=":material/lock_reset:",
            )
            st.button("Sign in again", type="primary", on_click=sign_out, key="account.again")

"""The first-run setup panel: shown to stewards and admins while the database holds no data."""

from __future__ import annotations

import streamlit as st

from core.db import read_session
from governance import first_run
from governance.permissions import Action, Actor, may_ever
from ui import data, gov_actions

SLOT = "first-run-setup"
KEYS = {first_run.ITEM_MASTER: "setup.item_master", first_run.WAREHOUSE_STOCK: "setup.stock"}


def _described(answers: list[first_run.SetupAnswer]) -> str:
    owners = ", ".join(f"{a.system} owns {a.domain.replace('_', ' ')}" for a in answers)
    return f"Saved: {owners}. Now import your files on the Sources page."


def _save(actor: Actor) -> None:
    gov_actions.act(
        SLOT,
        first_run.answer_setup,
        _described,
        noun="setting",
        actor=actor,
        item_master=st.session_state[KEYS[first_run.ITEM_MASTER]],
        warehouse_stock=st.session_state[KEYS[first_run.WAREHOUSE_STOCK]],
    )


def render_setup(actor: Actor) -> bool:
    """Ask the two setup questions when they are due and the person may answer; True if shown."""
    with read_session(data.engine_for(data.database_url())) as session:
        due = first_run.needs_setup(session)
        asked = first_run.questions(session)
    shown = due and may_ever(actor, Action.EDIT_FIELD_OWNERSHIP)
    if not shown:
        gov_actions.show_outcome(SLOT)  # the answer just stored, once
        return False
    with st.container(border=True):
        st.subheader("First-run setup")
        st.write(
            "Before the first import, say which systems own two kinds of data. You can change "
            "both later on the Ownership page (field ownership)."
        )
        for question in asked:
            options = list(dict.fromkeys((question.current, *question.suggestions)))
            chosen = st.selectbox(
                question.question,
                options,
                key=KEYS[question.domain],
                accept_new_options=True,
                help="Pick one or type the system's name (letters, digits, . _ -).",
            )
            st.caption(first_run.consequence(question.domain, chosen or question.current))
        st.button("Save the setup", type="primary", on_click=_save, args=(actor,))
        gov_actions.show_outcome(SLOT)
    return True

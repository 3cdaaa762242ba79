"""The playbook's migration checklist on the Migration page: each step, its status, what invgov knows, evidence."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from governance.checklist import Step, StepStatus

BADGES: dict[StepStatus, tuple[str, str]] = {
    StepStatus.DONE: ("done", "green"),
    StepStatus.OPEN: ("open", "red"),
    StepStatus.REVIEW: ("to review", "orange"),
    StepStatus.MANUAL: ("outside invgov", "gray"),
}


def checklist_section(steps: list[Step]) -> None:
    """One bordered block per step, in the playbook's order."""
    done = sum(step.status is StepStatus.DONE for step in steps)
    st.caption(
        f"The playbook's eight migration steps: {done} done as far as invgov can tell. Steps to "
        "review show what the data holds; steps outside invgov need a person's word."
    )
    for step in steps:
        with st.container(border=True):
            label, color = BADGES[step.status]
            title, badge = st.columns([5, 1])
            title.markdown(f"**{step.number}. {step.title}**")  # fixed words of the playbook
            with badge:
                st.badge(label, color=color)
            st.text(step.known)
            if step.facts:
                facts = pd.DataFrame(step.facts, columns=["what", "in the data"])
                st.dataframe(facts, hide_index=True, height="content")
            for evidence in step.evidence:
                st.page_link(f"pages/{evidence.page}.py", label=evidence.label,
                             icon=":material/arrow_forward:")  # fmt: skip
                if evidence.command:
                    st.code(evidence.command, language=None)

"""Migration: the parallel run of an old and a new system, cutover readiness, the freeze, the checklist."""

from __future__ import annotations

import streamlit as st

from ui import (
    checklist_views,
    frame,
    gov_actions,
    migration_forms,
    migration_reads,
    migration_views,
)
from ui.auth import require

actor = require("migration")

SLOT = "migration"
ctx = frame.page_context()
st.title("Migration")
st.caption(
    "Run the old and the new system in parallel, compare their stock every day, freeze the item "
    "master, and cut over when the comparison says so. Times in UTC."
)
gov_actions.show_outcome(SLOT)
state = migration_reads.page_state()
key = migration_reads.token(ctx)
shown = state.current
# Only the chosen tab is computed; the tab is bound to the URL (`?migration.tab=Checklist`).
run_tab, checklist_tab, freeze_tab, history_tab = st.tabs(
    list(migration_views.TABS), key=migration_views.TAB_KEY, bind="query-params"
)
needs_report = shown is not None and (run_tab.open or checklist_tab.open)
report = migration_reads.report(ctx.url, key, shown.id) if needs_report else None
if run_tab.open:
    with run_tab:
        if report is not None:
            migration_views.summary(report)
            migration_views.daily_section(report, SLOT)
            day = migration_views.choose_day(report, SLOT)
            if day is not None:
                st.subheader("By location and status")
                migration_views.breakdown_section(report, day)
                st.subheader("Differing pairs")
                pairs = migration_reads.pairs(ctx.url, key, report.migration.id, day, report.as_of)
                migration_forms.pairs_section(actor, report, day, pairs, SLOT)
                migration_views.explained_section(report)
            st.subheader("Cutover")
            migration_forms.cutover_section(actor, report, state, SLOT)
        if report is None or not migration_views.is_open(report):
            st.subheader("Open a migration")
            migration_forms.open_section(actor, state, SLOT)
if checklist_tab.open:
    with checklist_tab:
        checklist_views.checklist_section(
            migration_reads.checklist(ctx.url, key, shown.id if shown else None)
        )
if freeze_tab.open:
    with freeze_tab:
        migration_forms.freeze_section(actor, state.freeze, SLOT)
if history_tab.open:
    with history_tab:
        st.dataframe(migration_views.history_frame(state), hide_index=True)

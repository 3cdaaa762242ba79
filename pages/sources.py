"""Sources: stewards and admins import exports (preview first, then a background job); everyone sees history and freshness."""

from __future__ import annotations

import streamlit as st

from governance.permissions import Action, may_ever
from ui import frame, sources_folders, sources_undo, sources_upload, sources_views
from ui.auth import require

actor = require("sources")

ctx = frame.page_context()
st.title("Sources")
if may_ever(actor, Action.IMPORT_FILES):
    st.subheader("Import files")
    sources_upload.import_panel(actor)
    sources_views.job_panel(ctx)
    if may_ever(actor, Action.UNDO_IMPORT):
        st.subheader("Undo an import")
        sources_undo.undo_panel(actor, ctx)
else:
    st.info(
        "Stewards and admins import files here. Below: what has been imported, and how fresh "
        "each source is.",
        icon=":material/info:",
    )
st.subheader("Drop folders")
sources_folders.folders_panel(actor, may_ever(actor, Action.IMPORT_FILES))
st.subheader("Freshness per source")
sources_views.freshness_panel(ctx)
st.subheader("Import history")
sources_views.history_panel(ctx)

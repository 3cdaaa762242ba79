"""SKU approvals: request new SKUs and item edits (validated live); stewards approve, reject, confirm mappings."""

from __future__ import annotations

import streamlit as st

from ui import approval_views, frame, gov_actions
from ui.auth import require

actor = require("approvals")

SLOT = "approvals"
frame.page_context()
st.title("SKU approvals")
st.caption("Nothing goes live until a steward or admin other than the requester approves it.")
gov_actions.show_outcome(SLOT)
pending, request, imported, suggestions, decided = st.tabs(
    [
        "Pending requests",
        "New request",
        "Imported SKUs to approve",
        "Mapping suggestions",
        "Decided",
    ]
)
with pending:
    approval_views.pending_section(actor, SLOT)
with request:
    approval_views.request_section(actor, SLOT)
with imported:
    approval_views.imported_section(actor, SLOT)
with suggestions:
    approval_views.mappings_section(actor, SLOT)
with decided:
    approval_views.decided_section()

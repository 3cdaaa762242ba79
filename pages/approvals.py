"""SKU approvals: request new SKUs and item edits (validated live); stewards approve, reject, decide mappings (also in bulk, and not-tracked SKUs)."""

from __future__ import annotations

import streamlit as st

from ui import approval_views, bulk_views, frame, gov_actions, gov_reads
from ui.auth import require

actor = require("approvals")

SLOT = "approvals"
frame.page_context()
st.title("SKU approvals")
st.caption("Nothing goes live until a steward or admin other than the requester approves it.")
pending, request, imported, suggestions, decided = st.tabs(
    [
        "Pending requests",
        "New request",
        "Imported SKUs to approve",
        "Mapping suggestions",
        "Decided",
    ]
)
# Each section's actions report right under it (its own outcome slot), where the person acted.
with pending:
    approval_views.pending_section(actor, f"{SLOT}.pending")
    gov_actions.show_outcome(f"{SLOT}.pending")
with request:
    approval_views.request_section(actor, f"{SLOT}.request")
    gov_actions.show_outcome(f"{SLOT}.request")
with imported:
    approval_views.imported_section(actor, f"{SLOT}.imported")
    gov_actions.show_outcome(f"{SLOT}.imported")
with suggestions:
    approval_views.mappings_section(actor, f"{SLOT}.mappings")
    gov_actions.show_outcome(f"{SLOT}.mappings")
    bulk_views.not_tracked_panel(actor, gov_reads.stock_systems(), f"{SLOT}.not_tracked")
with decided:
    approval_views.decided_section()

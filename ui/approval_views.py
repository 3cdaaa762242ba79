"""SKU approval parts: pending requests and the steward's decision, bulk approval of imported SKUs, mappings.

Stewards and admins other than the requester decide; for their own request the governance
refusal is shown instead of the buttons. Decisions are callbacks bound to the version drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import streamlit as st

from governance import mappings, sku_requests
from governance.permissions import Action, Actor, advice, may_ever
from ui import bulk_views, gov_actions, gov_reads, sku_request_form
from ui import gov_format as fmt

DECIDED_SHOWN = 50


def _flat(fields: dict[str, Any]) -> dict[str, Any]:
    """Requested fields with their attributes alongside."""
    return {k: v for k, v in fields.items() if k != "attributes"} | dict(
        fields.get("attributes") or {}
    )


def _filled(fields: dict[str, Any]) -> dict[str, Any]:
    """The requested fields that carry a value."""
    return {k: v for k, v in _flat(fields).items() if v not in (None, "")}


def _fields_text(fields: dict[str, Any]) -> str:
    return "; ".join(f"{k}={v}" for k, v in _filled(fields).items())


def requests_frame(requests: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """SKU requests as the table people read."""
    rows = [
        {
            "id": r["id"],
            "request": fmt.words(r["kind"]),
            "sku": r["sku"],
            "fields": _fields_text(r["fields"]),
            "requested by": r["requester"],
            "requested (UTC)": fmt.when(r["requested_at"]),
            "status": r["status"],
            "decided by": r["decided_by"] or "",
            "reason": r["reason"] or "",
            "note": r["note"] or "",
        }
        for r in requests
    ]
    columns = ["id", "request", "sku", "fields", "requested by", "requested (UTC)", "status",
               "decided by", "reason", "note"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def request_section(actor: Actor, slot: str) -> None:
    """The request form for those who may request (owners, stewards, admins)."""
    if not may_ever(actor, Action.REQUEST_SKU):
        st.caption("Owners, stewards and admins request new SKUs and item edits here.")
        return
    sku_request_form.request_form(actor, slot)


def pending_section(actor: Actor, slot: str) -> None:
    """Pending requests; stewards and admins pick one and approve or reject it."""
    pending = gov_reads.sku_requests_of("pending")
    if not pending:
        st.caption("No request is waiting.")
        return
    st.dataframe(requests_frame(pending), hide_index=True)
    if not may_ever(actor, Action.APPROVE_SKU_REQUEST):
        st.caption("A steward or admin other than the requester approves or rejects each request.")
        return
    by_id = {r["id"]: r for r in pending}
    chosen = st.selectbox("Request to decide on", list(by_id), key=f"{slot}.decide",
                          format_func=lambda i: f"#{i} · {fmt.words(by_id[i]['kind'])} "
                          f"{by_id[i]['sku']} · by {by_id[i]['requester']}")  # fmt: skip
    _decision(actor, by_id[chosen], slot)


def _decision(actor: Actor, request: dict[str, Any], slot: str) -> None:
    with st.container(border=True):
        st.dataframe(fmt.pairs_table(_filled(request["fields"]), "field", "requested value"),
                     hide_index=True)  # fmt: skip
        if request["issues"]:
            st.caption("Noted when it was requested:")
            st.dataframe(sku_request_form.issues_table(request["issues"]), hide_index=True)
        if request["note"]:
            st.text(f"Note from {request['requester']}: {request['note']}")
        why = advice(actor, Action.APPROVE_SKU_REQUEST, requester=request["requester"])
        if why is not None:
            st.info(why, icon=":material/person_off:")
            return
        base = f"{slot}.req{request['id']}.v{request['version']}"
        st.button("Approve", type="primary", key=f"{base}.approve", on_click=_approve,
                  args=(slot, actor, request["id"], request["version"]))  # fmt: skip
        with st.form(f"{base}.reject", border=False):
            st.text_input("Reason for rejecting (the requester reads it)", key=f"{base}.reason")
            st.form_submit_button("Reject", on_click=_reject,
                                  args=(slot, actor, request["id"], request["version"], base))  # fmt: skip


def _approve(slot: str, actor: Actor, request_id: int, seen: int) -> None:
    gov_actions.act(slot, sku_requests.approve,
                    lambda made: f"Request {made['id']} approved: {made['sku']} is live.",
                    "request", actor=actor, request_id=request_id, seen_version=seen)  # fmt: skip


def _reject(slot: str, actor: Actor, request_id: int, seen: int, base: str) -> None:
    gov_actions.act(slot, sku_requests.reject, f"Request {request_id} rejected.", "request",
                    actor=actor, request_id=request_id, seen_version=seen,
                    reason=st.session_state.get(f"{base}.reason") or "")  # fmt: skip


def decided_section() -> None:
    """The latest decided requests."""
    decided = [r for r in gov_reads.sku_requests_of() if r["status"] != "pending"]
    if not decided:
        st.caption("No request decided yet.")
        return
    st.dataframe(requests_frame(decided[:DECIDED_SHOWN]), hide_index=True)


def imported_section(actor: Actor, slot: str) -> None:
    """Imported active SKUs without approval; stewards and admins approve the selected or all."""
    items = gov_reads.unapproved_active_skus()
    if not items:
        st.caption("Every active SKU is approved.")
        return
    frame = pd.DataFrame(items).rename(columns={"created_at": "created"})
    key = f"{slot}.imported"
    may = may_ever(actor, Action.APPROVE_SKU_REQUEST)
    st.dataframe(frame, hide_index=True, key=key, on_select="rerun" if may else "ignore",
                 selection_mode="multi-row")  # fmt: skip
    if not may:
        return
    skus = tuple(item["sku"] for item in items)
    left, right = st.columns(2, width=560)
    left.button("Approve selected", key=f"{key}.selected", on_click=_approve_imported,
                args=(slot, actor, skus, key))  # fmt: skip
    right.button(f"Approve all {len(skus)}", key=f"{key}.all", on_click=_approve_imported,
                 args=(slot, actor, skus, None))  # fmt: skip


def _approve_imported(
    slot: str, actor: Actor, skus: tuple[str, ...], table_key: str | None
) -> None:
    """Callback: approve the selected SKUs as drawn (or all of them)."""
    chosen = list(skus)
    if table_key is not None:
        state = st.session_state.get(table_key)
        rows = list(state["selection"]["rows"]) if state else []
        chosen = [skus[p] for p in rows if 0 <= p < len(skus)]
        if not chosen:
            gov_actions.refuse(slot, "Select the SKUs to approve first (tick rows in the table).")
            return
    gov_actions.act(slot, sku_requests.bulk_approve_imported,
                    lambda done: f"Approved {len(done)} imported SKU(s).", "SKU",
                    actor=actor, skus=chosen)  # fmt: skip


def suggestions_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Mapping suggestions as the table people read."""
    records = [
        {"system": r["system"], "system SKU": r["system_sku"], "suggested SKU": r["suggested_sku"] or "",
         "method": r["method"] or "", "score": r["score"], "evidence": r["evidence"] or ""}
        for r in rows
    ]  # fmt: skip
    columns = ["system", "system SKU", "suggested SKU", "method", "score", "evidence"]
    return pd.DataFrame(records, columns=columns)


def mappings_section(actor: Actor, slot: str) -> None:
    """Open mapping suggestions; stewards and admins confirm (maybe to another SKU) or reject."""
    rows = gov_reads.suggestions("open")
    if not rows:
        st.caption("No open mapping suggestion.")
        return
    st.dataframe(suggestions_frame(rows), hide_index=True)
    if not may_ever(actor, Action.CONFIRM_MAPPING):
        return
    bulk_views.mapping_bulk_panel(actor, rows, f"{slot}.bulk")
    st.subheader("Decide one")
    by_key = {f"{r['system']}|{r['system_sku']}": r for r in rows}
    chosen = by_key[st.selectbox("Suggestion to decide on", list(by_key), key=f"{slot}.mapping",
                                 format_func=lambda k: k.replace("|", " · "))]  # fmt: skip
    base = f"{slot}.map.{chosen['system']}.{chosen['system_sku']}.v{chosen['version']}"
    with st.form(f"{base}.form", border=True):
        st.text_input("Map to SKU", value=chosen["suggested_sku"] or "", key=f"{base}.sku")
        st.text_input("Reason, when rejecting", key=f"{base}.reason")
        left, right = st.columns(2, width=420)
        with left:
            st.form_submit_button("Confirm mapping", type="primary", on_click=_map,
                                  args=(slot, actor, chosen, base, True))  # fmt: skip
        with right:
            st.form_submit_button("Reject suggestion", on_click=_map,
                                  args=(slot, actor, chosen, base, False))  # fmt: skip


def _map(slot: str, actor: Actor, row: dict[str, Any], base: str, confirm: bool) -> None:
    """Callback: confirm or reject a suggestion from the version drawn."""
    get = st.session_state.get
    common = {"actor": actor, "system": row["system"], "system_sku": row["system_sku"],
              "seen_version": row["version"]}  # fmt: skip
    if confirm:
        gov_actions.act(slot, mappings.confirm_mapping,
                        lambda made: f"{made['system']} {made['system_sku']} now maps to {made['sku']}.",
                        "suggestion", sku=(get(f"{base}.sku") or "").strip() or None, **common)  # fmt: skip
    else:
        gov_actions.act(slot, mappings.reject_mapping, "Suggestion rejected.", "suggestion",
                        reason=get(f"{base}.reason") or "", **common)  # fmt: skip

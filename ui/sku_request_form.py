"""The SKU request form: a new SKU or an item-master edit, validated live as the person types.

The widgets sit outside a form so each change reruns and re-validates (`check_request`); the
request is submitted only when nothing blocks it, and the governance function validates again.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from governance import sku_requests
from governance.permissions import Actor
from governance.sku_requests import RequestKind
from governance.sku_validation import ABC, LIFECYCLE
from ui import gov_actions, gov_reads
from ui import gov_format as fmt

KIND_LABELS = {RequestKind.NEW_SKU: "A new SKU", RequestKind.ITEM_EDIT: "An edit of an item"}
TEXT_FIELDS = ("name", "category", "brand", "barcode", "unit_cost", "parent_sku")
CHOICE_FIELDS = {"abc_class": ("", *ABC), "lifecycle_status": ("", *LIFECYCLE)}
KEEP = ""
LABELS = {"abc_class": "ABC class", "lifecycle_status": "Lifecycle status", "unit_cost": "Unit cost",
          "parent_sku": "Parent SKU"}  # fmt: skip


def label(name: str) -> str:
    """The label of an item field."""
    return LABELS.get(name, fmt.words(name).capitalize())


def _key(slot: str, name: str) -> str:
    return f"{slot}.req.{name}"


def parse_attributes(text: str) -> tuple[dict[str, str], list[str]]:
    """`name=value` lines as a dict, and the lines that are not of that form."""
    values: dict[str, str] = {}
    bad: list[str] = []
    for line in (raw.strip() for raw in (text or "").splitlines()):
        name, sep, value = line.partition("=")
        if not line:
            continue
        if not sep or not name.strip():
            bad.append(line)
            continue
        values[name.strip().lower()] = value.strip()
    return values, bad


def typed_fields(slot: str, kind: str) -> dict[str, Any]:
    """The fields as typed: a new SKU sends every field; an edit only those filled in."""
    get = st.session_state.get
    fields: dict[str, Any] = {name: get(_key(slot, name)) or "" for name in TEXT_FIELDS}
    fields |= {name: get(_key(slot, name)) or "" for name in CHOICE_FIELDS}
    attributes, _ = parse_attributes(get(_key(slot, "attributes")) or "")
    if kind == RequestKind.NEW_SKU:
        if not fields["lifecycle_status"]:
            fields["lifecycle_status"] = "active"
        return {**fields, **attributes}
    return {**{k: v for k, v in fields.items() if str(v).strip()}, **attributes}


def issues_table(issues: list[dict[str, Any]]) -> pd.DataFrame:
    """Validation issues as text: field, problem, whether it blocks."""
    rows = [
        {"field": i["field"], "problem": i["message"], "blocks": "yes" if i["blocking"] else "no"}
        for i in issues
    ]
    return pd.DataFrame(rows, columns=["field", "problem", "blocks"])


def request_form(actor: Actor, slot: str) -> None:
    """The request form with live validation and a submit button enabled when nothing blocks."""
    kind = st.radio("Request", list(KIND_LABELS), format_func=KIND_LABELS.get, horizontal=True,
                    key=_key(slot, "kind"))  # fmt: skip
    sku = st.text_input("SKU", key=_key(slot, "sku"), max_chars=128).strip()
    if kind == RequestKind.ITEM_EDIT:
        _current_item(sku)
    cols = st.columns(3)
    for position, name in enumerate(TEXT_FIELDS):
        cols[position % 3].text_input(label(name), key=_key(slot, name))
    for column, (name, choices) in zip(st.columns(3)[:2], CHOICE_FIELDS.items(), strict=True):
        blank = "keep" if kind == RequestKind.ITEM_EDIT else "none"
        column.selectbox(label(name), choices, key=_key(slot, name),
                         format_func=lambda c, blank=blank: c or f"({blank})")  # fmt: skip
    attributes = st.text_area("Other attributes, one name=value a line (e.g. size=M)",
                              key=_key(slot, "attributes"), height=80)  # fmt: skip
    st.text_input("Note for the steward", key=_key(slot, "note"), max_chars=500)
    _, bad = parse_attributes(attributes)
    if bad:
        st.warning(f"Ignored {len(bad)} attribute line(s) without name=value.")
    blocking = _validation(kind, sku, typed_fields(slot, kind)) if sku else True
    st.button("Submit request", type="primary", disabled=bool(blocking), key=_key(slot, "submit"),
              on_click=_submit, args=(slot, actor))  # fmt: skip


def _current_item(sku: str) -> None:
    current = gov_reads.item_values(sku) if sku else None
    if current is None:
        st.caption("Name an existing SKU; leave a field empty to keep its current value.")
        return
    shown = {k: v for k, v in current.items() if k != "attributes"} | (current["attributes"] or {})
    st.caption("Current values (leave a field empty to keep it):")
    st.dataframe(
        fmt.pairs_table(shown, "field", "current value"), hide_index=True, height="content"
    )


def _validation(kind: str, sku: str, fields: dict[str, Any]) -> bool:
    """Show every issue of the request as typed; returns whether any blocks it."""
    issues = gov_reads.check_request(kind, sku, fields)
    if not issues:
        st.success("No problem found: ready to submit.", icon=":material/check_circle:")
        return False
    st.caption("Checked as you type:")
    problem = st.column_config.TextColumn("problem", width="large")
    st.dataframe(issues_table(issues), hide_index=True, height="content",
                 column_config={"problem": problem})  # fmt: skip
    return any(issue["blocking"] for issue in issues)


def _submit(slot: str, actor: Actor) -> None:
    """Callback: submit the request as typed; clears the form when it is stored."""
    get = st.session_state.get
    kind = get(_key(slot, "kind")) or RequestKind.NEW_SKU
    sku, note = (get(_key(slot, "sku")) or "").strip(), get(_key(slot, "note"))
    fields = typed_fields(slot, kind)
    if kind == RequestKind.NEW_SKU:
        change, extra = sku_requests.request_sku, {"fields": fields}
    else:
        change, extra = sku_requests.request_item_edit, {"changes": fields}
    outcome = gov_actions.act(
        slot,
        change,
        lambda made: (
            f"Request {made['id']} ({fmt.words(made['kind'])} {made['sku']}) waits for "
            "a steward's approval."
        ),
        "request",
        actor=actor,
        sku=sku,
        note=note,
        **extra,
    )
    if outcome.kind is gov_actions.Kind.DONE:
        for name in ("sku", "note", "attributes", *TEXT_FIELDS):
            st.session_state[_key(slot, name)] = ""
        for name in CHOICE_FIELDS:
            st.session_state[_key(slot, name)] = KEEP

"""One exception: its facts, the records behind it, history, comments, and what this person may do to it.

Every action is a callback bound to the version shown, so a change made by someone else in
between is refused as a conflict (shown by `gov_actions.show_outcome`) and nothing is overwritten.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from governance import lifecycle
from governance.errors import NotFound
from governance.lifecycle import VERBS, Verb
from governance.permissions import Action, Actor, allowed, refusal
from governance.rules import BY_TYPE
from ui import exception_drill, gov_actions, gov_reads
from ui import gov_format as fmt

NOUN = "exception"


def _keys(prefix: str, exception_id: int) -> dict[str, str]:
    base = f"{prefix}.x{exception_id}"
    return {name: f"{base}.{name}" for name in ("reason", "note", "comment")}


def detail_panel(actor: Actor, exception_id: int, *, prefix: str, slot: str) -> None:
    """Everything about one exception and, for those who may act on it, its actions."""
    try:
        view = gov_reads.exception_detail(exception_id)
    except NotFound:
        st.info(f"Exception {exception_id} no longer exists.")
        return
    st.subheader(f"Exception {view['id']}")
    rule = BY_TYPE.get(view["type"])
    st.text(_summary(view))
    if rule is not None:
        st.caption(f"{fmt.words(view['type'])}: {rule.found_when}.")
    facts, records, history, comments = st.tabs(
        ["Facts", "Records behind it", "History", "Comments"]
    )
    facts.dataframe(fmt.pairs_table(view["facts"] or {}), hide_index=True, height="content")
    with records:
        _records(view, prefix)
    history.dataframe(fmt.history_table(view["history"]), hide_index=True)
    if view["comments"]:
        comments.dataframe(fmt.comments_table(view["comments"]), hide_index=True)
    else:
        comments.caption("No comments yet.")
    _actions(actor, view, prefix, slot)


def _summary(view: dict[str, Any]) -> str:
    lines = [
        f"{fmt.words(view['type'])}: {view['entity']}",
        f"Status {fmt.words(view['status'])} · severity {view['severity']} · team {view['team']} "
        f"· assigned to {view['assignee'] or 'nobody'}",
        f"Due {fmt.when(view['due_at'])} UTC · first seen {fmt.when(view['first_seen_at'])} "
        f"· last seen {fmt.when(view['last_seen_at'])} · reopened {view['reopen_count']} time(s) "
        f"· version {view['version']}",
    ]
    if view["resolved_at"]:
        by = "the data (cleared)" if view["cleared_by_data"] else view["resolved_by"]
        lines.append(
            f"Closed {fmt.when(view['resolved_at'])} UTC by {by}: "
            f"{fmt.words(view['resolution_reason'])}. {view['resolution_note'] or ''}".rstrip()
        )
    return "\n".join(lines)


def _records(view: dict[str, Any], prefix: str) -> None:
    if view["type"] not in exception_drill.DRILLS:
        st.caption("The facts are the record of this exception.")
        st.dataframe(fmt.pairs_table(view["facts"] or {}), hide_index=True, height="content")
        return
    key = f"{prefix}.x{view['id']}.records"
    if not st.toggle("Show the records behind it, as the data stands now", key=key):
        return
    found = exception_drill.records(gov_reads.engine(), view["type"], view["facts"] or {})
    if found is None or found.empty:
        st.caption("No record is behind it any more: the next detection clears it.")
        return
    st.caption(f"{len(found):,} record(s).")
    st.dataframe(found, hide_index=True)


def _actions(actor: Actor, view: dict[str, Any], prefix: str, slot: str) -> None:
    team = view["team"]
    verbs = [
        verb
        for verb in lifecycle.allowed_verbs(view["status"])
        if allowed(actor, VERBS[verb].action, team=team)
    ]
    may_comment = allowed(actor, Action.COMMENT_EXCEPTION, team=team)
    if not verbs and not may_comment:
        why = refusal(actor, Action.RESOLVE_EXCEPTION, team=team)
        st.caption(f"No action: {why}." if why else "No action is possible in this status.")
        return
    st.markdown("**Act on it**")
    seen = view["version"]
    keys = _keys(prefix, view["id"])
    steps = [verb for verb in verbs if verb in (Verb.ACKNOWLEDGE, Verb.START)]
    if steps:
        for column, verb in zip(st.columns(len(steps), width=360), steps, strict=True):
            column.button(fmt.VERB_LABELS[verb], key=f"{prefix}.x{view['id']}.{verb}",
                          on_click=_transition, args=(slot, actor, view["id"], seen, verb, keys))  # fmt: skip
    closing = [verb for verb in verbs if verb in (Verb.RESOLVE, Verb.WONT_FIX)]
    if closing:
        _close_form(actor, view, closing, slot, keys)
    if may_comment:
        _comment_form(actor, view, slot, keys)


def _close_form(
    actor: Actor, view: dict[str, Any], verbs: list[Verb], slot: str, keys: dict[str, str]
) -> None:
    with st.form(f"{keys['note']}.form", border=True):
        st.caption(
            "Close it: resolved means fixed (the data is the judge); won't fix stays closed."
        )
        st.selectbox("Reason", list(fmt.REASON_LABELS), format_func=fmt.REASON_LABELS.get,
                     index=None, placeholder="Choose a reason", key=keys["reason"])  # fmt: skip
        st.text_area("Note (required): what was done, or why it stays", key=keys["note"])
        seen = view["version"]
        for column, verb in zip(st.columns(len(verbs), width=360), verbs, strict=True):
            with column:
                st.form_submit_button(
                    fmt.VERB_LABELS[verb],
                    type="primary" if verb is Verb.RESOLVE else "secondary",
                    on_click=_transition,
                    args=(slot, actor, view["id"], seen, verb, keys),
                )


def _comment_form(actor: Actor, view: dict[str, Any], slot: str, keys: dict[str, str]) -> None:
    with st.form(f"{keys['comment']}.form", border=True):
        st.text_area("Comment", key=keys["comment"])
        st.form_submit_button(
            "Add comment", on_click=_comment, args=(slot, actor, view["id"], keys)
        )


def _transition(
    slot: str, actor: Actor, exception_id: int, seen: int, verb: Verb, keys: dict[str, str]
) -> None:
    """Callback: move the exception by a verb from the version the person saw."""
    closing = VERBS[verb].needs_reason
    outcome = gov_actions.act(
        slot,
        lifecycle.transition,
        lambda state: f"Exception {state['id']} is now {fmt.words(state['status'])}.",
        NOUN,
        actor=actor,
        exception_id=exception_id,
        verb=verb,
        seen_version=seen,
        reason=st.session_state.get(keys["reason"]) if closing else None,
        note=st.session_state.get(keys["note"]) if closing else None,
    )
    if outcome.kind is gov_actions.Kind.DONE and closing:
        st.session_state[keys["note"]] = ""
        st.session_state[keys["reason"]] = None


def _comment(slot: str, actor: Actor, exception_id: int, keys: dict[str, str]) -> None:
    """Callback: add the typed comment."""
    outcome = gov_actions.act(
        slot,
        lifecycle.comment,
        f"Comment added to exception {exception_id}.",
        NOUN,
        actor=actor,
        exception_id=exception_id,
        body=st.session_state.get(keys["comment"]) or "",
    )
    if outcome.kind is gov_actions.Kind.DONE:
        st.session_state[keys["comment"]] = ""

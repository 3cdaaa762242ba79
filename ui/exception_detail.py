"""One exception: its facts, the records behind it, history, comments, and what this person may do to it.

Every action is a callback bound to the version shown, so a change made by someone else in
between is refused as a conflict and nothing is overwritten. The outcome of an action appears
right under the control that was used, and the panel stays on the exception acted on (even when
it leaves the list, e.g. once resolved) so the person sees its new state.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from governance import labels, lifecycle
from governance.errors import NotFound
from governance.lifecycle import VERBS, Verb
from governance.permissions import Action, Actor, advice, allowed
from governance.rules import BY_TYPE
from ui import exception_drill, gov_actions, gov_reads
from ui import gov_format as fmt

NOUN = "exception"
ACTIVE = ("open", "acknowledged", "in_progress")
FOCUS = "{prefix}.focus"  # the exception a person acted on last, kept in view


def focus_key(prefix: str) -> str:
    """The session key holding the id of the exception acted on last in this list."""
    return FOCUS.format(prefix=prefix)


def _keys(prefix: str, exception_id: int) -> dict[str, str]:
    base = f"{prefix}.x{exception_id}"
    names = ("reason", "note", "comment", "steps", "close", "talk")
    return {name: f"{base}.{name}" for name in names}


def detail_panel(actor: Actor, exception_id: int, *, prefix: str) -> None:
    """Everything about one exception and, for those who may act on it, its actions."""
    try:
        view = gov_reads.exception_detail(exception_id)
    except NotFound:
        st.info(f"Exception {exception_id} no longer exists.")
        return
    st.subheader(f"Exception {view['id']}")
    st.text(_summary(view))
    st.caption(f"{labels.type_label(view['type'])}: {labels.type_meaning(view['type'])}.")
    _verification_note(view)
    facts, records, history, comments = st.tabs(
        ["Facts", "Records behind it", "History", "Comments"]
    )
    facts.dataframe(_facts(view), hide_index=True, height="content")
    with records:
        _records(view, prefix)
    with history:
        if view["resolutions"]:
            st.caption("Closings by people, with their reason and note:")
            st.dataframe(fmt.resolutions_table(view["resolutions"]), hide_index=True)
        st.dataframe(fmt.history_table(view["history"]), hide_index=True)
    if view["comments"]:
        comments.dataframe(fmt.comments_table(view["comments"]), hide_index=True)
    else:
        comments.caption("No comments yet.")
    _actions(actor, view, prefix)


def _facts(view: dict[str, Any]) -> Any:
    return fmt.pairs_table(view["facts"] or {}, exception_type=view["type"])


def _summary(view: dict[str, Any]) -> str:
    lines = [
        f"{labels.type_label(view['type'])}: {view['entity']}",
        f"Status: {view['state']} · severity {labels.severity_label(view['severity']).lower()} "
        f"· team {view['team']} · assigned to {view['assignee'] or 'nobody'}",
        f"Due {fmt.when(view['due_at'])} UTC · first seen {fmt.when(view['first_seen_at'])} "
        f"· last seen {fmt.when(view['last_seen_at'])} · reopened {view['reopen_count']} time(s) "
        f"· version {view['version']}",
    ]
    if view["resolved_at"]:
        by = "the data (cleared)" if view["cleared_by_data"] else view["resolved_by"]
        lines.append(
            f"Closed {fmt.when(view['resolved_at'])} UTC by {by}: "
            f"{labels.reason_label(view['resolution_reason'])}. {view['resolution_note'] or ''}"
        )
    return "\n".join(line.rstrip() for line in lines)


def _verification_note(view: dict[str, Any]) -> None:
    """What the data says about the last resolution: awaiting, verified, or reopened by a file.

    Fixed words go in the coloured box; the person's note and file names (data) as plain text.
    """
    closings = view["resolutions"]
    last = closings[-1] if closings else None
    rule = BY_TYPE.get(view["type"])
    if view["verification"] == "awaiting" and rule is not None:
        entities = ", ".join(labels.words(e).lower() for e in rule.reads)
        st.info(
            "Resolved, awaiting verification: the next import of "
            f"{entities} will confirm it, or reopen it if the problem is still there.",
            icon=":material/hourglass_top:",
        )
    elif view["verification"] == "verified" and last is not None:
        st.success(
            "Resolved and verified: newer data no longer shows it.", icon=":material/verified:"
        )
        if last["evidence_file"]:
            st.text(f"Verified by {last['evidence_file']} (import {last['evidence_import_id']}).")
    elif view["status"] in ACTIVE and last is not None and last["outcome"] == "reopened":
        st.warning(
            "Reopened: newer data still shows the problem after it was resolved.",
            icon=":material/replay:",
        )
        shown = f"\n{last['evidence_file']} still showed it." if last["evidence_file"] else ""
        st.text(
            f"Resolved by {last['resolved_by']} on {fmt.when(last['resolved_at'])} UTC "
            f"({last['reason_label']}): \u201c{last['note']}\u201d{shown}"
        )


def _records(view: dict[str, Any], prefix: str) -> None:
    if view["type"] not in exception_drill.DRILLS:
        st.caption("The facts are the record of this exception.")
        st.dataframe(_facts(view), hide_index=True, height="content")
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


def _actions(actor: Actor, view: dict[str, Any], prefix: str) -> None:
    team = view["team"]
    verbs = [
        verb
        for verb in lifecycle.allowed_verbs(view["status"])
        if allowed(actor, VERBS[verb].action, team=team)
    ]
    may_comment = allowed(actor, Action.COMMENT_EXCEPTION, team=team)
    keys = _keys(prefix, view["id"])
    if not verbs and not may_comment:
        why = advice(actor, Action.RESOLVE_EXCEPTION, team=team)
        st.caption(why or "Nothing to do in this status: detection reopens it if needed.")
        return
    st.markdown("**Act on it**")
    seen = view["version"]
    steps = [verb for verb in verbs if verb in (Verb.ACKNOWLEDGE, Verb.START)]
    if steps:
        for column, verb in zip(st.columns(len(steps), width=360), steps, strict=True):
            column.button(fmt.VERB_LABELS[verb], key=f"{prefix}.x{view['id']}.{verb}",
                          on_click=_transition,
                          args=(keys["steps"], prefix, actor, view["id"], seen, verb, keys))  # fmt: skip
        gov_actions.show_outcome(keys["steps"])
    closing = [verb for verb in verbs if verb in (Verb.RESOLVE, Verb.WONT_FIX)]
    if closing:
        _close_form(actor, view, closing, prefix, keys)
    elif not steps:
        st.caption("It is closed: detection reopens it if the data shows the problem again.")
    gov_actions.show_outcome(keys["close"])
    if may_comment:
        _comment_form(actor, view, prefix, keys)


def _close_form(
    actor: Actor, view: dict[str, Any], verbs: list[Verb], prefix: str, keys: dict[str, str]
) -> None:
    with st.form(f"{keys['note']}.form", border=True):
        st.caption(
            "Close it: resolved means fixed, and the next import of its data confirms it; "
            "won't fix stays closed."
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
                    args=(keys["close"], prefix, actor, view["id"], seen, verb, keys),
                )


def _comment_form(actor: Actor, view: dict[str, Any], prefix: str, keys: dict[str, str]) -> None:
    with st.form(f"{keys['comment']}.form", border=True):
        st.text_area("Comment", key=keys["comment"])
        st.form_submit_button(
            "Add comment", on_click=_comment, args=(keys["talk"], prefix, actor, view["id"], keys)
        )
    gov_actions.show_outcome(keys["talk"])


def _done(state: dict[str, Any]) -> str:
    """What an action did, in words (a resolution says what will verify it)."""
    text = labels.status_label(state["status"], state.get("verification")).lower()
    return f"Exception {state['id']} is now {text}."


def _transition(
    slot: str,
    prefix: str,
    actor: Actor,
    exception_id: int,
    seen: int,
    verb: Verb,
    keys: dict[str, str],
) -> None:
    """Callback: move the exception by a verb from the version the person saw."""
    closing = VERBS[verb].needs_reason
    st.session_state[focus_key(prefix)] = exception_id  # keep the panel on it afterwards
    reason = st.session_state.get(keys["reason"]) if closing else None
    note = st.session_state.get(keys["note"]) if closing else None
    problems = lifecycle.closing_problems(reason, note) if closing else []
    if problems:
        gov_actions.refuse(slot, " ".join(problems), NOUN)
        return
    outcome = gov_actions.act(slot, lifecycle.transition, _done, NOUN, actor=actor,
                              exception_id=exception_id, verb=verb, seen_version=seen,
                              reason=reason, note=note)  # fmt: skip
    if outcome.kind is gov_actions.Kind.DONE and closing:
        st.session_state[keys["note"]] = ""
        st.session_state[keys["reason"]] = None


def _comment(slot: str, prefix: str, actor: Actor, exception_id: int, keys: dict[str, str]) -> None:
    """Callback: add the typed comment."""
    st.session_state[focus_key(prefix)] = exception_id
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

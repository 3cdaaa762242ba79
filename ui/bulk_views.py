"""Floods become one decision: act on a whole exception line, decide mapping suggestions in bulk, not-tracked SKUs.

Only stewards and admins see these controls (the governance functions check again). Each action
is bound to what was drawn (ids and versions); the outcome says how many it changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from governance import bulk_exceptions, bulk_mappings, lifecycle, not_tracked
from governance.bulk_exceptions import BulkVerb
from governance.permissions import Action, Actor, may_ever
from ui import gov_actions, gov_reads
from ui import gov_format as fmt

VERB_LABELS = {
    BulkVerb.ACKNOWLEDGE: "Acknowledge",
    BulkVerb.ASSIGN: "Assign",
    BulkVerb.RESOLVE: "Resolve",
    BulkVerb.WONT_FIX: "Won't fix",
}
KEEP, NOBODY, ALL_SYSTEMS = "(keep as is)", "(nobody)", "All systems"
GLOB_WORDS = (
    "A SKU pattern is a glob, not a regular expression: `*` any characters, `?` one character, "
    "`[AB]` one of them; case-sensitive; empty means every SKU. Example: `AMZ-*`."
)


def line_actions(
    actor: Actor, rows: Sequence[dict[str, Any]], *, key: str, slot: str | None = None
) -> None:
    """One form acting on every exception listed (a queue or agenda line), for stewards and admins.

    `slot`: where the outcome is kept (default per line); a page whose line may vanish after the
    action (every exception closed) shows that slot itself."""
    slot = slot or f"{key}.bulk"
    if not rows or not may_ever(actor, Action.BULK_EXCEPTIONS):
        gov_actions.show_outcome(slot)
        return
    seen = {int(r["id"]): int(r["version"]) for r in rows}
    box = st.expander(f"Act on all {len(rows):,} exception(s) of this line", icon=":material/bolt:")
    with box, st.form(f"{key}.bulk", border=False):
        st.selectbox("Action", list(VERB_LABELS), format_func=VERB_LABELS.get, key=f"{key}.verb")
        left, right = st.columns(2)
        left.selectbox("Reason (resolve, won't fix)", list(fmt.REASON_LABELS),
                       format_func=fmt.REASON_LABELS.get, index=None,
                       placeholder="Choose a reason", key=f"{key}.reason")  # fmt: skip
        right.text_input("Note (resolve, won't fix)", key=f"{key}.note")
        people = [p["name"] for p in gov_reads.assignable_people()]
        left.selectbox("Assign to person", [KEEP, NOBODY, *people], key=f"{key}.person")
        right.selectbox("Assign to team", [KEEP, *gov_reads.teams()], key=f"{key}.team")
        st.form_submit_button(f"Apply to all {len(rows):,}", type="primary",
                              on_click=_act_on_line, args=(slot, actor, seen, key))  # fmt: skip
    gov_actions.show_outcome(slot)


def _act_on_line(slot: str, actor: Actor, seen: dict[int, int], key: str) -> None:
    """Callback: apply the chosen action to the line's exceptions, each from the version drawn."""
    get = st.session_state.get
    verb = BulkVerb(get(f"{key}.verb") or BulkVerb.ACKNOWLEDGE)
    person, team = get(f"{key}.person", KEEP), get(f"{key}.team", KEEP)
    reason, note = get(f"{key}.reason"), get(f"{key}.note") or ""
    closing = verb in (BulkVerb.RESOLVE, BulkVerb.WONT_FIX)
    problems = lifecycle.closing_problems(reason, note) if closing else []
    if verb is BulkVerb.ASSIGN and person == KEEP and team == KEEP:
        problems.append("Choose a person or a team to assign them to.")
    if problems:
        gov_actions.refuse(slot, " ".join(problems), "exception")
        return
    gov_actions.act(
        slot,
        bulk_exceptions.act_on_exceptions,
        lambda done: done.summary(),
        "exception",
        actor=actor,
        verb=verb,
        seen=seen,
        reason=reason if closing else None,
        note=note if closing else None,
        assignee=None if person == KEEP else ("-" if person == NOBODY else person),
        team=None if team == KEEP else team,
    )


def _systems(rows: Sequence[dict[str, Any]]) -> list[str]:
    return sorted({r["system"] for r in rows})


def mapping_bulk_panel(actor: Actor, rows: Sequence[dict[str, Any]], slot: str) -> None:
    """Confirm every exact suggestion, reject by system or SKU glob (stewards and admins)."""
    if not may_ever(actor, Action.CONFIRM_MAPPING):
        return
    st.subheader("Decide many at once")
    _confirm_exact(actor, rows, f"{slot}.exact")
    _reject_matching(actor, rows, f"{slot}.reject")


def _confirm_exact(actor: Actor, rows: Sequence[dict[str, Any]], key: str) -> None:
    with st.container(border=True):
        st.markdown("**Confirm exact matches** (score 1.0: one item has the same SKU or barcode)")
        system = st.selectbox("System", [ALL_SYSTEMS, *_systems(rows)], key=f"{key}.system")
        chosen = None if system == ALL_SYSTEMS else system
        exact = gov_reads.bulk_candidates(system=chosen, exact=True)
        seen = {c.key: c.version for c in exact}
        st.button(f"Confirm all {len(exact):,} with score 1.0", key=f"{key}.go",
                  disabled=not exact, on_click=_confirm, args=(key, actor, chosen, seen))  # fmt: skip
        gov_actions.show_outcome(key)


def _confirm(slot: str, actor: Actor, system: str | None, seen: dict[Any, int]) -> None:
    """Callback: confirm the exact suggestions drawn (a changed one stops them all)."""
    gov_actions.act(slot, bulk_mappings.confirm_exact, lambda done: done.summary(), "suggestion",
                    actor=actor, system=system, seen=seen)  # fmt: skip


def _reject_matching(actor: Actor, rows: Sequence[dict[str, Any]], key: str) -> None:
    systems = _systems(rows)
    if not systems:
        return
    with st.container(border=True):
        st.markdown("**Reject by system or SKU pattern**")
        st.caption(GLOB_WORDS)
        left, right = st.columns(2)
        system = left.selectbox("System", systems, key=f"{key}.system")
        pattern = right.text_input("SKU pattern (glob)", key=f"{key}.pattern", placeholder="*")
        st.text_input("Reason", key=f"{key}.reason")
        matching = gov_reads.bulk_candidates(system=system, pattern=pattern)
        seen = {c.key: c.version for c in matching}
        st.button(f"Reject {len(matching):,} open suggestion(s)", key=f"{key}.go",
                  disabled=not matching, on_click=_reject,
                  args=(key, actor, system, pattern, seen))  # fmt: skip
        gov_actions.show_outcome(key)


def _reject(slot: str, actor: Actor, system: str, pattern: str, seen: dict[Any, int]) -> None:
    """Callback: reject the suggestions drawn for this system and pattern, with the reason."""
    get = st.session_state.get
    if (get(f"{slot}.pattern") or "") != (pattern or "") or get(f"{slot}.system") != system:
        gov_actions.refuse(
            slot, "The system or pattern changed: check the count, then press again."
        )
        return
    reason = (get(f"{slot}.reason") or "").strip()
    if not reason:
        gov_actions.refuse(slot, "Write the reason for rejecting them.", "suggestion")
        return
    gov_actions.act(slot, bulk_mappings.reject_matching, lambda done: done.summary(),
                    "suggestion", actor=actor, system=system, pattern=pattern, reason=reason,
                    seen=seen)  # fmt: skip


def not_tracked_panel(actor: Actor, systems: Sequence[str], slot: str) -> None:
    """The standing not-tracked settings, lifting one, and marking a system's SKUs not tracked."""
    st.subheader("Not tracked")
    st.caption(
        "SKUs of a system marked not tracked raise no unmapped-SKU exception (their open ones "
        "clear at the next detection) until a steward lifts it. The unmapped-SKU metric still "
        "counts them."
    )
    standing = gov_reads.not_tracked_settings()
    may = may_ever(actor, Action.MARK_NOT_TRACKED)
    for setting in standing:
        left, right = st.columns([4, 1], vertical_alignment="center")
        note = f" — {setting.note}" if setting.note else ""
        left.text(f"{setting.system}: {setting.pattern} (by {setting.created_by}){note}")
        if may:
            right.button("Lift", key=f"{slot}.lift.{setting.system}.{setting.pattern}",
                         on_click=_lift, args=(slot, actor, setting.system, setting.pattern))  # fmt: skip
    if not standing:
        st.caption("Every system's SKUs are tracked.")
    if may:
        with st.form(f"{slot}.form", border=True):
            left, right = st.columns(2)
            left.selectbox("System", list(systems), key=f"{slot}.system")
            right.text_input("SKU pattern (glob; empty: every SKU)", key=f"{slot}.pattern")
            st.caption(GLOB_WORDS)
            st.text_input("Note (why)", key=f"{slot}.note")
            st.form_submit_button("Mark not tracked", on_click=_mark, args=(slot, actor))
    gov_actions.show_outcome(slot)


def _mark(slot: str, actor: Actor) -> None:
    """Callback: mark the chosen system's SKUs (matching the pattern) not tracked."""
    get = st.session_state.get
    system = (get(f"{slot}.system") or "").strip()
    if not system:
        gov_actions.refuse(slot, "Choose the system whose SKUs are not tracked.")
        return
    gov_actions.act(slot, not_tracked.mark_not_tracked, lambda made: made.summary(), "setting",
                    actor=actor, system=system, pattern=get(f"{slot}.pattern"),
                    note=get(f"{slot}.note"))  # fmt: skip


def _lift(slot: str, actor: Actor, system: str, pattern: str) -> None:
    """Callback: track that system's SKUs again."""
    gov_actions.act(slot, not_tracked.lift_not_tracked, lambda made: made.summary(), "setting",
                    actor=actor, system=system, pattern=pattern)  # fmt: skip

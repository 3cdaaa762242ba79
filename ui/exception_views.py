"""Exception lists: the grouped lines, a table of exceptions with selection, bulk acknowledge, choosing one.

Bulk actions are callbacks bound to the rows as drawn (ids and versions): the selection a person
made is mapped through that snapshot, so a list that changed in between cannot redirect a click.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st
from sqlalchemy.orm import Session

from governance import assignment, lifecycle
from governance.permissions import Action, Actor, allowed, may_ever
from governance.vocabulary import ACTIVE, Status
from ui import bulk_views, exception_detail, gov_actions, gov_reads
from ui import gov_format as fmt

ALL_TEAMS = "All teams"
Snapshot = tuple[tuple[int, int, str, str], ...]  # (id, version, status, team) per row as drawn


def team_choice(actor: Actor, teams: Sequence[str], *, key: str) -> str | None:
    """The team whose queue to show: an owner's own; others choose (default: every team)."""
    if actor.role == "owner":
        st.text(f"Team: {actor.team or '(none)'}")
        return actor.team or ""
    chosen = st.selectbox("Team", [ALL_TEAMS, *teams], key=key, width=360)
    return None if chosen == ALL_TEAMS else chosen


def line_key(line: dict[str, Any]) -> str:
    """A stable identity of a grouped line (type and team)."""
    return f"{line['type']}|{line['team']}"


def choose_line(lines: list[dict[str, Any]], *, key: str) -> dict[str, Any] | None:
    """A selector of one grouped line (its drill-down follows)."""
    if not lines:
        return None
    by_key = {line_key(line): line for line in lines}
    chosen = st.selectbox("Drill down into", list(by_key),
                          format_func=lambda k: fmt.line_label(by_key[k]), key=key)  # fmt: skip
    return by_key.get(chosen) if chosen else None


def snapshot(rows: Sequence[dict[str, Any]]) -> Snapshot:
    """The rows as drawn: what a bulk action may act on."""
    return tuple((r["id"], r["version"], r["status"], r["team"]) for r in rows)


BULK_ACTIONS = (Action.ACKNOWLEDGE_EXCEPTION, Action.ASSIGN_EXCEPTION)


def may_bulk(actor: Actor) -> bool:
    """Whether the actor has any bulk action (so rows are selectable)."""
    return any(may_ever(actor, action) for action in BULK_ACTIONS)


def exceptions_table(actor: Actor, rows: Sequence[dict[str, Any]], *, key: str) -> None:
    """The exceptions; rows are selectable (for bulk actions) by those who have some."""
    frame = fmt.exception_table(rows)
    if may_bulk(actor):
        st.dataframe(frame, hide_index=True, key=key, on_select="rerun",
                     selection_mode="multi-row")  # fmt: skip
    else:
        st.dataframe(frame, hide_index=True, key=key)


def selected_ids(drawn: Snapshot, positions: Sequence[int]) -> Snapshot:
    """The drawn rows at the selected positions (positions outside the drawing are ignored)."""
    return tuple(drawn[p] for p in positions if 0 <= p < len(drawn))


def bulk_acknowledge_panel(actor: Actor, rows: Sequence[dict[str, Any]], *, table_key: str) -> None:
    """Acknowledge the selected open exceptions, or every open one listed (for those who may)."""
    if not may_ever(actor, Action.ACKNOWLEDGE_EXCEPTION):
        return
    drawn = snapshot(rows)
    mine = [row for row in drawn if _may_ack(actor, row)]
    slot = f"{table_key}.ack"
    if not mine:
        gov_actions.show_outcome(slot)
        return
    left, right = st.columns(2, width=620)
    left.button("Acknowledge selected", key=f"{table_key}.ack_selected", on_click=_ack_selected,
                args=(slot, actor, drawn, table_key), icon=":material/done:")  # fmt: skip
    right.button(f"Acknowledge all {len(mine)} open", key=f"{table_key}.ack_all",
                 on_click=_ack, args=(slot, actor, tuple(mine)), icon=":material/done_all:")  # fmt: skip
    gov_actions.show_outcome(slot)


def _may_ack(actor: Actor, row: tuple[int, int, str, str]) -> bool:
    return row[2] == Status.OPEN and allowed(actor, Action.ACKNOWLEDGE_EXCEPTION, team=row[3])


def _ack_selected(slot: str, actor: Actor, drawn: Snapshot, table_key: str) -> None:
    """Callback: acknowledge the selected rows that are open and this person's to act on."""
    state = st.session_state.get(table_key)
    positions = list(state["selection"]["rows"]) if state else []
    chosen = selected_ids(drawn, positions)
    _ack(slot, actor, tuple(row for row in chosen if _may_ack(actor, row)), len(chosen))


def _ack(slot: str, actor: Actor, rows: Snapshot, selected: int | None = None) -> None:
    """Callback: acknowledge these rows (all or nothing), each from the version drawn."""
    if not rows:
        why = (
            "Select open exceptions first (tick rows in the table above)."
            if selected == 0
            else "None of the selected exceptions is open and your team's to acknowledge."
        )
        gov_actions.refuse(slot, why)
        return
    skipped = (selected or len(rows)) - len(rows)
    note = f" ({skipped} selected were not open or not yours)" if skipped else ""
    gov_actions.act(
        slot,
        lifecycle.bulk_acknowledge,
        lambda done: f"Acknowledged {len(done)} exception(s){note}.",
        "exception",
        actor=actor,
        exception_ids=[row[0] for row in rows],
        seen_versions={row[0]: row[1] for row in rows},
    )


def choose_exception(rows: Sequence[dict[str, Any]], *, key: str, prefix: str) -> int | None:
    """A selector of one exception of the list (default: the first, the most urgent).

    The exception acted on last stays chosen (its id, not its position, is the value); choosing
    another one lets it go.
    """
    if not rows:
        return None
    names = {r["id"]: f"#{r['id']} · {r['entity']}" for r in rows}  # stable: no status inside
    focus = st.session_state.get(exception_detail.focus_key(prefix))
    if focus in names and st.session_state.get(key) != focus:
        st.session_state[key] = focus
    chosen = st.selectbox("Open an exception", list(names), format_func=names.get, key=key)
    if chosen != focus:
        st.session_state.pop(exception_detail.focus_key(prefix), None)
    return chosen


def with_focus(rows: list[dict[str, Any]], prefix: str) -> list[dict[str, Any]]:
    """The rows plus the exception acted on last, when it has left them (e.g. just resolved)."""
    focus = st.session_state.get(exception_detail.focus_key(prefix))
    if focus is None or any(row["id"] == focus for row in rows):
        return rows
    kept = gov_reads.exception_row(int(focus))
    return rows if kept is None else [*rows, kept]


def line_panel(
    actor: Actor, line: dict[str, Any], rows: Sequence[dict[str, Any]], *, prefix: str
) -> None:
    """The exceptions of one line, bulk acknowledge, the whole-line actions, and the chosen exception's detail."""
    in_line = [r for r in rows if r["type"] == line["type"] and r["team"] == line["team"]]
    table_key = f"{prefix}.table.{line_key(line)}"
    if may_ever(actor, Action.ACKNOWLEDGE_EXCEPTION):
        st.caption("Select rows to acknowledge them together; open one below to act on it.")
    exceptions_table(actor, in_line, key=table_key)
    bulk_acknowledge_panel(actor, in_line, table_key=table_key)
    active = [r for r in in_line if r["status"] in ACTIVE]
    bulk_views.line_actions(actor, active, key=table_key, slot=line_slot(prefix))
    chosen = choose_exception(in_line, key=f"{prefix}.pick.{line_key(line)}", prefix=prefix)
    if chosen is not None:
        exception_detail.detail_panel(actor, chosen, prefix=prefix)


def line_slot(prefix: str) -> str:
    """Where a page keeps the outcome of its whole-line actions (shown even when the line is gone)."""
    return f"{prefix}.line_bulk"


def whole_line_panel(
    actor: Actor, lines: list[dict[str, Any]], rows: Sequence[dict[str, Any]], *, prefix: str
) -> None:
    """Stewards and admins choose a grouped line and act on all its active exceptions."""
    if not lines or not may_ever(actor, Action.BULK_EXCEPTIONS):
        return
    st.subheader("Act on a whole line")
    by_key = {line_key(line): line for line in lines}
    chosen = st.selectbox("Line", list(by_key), key=f"{prefix}.bulk_line",
                          format_func=lambda k: fmt.line_label(by_key[k]))  # fmt: skip
    active = [r for r in rows if line_key(r) == chosen and r["status"] in ACTIVE]
    bulk_views.line_actions(actor, active, key=f"{prefix}.bulk.{chosen}", slot=line_slot(prefix))


KEEP, NOBODY = "(keep as is)", "(nobody)"


def bulk_assign_panel(
    actor: Actor,
    rows: Sequence[dict[str, Any]],
    *,
    table_key: str,
    people: Sequence[str],
    teams: Sequence[str],
) -> None:
    """Stewards and admins assign the selected exceptions to a person and/or a team."""
    if not may_ever(actor, Action.ASSIGN_EXCEPTION) or not rows:
        return
    with st.form(f"{table_key}.assign", border=True):
        st.caption(
            "Assign the selected exceptions. Naming a person moves them to that person's team."
        )
        left, right = st.columns(2)
        left.selectbox("Person", [KEEP, NOBODY, *people], key=f"{table_key}.assignee")
        right.selectbox("Team", [KEEP, *teams], key=f"{table_key}.assign_team")
        st.form_submit_button("Assign selected", on_click=_assign_selected,
                              args=(f"{table_key}.assign", actor, snapshot(rows), table_key))  # fmt: skip
    gov_actions.show_outcome(f"{table_key}.assign")


def _assign_selected(slot: str, actor: Actor, drawn: Snapshot, table_key: str) -> None:
    """Callback: assign the selected rows, each from the version drawn, in one transaction."""
    state = st.session_state.get(table_key)
    chosen = selected_ids(drawn, list(state["selection"]["rows"]) if state else [])
    person = st.session_state.get(f"{table_key}.assignee", KEEP)
    team = st.session_state.get(f"{table_key}.assign_team", KEEP)
    why = None if chosen else "Select the exceptions to assign first."
    if why is None and person == KEEP and team == KEEP:
        why = "Choose a person or a team to assign them to."
    if why is not None:
        gov_actions.refuse(slot, why)
        return
    gov_actions.act(
        slot,
        assign_many,
        lambda done: f"Assigned {done} exception(s).",
        "exception",
        actor=actor,
        seen={row[0]: row[1] for row in chosen},
        assignee=None if person == KEEP else ("-" if person == NOBODY else person),
        team=None if team == KEEP else team,
    )


def assign_many(
    *, session: Session, actor: Actor, seen: dict[int, int], assignee: str | None, team: str | None
) -> int:
    """Assign several exceptions in the caller's transaction (all or nothing); returns how many."""
    for exception_id, version in seen.items():
        assignment.assign(session=session, actor=actor, exception_id=exception_id,
                          assignee=assignee, team=team, seen_version=version)  # fmt: skip
    return len(seen)

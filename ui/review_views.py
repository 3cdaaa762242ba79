"""Weekly review parts: the week, opening and closing, the agenda walked team by team, minutes, governance KPIs.

Decisions are callbacks bound to the agenda item's version as drawn; a decision recorded by
someone else in between is refused as a conflict and nothing is overwritten.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import pandas as pd
import streamlit as st

from core.timeutil import utcnow, week_label
from governance import review
from governance.permissions import Action, Actor, allowed, may_ever
from ui import gov_actions, gov_reads
from ui import gov_format as fmt

NOUN = "agenda item"
NO_TEAM = "(no owning team)"
# Governance KPI -> (label, unit) in the order shown.
GOV_KPIS: dict[str, tuple[str, str]] = {
    "review_completion": ("Review completion", "share"),
    "review_completion_exceptions": ("Completion, weighted", "share"),
    "mean_time_to_acknowledge_hours": ("Time to acknowledge", "hours"),
    "mean_time_to_resolve_hours": ("Time to resolve", "hours"),
    "exception_age_mean_days": ("Mean age", "days"),
    "exception_age_median_days": ("Median age", "days"),
    "reopen_rate": ("Reopen rate", "share"),
}
GOV_KPI_HELP: dict[str, str] = {
    "review_completion": "Exception lines of this week's review marked reviewed / its lines.",
    "review_completion_exceptions": "Completion weighing each line by its open exceptions.",
    "mean_time_to_acknowledge_hours": "Mean hours from opening to acknowledgement.",
    "mean_time_to_resolve_hours": "Mean hours from opening to resolution (by people or the data).",
    "exception_age_mean_days": "Mean days since first seen, over active exceptions.",
    "exception_age_median_days": "Median days since first seen, over active exceptions.",
    "reopen_rate": "Exceptions reopened at least once / exceptions ever closed.",
}
TILES_PER_ROW = 4
UNIT_FORMATS = {"share": "{:.0%}", "hours": "{:.1f} h", "days": "{:.1f} d"}


def week_choice(*, key: str) -> str:
    """The ISO week to review (default: this week)."""
    weeks = gov_reads.review_weeks()
    current = week_label(utcnow())
    return st.selectbox("ISO week", weeks, index=weeks.index(current), key=key, width=240)


def kpi_tiles(week: str) -> None:
    """The governance KPIs as tiles: completion of this week's review, aging, MTTA, MTTR, reopen rate."""
    rows = {row["kpi"]: row for row in gov_reads.gov_kpis(week)}
    names = [name for name in GOV_KPIS if name in rows]
    for offset in range(0, len(names), TILES_PER_ROW):
        chunk = names[offset : offset + TILES_PER_ROW]
        for column, name in zip(st.columns(TILES_PER_ROW), chunk, strict=False):
            label, unit = GOV_KPIS[name]
            row = rows[name]
            value = "–" if row["value"] is None else UNIT_FORMATS[unit].format(row["value"])
            column.metric(label, value, help=f"{GOV_KPI_HELP[name]} n = {row['n']}", border=True)


def review_header(actor: Actor, view: dict[str, Any] | None, week: str, slot: str) -> None:
    """Where the review stands, with open / refresh / close for stewards and admins."""
    if view is None:
        st.info(f"No review for {week} yet.", icon=":material/event_busy:")
        if may_ever(actor, Action.OPEN_REVIEW):
            st.button(f"Open the review of {week}", type="primary", key=f"{slot}.open",
                      on_click=_open, args=(slot, actor, week))  # fmt: skip
        else:
            st.caption("A steward or admin opens the review.")
        return
    items = view["items"]
    done = sum(1 for item in items if item["reviewed"])
    state = (
        f"Closed by {view['closed_by']} at {fmt.when(view['closed_at'])} UTC: the minutes are frozen."
        if view["closed_at"]
        else f"Open since {fmt.when(view['opened_at'])} UTC (opened by {view['opened_by']})."
    )
    st.text(f"{state}\n{done} of {len(items)} agenda item(s) reviewed.")
    if gov_reads.review_is_open(view) and may_ever(actor, Action.CLOSE_REVIEW):
        left, right = st.columns(2, width=640)
        left.button("Refresh the agenda", key=f"{slot}.refresh", icon=":material/refresh:",
                    on_click=_refresh, args=(slot, actor, week))  # fmt: skip
        right.button("Close the review (freezes the minutes)", key=f"{slot}.close",
                     icon=":material/lock:", on_click=_close,
                     args=(slot, actor, week, view["version"]))  # fmt: skip


def agenda_table(items: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The agenda with its decisions, in agenda order."""
    records = [
        {
            "#": item["position"],
            "team": item["team"] or NO_TEAM,
            "item": item["title"],
            "reviewed": "yes" if item["reviewed"] else "no",
            "decision": item["decision"] or "",
            "next action": item["next_action"] or "",
            "due": item["due_date"] or "",
            "recorded by": item["recorded_by"] or "",
        }
        for item in items
    ]
    columns = ["#", "team", "item", "reviewed", "decision", "next action", "due", "recorded by"]
    return pd.DataFrame(records, columns=columns)


def meeting(actor: Actor, view: dict[str, Any], slot: str) -> None:
    """Walk the agenda owner by owner: one team's lines at a time, each with its decision form."""
    teams = list(dict.fromkeys(item["team"] or NO_TEAM for item in view["items"]))
    if not teams:
        st.caption("The agenda is empty: nothing is open and every KPI is on target.")
        return
    key = f"{slot}.team.{view['week']}"
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    team = left.selectbox("Team", teams, format_func=lambda t: _team_label(t, view), key=key)
    right.button("Next team", key=f"{key}.next", on_click=_next_team, args=(key, teams),
                 icon=":material/arrow_forward:")  # fmt: skip
    for item in view["items"]:
        if (item["team"] or NO_TEAM) == team:
            _item_card(actor, view, item, slot)


def _team_label(team: str, view: dict[str, Any]) -> str:
    mine = [item for item in view["items"] if (item["team"] or NO_TEAM) == team]
    done = sum(1 for item in mine if item["reviewed"])
    return f"{team} ({done} of {len(mine)} reviewed)"


def _next_team(key: str, teams: list[str]) -> None:
    """Callback: move the meeting to the next team (wrapping round)."""
    current = st.session_state.get(key)
    position = teams.index(current) if current in teams else -1
    st.session_state[key] = teams[(position + 1) % len(teams)]


def _item_card(actor: Actor, view: dict[str, Any], item: dict[str, Any], slot: str) -> None:
    with st.container(border=True):
        st.text(f"{item['position']}. {item['title']}")
        if item["recorded_by"]:
            st.caption(f"Recorded by {item['recorded_by']} at {fmt.when(item['recorded_at'])} UTC.")
        may = allowed(actor, Action.RECORD_REVIEW_DECISION, team=item["team"])
        if not (may and gov_reads.review_is_open(view)):
            st.text(
                f"Reviewed: {'yes' if item['reviewed'] else 'no'}\n"
                f"Decision: {item['decision'] or '-'}\nNext action: {item['next_action'] or '-'}\n"
                f"Due: {item['due_date'] or '-'}"
            )
            return
        _decision_form(actor, view["week"], item, slot)


def _decision_form(actor: Actor, week: str, item: dict[str, Any], slot: str) -> None:
    base = f"{slot}.{week}.{item['key']}.v{item['version']}"
    keys = {name: f"{base}.{name}" for name in ("reviewed", "decision", "next", "due")}
    due = date.fromisoformat(item["due_date"]) if item["due_date"] else None
    with st.form(f"{base}.form", border=False):
        left, middle, right = st.columns([3, 3, 2])
        left.text_input("Decision", value=item["decision"] or "", key=keys["decision"])
        middle.text_input("Next action", value=item["next_action"] or "", key=keys["next"])
        right.date_input("Due date", value=due, key=keys["due"])
        check, submit = st.columns([1, 4], vertical_alignment="center")
        check.checkbox("Reviewed", value=True, key=keys["reviewed"])
        submit.form_submit_button("Record", on_click=_decide,
                                  args=(slot, actor, week, item, keys))  # fmt: skip


def _decide(slot: str, actor: Actor, week: str, item: dict[str, Any], keys: dict[str, str]) -> None:
    """Callback: record the decision on an agenda item from the version drawn."""
    get = st.session_state.get
    done = f"Recorded the decision on agenda item {item['position']}."
    key, seen = item["key"], item["version"]
    gov_actions.act(slot, review.record_decision, done, NOUN,
                    actor=actor, week=week, key=key, decision=get(keys["decision"]),
                    next_action=get(keys["next"]), due_date=get(keys["due"]),
                    reviewed=bool(get(keys["reviewed"])), seen_version=seen)  # fmt: skip


def _open(slot: str, actor: Actor, week: str) -> None:
    gov_actions.act(slot, review.open_review,
                    lambda view: f"Opened the review of {week} with {len(view['items'])} item(s).",
                    "review", actor=actor, week=week)  # fmt: skip


def _refresh(slot: str, actor: Actor, week: str) -> None:
    gov_actions.act(slot, review.refresh_agenda, lambda added: f"{added} agenda item(s) added.",
                    "review", actor=actor, week=week)  # fmt: skip


def _close(slot: str, actor: Actor, week: str, seen: int) -> None:
    gov_actions.act(slot, review.close_review, f"Closed the review of {week}; minutes frozen.",
                    "review", actor=actor, week=week, seen_version=seen)  # fmt: skip


def minutes_panel(view: dict[str, Any]) -> None:
    """Download the minutes (Markdown and CSV; a draft while the review is open) and preview them."""
    week = view["week"]
    draft = "" if view["closed_at"] else " (draft)"
    markdown, csv_text = gov_reads.minutes(week, "md"), gov_reads.minutes(week, "csv")
    left, right = st.columns(2, width=620)
    left.download_button(f"Minutes{draft} (Markdown)", data=markdown, on_click="ignore",
                         file_name=f"invgov-review-{week}.md", mime="text/markdown",
                         icon=":material/download:", key=f"minutes.md.{week}")  # fmt: skip
    right.download_button(f"Minutes{draft} (CSV)", data=csv_text, on_click="ignore",
                          file_name=f"invgov-review-{week}.csv", mime="text/csv",
                          icon=":material/table:", key=f"minutes.csv.{week}")  # fmt: skip
    with st.expander("Minutes as text"):
        st.code(markdown, language=None, wrap_lines=True)

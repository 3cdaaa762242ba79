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
from governance import labels, queue, review
from governance.completion import completion, unreviewed
from governance.permissions import Action, Actor, advice, allowed, may_ever
from ui import bulk_views, gov_actions, gov_reads
from ui import gov_format as fmt

NOUN = "agenda item"
NO_TEAM = "(no owning team)"
# The governance KPIs shown as tiles, in this order (labels and units: governance.labels).
GOV_KPIS = (
    "review_completion",
    "mean_time_to_acknowledge_hours",
    "mean_time_to_resolve_hours",
    "exception_age_mean_days",
    "exception_age_median_days",
    "reopen_rate",
)
GOV_KPI_HELP: dict[str, str] = {
    "review_completion": "Exception lines of this week's review marked reviewed / its exception "
    "lines (KPI lines count apart). The minutes give the same figure.",
    "mean_time_to_acknowledge_hours": "Mean hours from opening to acknowledgement.",
    "mean_time_to_resolve_hours": "Mean hours from opening to resolution (by people or the data).",
    "exception_age_mean_days": "Mean days since first seen, over active exceptions.",
    "exception_age_median_days": "Median days since first seen, over active exceptions.",
    "reopen_rate": "Exceptions reopened at least once / exceptions ever closed.",
}
TILES_PER_ROW = 3


def week_choice(*, key: str) -> str:
    """The ISO week to review (default: this week)."""
    weeks = gov_reads.review_weeks()
    current = week_label(utcnow())
    return st.selectbox("ISO week", weeks, index=weeks.index(current), key=key, width=240)


def kpi_tiles(week: str) -> None:
    """The governance KPIs as tiles: completion of this week's review, MTTA, MTTR, aging, reopen rate."""
    rows = {row["kpi"]: row for row in gov_reads.gov_kpis(week)}
    names = [name for name in GOV_KPIS if name in rows]
    for offset in range(0, len(names), TILES_PER_ROW):
        chunk = names[offset : offset + TILES_PER_ROW]
        for column, name in zip(st.columns(TILES_PER_ROW), chunk, strict=False):
            row = rows[name]
            column.metric(labels.metric_label(name), labels.metric_value(name, row["value"]),
                          help=f"{GOV_KPI_HELP[name]} n = {row['n']:,}", border=True)  # fmt: skip


def review_header(actor: Actor, view: dict[str, Any] | None, week: str, slot: str) -> None:
    """Where the review stands, with open / refresh / close for stewards and admins."""
    if view is None:
        st.info(f"No review for {week} yet.", icon=":material/event_busy:")
        if may_ever(actor, Action.OPEN_REVIEW):
            st.button(f"Open the review of {week}", type="primary", key=f"{slot}.open",
                      on_click=_open, args=(f"{slot}.header", actor, week))  # fmt: skip
        else:
            st.caption(advice(actor, Action.OPEN_REVIEW) or "")
        gov_actions.show_outcome(f"{slot}.header")
        return
    state = (
        f"Closed by {view['closed_by']} at {fmt.when(view['closed_at'])} UTC: the minutes are frozen."
        if view["closed_at"]
        else f"Open since {fmt.when(view['opened_at'])} UTC (opened by {view['opened_by']})."
    )
    st.text(f"{state}\nReview completion: {completion(view['items']).text()}.")
    if gov_reads.review_is_open(view) and may_ever(actor, Action.CLOSE_REVIEW):
        left, right = st.columns(2, width=640)
        left.button("Refresh the agenda", key=f"{slot}.refresh", icon=":material/refresh:",
                    on_click=_refresh, args=(f"{slot}.header", actor, week))  # fmt: skip
        right.button("Close the review (freezes the minutes)", key=f"{slot}.close",
                     icon=":material/lock:", on_click=_close,
                     args=(slot, actor, week, view["version"]))  # fmt: skip
        _close_confirmation(actor, view, slot)
    gov_actions.show_outcome(f"{slot}.header")


def _confirm_key(slot: str, week: str) -> str:
    return f"{slot}.confirm_close.{week}"


def _close_confirmation(actor: Actor, view: dict[str, Any], slot: str) -> None:
    """Closing with lines not reviewed asks first, naming them."""
    asked = st.session_state.get(_confirm_key(slot, view["week"]))
    left = unreviewed(view["items"])
    if not asked or not left:
        return
    with st.container(border=True):
        st.warning(
            f"{len(left)} of {len(view['items'])} agenda lines are not reviewed. Closing freezes "
            "the minutes with them marked not reviewed:",
            icon=":material/warning:",
        )
        st.text("\n".join(f"#{item['position']} {item['title']}" for item in left))
        yes, no = st.columns(2, width=640)
        yes.button(f"Close with {len(left)} unreviewed", type="primary",
                   key=f"{slot}.close_anyway", on_click=_close_anyway,
                   args=(slot, actor, view["week"], view["version"]))  # fmt: skip
        no.button("Keep it open", key=f"{slot}.keep_open",
                  on_click=lambda: st.session_state.pop(_confirm_key(slot, view["week"]), None))  # fmt: skip


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


def _team_of(item: dict[str, Any]) -> str:
    return item["team"] or NO_TEAM


def team_progress(items: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """Per team, in agenda order: its lines, how many are reviewed, how many are left."""
    teams = list(dict.fromkeys(_team_of(item) for item in items))
    rows = []
    for team in teams:
        mine = [item for item in items if _team_of(item) == team]
        done = sum(1 for item in mine if item["reviewed"])
        rows.append({"team": team, "lines": len(mine), "reviewed": done, "left": len(mine) - done})
    return pd.DataFrame(rows, columns=["team", "lines", "reviewed", "left"])


def next_team(
    teams: Sequence[str], current: str | None, items: Sequence[dict[str, Any]]
) -> str | None:
    """The next team after `current` (wrapping round) that still has lines not reviewed."""
    left = {_team_of(item) for item in items if not item["reviewed"]}
    start = teams.index(current) if current in teams else -1
    for step in range(1, len(teams) + 1):
        team = teams[(start + step) % len(teams)]
        if team in left:
            return team
    return None


def meeting(actor: Actor, view: dict[str, Any], slot: str) -> None:
    """Walk the agenda team by team: one team's lines at a time, each with its decision form."""
    teams = list(dict.fromkeys(_team_of(item) for item in view["items"]))
    if not teams:
        st.caption("The agenda is empty: nothing is open and every KPI is on target.")
        return
    st.dataframe(team_progress(view["items"]), hide_index=True, height="content")
    key = f"{slot}.team.{view['week']}"
    left, right = st.columns([4, 1], vertical_alignment="bottom")
    team = left.selectbox("Team", teams, key=key)  # labels are the names alone: they never change
    right.button("Next team", key=f"{key}.next", on_click=_next_team,
                 args=(f"{slot}.next", key, view["week"]), icon=":material/arrow_forward:")  # fmt: skip
    gov_actions.show_outcome(f"{slot}.next")
    mine = [item for item in view["items"] if _team_of(item) == team]
    done = sum(1 for item in mine if item["reviewed"])
    st.caption(f"{team}: {done} of {len(mine)} line(s) reviewed.")
    for item in mine:
        _item_card(actor, view, item, slot)


def _next_team(slot: str, key: str, week: str) -> None:
    """Callback: move the meeting to the next team with lines not reviewed (read afresh)."""
    view = gov_reads.review(week)
    items = view["items"] if view else []
    teams = list(dict.fromkeys(_team_of(item) for item in items))
    chosen = next_team(teams, st.session_state.get(key), items)
    if chosen is None:
        gov_actions.remember(slot, gov_actions.Outcome(
            gov_actions.Kind.DONE, "Every line of every team is reviewed: the review can close."))  # fmt: skip
        return
    st.session_state[key] = chosen


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
            if not may and gov_reads.review_is_open(view):
                st.caption(advice(actor, Action.RECORD_REVIEW_DECISION, team=item["team"]) or "")
            return
        _decision_form(actor, view["week"], item, slot)
        gov_actions.show_outcome(f"{slot}.item.{item['key']}")
        _line_actions(actor, item, slot)


def _line_actions(actor: Actor, item: dict[str, Any], slot: str) -> None:
    """Stewards and admins act on every active exception of an exception line at once."""
    kind, _, rest = item["key"].partition(":")
    if kind != "exceptions" or not may_ever(actor, Action.BULK_EXCEPTIONS):
        return
    type_, _, team = rest.partition(":")
    rows = gov_reads.exceptions(status=queue.ACTIVE_ALIAS, team=team, type=type_)
    bulk_views.line_actions(actor, rows, key=f"{slot}.line.{item['key']}")


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
        check.checkbox("Reviewed", value=bool(item["reviewed"]), key=keys["reviewed"])
        submit.form_submit_button("Record", on_click=_decide,
                                  args=(f"{slot}.item.{item['key']}", actor, week, item, keys))  # fmt: skip


def _decide(slot: str, actor: Actor, week: str, item: dict[str, Any], keys: dict[str, str]) -> None:
    """Callback: record the decision on an agenda item from the version drawn."""
    get = st.session_state.get
    ticked = bool(get(keys["reviewed"]))
    done = (
        f"Recorded on line {item['position']}: reviewed."
        if ticked
        else f"Recorded on line {item['position']}; it is not marked reviewed yet."
    )
    key, seen = item["key"], item["version"]
    gov_actions.act(slot, review.record_decision, done, NOUN,
                    actor=actor, week=week, key=key, decision=get(keys["decision"]),
                    next_action=get(keys["next"]), due_date=get(keys["due"]),
                    reviewed=ticked, seen_version=seen)  # fmt: skip


def _open(slot: str, actor: Actor, week: str) -> None:
    gov_actions.act(slot, review.open_review,
                    lambda view: f"Opened the review of {week} with {len(view['items'])} line(s).",
                    "review", actor=actor, week=week)  # fmt: skip


def _refresh(slot: str, actor: Actor, week: str) -> None:
    gov_actions.act(slot, review.refresh_agenda, lambda added: f"{added} agenda line(s) added.",
                    "review", actor=actor, week=week)  # fmt: skip


def _close(slot: str, actor: Actor, week: str, seen: int) -> None:
    """Callback: close, or first ask for confirmation when lines are not reviewed."""
    view = gov_reads.review(week)
    if view is not None and unreviewed(view["items"]):
        st.session_state[_confirm_key(slot, week)] = True
        return
    gov_actions.act(f"{slot}.header", review.close_review,
                    f"Closed the review of {week}; minutes frozen.", "review",
                    actor=actor, week=week, seen_version=seen)  # fmt: skip


def _close_anyway(slot: str, actor: Actor, week: str, seen: int) -> None:
    """Callback: close although lines are not reviewed (the person confirmed)."""
    st.session_state.pop(_confirm_key(slot, week), None)
    gov_actions.act(f"{slot}.header", review.close_review,
                    lambda view: f"Closed the review of {week}; minutes frozen "
                    f"({completion(view['items']).text()}).", "review",
                    actor=actor, week=week, seen_version=seen, allow_unreviewed=True)  # fmt: skip


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

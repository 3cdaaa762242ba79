"""Ownership parts: routing, field ownership, SLA hours and KPI targets; readable by all, edited by stewards.

Each table is declared once (its setter, the Action it needs, how its value is typed); every edit
calls the governance setter with the version drawn, so a concurrent edit is refused as a conflict.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd
import streamlit as st

from governance import kpi_targets, labels, ownership
from governance.permissions import Action, Actor, may_ever
from metrics.kpis import Comparator, Target
from ui import gov_actions, gov_reads
from ui import gov_format as fmt


@dataclass(frozen=True)
class TableSpec:
    """One editable key -> value table of the ownership page."""

    name: str  # as in gov_reads.ownership_tables()
    key_label: str
    value_label: str
    key_arg: str
    value_arg: str
    setter: Callable[..., Any]
    action: Action
    widget: str  # "team", "text" or "hours"
    help: str


TABLES: tuple[TableSpec, ...] = (
    TableSpec("routing", "domain", "owning team", "domain", "team", ownership.set_route,
              Action.EDIT_ROUTING, "team",
              "Which team owns the exceptions of a domain; re-routing moves its open exceptions."),
    TableSpec("field_ownership", "domain", "owning system", "domain", "system",
              ownership.set_field_owner, Action.EDIT_FIELD_OWNERSHIP, "text",
              "Whose data wins for a domain's fields; other systems' differing values are held."),
    TableSpec("sla", "severity", "hours to due date", "severity", "hours", ownership.set_sla,
              Action.EDIT_ROUTING, "hours",
              "Hours from opening to due date; applies to exceptions opened afterwards."),
)  # fmt: skip
MAX_HOURS = ownership.MAX_SLA_HOURS
NOUNS = {"routing": "route", "field_ownership": "field owner", "sla": "due-date rule"}


def table_frame(spec: TableSpec, tables: dict[str, Any]) -> pd.DataFrame:
    """A table as people read it: key, value, and whether a steward set it (and its version)."""
    versions = tables["versions"][spec.name]
    rows = []
    for key, value in tables[spec.name].items():
        stored = versions.get(key)
        origin = f"set by {stored['by']} (version {stored['version']})" if stored else "default"
        rows.append({spec.key_label: fmt.words(key), spec.value_label: value, "source": origin})
    return pd.DataFrame(rows, columns=[spec.key_label, spec.value_label, "source"])


def table_section(actor: Actor, spec: TableSpec, tables: dict[str, Any], slot: str) -> None:
    """A table, and for those who may edit it, a form changing one row."""
    st.caption(spec.help)
    st.dataframe(table_frame(spec, tables), hide_index=True, height="content")
    if not may_ever(actor, spec.action):
        return
    keys = list(tables[spec.name])
    chosen = st.selectbox(f"Change the {spec.value_label} of", keys, format_func=fmt.words,
                          key=f"{slot}.{spec.name}.key", width=360)  # fmt: skip
    seen = tables["versions"][spec.name].get(chosen, {}).get("version", 0)
    base = f"{slot}.{spec.name}.{chosen}.v{seen}"
    with st.form(f"{base}.form", border=True):
        _value_widget(spec, tables[spec.name][chosen], tables["teams"], f"{base}.value")
        if spec.name == "routing":
            st.checkbox("Move its open exceptions to the new team", value=True, key=f"{base}.move")
        st.form_submit_button(f"Save {spec.value_label}", on_click=_save,
                              args=(f"{slot}.{spec.name}.done", actor, spec, chosen, seen, base))  # fmt: skip
    gov_actions.show_outcome(f"{slot}.{spec.name}.done")


def _value_widget(spec: TableSpec, current: Any, teams: list[str], key: str) -> None:
    label = spec.value_label.capitalize()
    if spec.widget == "team":
        options = sorted(set(teams) | {current})
        st.selectbox(label, options, index=options.index(current), key=key)
    elif spec.widget == "hours":
        st.number_input(
            label, min_value=1, max_value=MAX_HOURS, value=int(current), step=1, key=key
        )
    else:
        st.text_input(label, value=str(current), key=key, max_chars=64)


def _save(slot: str, actor: Actor, spec: TableSpec, key: str, seen: int, base: str) -> None:
    """Callback: store one row through the governance setter, from the version drawn."""
    value = st.session_state.get(f"{base}.value")
    extra = (
        {"reroute_open": bool(st.session_state.get(f"{base}.move"))}
        if spec.name == "routing"
        else {}
    )
    describe = (
        _routing_done(key, value) if spec.name == "routing" else f"{fmt.words(key)}: {value}."
    )
    gov_actions.act(slot, spec.setter, describe, NOUNS[spec.name], actor=actor, seen_version=seen,
                    **{spec.key_arg: key, spec.value_arg: value}, **extra)  # fmt: skip


def _routing_done(domain: str, team: str) -> Callable[[int], str]:
    return lambda moved: (
        f"{fmt.words(domain)} now routes to {team}; {moved} open exception(s) moved."
    )


def targets_frame(targets: dict[str, Target]) -> pd.DataFrame:
    """Every KPI's target and owner."""
    rows = [
        {
            "KPI": labels.metric_label(metric),
            "target": labels.target_text(metric, t.comparator, t.target),
            "amber within": labels.margin_text(metric, t.amber_margin),
            "owning team": t.owner_team or "",
            "changed by": t.updated_by or "default",
            "version": t.version,
        }
        for metric, t in targets.items()
    ]
    columns = ["KPI", "target", "amber within", "owning team", "changed by", "version"]
    return pd.DataFrame(rows, columns=columns)


def targets_section(actor: Actor, teams: list[str], slot: str) -> None:
    """KPI targets and owners, and for stewards and admins a form changing one KPI's."""
    targets = gov_reads.kpi_targets()
    st.caption("Green when the target holds; amber when it misses by no more than the margin.")
    st.dataframe(targets_frame(targets), hide_index=True, height="content")
    if not may_ever(actor, Action.EDIT_KPI_TARGETS):
        return
    metric = st.selectbox("Change the target of", list(targets), format_func=labels.metric_label,
                          key=f"{slot}.kpi.metric", width=360)  # fmt: skip
    target = targets[metric]
    base = f"{slot}.kpi.{metric}.v{target.version}"
    comparators = [c.value for c in Comparator]
    owners = sorted(set(teams) | ({target.owner_team} if target.owner_team else set()))
    with st.form(f"{base}.form", border=True):
        cols = st.columns(4)
        cols[0].selectbox("Comparator", comparators, index=comparators.index(target.comparator),
                          key=f"{base}.comparator")  # fmt: skip
        share = labels.metric_unit(metric) is labels.Unit.SHARE
        cols[1].number_input(
            "Target" + (" (a share: 0.98 is 98 %)" if share else ""),
            value=float(target.target), format="%g", key=f"{base}.target",
        )  # fmt: skip
        cols[2].number_input("Amber margin", min_value=0.0, value=float(target.amber_margin),
                             format="%g", key=f"{base}.margin")  # fmt: skip
        cols[3].selectbox("KPI owner (team)", owners, key=f"{base}.owner",
                          index=owners.index(target.owner_team) if target.owner_team else None)  # fmt: skip
        st.form_submit_button("Save target", on_click=_save_target,
                              args=(f"{slot}.kpi.done", actor, metric, target.version, base))  # fmt: skip
    gov_actions.show_outcome(f"{slot}.kpi.done")


def _save_target(slot: str, actor: Actor, metric: str, seen: int, base: str) -> None:
    """Callback: change a KPI's target and owner from the version drawn."""
    get = st.session_state.get
    gov_actions.act(slot, kpi_targets.update_kpi_target,
                    f"Saved the target of {labels.metric_label(metric)}.",
                    "KPI target", actor=actor, metric=metric, seen_version=seen,
                    comparator=get(f"{base}.comparator"), target=get(f"{base}.target"),
                    amber_margin=get(f"{base}.margin"), owner_team=get(f"{base}.owner"))  # fmt: skip

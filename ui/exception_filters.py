"""The filters of the All exceptions page: status, type, severity, team and a free-text search."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from governance import labels
from governance.rules import RULE_TYPES
from governance.vocabulary import ACTIVE, Severity, Status

ANY = "Any"
DEFAULT_STATUSES = [s.value for s in Status if s in ACTIVE]


@dataclass(frozen=True)
class ExceptionFilter:
    """What the person asked for; empty choices mean any."""

    statuses: tuple[str, ...]
    type: str | None
    severities: tuple[str, ...]
    team: str | None
    search: str


def render(teams: Sequence[str], *, prefix: str) -> ExceptionFilter:
    """The filter widgets in two rows; returns the choice."""
    top = st.columns([3, 2, 2])
    statuses = top[0].multiselect("Status", [s.value for s in Status], default=DEFAULT_STATUSES,
                                  format_func=labels.status_label, key=f"{prefix}.status",
                                  placeholder="Any status")  # fmt: skip
    kind = top[1].selectbox(
        "Type",
        [ANY, *RULE_TYPES],
        key=f"{prefix}.type",
        format_func=lambda t: t if t == ANY else labels.type_label(t),
        bind="query-params",
    )  # fmt: skip  (a KPI tile links to its type)
    severities = top[2].multiselect("Severity", [s.value for s in Severity], key=f"{prefix}.severity",
                                    format_func=labels.severity_label, placeholder="Any severity")  # fmt: skip
    bottom = st.columns([2, 3])
    team = bottom[0].selectbox("Team", [ANY, *teams], key=f"{prefix}.team")
    search = bottom[1].text_input("Search (id, entity, assignee, facts)", key=f"{prefix}.search")
    return ExceptionFilter(
        tuple(statuses),
        None if kind == ANY else kind,
        tuple(severities),
        None if team == ANY else team,
        search.strip(),
    )


def matches(row: dict[str, Any], wanted: ExceptionFilter) -> bool:
    """Whether an exception passes the severity and search parts of a filter."""
    if wanted.severities and row["severity"] not in wanted.severities:
        return False
    if not wanted.search:
        return True
    needle = wanted.search.lower()
    if needle.lstrip("#").isdigit() and int(needle.lstrip("#")) == row["id"]:
        return True
    haystack = " ".join(
        [row["entity"], row["assignee"] or "", json.dumps(row["facts"] or {}, ensure_ascii=False)]
    )
    return needle in haystack.lower()

"""Governance display helpers: times as people read them, labels of choices, tables of exceptions (no Streamlit).

Every name shown goes through governance.labels (types, statuses, reasons, facts in their units).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from core.timeutil import parse_iso, utcnow
from governance import labels
from governance.lifecycle import Verb
from governance.vocabulary import Reason

VERB_LABELS: dict[Verb, str] = {
    Verb.ACKNOWLEDGE: "Acknowledge",
    Verb.START: "Start work",
    Verb.RESOLVE: "Resolve",
    Verb.WONT_FIX: "Won't fix",
}
REASON_LABELS: dict[str, str] = {reason.value: labels.reason_label(reason) for reason in Reason}
EXCEPTION_COLUMNS = (
    "id", "severity", "status", "entity", "team", "assignee", "due (UTC)", "overdue",
    "first seen (UTC)", "reopened",
)  # fmt: skip
# What each audited action of an exception's history means, as its history table says it.
ACTION_LABELS = {
    "exception.detect": "Found", "exception.acknowledge": "Acknowledged",
    "exception.start": "Work started", "exception.resolve": "Resolved",
    "exception.wont_fix": "Closed as won't fix", "exception.reopen": "Reopened",
    "exception.clear": "Cleared by data", "exception.verify": "Resolution verified",
    "exception.severity": "Severity changed", "exception.assign": "Assigned",
    "exception.comment": "Comment", "exception.route": "Routed",
}  # fmt: skip
LINE_COLUMNS = (
    "type", "team", "exceptions", "high", "medium", "low", "overdue", "earliest due (UTC)", "by status",
)  # fmt: skip


def when(iso: str | None) -> str:
    """An ISO Z time as `YYYY-MM-DD HH:MM` (UTC); empty for None."""
    if not iso:
        return ""
    return parse_iso(iso).strftime("%Y-%m-%d %H:%M")


def words(value: str | None) -> str:
    """A snake_case word as text, first letter capital (in_progress -> In progress)."""
    return labels.words(value)


def state(row: Mapping[str, Any]) -> str:
    """An exception's status in words, with its verification ("Resolved, awaiting verification")."""
    return labels.status_label(
        row["status"], row.get("verification"), row.get("cleared_by_data", False)
    )


def is_overdue(row: Mapping[str, Any], now_iso: str) -> bool:
    """Whether an active exception is past its due date."""
    active = row["status"] in ("open", "acknowledged", "in_progress")
    return bool(active and row["due_at"] and row["due_at"] < now_iso)


def exception_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Exceptions as the table people read (text cells, times in UTC)."""
    now = utcnow().strftime("%Y-%m-%dT%H:%M:%SZ")
    records = [
        {
            "id": row["id"],
            "severity": labels.severity_label(row["severity"]),
            "status": state(row),
            "entity": row["entity"],
            "team": row["team"],
            "assignee": row["assignee"] or "",
            "due (UTC)": when(row["due_at"]),
            "overdue": "yes" if is_overdue(row, now) else "",
            "first seen (UTC)": when(row["first_seen_at"]),
            "reopened": row["reopen_count"],
        }
        for row in rows
    ]
    return pd.DataFrame(records, columns=list(EXCEPTION_COLUMNS))


EXPORT_COLUMNS = (
    "id", "type", "status", "severity", "domain", "team", "assignee", "entity", "facts",
    "first seen (UTC)", "last seen (UTC)", "due (UTC)", "resolved (UTC)", "resolved by",
    "reason", "note", "reopened", "version",
)  # fmt: skip


def facts_text(exception_type: str, facts: Mapping[str, Any]) -> str:
    """An exception's facts in one line: `Label: value; …` (values in their units)."""
    return "; ".join(
        f"{labels.fact_label(name)}: {labels.fact_text(exception_type, name, value)}"
        for name, value in facts.items()
    )


def export_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Exceptions for download, in plain words: labels, facts in their units, times in UTC."""
    records = [
        {
            "id": row["id"],
            "type": labels.type_label(row["type"]),
            "status": state(row),
            "severity": labels.severity_label(row["severity"]),
            "domain": labels.domain_label(row["domain"]),
            "team": row["team"],
            "assignee": row["assignee"] or "",
            "entity": row["entity"],
            "facts": facts_text(row["type"], row.get("facts") or {}),
            "first seen (UTC)": when(row["first_seen_at"]),
            "last seen (UTC)": when(row["last_seen_at"]),
            "due (UTC)": when(row["due_at"]),
            "resolved (UTC)": when(row["resolved_at"]),
            "resolved by": row["resolved_by"] or "",
            "reason": labels.reason_label(row["resolution_reason"]),
            "note": row["resolution_note"] or "",
            "reopened": row["reopen_count"],
            "version": row["version"],
        }
        for row in rows
    ]
    return pd.DataFrame(records, columns=list(EXPORT_COLUMNS))


def line_table(lines: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The grouped lines (one per type and team) with their counts."""
    records = [
        {
            "type": labels.type_label(line["type"]),
            "team": line["team"],
            "exceptions": line["count"],
            "high": line["severity"].get("high", 0),
            "medium": line["severity"].get("medium", 0),
            "low": line["severity"].get("low", 0),
            "overdue": line["overdue"],
            "earliest due (UTC)": when(line["earliest_due"]),
            "by status": ", ".join(
                f"{labels.status_label(s).lower()} {n}" for s, n in sorted(line["status"].items())
            ),
        }
        for line in lines
    ]
    return pd.DataFrame(records, columns=list(LINE_COLUMNS))


def line_label(line: Mapping[str, Any]) -> str:
    """A grouped line in one phrase: type · team (count, high, overdue)."""
    high = line["severity"].get("high", 0)
    return (
        f"{labels.type_label(line['type'])} · {line['team']} ({line['count']}; {high} high, "
        f"{line['overdue']} overdue)"
    )


def pairs_table(
    values: Mapping[str, Any], left: str = "fact", right: str = "value", exception_type: str = ""
) -> pd.DataFrame:
    """A mapping as a two-column table of text: labels, values in their units, lists joined."""
    rows = [
        {left: labels.fact_label(str(name)), right: labels.fact_text(exception_type, name, value)}
        for name, value in values.items()
    ]
    return pd.DataFrame(rows, columns=[left, right])


def _audit_value(field: str | None, value: str | None) -> str:
    """An audited value in words: statuses, reasons, severities and verification by label."""
    if value is None:
        return ""
    if field == "status":
        return labels.status_label(value)
    if field == "resolution_reason":
        return labels.reason_label(value)
    if field == "severity":
        return labels.severity_label(value)
    if field == "verification":
        return {"awaiting": "awaiting verification", "verified": "verified"}.get(value, value)
    if field == "due_at":
        return when(value)
    return value


def history_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """An exception's audit rows, oldest first, in words."""
    columns = ["at (UTC)", "who", "what", "field", "was", "now", "detail"]
    records = [
        {
            "at (UTC)": when(r["at"]),
            "who": r["actor"],
            "what": ACTION_LABELS.get(r["action"]) or labels.words(r["action"].split(".")[-1]),
            "field": labels.words(r["field"]) if r["field"] else "",
            "was": _audit_value(r["field"], r["old"]),
            "now": _audit_value(r["field"], r["new"]),
            "detail": r["detail"] or "",
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=columns)


def resolutions_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """A person's closings of an exception, oldest first: reason, note, what the data said."""
    outcome = {"awaiting": "awaiting verification", "verified": "verified by new data",
               "reopened": "reopened: still found", "standing": "stays closed"}  # fmt: skip
    columns = ["closed (UTC)", "by", "as", "reason", "note", "outcome", "file that judged it"]
    records = [
        {
            "closed (UTC)": when(r["resolved_at"]),
            "by": r["resolved_by"],
            "as": labels.status_label(r["status"]),
            "reason": r["reason_label"],
            "note": r["note"],
            "outcome": outcome.get(r["outcome"], r["outcome"]),
            "file that judged it": r["evidence_file"] or "",
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=columns)


def comments_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Comments, oldest first."""
    records = [
        {"at (UTC)": when(r["at"]), "author": r["author"], "comment": r["body"]} for r in rows
    ]
    return pd.DataFrame(records, columns=["at (UTC)", "author", "comment"])

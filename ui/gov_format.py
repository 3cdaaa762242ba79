"""Governance display helpers: times as people read them, labels of choices, tables of exceptions (no Streamlit)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from core.timeutil import parse_iso, utcnow
from governance.lifecycle import Verb
from governance.vocabulary import Reason

VERB_LABELS: dict[Verb, str] = {
    Verb.ACKNOWLEDGE: "Acknowledge",
    Verb.START: "Start work",
    Verb.RESOLVE: "Resolve",
    Verb.WONT_FIX: "Won't fix",
}
REASON_LABELS: dict[str, str] = {
    Reason.FIXED_AT_SOURCE: "Fixed at source",
    Reason.DATA_CORRECTED: "Data corrected",
    Reason.FALSE_POSITIVE: "False positive",
    Reason.DUPLICATE: "Duplicate",
    Reason.ACCEPTED_RISK: "Accepted risk",
    Reason.OTHER: "Other",
}
EXCEPTION_COLUMNS = (
    "id", "severity", "status", "entity", "team", "assignee", "due (UTC)", "overdue",
    "first seen (UTC)", "reopened",
)  # fmt: skip
LINE_COLUMNS = (
    "type", "team", "exceptions", "high", "medium", "low", "overdue", "earliest due (UTC)", "by status",
)  # fmt: skip


def when(iso: str | None) -> str:
    """An ISO Z time as `YYYY-MM-DD HH:MM` (UTC); empty for None."""
    if not iso:
        return ""
    return parse_iso(iso).strftime("%Y-%m-%d %H:%M")


def words(value: str | None) -> str:
    """A snake_case word as text (in_progress -> in progress)."""
    return (value or "").replace("_", " ")


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
            "severity": row["severity"],
            "status": words(row["status"]),
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


def export_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Exceptions for download: every public field, facts as `name=value` text."""
    records = []
    for row in rows:
        record = {k: v for k, v in row.items() if k not in ("facts", "owner")}
        record["facts"] = "; ".join(f"{k}={v}" for k, v in (row.get("facts") or {}).items())
        records.append(record)
    return pd.DataFrame(records)


def line_table(lines: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """The grouped lines (one per type and team) with their counts."""
    records = [
        {
            "type": line["type"],
            "team": line["team"],
            "exceptions": line["count"],
            "high": line["severity"].get("high", 0),
            "medium": line["severity"].get("medium", 0),
            "low": line["severity"].get("low", 0),
            "overdue": line["overdue"],
            "earliest due (UTC)": when(line["earliest_due"]),
            "by status": ", ".join(f"{words(s)} {n}" for s, n in sorted(line["status"].items())),
        }
        for line in lines
    ]
    return pd.DataFrame(records, columns=list(LINE_COLUMNS))


def line_label(line: Mapping[str, Any]) -> str:
    """A grouped line in one phrase: type · team (count, high, overdue)."""
    high = line["severity"].get("high", 0)
    return (
        f"{words(line['type'])} · {line['team']} ({line['count']}; {high} high, "
        f"{line['overdue']} overdue)"
    )


def pairs_table(
    values: Mapping[str, Any], left: str = "fact", right: str = "value"
) -> pd.DataFrame:
    """A mapping as a two-column table of text (lists joined by commas)."""
    rows = []
    for name, value in values.items():
        text = ", ".join(map(str, value)) if isinstance(value, list | tuple) else value
        rows.append({left: words(str(name)), right: "" if text is None else str(text)})
    return pd.DataFrame(rows, columns=[left, right])


def history_table(rows: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """An exception's audit rows, oldest first."""
    columns = ["at (UTC)", "actor", "action", "field", "old", "new", "detail"]
    records = [
        {
            "at (UTC)": when(r["at"]),
            "actor": r["actor"],
            "action": r["action"],
            "field": r["field"] or "",
            "old": "" if r["old"] is None else str(r["old"]),
            "new": "" if r["new"] is None else str(r["new"]),
            "detail": r["detail"] or "",
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

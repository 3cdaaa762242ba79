"""Minutes of a weekly review in Markdown and CSV: every agenda item with its decision, in plain words."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from typing import Any

from governance.completion import completion

# CSV column -> the agenda item's field (or a computed one: week, section, open, new, overdue).
CSV_COLUMNS = {
    "week": "week",
    "#": "position",
    "section": "section",
    "team": "team",
    "item": "title",
    "open": "open",
    "new this week": "new",
    "overdue": "overdue",
    "reviewed": "reviewed",
    "decision": "decision",
    "next action": "next_action",
    "due": "due_date",
    "recorded by": "recorded_by",
    "recorded at (UTC)": "recorded_at",
}
# A cell a spreadsheet would run as a formula gets a leading apostrophe (OWASP "CSV Injection").
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
NO_DECISION = "(no decision recorded)"
SECTIONS = (("exceptions", "Exceptions by type and owning team"), ("kpi", "KPIs off target"))


def _cell(value: Any) -> str:
    """A Markdown table cell: pipes escaped, line breaks flattened, empty as a dash."""
    if value is None or value == "":
        return "-"
    return str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


def _state(review: Mapping[str, Any]) -> str:
    opened = f"opened by {review['opened_by']} at {review['opened_at']}"
    if review["status"] == "closed":
        return f"closed by {review['closed_by']} at {review['closed_at']} ({opened})"
    return f"DRAFT: still open ({opened})"


def render_markdown(review: Mapping[str, Any]) -> str:
    """The minutes as Markdown: a header, then one table row per agenda item per section."""
    items = review["items"]
    lines = [
        f"# Weekly exception review {review['week']}",
        "",
        f"- Status: {_state(review)}",
        f"- Review completion: {completion(items).text()}",
    ]
    for kind, heading in SECTIONS:
        chosen = [item for item in items if item["kind"] == kind]
        lines += ["", f"## {heading}", ""]
        if not chosen:
            lines.append("Nothing on the agenda.")
            continue
        lines += [
            "| # | Item | Team | Reviewed | Decision | Next action | Due |",
            "|---|---|---|---|---|---|---|",
        ]
        for item in chosen:
            cells = (
                item["position"],
                item["title"],
                item["team"],
                "yes" if item["reviewed"] else "no",
                item["decision"] or NO_DECISION,
                item["next_action"],
                item["due_date"],
            )
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _safe(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def render_csv(review: Mapping[str, Any]) -> str:
    """The minutes as CSV: one row per agenda item (formula-injection safe)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(list(CSV_COLUMNS))
    sections = dict(SECTIONS)
    for item in review["items"]:
        summary = item.get("summary") or {}
        row = {
            **item,
            "week": review["week"],
            "section": sections.get(item["kind"], item["kind"]),
            "open": summary.get("open"),
            "new": summary.get("new"),
            "overdue": summary.get("overdue"),
            "reviewed": "yes" if item["reviewed"] else "no",
        }
        writer.writerow([_safe(row.get(field)) for field in CSV_COLUMNS.values()])
    return buffer.getvalue()

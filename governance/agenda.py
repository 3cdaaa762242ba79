"""The agenda of a weekly review: exception lines by type and owning team, then KPIs off target.

An exception is on the agenda while it is active (open, acknowledged, in progress): that covers
the new, the overdue and the still-open ones. A line counts its active exceptions, those first seen
during the week and those overdue; one cleared by data before the meeting needs no decision.
A KPI is on the agenda when its status (see governance.targets) is red or amber.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.timeutil import week_start
from governance.exception_store import TABLE
from governance.labels import RAG_WORDS, kpi_phrase, type_label
from governance.rules import BY_TYPE
from governance.targets import Rag, kpi_statuses, load_targets
from governance.vocabulary import ACTIVE

EXCEPTIONS, KPI = "exceptions", "kpi"


@dataclass(frozen=True)
class AgendaLine:
    """One line of the agenda: its stable key, kind, title, owning team and counts."""

    key: str
    kind: str
    title: str
    team: str | None
    summary: dict[str, Any] = field(default_factory=dict)


def week_bounds(week: str) -> tuple[datetime, datetime]:
    """Monday 00:00 UTC of an ISO week and of the next one."""
    start = week_start(week)
    return start, start + timedelta(days=7)


def exception_lines(session: Session, week: str, as_of: datetime) -> list[AgendaLine]:
    """The exception lines of week `week`, judged at as_of, in rule order then team."""
    start, end = week_bounds(week)
    columns = (TABLE.c.type, TABLE.c.team, TABLE.c.first_seen_at, TABLE.c.due_at, TABLE.c.severity)
    active = TABLE.c.status.in_([s.value for s in ACTIVE])
    sums: dict[tuple[str, str], dict[str, int]] = {}
    for row in session.execute(select(*columns).where(active)):
        acc = sums.setdefault((row.type, row.team), {"open": 0, "new": 0, "overdue": 0, "high": 0})
        acc["open"] += 1
        acc["new"] += int(start <= row.first_seen_at < end)
        acc["overdue"] += int(row.due_at < as_of)
        acc["high"] += int(row.severity == "high")
    order = {t: i for i, t in enumerate(BY_TYPE)}
    lines = []
    for (kind, team), acc in sorted(
        sums.items(), key=lambda kv: (order.get(kv[0][0], 99), kv[0][1])
    ):
        title = (
            f"{type_label(kind)} ({team}): {acc['open']:,} open, {acc['new']:,} new this week, "
            f"{acc['overdue']:,} overdue"
        )
        lines.append(AgendaLine(f"{EXCEPTIONS}:{kind}:{team}", EXCEPTIONS, title, team, acc))
    return lines


def _number(value: float | None) -> float | int | None:
    """A KPI value as people read it: whole numbers without a decimal point, else 4 decimals."""
    if value is None:
        return None
    return int(value) if float(value).is_integer() else round(value, 4)


def kpi_lines(session: Session, as_of: datetime) -> list[AgendaLine]:
    """A line per KPI that is red or amber at as_of."""
    conn = session.connection()
    lines = []
    for status in kpi_statuses(conn, as_of, load_targets(conn)):
        if status.status not in (Rag.RED, Rag.AMBER):
            continue
        target = status.target
        value = _number(status.value)
        where = f"week {status.week}" if status.week else f"snapshot of {as_of:%Y-%m-%d %H:%M} UTC"
        phrase = kpi_phrase(status.metric, status.value, target.comparator, target.target)
        title = f"{phrase}, {where}: {RAG_WORDS[status.status.value]}"
        summary = {
            "value": value,
            "week": status.week,
            "target": target.target,
            "comparator": target.comparator,
            "status": status.status.value,
        }
        lines.append(AgendaLine(f"{KPI}:{status.metric}", KPI, title, target.owner_team, summary))
    return lines


def build_agenda(session: Session, week: str, as_of: datetime) -> list[AgendaLine]:
    """Every line of a week's agenda: exception lines, then KPIs off target."""
    return [*exception_lines(session, week, as_of), *kpi_lines(session, as_of)]

"""The exception queue as people read it: filtered lists, one line per (type, team), an exception's history."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, select
from sqlalchemy.orm import Session

from core.schema import AuditEntry, ExceptionComment, ExceptionResolution
from core.timeutil import iso_z, utcnow
from governance.errors import GovernanceError
from governance.exception_store import TABLE, load, public
from governance.labels import reason_label, status_label
from governance.rules import BY_TYPE
from governance.vocabulary import ACTIVE, Severity, Status

ACTIVE_ALIAS = "active"  # --status active: open, acknowledged or in progress


def parse_statuses(raw: str | Iterable[str] | None) -> list[str] | None:
    """Status filter from text ("open,acknowledged", "active") or a list; None means every status."""
    if raw is None:
        return None
    words = raw.split(",") if isinstance(raw, str) else list(raw)
    chosen: list[str] = []
    for word in (w.strip().lower() for w in words if w.strip()):
        if word == ACTIVE_ALIAS:
            chosen += [s.value for s in Status if s in ACTIVE]
        elif word in {s.value for s in Status}:
            chosen.append(word)
        else:
            names = ", ".join([ACTIVE_ALIAS, *(s.value for s in Status)])
            raise GovernanceError(f"unknown status {word!r}: choose from {names}")
    return chosen or None


def list_exceptions(
    session: Session,
    *,
    status: str | Iterable[str] | None = None,
    team: str | None = None,
    type: str | None = None,
    assignee: str | None = None,
) -> list[dict[str, Any]]:
    """Exceptions as public dicts, most severe first, then earliest due, then id."""
    query = select(TABLE)
    statuses = parse_statuses(status)
    if statuses is not None:
        query = query.where(TABLE.c.status.in_(statuses))
    if team:
        query = query.where(TABLE.c.team == " ".join(team.split()))
    if type:
        if type not in BY_TYPE:
            raise GovernanceError(
                f"unknown exception type {type!r}: choose from {', '.join(BY_TYPE)}"
            )
        query = query.where(TABLE.c.type == type)
    if assignee:
        query = query.where(TABLE.c.assignee == assignee.strip().lower())
    rank = case({s.value: s.rank for s in Severity}, value=TABLE.c.severity, else_=-1)
    query = query.order_by(rank.desc(), TABLE.c.due_at, TABLE.c.id)
    return [public(dict(row)) for row in session.execute(query).mappings()]


def group_lines(
    rows: Iterable[dict[str, Any]], as_of: datetime | None = None
) -> list[dict[str, Any]]:
    """One line per (type, team) with counts by severity and status, overdue count and ids."""
    now = iso_z(as_of or utcnow())
    lines: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        line = lines.setdefault(
            (row["type"], row["team"]),
            {
                "type": row["type"],
                "team": row["team"],
                "domain": row["domain"],
                "count": 0,
                "severity": dict.fromkeys((s.value for s in Severity), 0),
                "status": {},
                "overdue": 0,
                "earliest_due": None,
                "oldest_seen": None,
                "ids": [],
            },
        )
        line["count"] += 1
        line["severity"][row["severity"]] += 1
        line["status"][row["status"]] = line["status"].get(row["status"], 0) + 1
        active = Status(row["status"]) in ACTIVE
        line["overdue"] += int(active and row["due_at"] < now)
        if active:
            line["earliest_due"] = min(filter(None, (line["earliest_due"], row["due_at"])))
        line["oldest_seen"] = min(filter(None, (line["oldest_seen"], row["first_seen_at"])))
        line["ids"].append(row["id"])
    order = {t: i for i, t in enumerate(BY_TYPE)}
    return sorted(lines.values(), key=lambda ln: (order.get(ln["type"], 99), ln["team"]))


def queue_lines(
    session: Session, *, status: str | Iterable[str] | None = ACTIVE_ALIAS, team: str | None = None
) -> list[dict[str, Any]]:
    """The queue grouped into agenda-style lines (active exceptions by default)."""
    return group_lines(list_exceptions(session, status=status, team=team))


def history(session: Session, exception_id: int) -> list[dict[str, Any]]:
    """The audit rows of an exception, oldest first: who changed what, when, from what to what."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.object_type == "exception", AuditEntry.object_id == str(exception_id))
        .order_by(AuditEntry.id)
    )
    return [
        {
            "at": iso_z(e.at),
            "actor": e.actor,
            "action": e.action,
            "field": e.field,
            "old": e.old_value,
            "new": e.new_value,
            "detail": e.detail,
        }
        for e in session.scalars(query)
    ]


@dataclass(frozen=True)
class Closing:
    """A person's closing of an exception and what the data said afterwards (JSON-ready)."""

    status: str
    resolved_by: str
    resolved_at: str
    reason: str
    reason_label: str
    note: str
    outcome: str  # awaiting, verified, reopened, standing
    settled_at: str | None
    evidence_import_id: int | None
    evidence_file: str | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)


def resolutions(session: Session, exception_id: int) -> list[Closing]:
    """Every closing by a person of an exception, oldest first (reason, note, outcome, evidence)."""
    table = ExceptionResolution.__table__
    query = select(table).where(table.c.exception_id == int(exception_id)).order_by(table.c.id)
    return [
        Closing(
            status=row["status"],
            resolved_by=row["resolved_by"],
            resolved_at=iso_z(row["resolved_at"]),
            reason=row["reason"],
            reason_label=reason_label(row["reason"]),
            note=row["note"],
            outcome=row["outcome"],
            settled_at=iso_z(row["settled_at"]) if row["settled_at"] else None,
            evidence_import_id=row["evidence_import_id"],
            evidence_file=row["evidence_file"],
        )
        for row in session.execute(query).mappings()
    ]


def detail(session: Session, exception_id: int) -> dict[str, Any]:
    """One exception as `exceptions show` and the pages show it: its state in words, history,
    comments and every closing by a person with its reason, note and outcome."""
    row = load(session, exception_id)
    view = public(row)
    view["state"] = status_label(row["status"], row["verification"], row["cleared_by_data"])
    view["resolutions"] = [c.as_dict() for c in resolutions(session, exception_id)]
    view["history"] = history(session, exception_id)
    comments = select(ExceptionComment).where(ExceptionComment.exception_id == int(exception_id))
    view["comments"] = [
        {"id": c.id, "author": c.author, "at": iso_z(c.at), "body": c.body}
        for c in session.scalars(comments.order_by(ExceptionComment.id))
    ]
    return view

"""The append-only audit log: one row per change, written in the transaction that makes the change."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from core.schema import AuditEntry
from core.timeutil import iso_z, utcnow
from governance.permissions import Action, Actor, authorize

SYSTEM_ACTOR = "system"  # the actor of bootstrap writes (first admin, demo accounts)
DEFAULT_LIMIT = 1000


def as_text(value: object) -> str | None:
    """How a value is written in the log: None stays None, booleans lower-case, times ISO Z."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def record(
    session: Session,
    *,
    actor: Actor | str,
    action: str,
    object_type: str,
    object_id: object,
    field: str | None = None,
    old: object = None,
    new: object = None,
    detail: str | None = None,
) -> AuditEntry:
    """Add one audit row to the caller's transaction (committed or rolled back with the change)."""
    entry = AuditEntry(
        at=utcnow(),
        actor=actor.name if isinstance(actor, Actor) else actor,
        action=str(action),
        object_type=object_type,
        object_id=str(object_id),
        field=field,
        old_value=as_text(old),
        new_value=as_text(new),
        detail=detail,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_rows(
    session: Session,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditEntry]:
    """Audit rows newest first, filtered by actor, object and time (`since` included, `until` not)."""
    query = select(AuditEntry)
    filters = {
        AuditEntry.actor: actor,
        AuditEntry.object_type: object_type,
        AuditEntry.object_id: object_id,
    }
    for column, value in filters.items():
        if value is not None:
            query = query.where(column == value)
    if since is not None:
        query = query.where(AuditEntry.at >= since)
    if until is not None:
        query = query.where(AuditEntry.at < until)
    query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(query))


def read_audit_log(
    *,
    session: Session,
    reader: Actor,
    actor: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = DEFAULT_LIMIT,
) -> list[AuditEntry]:
    """`audit_rows` for a signed-in reader, who must be allowed to read the audit log (admins)."""
    authorize(session, reader, Action.READ_AUDIT_LOG)
    return audit_rows(session, actor, object_type, object_id, since, until, limit)


def record_many(session: Session, entries: list[dict[str, object]]) -> int:
    """Add many audit rows at once (same fields as `record`; `at` defaults to now); returns the count.

    For bulk writes such as detection, where one `record` call per row would be slow.
    """
    if not entries:
        return 0
    now = utcnow()
    rows = [
        {
            "at": entry.get("at") or now,
            "actor": entry["actor"].name if isinstance(entry["actor"], Actor) else entry["actor"],
            "action": str(entry["action"]),
            "object_type": entry["object_type"],
            "object_id": str(entry["object_id"]),
            "field": entry.get("field"),
            "old_value": as_text(entry.get("old")),
            "new_value": as_text(entry.get("new")),
            "detail": entry.get("detail"),
        }
        for entry in entries
    ]
    session.execute(insert(AuditEntry), rows)
    return len(rows)


def apply_audited(
    session: Session,
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str,
    row: Any,
    values: dict[str, object],
) -> None:
    """Set the fields of a versioned settings row that differ, one audit row each, and bump its
    version once (a row at version 0 is new and is added only when something changed)."""
    changed = {name: value for name, value in values.items() if getattr(row, name) != value}
    for name, value in changed.items():
        record(session, actor=actor, action=action, object_type=object_type,
               object_id=object_id, field=name, old=getattr(row, name), new=value)  # fmt: skip
        setattr(row, name, value)
    if changed:
        if row.version == 0:
            session.add(row)
        row.version += 1
        row.updated_at, row.updated_by = utcnow(), actor.name
    session.flush()

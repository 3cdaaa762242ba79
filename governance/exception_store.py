"""Reading exceptions and changing one under its optimistic lock, every changed field audited.

A change names the version the person saw; the UPDATE only matches that version, so of two
people editing at once exactly one wins and the other gets a ConflictError with the new state.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import AuditEntry, ExceptionRecord
from core.timeutil import iso_z
from governance.audit import record
from governance.errors import ConflictError, NotFound
from governance.permissions import Actor

TABLE = ExceptionRecord.__table__
PUBLIC_FIELDS = (
    "id",
    "type",
    "status",
    "severity",
    "domain",
    "team",
    "assignee",
    "entity",
    "facts",
    "first_seen_at",
    "last_seen_at",
    "opened_at",
    "due_at",
    "acknowledged_at",
    "resolved_at",
    "resolved_by",
    "resolution_reason",
    "resolution_note",
    "reopen_count",
    "cleared_by_data",
    "verification",
    "version",
)
# The fields whose changes are audited. The derived ones (acknowledged_at, resolved_at,
# resolved_by, opened_at, cleared_by_data) are the audit row's own time and actor, or follow
# from the status and reason written beside them; observations (last_seen_at, facts) are not audited.
AUDITED_FIELDS = (
    "status",
    "severity",
    "team",
    "assignee",
    "due_at",
    "resolution_reason",
    "resolution_note",
    "reopen_count",
    "verification",
)


def load(session: Session, exception_id: int) -> dict[str, Any]:
    """The stored row of an exception as a dict; NotFound if there is none."""
    row = session.execute(select(TABLE).where(TABLE.c.id == int(exception_id))).mappings().first()
    if row is None:
        raise NotFound(f"no exception {exception_id}")
    return dict(row)


def public(row: dict[str, Any]) -> dict[str, Any]:
    """An exception as pages and the CLI show it (times ISO Z; `owner` is the team)."""
    view = {
        name: iso_z(row[name]) if isinstance(row[name], datetime) else row[name]
        for name in PUBLIC_FIELDS
    }
    view["owner"] = row["team"]
    return view


def last_actor(session: Session, exception_id: int) -> str | None:
    """Who made the latest audited change to an exception."""
    query = (
        select(AuditEntry.actor)
        .where(AuditEntry.object_type == "exception", AuditEntry.object_id == str(exception_id))
        .order_by(AuditEntry.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def conflict(session: Session, exception_id: int) -> ConflictError:
    """The error telling someone the exception changed since they read it, with its state now."""
    current = public(load(session, exception_id))
    by = last_actor(session, exception_id)
    assigned = f", assigned to {current['assignee']}" if current["assignee"] else ""
    return ConflictError(
        f"exception {exception_id} changed under you: it is now {current['status']} "
        f"({current['severity']}, team {current['team']}{assigned}, version {current['version']}"
        f"{f', last changed by {by}' if by else ''}); reload it and decide again",
        current,
    )


def change(
    session: Session,
    row: dict[str, Any],
    values: dict[str, Any],
    *,
    actor: Actor | str,
    action: str,
    seen_version: int | None,
    detail: str | None = None,
) -> dict[str, Any]:
    """Apply `values` if the exception is still at the version seen; audit each changed field.

    `seen_version` None means "the version just read" (the CLI acts on what is stored now).
    Returns the row as stored afterwards; raises ConflictError (nothing written) otherwise.
    """
    based_on = row["version"] if seen_version is None else int(seen_version)
    if based_on != row["version"]:
        raise conflict(session, row["id"])
    changed = {k: v for k, v in values.items() if row.get(k) != v}
    if not changed:
        return row
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.id == row["id"], TABLE.c.version == based_on)
        .values(**changed, version=based_on + 1)
    )
    if result.rowcount != 1:
        raise conflict(session, row["id"])
    for name, new in changed.items():
        if name not in AUDITED_FIELDS:
            continue
        record(
            session,
            actor=actor,
            action=action,
            object_type="exception",
            object_id=row["id"],
            field=name,
            old=row.get(name),
            new=new,
            detail=detail,
        )
    return {**row, **changed, "version": based_on + 1}

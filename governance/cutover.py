"""Closing a migration: the cutover (book of the migrated locations switched old -> new) or abandoning it.

A cutover records who decided it, when, and the readiness at that moment; it is refused while
something blocks unless the blockers are accepted (then they are recorded). It makes the new
system the book of every migrated location whose book was the old system and where the new
system holds stock; the others are left as they are, with the reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from core.schema import SystemMigration
from core.timeutil import utcnow
from governance.audit import record
from governance.book_systems import books, write_book
from governance.errors import ConflictError, GovernanceError
from governance.migration import (
    AUDITED_AS,
    MigrationStatus,
    MigrationView,
    open_row,
    readiness,
    view,
)
from governance.permissions import Action, Actor, authorize
from metrics.parallel_run import locations_held, locations_seen


@dataclass(frozen=True)
class Cutover:
    """What a cutover did: the migration now, the locations switched and those left as they were."""

    migration: MigrationView
    switched: tuple[str, ...]
    left: tuple[tuple[str, str], ...]  # (location, why its book was left as it is)


def close_migration(
    *,
    session: Session,
    actor: Actor,
    migration_id: int,
    note: str,
    seen_version: int | None = None,
    accept_blockers: bool = False,
    now: datetime | None = None,
) -> Cutover:
    """Cut over: record the decision, switch the migrated locations' book from old to new.

    Refused while something blocks readiness unless `accept_blockers` (the blockers are recorded).
    """
    me = authorize(session, actor, Action.MANAGE_MIGRATION)
    authorize(session, actor, Action.EDIT_FIELD_OWNERSHIP)  # the book is warehouse-stock ownership
    text = _note(note, "a cutover")
    row = open_row(session, migration_id, seen_version)
    migration, moment = view(row), now or utcnow()
    verdict = readiness(session, migration, moment)
    if not verdict.ready and not accept_blockers:
        raise GovernanceError(
            f"migration {row.id} is not ready: {'; '.join(verdict.blockers)} "
            "(cut over anyway by accepting the blockers)"
        )
    where = locations_seen(session.connection(), migration.scope, moment)
    held = set(locations_held(session.connection(), row.new_system, moment))
    switched, left = [], []
    for book in books(session, where):
        if book.location not in where:
            continue
        if book.system != row.old_system:
            left.append((book.location, f"its book is {book.system}, not {row.old_system}"))
        elif book.location not in held:
            left.append((book.location, f"{row.new_system} holds no stock there"))
        else:
            switched.append(book.location)
    for location in switched:
        write_book(session, me, location, row.new_system, f"cutover of migration {row.id}")
    state = {"ready": verdict.ready, "streak": verdict.streak, "blockers": list(verdict.blockers),
             "accepted_blockers": bool(verdict.blockers), "switched": switched,
             "left": [list(x) for x in left]}  # fmt: skip
    _finish(session, me, row, MigrationStatus.CUTOVER, text, state)
    return Cutover(view(row), tuple(switched), tuple(left))


def abandon_migration(
    *, session: Session, actor: Actor, migration_id: int, note: str, seen_version: int | None = None
) -> MigrationView:
    """Close a migration without cutover (no book changes)."""
    me = authorize(session, actor, Action.MANAGE_MIGRATION)
    text = _note(note, "abandoning a migration")
    row = open_row(session, migration_id, seen_version)
    _finish(session, me, row, MigrationStatus.ABANDONED, text, None)
    return view(row)


def _note(note: str, what: str) -> str:
    text = (note or "").strip()
    if not text:
        raise GovernanceError(f"{what} needs a note recording the decision (--note TEXT)")
    return text


def _finish(
    session: Session,
    me: Actor,
    row: SystemMigration,
    status: MigrationStatus,
    note: str,
    state: dict[str, Any] | None,
) -> None:
    result = session.execute(
        update(SystemMigration)
        .where(SystemMigration.id == row.id, SystemMigration.version == row.version)
        .values(status=status.value, closed_by=me.name, closed_at=utcnow(), close_note=note,
                readiness_at_close=state, version=row.version + 1)
    )  # fmt: skip
    if result.rowcount != 1:
        raise ConflictError(f"migration {row.id} changed under you: reload it", view(row).as_dict())
    session.refresh(row)
    record(session, actor=me, action=f"migration.{status.value}", object_type=AUDITED_AS,
           object_id=row.id, field="status", old=MigrationStatus.OPEN.value, new=status.value,
           detail=note)  # fmt: skip

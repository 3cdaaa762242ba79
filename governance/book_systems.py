"""The book of each location (the system owning its warehouse stock): settings overlaid by stewards' rows.

A stored row (set by a steward, or written by a migration's cutover) wins over the settings
(`INVGOV_BOOK_SYSTEM_BY_LOCATION`, then the field owner of warehouse stock, stored or
`INVGOV_BOOK_SYSTEM`); the metrics read the same overlay
(metrics.stock.book_of). Every change is audited as object type `book_system`, which also makes the
next metric refresh recompute the stock comparison.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import BookSystem
from core.settings import get_settings
from core.timeutil import utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError
from governance.ownership import SYSTEM_NAME, Reader, field_owners
from governance.permissions import Action, Actor, authorize

AUDITED_AS = "book_system"


@dataclass(frozen=True)
class Book:
    """The book system of a location, where it comes from, and the stored version (0: none)."""

    location: str
    system: str
    origin: str  # "default", "setting" or "set by NAME"
    version: int = 0


def stored_books(session: Reader) -> dict[str, BookSystem]:
    """The stored rows by location id."""
    return {row.location_id: row for row in session.execute(select(BookSystem)).scalars()}


def books(session: Reader, locations: Iterable[str]) -> list[Book]:
    """The book of each location given (and of every location with a stored row), by location."""
    settings = get_settings()
    stored = stored_books(session)
    default = field_owners(session)["warehouse_stock"]  # the stored owner, else the setting
    found = []
    for location in sorted(set(locations) | set(stored)):
        row = stored.get(location)
        if row is not None:
            found.append(Book(location, row.system, f"set by {row.updated_by}", row.version))
        elif location in settings.book_system_by_location:
            found.append(Book(location, settings.book_system_by_location[location], "setting"))
        else:
            found.append(Book(location, default, "default"))
    return found


def book_of(session: Reader, location: str) -> Book:
    """The book of one location."""
    return next(book for book in books(session, [location]) if book.location == location)


def _system_name(raw: str) -> str:
    name = raw.strip().lower()
    if not SYSTEM_NAME.match(name):
        raise GovernanceError(f"system name {raw!r} is not valid (letters, digits, . _ -)")
    return name


def write_book(session: Session, me: Actor, location: str, system: str, detail: str) -> Book:
    """Store a location's book (the caller has checked the permission) and audit old and new."""
    current = book_of(session, location)
    now = utcnow()
    row = session.get(BookSystem, location)
    if row is None:
        session.add(BookSystem(location_id=location, system=system, updated_at=now,
                               updated_by=me.name, version=1))  # fmt: skip
    else:
        session.execute(
            update(BookSystem)
            .where(BookSystem.location_id == location)
            .values(system=system, updated_at=now, updated_by=me.name, version=row.version + 1)
        )
    session.flush()
    record(session, actor=me, action="book_system.edit", object_type=AUDITED_AS,
           object_id=location, field="system", old=current.system, new=system, detail=detail)  # fmt: skip
    return Book(location, system, f"set by {me.name}", current.version + 1)


def set_book_system(
    *, session: Session, actor: Actor, location: str, system: str, seen_version: int | None = None
) -> Book:
    """Make a system the book of a location (stewards, admins; a field-ownership edit)."""
    me = authorize(session, actor, Action.EDIT_FIELD_OWNERSHIP)
    where = location.strip()
    if not where:
        raise GovernanceError("a location id is required")
    name = _system_name(system)
    current = book_of(session, where)
    if seen_version is not None and seen_version != current.version:
        state = {"location": where, "value": current.system, "version": current.version}
        raise ConflictError(
            f"book of {where} changed under you (now {current.system}, version {current.version})",
            state,
        )
    return write_book(session, me, where, name, "set by a steward")

"""A system migration's life: open the parallel run, read its readiness, explain differing pairs.

One migration is open at a time. Every step is a steward's (stewards and admins), checked and
audited in its own transaction, and version-checked against what the person saw. Closing it
(cutover or abandoning) is governance.cutover.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import MigrationExplanation, SystemMigration
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError, NotFound
from governance.ownership import SYSTEM_NAME, Reader
from governance.permissions import Action, Actor, authorize
from governance.readiness import Readiness, Rules, assess, percent
from metrics.parallel_model import Scope
from metrics.parallel_run import pairs_of_day

DEFAULT_TARGET = Decimal("0.995")
DEFAULT_DAYS = 14
DEFAULT_UNITS = 5
AUDITED_AS = "migration"


class MigrationStatus(StrEnum):
    """Open while the parallel run lasts; cutover or abandoned once closed."""

    OPEN = "open"
    CUTOVER = "cutover"
    ABANDONED = "abandoned"


@dataclass(frozen=True)
class MigrationView:
    """A migration as plain typed data."""

    id: int
    old: str
    new: str
    start: date
    locations: tuple[str, ...]
    rules: Rules
    status: MigrationStatus
    opened_by: str
    opened_at: datetime
    closed_by: str | None
    closed_at: datetime | None
    close_note: str | None
    readiness_at_close: dict[str, Any] | None
    version: int

    @property
    def scope(self) -> Scope:
        """What the parallel run compares."""
        return Scope(self.old, self.new, self.start, self.locations)

    def as_dict(self) -> dict[str, Any]:
        """The migration part of `migration report --json`."""
        return {
            "id": self.id, "old": self.old, "new": self.new, "from": self.start.isoformat(),
            "locations": list(self.locations), "status": self.status.value,
            "target_match_rate": float(self.rules.target),
            "required_days": self.rules.required_days,
            "units_threshold": self.rules.units_threshold,
            "opened_by": self.opened_by, "opened_at": iso_z(self.opened_at),
            "closed_by": self.closed_by,
            "closed_at": iso_z(self.closed_at) if self.closed_at else None,
            "close_note": self.close_note, "readiness_at_close": self.readiness_at_close,
            "version": self.version,
        }  # fmt: skip


def view(row: SystemMigration) -> MigrationView:
    """A stored migration as a view."""
    rules = Rules(Decimal(row.target_match_rate), row.required_days, row.units_threshold)
    return MigrationView(
        row.id, row.old_system, row.new_system, row.start_day, tuple(row.locations or ()), rules,
        MigrationStatus(row.status), row.opened_by, row.opened_at, row.closed_by, row.closed_at,
        row.close_note, row.readiness_at_close, row.version,
    )  # fmt: skip


def list_migrations(session: Reader) -> list[MigrationView]:
    """Every migration, newest first."""
    rows = session.execute(select(SystemMigration).order_by(SystemMigration.id.desc())).scalars()
    return [view(row) for row in rows]


def current_migration(session: Reader, migration_id: int | None = None) -> MigrationView | None:
    """The migration asked for, else the open one, else the newest (None when there is none)."""
    found = list_migrations(session)
    if migration_id is not None:
        chosen = [m for m in found if m.id == int(migration_id)]
        if not chosen:
            raise NotFound(f"no migration {migration_id}")
        return chosen[0]
    open_ones = [m for m in found if m.status is MigrationStatus.OPEN]
    return (open_ones or found or [None])[0]


def judged_at(migration: MigrationView, now: datetime) -> datetime:
    """The instant a migration's report is judged at: now, or its closing for a closed one."""
    return min(now, migration.closed_at) if migration.closed_at else now


def readiness(session: Session, migration: MigrationView, as_of: datetime) -> Readiness:
    """The readiness of a migration at as_of."""
    return assess(session.connection(), migration_id=migration.id, scope=migration.scope,
                  rules=migration.rules, as_of=as_of)  # fmt: skip


def _system(raw: str, what: str) -> str:
    name = (raw or "").strip().lower()
    if not SYSTEM_NAME.match(name):
        raise GovernanceError(f"{what} system {raw!r} is not valid (letters, digits, . _ -)")
    return name


def _rules(target: Decimal | float | str, days: int, units: int) -> Rules:
    try:
        rate = Decimal(str(target))
    except InvalidOperation:
        raise GovernanceError(f"the target match rate {target!r} is not a number") from None
    if not Decimal(0) < rate <= Decimal(1):
        raise GovernanceError(f"the target match rate must be in (0, 1], not {rate}")
    if int(days) < 1 or int(units) < 0:
        raise GovernanceError("required days must be ≥ 1 and the units threshold ≥ 0")
    return Rules(rate, int(days), int(units))


def open_migration(
    *,
    session: Session,
    actor: Actor,
    old: str,
    new: str,
    start: date,
    locations: Iterable[str] = (),
    target: Decimal | float | str = DEFAULT_TARGET,
    required_days: int = DEFAULT_DAYS,
    units_threshold: int = DEFAULT_UNITS,
) -> MigrationView:
    """Open the parallel run of `old` and `new` from a day (one migration open at a time)."""
    me = authorize(session, actor, Action.MANAGE_MIGRATION)
    old_name, new_name = _system(old, "old"), _system(new, "new")
    if old_name == new_name:
        raise GovernanceError("the old and the new system must differ")
    rules = _rules(target, required_days, units_threshold)
    running = current_migration(session)
    if running is not None and running.status is MigrationStatus.OPEN:
        raise GovernanceError(
            f"migration {running.id} ({running.old} -> {running.new}) is still open: "
            "close or abandon it first"
        )
    where = sorted({loc.strip() for loc in locations if loc.strip()})
    row = SystemMigration(
        old_system=old_name, new_system=new_name, start_day=start, locations=where,
        target_match_rate=rules.target, required_days=rules.required_days,
        units_threshold=rules.units_threshold, status=MigrationStatus.OPEN.value,
        opened_by=me.name, opened_at=utcnow(), version=1,
    )  # fmt: skip
    session.add(row)
    session.flush()
    scope = ", ".join(where) or "every location"
    record(session, actor=me, action="migration.open", object_type=AUDITED_AS, object_id=row.id,
           field="status", new=row.status,
           detail=f"{old_name} -> {new_name} from {start.isoformat()} at {scope}; ready at "
                  f"≥ {percent(rules.target)} for {rules.required_days} days, pairs above "
                  f"{rules.units_threshold} units explained")  # fmt: skip
    return view(row)


def open_row(session: Session, migration_id: int, seen_version: int | None) -> SystemMigration:
    row = session.get(SystemMigration, int(migration_id))
    if row is None:
        raise NotFound(f"no migration {migration_id}")
    based_on = row.version if seen_version is None else int(seen_version)
    if row.status != MigrationStatus.OPEN or based_on != row.version:
        raise ConflictError(
            f"migration {row.id} changed under you: it is {row.status} (version {row.version}"
            f"{f', closed by {row.closed_by}' if row.closed_by else ''})",
            view(row).as_dict(),
        )
    return row


def explain_pair(
    *,
    session: Session,
    actor: Actor,
    migration_id: int,
    location: str,
    sku: str,
    status: str,
    note: str,
    day: date | None = None,
    now: datetime | None = None,
) -> MigrationView:
    """Mark a pair differing on a day (default: the latest complete one) explained, with a note."""
    me = authorize(session, actor, Action.MANAGE_MIGRATION)
    text = (note or "").strip()
    if not text:
        raise GovernanceError("an explanation needs a note saying why the systems differ")
    row = open_row(session, migration_id, None)
    migration = view(row)
    moment = now or utcnow()
    chosen = day or readiness(session, migration, moment).judged_day
    key = (location.strip(), sku.strip(), status.strip().lower())
    found = [p for p in pairs_of_day(session.connection(), migration.scope, moment, chosen)
             if p.key == key] if chosen else []  # fmt: skip
    if not found:
        on = chosen.isoformat() if chosen else "any day yet"
        raise GovernanceError(f"{'/'.join(key)} is not a differing pair on {on}")
    pair = found[0]
    _store_explanation(session, me, migration.id, pair, text)
    return migration


def _store_explanation(
    session: Session, me: Actor, migration_id: int, pair: Any, note: str
) -> None:
    table = MigrationExplanation.__table__
    location, sku, status = pair.key
    existing = session.execute(
        select(table).where(table.c.migration_id == migration_id, table.c.location_id == location,
                            table.c.sku == sku, table.c.status == status)
    ).mappings().first()  # fmt: skip
    values = {"note": note, "day": pair.day, "old_qty": pair.old_qty, "new_qty": pair.new_qty,
              "explained_by": me.name, "explained_at": utcnow()}  # fmt: skip
    if existing is None:
        session.add(MigrationExplanation(migration_id=migration_id, location_id=location, sku=sku,
                                         status=status, version=1, **values))  # fmt: skip
    else:
        session.execute(update(table).where(table.c.id == existing["id"])
                        .values(version=existing["version"] + 1, **values))  # fmt: skip
    session.flush()
    record(session, actor=me, action="migration.explain", object_type="migration_pair",
           object_id=f"{migration_id}:{location}/{sku}/{status}", field="note",
           old=existing["note"] if existing else None, new=note,
           detail=f"{pair.day.isoformat()}: old {pair.old_qty}, new {pair.new_qty}")  # fmt: skip

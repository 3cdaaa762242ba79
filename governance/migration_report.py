"""A migration's report: the migration, its daily rows by location and status, and its readiness."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from core.timeutil import iso_z, utcnow
from governance.errors import NotFound
from governance.migration import MigrationView, current_migration, judged_at, readiness
from governance.readiness import Readiness, readiness_dict


@dataclass(frozen=True)
class MigrationReport:
    """What `migration report` prints and the Migration page shows."""

    migration: MigrationView
    as_of: datetime
    readiness: Readiness

    def as_dict(self) -> dict[str, Any]:
        """`migration report --json`."""
        comparison = self.readiness.comparison
        days = [
            {"day": v.day.isoformat(), **v.tally.as_dict(), "complete": v.complete,
             "meets_target": v.meets_target, "streak": v.streak}
            for v in self.readiness.days
        ]  # fmt: skip
        by_location = [
            {"day": day.isoformat(), "location": location, **tally.as_dict()}
            for day in comparison.days
            for location, tally in comparison.by_location(day).items()
        ]
        by_status = [
            {"day": day.isoformat(), "status": status, **tally.as_dict()}
            for day in comparison.days
            for status, tally in comparison.by_status(day).items()
        ]
        return {
            "migration": self.migration.as_dict(),
            "old": self.migration.old,
            "new": self.migration.new,
            "as_of": iso_z(self.as_of),
            "days": days,
            "by_location": by_location,
            "by_status": by_status,
            **readiness_dict(self.readiness),
        }


def migration_report(
    session: Session, *, migration_id: int | None = None, as_of: datetime | None = None
) -> MigrationReport:
    """The report of a migration (default: the open one, else the newest) at as_of (default now,
    or its closing for a closed migration)."""
    migration = current_migration(session, migration_id)
    if migration is None:
        raise NotFound("no migration yet: open one with `python manage.py migration open`")
    moment = as_of or judged_at(migration, utcnow().replace(microsecond=0))
    return MigrationReport(migration, moment, readiness(session, migration, moment))

"""New evidence for a person's resolution: imports of the entities a rule reads, committed after it.

SPEC section 4: a person's resolution waits until an import of one of the rule's `reads` commits
after the resolution. "After" is judged two ways, so neither clock granularity nor commit order
hides a file: the run's id is above the newest committed run when the person resolved
(`after_import_id`: 0 before any import, None for closings kept before this rule existed), or
it finished later than the resolution (to the second).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, or_, select
from sqlalchemy.orm import Session

from core.schema import ExceptionResolution, ImportRun

RUNS, RESOLUTIONS = ImportRun.__table__, ExceptionResolution.__table__
COMMITTED = "committed"


class Outcome:
    """What became of a person's closing (exception_resolutions.outcome)."""

    AWAITING = "awaiting"
    VERIFIED = "verified"
    REOPENED = "reopened"
    STANDING = "standing"


@dataclass(frozen=True)
class ImportSeen:
    """One committed import: its run id, the entities its file carried, the file and when."""

    id: int
    entities: frozenset[str]
    file_name: str
    source: str
    finished_at: datetime | None

    @property
    def label(self) -> str:
        """The import as a person reads it: `returns.csv (import 12)`."""
        return f"{self.file_name} (import {self.id})"


@dataclass(frozen=True)
class Evidence:
    """The committed imports that may be new evidence for some awaiting resolution, oldest first."""

    imports: tuple[ImportSeen, ...] = ()

    def since(
        self, reads: Iterable[str], *, after_import_id: int | None, resolved_at: datetime | None
    ) -> ImportSeen | None:
        """The newest import of one of `reads` committed after a resolution, or None."""
        wanted = frozenset(reads)
        for run in reversed(self.imports):
            if not run.entities & wanted:
                continue
            later_id = after_import_id is not None and run.id > after_import_id
            later_time = (
                resolved_at is not None
                and run.finished_at is not None
                and run.finished_at > resolved_at
            )
            if later_id or later_time:
                return run
        return None


def newest_import_id(session: Session) -> int:
    """The id of the newest committed import run (0 before the first import)."""
    newest = session.scalar(select(func.max(RUNS.c.id)).where(RUNS.c.status == COMMITTED))
    return int(newest or 0)


def load_evidence(conn: Connection) -> Evidence:
    """The committed imports later than the oldest awaiting resolution (none when nothing waits)."""
    oldest_id, oldest_at, waiting = conn.execute(
        select(
            func.min(RESOLUTIONS.c.after_import_id),
            func.min(RESOLUTIONS.c.resolved_at),
            func.count(),
        ).where(RESOLUTIONS.c.outcome == Outcome.AWAITING)
    ).one()
    if not waiting:
        return Evidence()
    later = [RUNS.c.finished_at > oldest_at, RUNS.c.id > (-1 if oldest_id is None else oldest_id)]
    query = (
        select(RUNS.c.id, RUNS.c.entity, RUNS.c.file_name, RUNS.c.source, RUNS.c.finished_at)
        .where(RUNS.c.status == COMMITTED, or_(*later))
        .order_by(RUNS.c.id)
    )
    return Evidence(
        tuple(
            ImportSeen(
                row.id,
                frozenset(e.strip() for e in (row.entity or "").split(",") if e.strip()),
                row.file_name,
                row.source,
                row.finished_at,
            )
            for row in conn.execute(query)
        )
    )

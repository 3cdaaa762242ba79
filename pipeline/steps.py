"""The import pipeline's four steps: read a file, write its rows, refresh the aggregates, detect.

1. read: parse and validate outside any transaction (bad rows quarantined, a bad file refused);
2. write: rows, quarantine, SKU resolution, held SKUs, the import run and a note of what the rows
   touched, in one write transaction (the only step of an import that holds the write lock);
3. refresh: the metric aggregates brought up to date in a transaction of their own (a failure or
   a kill here leaves the note, which the next refresh takes in);
4. detect: exception detection and alerts after the commit (a failure is logged: the import has
   committed, and the next detection catches up).
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from connectors.apply import apply_prepared
from connectors.batch import ApplyCounts, PreparedFile, Progress
from connectors.sources import SourceContext, prepare_file
from core import outside_lock
from core.db import DatabaseBusy, read_session, write_session
from core.schema import ImportRun
from core.timeutil import utcnow
from governance.alerts import alert_after_detection
from governance.detection import detect
from governance.errors import GovernanceError
from governance.freeze import freeze_state, request_held_skus, settle_held_skus
from governance.impact import ExceptionImpact
from metrics.pending import pending_size
from metrics.refresh import ImportRefresh, ParkedRefresh, finish_parked, run_refresh
from metrics.touched import Written, written_keys
from pipeline.reports import ImportOptions

log = logging.getLogger(__name__)

REFRESHING = "refreshing"  # the progress phase of the aggregate refresh after the write
# Waiting notes at least this large (characters of their keys, about 2,800 orders: 600 orders
# note about 42,000) are refreshed outside the write lock: copying the aggregates then costs less
# than holding the lock for the whole computation.
OUTSIDE_LOCK_FROM = 200_000
REFRESH_LATE = (
    "the file is imported; the metrics could not be brought up to date just now and are "
    "computed from the raw rows until the next import or `manage.py metrics refresh`"
)


def context(
    path: Path, system: str | None, options: ImportOptions | None, owners: dict[str, str]
) -> SourceContext:
    """What a source needs besides the file: the system, the options and the field owners."""
    options = options or ImportOptions()
    return SourceContext(
        system=system,
        domain_owners=owners,
        location=options.location,
        as_of=options.as_of,
        mapping=options.mapping,
        file_mtime=_mtime(path),
        file_time="the upload time" if options.uploaded else "the file's modification time",
    )


def _mtime(path: Path) -> datetime | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC).replace(microsecond=0)
    except OSError:
        return None


def read(
    path: Path,
    source: str,
    ctx: SourceContext,
    progress: Progress | None = None,
) -> PreparedFile:
    """Step 1: the file parsed and validated, nothing written (FileRefused for a bad file)."""
    return prepare_file(source, path, ctx, progress)


@dataclass(frozen=True)
class Applied:
    """What applying a prepared file in a transaction did: its run, counts and notes."""

    run_id: int
    counts: ApplyCounts
    notes: list[str]
    duration_ms: int
    refresh: ParkedRefresh  # the aggregate refresh to run once the rows are written


def apply_file(
    session: Session,
    path: Path,
    prepared: PreparedFile,
    owners: dict[str, str],
    actor: str | None,
    progress: Progress | None,
    started: float,
    written: Written | None = None,
    earlier: ParkedRefresh | None = None,
) -> Applied:
    """Write a prepared file in the caller's transaction: its run, rows, held SKUs, and a note of
    what it touched; `finish_parked` then refreshes the aggregates (after the commit, or in the
    same transaction for a dry run). `written`: the rows' keys, read before the transaction;
    `earlier`: the pending refresh of the batch's previous file, if any."""
    started_at = utcnow()
    run = ImportRun(
        source=prepared.source,
        system=prepared.system,
        file_name=path.name,
        sha256=prepared.sha256,
        status="running",
        started_at=started_at,
        entity=",".join(b.spec.name for b in prepared.batches),
        actor=actor,
    )
    session.add(run)
    session.flush()
    touched = {b.spec.name: list(b.rows.values()) for b in prepared.batches}
    refresh = ImportRefresh.begin(session, touched, written, earlier)
    frozen = freeze_state(session).active  # read in the write transaction: no race
    counts = apply_prepared(
        session,
        prepared,
        run_id=run.id,
        item_master_system=owners["item_master"],
        now=started_at,
        progress=progress,
        item_master_frozen=frozen,
    )
    if counts.held_new_items:  # the freeze: new SKUs of the owner's file wait for approval
        counts.notes += request_held_skus(session, system=prepared.system,
                                          rows=counts.held_new_items, file_name=path.name,
                                          run_id=run.id, actor=actor)  # fmt: skip
    elif not frozen and prepared.system == owners["item_master"] and "items" in touched:
        counts.notes += settle_held_skus(session, system=prepared.system,
                                         skus=[r["sku"] for r in touched["items"]],
                                         file_name=path.name, actor=actor)  # fmt: skip
    parked = refresh.park(session, run_id=run.id, now=started_at)
    duration_ms = int((time.perf_counter() - started) * 1000)
    notes = prepared.notes + counts.notes
    run.status, run.finished_at, run.duration_ms = "committed", utcnow(), duration_ms
    run.rows_read, run.inserted, run.updated = prepared.rows_read, counts.inserted, counts.updated
    run.unchanged, run.quarantined = counts.unchanged, counts.quarantined
    run.message = "; ".join(notes) or None
    session.flush()
    return Applied(run.id, counts, notes, duration_ms, parked)


def write(
    engine: Engine,
    path: Path,
    prepared: PreparedFile,
    owners: dict[str, str],
    actor: str | None,
    progress: Progress | None,
    started: float,
    earlier: ParkedRefresh | None = None,
) -> Applied:
    """Step 2: the file's rows and its note, committed in one write transaction (the rows' keys
    are read before it, outside the write lock); `earlier` as for apply_file."""
    written = written_keys({b.spec.name: list(b.rows.values()) for b in prepared.batches})
    with write_session(engine, purpose="import") as session:
        return apply_file(
            session, path, prepared, owners, actor, progress, started, written, earlier
        )


def refresh(
    engine: Engine, file_name: str, parked: ParkedRefresh, progress: Progress | None = None
) -> tuple[int, list[str]]:
    """Step 3: the aggregates brought up to date after the commit: (milliseconds, notes). A
    failure loses nothing: the import's note stays pending and the next refresh takes it in."""
    started = time.perf_counter()
    if progress is not None:
        progress(REFRESHING, 0, 1)
    try:
        run_refresh(engine, lambda session: finish_parked(session, parked), outside=_large(engine))
    except (DatabaseBusy, SQLAlchemyError):
        log.exception("the metric refresh after importing %s failed; it stays pending", file_name)
        return int((time.perf_counter() - started) * 1000), [REFRESH_LATE]
    if progress is not None:
        progress(REFRESHING, 1, 1)
    return int((time.perf_counter() - started) * 1000), []


def _large(engine: Engine) -> bool:
    """Whether the waiting notes are large enough to refresh outside the lock (SQLite)."""
    if not outside_lock.serves(engine):
        return False
    with read_session(engine) as session:
        return pending_size(session.connection()) >= OUTSIDE_LOCK_FROM


def detect_after(
    engine: Engine, run_ids: list[int | None], actor: str | None
) -> ExceptionImpact | None:
    """Step 4: exception detection and alerts after committed imports (None when postponed)."""
    runs = ", ".join(str(run_id) for run_id in run_ids if run_id is not None) or "-"
    trigger = f"after import run {runs}{f' by {actor}' if actor else ''}"
    try:
        report = detect(engine, trigger=trigger)
    except DatabaseBusy as busy:  # the import has committed; detection runs again next time
        log.warning("exception detection after import postponed: %s", busy)
        return None
    except (GovernanceError, SQLAlchemyError):
        log.exception("exception detection after import failed; run `manage.py detect` again")
        return None
    alert_after_detection(engine)  # after the commit; never raises, keeps what it cannot send
    return report.impact


def detect_after_undo(engine: Engine, *, run_id: int, actor: str) -> None:
    """Exception detection after an import was undone: what it opened is cleared by data."""
    try:
        detect(engine, trigger=f"after undoing import run {run_id} by {actor}")
    except DatabaseBusy as busy:
        log.warning("exception detection after an undo postponed: %s", busy)
        return
    except (GovernanceError, SQLAlchemyError):
        log.exception("exception detection after an undo failed; run `manage.py detect` again")
        return
    alert_after_detection(engine)

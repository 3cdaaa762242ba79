"""Orchestration across packages: import a file (connectors), then what must follow it."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from connectors.apply import apply_prepared
from connectors.batch import ApplyCounts, PreparedFile, Progress, Written
from connectors.cells import SNAPSHOT_WARNING as WARNING
from connectors.errors import FileRefused
from connectors.preview import FilePreview, owner_caveats, summarise
from connectors.sources import SOURCES, SourceContext, canonical_files_in, prepare_file
from core.db import (
    DatabaseBusy,
    WaitNotice,
    get_engine,
    lock_wait_notices,
    read_session,
    write_session,
)
from core.schema import ImportRun
from core.timeutil import utcnow
from governance.freeze import freeze_state, request_held_skus, settle_held_skus
from governance.impact import ExceptionImpact
from governance.import_undo import UndoReport, undo_import
from governance.ownership import owners_for_import
from governance.permissions import Action, Actor, authorize
from governance.pipeline import after_import, after_undo, detection_deferred
from metrics.refresh import ImportRefresh, ParkedRefresh, finish_parked

log = logging.getLogger(__name__)

MAPPINGS_DIR = Path(__file__).resolve().parent / "connectors" / "mappings"
# Sources an uploaded file may name: all but `sql`, whose mapping file names a database to connect to.
NOT_FOR_UPLOADS = {"sql"}
WAITING = "waiting"  # the progress phase of an import waiting for another writer
REFRESHING = "refreshing"  # the progress phase of the aggregate refresh after the write


@dataclass(frozen=True)
class ImportOptions:
    """Per-import options of `manage.py import`: a location, a snapshot time, a mapping file."""

    location: str | None = None
    as_of: datetime | None = None
    mapping: Path | None = None
    uploaded: bool = False  # the file was uploaded: its modification time is the upload time


def _context(
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


@dataclass
class ImportReport:
    """The outcome of importing one file: committed with counts, or refused with a reason."""

    file: str
    source: str
    status: str
    system: str | None = None
    sha256: str | None = None
    read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    duration_ms: int = 0  # reading and writing the file (its write transaction included)
    refresh_ms: int = 0  # the aggregate refresh after it, in its own transaction
    run_id: int | None = None
    reason: str | None = None
    notes: list[str] = field(default_factory=list)
    written: list[Written] = field(default_factory=list)  # per entity: what each count is
    exceptions: ExceptionImpact | None = None  # what detection after it opened, cleared, reopened
    exceptions_scope: str = "file"  # "batch": counted for all the files detected together

    @property
    def ok(self) -> bool:
        """Whether the file was committed."""
        return self.status == "committed"

    @property
    def warnings(self) -> list[str]:
        """The notes that ask for attention (a snapshot time the file did not give), unprefixed."""
        return [n.removeprefix(WARNING) for n in self.notes if n.startswith(WARNING)]

    @property
    def plain_notes(self) -> list[str]:
        """The other notes."""
        return [n for n in self.notes if not n.startswith(WARNING)]

    def summary(self) -> str:
        """One line a person reads in a terminal."""
        if not self.ok:
            return f"{self.file}: refused: {self.reason}"
        return (
            f"{self.file}: {self.source} as {self.system}: read {self.read}, "
            f"inserted {self.inserted}, updated {self.updated}, unchanged {self.unchanged}, "
            f"quarantined {self.quarantined} ({self.duration_ms} ms)"
        )

    def exceptions_text(self) -> str | None:
        """What the import did to the exceptions, in one line (None when detection did not run)."""
        if self.exceptions is None:
            return None
        scope = (
            " (for all the files of this import together)"
            if self.exceptions_scope == "batch"
            else ""
        )
        return f"exceptions{scope}: {self.exceptions.summary(past=True)}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return asdict(self)


def import_file(
    path: Path,
    source: str,
    *,
    system: str | None = None,
    actor: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Parse and validate a file outside any transaction, then apply it in one short one."""
    engine = engine or get_engine()
    started = time.perf_counter()
    owners = owners_for_import(engine)  # the editable field-ownership table (SPEC section 4)
    ctx = _context(path, system, options, owners)
    try:
        prepared = prepare_file(source, path, ctx, progress)
    except FileRefused as refused:
        log.info("import refused: %s", refused)
        return ImportReport(file=path.name, source=source, status="refused", reason=refused.reason)
    except MemoryError:
        return _refused(path, source, TOO_BIG)
    try:
        with lock_wait_notices(_waiting(path, progress)):
            return _write(path, prepared, engine, owners, actor, progress, started)
    except DatabaseBusy as busy:
        return _refused(path, source, str(busy))
    except SQLAlchemyError:
        log.exception("import of %s failed while writing", path.name)
        return _refused(path, source, WRITE_FAILED)


TOO_BIG = (
    "the file is too large to read at once on this server: split it into smaller files "
    "(or raise the memory available) and import them one after another"
)
WRITE_FAILED = (
    "the database refused to store this file and nothing from it was written; the server log "
    "has the detail: try again, and report it if it happens again"
)


def _refused(path: Path, source: str, reason: str) -> ImportReport:
    log.info("import refused: %s: %s", path.name, reason)
    return ImportReport(file=path.name, source=source, status="refused", reason=reason)


def _waiting(path: Path, progress: Progress | None) -> WaitNotice:
    """What a person is told while the import waits for another writer to finish."""

    def notice(attempt: int, retries: int, waited_s: float) -> None:
        log.warning(
            "%s: another import or detection is writing; waiting (%.0f s so far, try %d of %d)",
            path.name, waited_s, attempt, retries,
        )  # fmt: skip
        if progress is not None:
            progress(WAITING, attempt, retries)

    return notice


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
) -> Applied:
    """Write a prepared file in the caller's transaction: its run, rows, held SKUs, and a note of
    what it touched; `finish_parked` then refreshes the aggregates (after the commit, or in the
    same transaction for a dry run)."""
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
    refresh = ImportRefresh.begin(session, touched)
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


def _write(
    path: Path,
    prepared: PreparedFile,
    engine: Engine,
    owners: dict[str, str],
    actor: str | None,
    progress: Progress | None,
    started: float,
) -> ImportReport:
    """The write phase, then the aggregate refresh, each in a transaction of its own: the import
    holds the write lock only while it writes its rows."""
    with write_session(engine, purpose="import") as session:
        applied = apply_file(session, path, prepared, owners, actor, progress, started)
    refresh_ms, late = _refresh_after(engine, path, applied.refresh, progress)
    impact = after_import(engine, run_id=applied.run_id, actor=actor)
    counts = applied.counts
    return ImportReport(
        file=path.name,
        source=prepared.source,
        status="committed",
        system=prepared.system,
        sha256=prepared.sha256,
        read=prepared.rows_read,
        inserted=counts.inserted,
        updated=counts.updated,
        unchanged=counts.unchanged,
        quarantined=counts.quarantined,
        duration_ms=applied.duration_ms,
        refresh_ms=refresh_ms,
        run_id=applied.run_id,
        notes=applied.notes + late,
        written=counts.written,
        exceptions=impact,
    )


REFRESH_LATE = (
    "the file is imported; the metrics could not be brought up to date just now and are "
    "computed from the raw rows until the next import or `manage.py metrics refresh`"
)


def _refresh_after(
    engine: Engine, path: Path, parked: ParkedRefresh, progress: Progress | None
) -> tuple[int, list[str]]:
    """Refresh the aggregates after an import committed: (milliseconds, notes). A failure here
    loses nothing: the import's note stays pending and the next refresh takes it in."""
    started = time.perf_counter()
    if progress is not None:
        progress(REFRESHING, 0, 1)
    try:
        with write_session(engine, purpose="refresh") as session:
            finish_parked(session, parked)
    except (DatabaseBusy, SQLAlchemyError):
        log.exception("the metric refresh after importing %s failed; it stays pending", path.name)
        return int((time.perf_counter() - started) * 1000), [REFRESH_LATE]
    if progress is not None:
        progress(REFRESHING, 1, 1)
    return int((time.perf_counter() - started) * 1000), []


def import_paths(
    paths: Iterable[Path],
    source: str,
    *,
    system: str | None = None,
    actor: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
) -> list[ImportReport]:
    """Import files one transaction each; `canonical` expands folders into their canonical CSVs."""
    files = expand_paths(paths)
    with detection_deferred() as deferred:  # detect once, on the whole batch, not half-loaded data
        reports = [
            import_file(
                f,
                source,
                system=system,
                actor=actor,
                engine=engine,
                progress=progress,
                options=options,
            )
            for f in files
        ]
    committed = [r for r in reports if r.ok]
    scope = "file" if len(committed) == 1 else "batch"
    for report in committed:
        report.exceptions, report.exceptions_scope = deferred.impact, scope
    return reports


def preview_file(
    path: Path,
    source: str,
    *,
    system: str | None = None,
    options: ImportOptions | None = None,
    rows: int | None = None,
) -> FilePreview:
    """Parse and validate a file exactly as an import would, writing nothing: what it would load."""
    return prepare_preview(path, source, system=system, options=options, rows=rows)[0]


def prepare_preview(
    path: Path,
    source: str,
    *,
    system: str | None = None,
    options: ImportOptions | None = None,
    rows: int | None = None,
    owners: dict[str, str] | None = None,
) -> tuple[FilePreview, PreparedFile | None]:
    """The preview of a file and its prepared rows (None when the file is refused)."""
    owners = owners or owners_for_import(get_engine())
    try:
        prepared = prepare_file(source, path, _context(path, system, options, owners))
    except FileRefused as refused:
        return FilePreview(file=path.name, source=source, refused=refused.reason), None
    preview = summarise(prepared) if rows is None else summarise(prepared, rows)
    return replace(preview, caveats=owner_caveats(prepared, owners["item_master"])), prepared


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The files an import of these paths reads: folders give their canonical CSVs."""
    files: list[Path] = []
    for path in paths:
        files.extend(canonical_files_in(path) if path.is_dir() else [path])
    return files


def import_as(
    actor: Actor,
    path: Path,
    source: str,
    *,
    system: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
) -> ImportReport:
    """Import a file for a signed-in person: PermissionDenied unless their role may import files now."""
    engine = engine or get_engine()
    with read_session(engine) as session:
        current = authorize(session, actor, Action.IMPORT_FILES)
    log.info("%s imports %s as %s", current.name, path.name, source)
    return import_file(path, source, system=system, actor=current.name, engine=engine,
                       progress=progress, options=options)  # fmt: skip


def undo_import_as(actor: Actor, run_id: int, *, engine: Engine | None = None) -> UndoReport:
    """Undo an import run in one transaction (data, aggregates, audit), then detect exceptions."""
    engine = engine or get_engine()
    with write_session(engine) as session:
        report = undo_import(session=session, actor=actor, run_id=run_id)
    log.info("%s", report.summary())
    after_undo(engine, run_id=run_id, actor=report.by)
    return report


def upload_sources() -> list[str]:
    """The sources an uploaded file may be imported with, `auto` first."""
    names = [name for name in SOURCES if name not in NOT_FOR_UPLOADS]
    return ["auto", *(n for n in names if n != "auto")]


def builtin_mappings() -> dict[str, Path]:
    """The mapping files shipped with invgov (for the `mapped` source), by file name."""
    return {p.name: p for p in sorted(MAPPINGS_DIR.glob("*.toml"))}

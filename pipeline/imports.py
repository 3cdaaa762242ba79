"""Importing files through the pipeline's steps, for a person, a folder, or a batch; undoing one."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from connectors.batch import PreparedFile, Progress
from connectors.errors import FileRefused
from connectors.preview import FilePreview, owner_caveats, summarise
from connectors.sources import canonical_files_in
from core.db import (
    DatabaseBusy,
    WaitNotice,
    get_engine,
    lock_wait_notices,
    read_session,
    write_session,
)
from governance.import_undo import UndoReport, undo_import
from governance.ownership import owners_for_import
from governance.permissions import Action, Actor, authorize
from pipeline import steps
from pipeline.batch import ImportBatch, import_batch
from pipeline.reports import ImportOptions, ImportReport, refused

log = logging.getLogger(__name__)

WAITING = "waiting"  # the progress phase of an import waiting for another writer
TOO_BIG = (
    "the file is too large to read at once on this server: split it into smaller files "
    "(or raise the memory available) and import them one after another"
)
WRITE_FAILED = (
    "the database refused to store this file and nothing from it was written; the server log "
    "has the detail: try again, and report it if it happens again"
)


def import_file(
    path: Path,
    source: str,
    *,
    system: str | None = None,
    actor: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
    batch: ImportBatch | None = None,
) -> ImportReport:
    """Read a file outside any transaction, write it in one short one, then refresh and detect
    (at once, or when the batch given ends)."""
    engine = engine or get_engine()
    started = time.perf_counter()
    owners = owners_for_import(engine)  # the editable field-ownership table (SPEC section 4)
    try:
        prepared = steps.read(path, source, steps.context(path, system, options, owners), progress)
    except FileRefused as refusal:
        log.info("import refused: %s", refusal)
        return refused(path, source, refusal.reason)
    except MemoryError:
        return _refused(path, source, TOO_BIG)
    try:
        with lock_wait_notices(_waiting(path, progress)):
            earlier = batch.pending(engine) if batch is not None else None
            applied = steps.write(engine, path, prepared, owners, actor, progress, started, earlier)
            if batch is not None:
                batch.defer(engine, path.name, applied.refresh, applied.run_id, actor)
                refresh_ms, late, impact = 0, [], None
            else:
                refresh_ms, late = steps.refresh(engine, path.name, applied.refresh, progress)
                impact = steps.detect_after(engine, [applied.run_id], actor)
    except DatabaseBusy as busy:
        return _refused(path, source, str(busy))
    except SQLAlchemyError:
        log.exception("import of %s failed while writing", path.name)
        return _refused(path, source, WRITE_FAILED)
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


def _refused(path: Path, source: str, reason: str) -> ImportReport:
    log.info("import refused: %s: %s", path.name, reason)
    return refused(path, source, reason)


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


def import_paths(
    paths: Iterable[Path],
    source: str,
    *,
    system: str | None = None,
    actor: str | None = None,
    engine: Engine | None = None,
    progress: Progress | None = None,
    options: ImportOptions | None = None,
    batch: ImportBatch | None = None,
) -> list[ImportReport]:
    """Import files one transaction each, as one batch (the caller's, or one of its own whose
    refresh and detection run before this returns); `canonical` expands folders into their
    canonical CSVs."""
    files = expand_paths(paths)
    with _batch(batch) as current:
        reports = [
            import_file(f, source, system=system, actor=actor, engine=engine,
                        progress=progress, options=options, batch=current)
            for f in files
        ]  # fmt: skip
    if batch is None:
        tell_batch(reports, current)
    return reports


@contextmanager
def _batch(given: ImportBatch | None) -> Iterator[ImportBatch]:
    with nullcontext(given) if given is not None else import_batch() as current:
        yield current


def tell_batch(reports: list[ImportReport], batch: ImportBatch) -> None:
    """Give the committed reports of an ended batch what its refresh and detection did."""
    committed = [r for r in reports if r.ok]
    scope = "file" if len(committed) == 1 else "batch"
    for report in committed:
        report.exceptions, report.exceptions_scope = batch.impact, scope
    if committed and batch.late:
        committed[-1].notes += batch.late


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
        prepared = steps.read(path, source, steps.context(path, system, options, owners))
    except FileRefused as refusal:
        return FilePreview(file=path.name, source=source, refused=refusal.reason), None
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
    steps.detect_after_undo(engine, run_id=run_id, actor=report.by)
    return report

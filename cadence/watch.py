"""Drop folders at work: import every new, complete file, then move it to done/ or failed/ with its report.

A pass looks at every declared folder twice, `settle` seconds apart; a file whose size and
modification time did not change in between is complete. Partial downloads (`.part`, `.tmp`,
`.crdownload`) and hidden files are never read. A file whose content (sha256) was imported
before is skipped and moved to done/ with a report saying so. Each file goes through
`pipeline.import_file`, the import path of `manage.py import`; detection runs once after the pass.
A refused file goes to failed/ with the reason, so it never blocks the folder; an unexpected
error leaves the file for the next pass, and after MAX_ERRORS such errors it goes to failed/ too.
"""

from __future__ import annotations

import fnmatch
import hashlib
import logging
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import Engine, func, select, update

import pipeline
from cadence.folders import Folder, list_folders
from connectors.canonical import ENTITIES
from core.db import read_session, write_session
from core.schema import ImportRun, WatchFile, WatchFolder
from core.settings import get_settings
from core.timeutil import iso_z, utcnow

log = logging.getLogger(__name__)

PARTIAL_SUFFIXES = (".part", ".partial", ".tmp", ".crdownload")
DONE, FAILED = "done", "failed"
MAX_ERRORS = 3
IMPORT_ACTOR = "drop-folder"  # import runs of drop folders name this actor
CANONICAL_ORDER = {spec.file_name: i for i, spec in enumerate(ENTITIES.values())}


@dataclass(frozen=True)
class FileOutcome:
    """What a pass did with one file: imported, failed, skipped, error (left), or waiting."""

    file: str
    status: str
    detail: str
    moved_to: str | None = None
    run_id: int | None = None


@dataclass(frozen=True)
class FolderRun:
    """One folder's part of a pass."""

    folder: str
    outcomes: tuple[FileOutcome, ...] = ()
    problem: str | None = None

    def count(self, status: str) -> int:
        """How many files ended with this status."""
        return sum(1 for o in self.outcomes if o.status == status)

    def summary(self) -> str:
        """One line a person reads."""
        if self.problem:
            return f"{self.folder}: {self.problem}"
        counts = ", ".join(
            f"{self.count(s)} {s}" for s in ("imported", "failed", "skipped", "error", "waiting")
        )
        return f"{self.folder}: {counts}"

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return asdict(self)


Stamp = tuple[int, int]  # (size, mtime in ns)


def is_partial(name: str) -> bool:
    """Whether a name is a file still being written by convention (`.part` and kin) or hidden."""
    return name.startswith(".") or name.lower().endswith(PARTIAL_SUFFIXES)


def look(folder: Folder) -> tuple[dict[Path, Stamp], list[str]]:
    """The folder's complete-looking candidates with their (size, mtime), and the partial names."""
    stamps: dict[Path, Stamp] = {}
    partial: list[str] = []
    try:
        entries = list(os.scandir(folder.path))
    except OSError:
        return {}, []
    for entry in entries:
        if not entry.is_file(follow_symlinks=False):
            continue
        if is_partial(entry.name):
            if not entry.name.startswith("."):
                partial.append(entry.name)
            continue
        if not fnmatch.fnmatch(entry.name, folder.pattern):
            continue
        try:
            stat = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        stamps[Path(entry.path)] = (stat.st_size, stat.st_mtime_ns)
    return stamps, sorted(partial)


def _load_order(path: Path, stamp: Stamp) -> tuple[int, int, str]:
    """Canonical master data first (locations, items, ...), then oldest first, then by name."""
    return (CANONICAL_ORDER.get(path.name, len(CANONICAL_ORDER)), stamp[1], path.name)


def watch_once(
    engine: Engine,
    *,
    settle: float | None = None,
    sleep: Callable[[float], object] = time.sleep,
    renew: Callable[[], bool] | None = None,
) -> list[FolderRun]:
    """One pass over every declared folder (two looks `settle` seconds apart); detection once after.

    `renew` is called after each file; when it returns False (the worker is stopping, or lost its
    lease) the pass ends there and the remaining files wait for the next one.
    """
    with read_session(engine) as session:
        folders = list_folders(session)
    first = {f.id: look(f)[0] for f in folders}
    if any(first.values()):
        sleep(get_settings().watch_settle_seconds if settle is None else settle)
    runs = []
    with pipeline.import_batch() as batch:  # refresh and detect once, after the whole pass
        for folder in folders:
            runs.append(_process(engine, folder, first[folder.id], renew, batch))
            if renew is not None and not renew():
                break
    return runs


def _process(
    engine: Engine,
    folder: Folder,
    first: dict[Path, Stamp],
    renew: Callable[[], bool] | None,
    batch: pipeline.ImportBatch,
) -> FolderRun:
    if not Path(folder.path).is_dir():
        run = FolderRun(folder.path, problem="the folder does not exist (or cannot be read)")
        _save_run(engine, folder, run)
        return run
    now_stamps, partial = look(folder)
    outcomes: list[FileOutcome] = []
    stopped = False
    for path, stamp in sorted(now_stamps.items(), key=lambda kv: _load_order(*kv)):
        if stopped:
            outcomes.append(FileOutcome(path.name, "waiting", "left for the next pass"))
            continue
        if first.get(path) != stamp:
            why = "new since the first look" if path not in first else "still being written"
            outcomes.append(FileOutcome(path.name, "waiting", why))
            continue
        outcomes.append(_handle(engine, folder, path, stamp[0], batch))
        stopped = renew is not None and not renew()
    outcomes += [FileOutcome(name, "waiting", "being written (partial file)") for name in partial]
    run = FolderRun(folder.path, tuple(outcomes))
    _save_run(engine, folder, run)
    log.log(logging.INFO if outcomes else logging.DEBUG, "drop folder %s", run.summary())
    return run


def file_sha256(path: Path) -> str:
    """The sha256 of a file's bytes (the same digest import runs record)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _imported_before(engine: Engine, sha: str) -> str | None:
    """How a person is told the content was imported already, or None when it is new."""
    query = (
        select(ImportRun.id, ImportRun.file_name, ImportRun.finished_at)
        .where(ImportRun.sha256 == sha, ImportRun.status == "committed")
        .order_by(ImportRun.id)
        .limit(1)
    )
    with read_session(engine) as session:
        row = session.execute(query).first()
    if row is None:
        return None
    when = iso_z(row.finished_at) if row.finished_at else "earlier"
    return f"same content as {row.file_name}, imported at {when} (import run {row.id})"


def _errors_before(engine: Engine, folder: Folder, sha: str) -> int:
    query = select(func.count()).where(
        WatchFile.folder_id == folder.id, WatchFile.sha256 == sha, WatchFile.status == "error"
    )
    with read_session(engine) as session:
        return int(session.execute(query).scalar_one())


def _handle(
    engine: Engine, folder: Folder, path: Path, size: int, batch: pipeline.ImportBatch
) -> FileOutcome:
    try:
        sha = file_sha256(path)
    except OSError as exc:
        return FileOutcome(path.name, "error", f"cannot read the file ({exc.strerror})")
    repeat = _imported_before(engine, sha)
    if repeat is not None:
        outcome = _finish(folder, path, "skipped", repeat, sha)
    else:
        outcome = _import(engine, folder, path, sha, batch)
    _note(engine, folder, outcome, sha, size)
    return outcome


def _import(
    engine: Engine, folder: Folder, path: Path, sha: str, batch: pipeline.ImportBatch
) -> FileOutcome:
    options = pipeline.ImportOptions(
        location=folder.location, mapping=Path(folder.mapping) if folder.mapping else None
    )
    try:
        report = pipeline.import_file(path, folder.source, system=folder.system,
                                      actor=IMPORT_ACTOR, engine=engine, options=options,
                                      batch=batch)  # fmt: skip
    except Exception as exc:  # a bug or an outage must not stop the other files
        log.exception("drop folder %s: importing %s failed", folder.path, path.name)
        errors = _errors_before(engine, folder, sha) + 1
        reason = f"error {errors} of {MAX_ERRORS}: {type(exc).__name__}: {exc}"
        if errors >= MAX_ERRORS:
            return _finish(folder, path, "failed", f"failed after {MAX_ERRORS} errors: {exc}", sha)
        return FileOutcome(path.name, "error", reason)
    if not report.ok:
        return _finish(folder, path, "failed", f"refused: {report.reason}", sha, report)
    return _finish(folder, path, "imported", report.summary(), sha, report)


def _finish(
    folder: Folder,
    path: Path,
    status: str,
    detail: str,
    sha: str,
    report: pipeline.ImportReport | None = None,
) -> FileOutcome:
    """Move the file to done/ or failed/ and write its report beside it."""
    target_dir = Path(folder.path) / (FAILED if status == "failed" else DONE)
    run_id = report.run_id if report else None
    try:
        target_dir.mkdir(exist_ok=True)
        target = _free_name(target_dir, f"{utcnow():%Y%m%dT%H%M%SZ}-{path.name}")
        os.replace(path, target)
        Path(f"{target}.report.txt").write_text(
            _report_text(folder, path.name, status, detail, sha, report), encoding="utf-8"
        )
    except OSError as exc:
        log.error("drop folder %s: cannot move %s: %s", folder.path, path.name, exc)
        return FileOutcome(path.name, status, f"{detail}; not moved: {exc.strerror}", None, run_id)
    return FileOutcome(path.name, status, detail, str(target), run_id)


def _free_name(folder: Path, name: str) -> Path:
    candidate, n = folder / name, 1
    while candidate.exists() or Path(f"{candidate}.report.txt").exists():
        candidate, n = folder / f"{n}-{name}", n + 1
    return candidate


def _report_text(
    folder: Folder,
    name: str,
    status: str,
    detail: str,
    sha: str,
    report: pipeline.ImportReport | None,
) -> str:
    lines = [
        f"file: {name}",
        f"folder: {folder.path}",
        f"status: {status}",
        f"at: {iso_z(utcnow())}",
        f"sha256: {sha}",
        f"source: {folder.source}"
        + (f" (read as {report.source})" if report and report.ok else ""),
        f"detail: {detail}",
    ]
    if report is not None and report.ok:
        lines += [f"system: {report.system}", f"import run: {report.run_id}"]
        lines += [f"note: {note}" for note in report.notes]
    return "\n".join(lines) + "\n"


def _note(engine: Engine, folder: Folder, outcome: FileOutcome, sha: str, size: int) -> None:
    with write_session(engine) as session:
        session.add(
            WatchFile(folder_id=folder.id, file_name=outcome.file, sha256=sha, size=size,
                      status=outcome.status, detail=outcome.detail[:4000],
                      import_run_id=outcome.run_id, moved_to=outcome.moved_to, at=utcnow())
        )  # fmt: skip


def _save_run(engine: Engine, folder: Folder, run: FolderRun) -> None:
    """Keep the pass's summary on the folder (the Sources page shows it)."""
    summary = {
        "counts": {s: run.count(s) for s in ("imported", "failed", "skipped", "error", "waiting")},
        "waiting": [o.file for o in run.outcomes if o.status == "waiting"],
        "problem": run.problem,
    }
    table = WatchFolder.__table__
    with write_session(engine) as session:
        session.execute(
            update(table)
            .where(table.c.id == folder.id)
            .values(last_run_at=utcnow(), last_run=summary)
        )

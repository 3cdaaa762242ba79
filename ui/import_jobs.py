"""Imports run in the background for the app: a thread per request, its progress in a registry pages poll.

The registry lives in this process (Streamlit serves every session from one process); a page keeps
only the job id and polls `job_status`. Each file goes through `pipeline.import_as`, which checks the
person's permission in the database before importing, so a job started from a stale page or a
forged request is refused server-side. The job's staging folder is removed when it ends.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
import uuid
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine

from connectors.batch import Progress
from governance.errors import GovernanceError
from governance.permissions import Actor
from pipeline import ImportOptions, ImportReport, import_as

log = logging.getLogger(__name__)

MAX_KEPT = 50  # finished jobs kept for polling pages; older ones are forgotten
# Share of a file's progress bar per phase of import_file's progress calls (validating, then
# writing); "finishing" is SKU resolution, then the metric refresh and exception detection.
PHASE_SPAN = {
    "validating": (0.0, 0.5),
    "waiting": (0.5, 0.5),
    "writing": (0.5, 0.85),
    "refreshing": (0.9, 0.95),
}
FINISHING = "finishing"
PHASE_WORDS = {
    "starting": "reading the file",
    "validating": "validating rows",
    "waiting": "another import is running: waiting for it to finish",
    "writing": "writing rows",
    FINISHING: "resolving SKUs and saving the rows",
    "refreshing": "refreshing metrics and exceptions",
}
FAILED_UNEXPECTEDLY = "the import stopped on an unexpected error ({name}); see the server log"


class JobState(StrEnum):
    """Where a job is."""

    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


@dataclass(frozen=True)
class JobStatus:
    """A snapshot of one job, safe to read from any thread."""

    job_id: str
    actor: str
    files: tuple[str, ...]
    source: str
    state: JobState = JobState.RUNNING
    file_index: int = 0
    phase: str = "starting"
    fraction: float = 0.0
    reports: tuple[ImportReport, ...] = ()
    error: str | None = None
    started_at: float = field(default_factory=time.time)
    finished_at: float | None = None

    @property
    def finished(self) -> bool:
        """Whether the job has ended (done or failed)."""
        return self.state is not JobState.RUNNING

    @property
    def text(self) -> str:
        """One line for a progress bar (no file names: they are user text, shown apart)."""
        if self.finished:
            return f"Finished: {len(self.reports)} of {len(self.files)} file(s) imported or refused"
        return f"File {self.file_index + 1} of {len(self.files)}: {PHASE_WORDS.get(self.phase, self.phase)}"


_JOBS: dict[str, JobStatus] = {}
_LOCK = threading.Lock()


def _update(job_id: str, **changes: object) -> None:
    with _LOCK:
        _JOBS[job_id] = replace(_JOBS[job_id], **changes)


def job_status(job_id: str) -> JobStatus | None:
    """The current snapshot of a job, or None when this process does not know it."""
    with _LOCK:
        return _JOBS.get(job_id)


def start_import(
    actor: Actor,
    paths: list[Path],
    source: str,
    *,
    system: str | None = None,
    options: ImportOptions | None = None,
    engine: Engine | None = None,
    staging: Path | None = None,
) -> str:
    """Import files one after another in a background thread as `actor`; returns the job id to poll.

    `staging`, when given, is a folder removed when the job ends (the uploads were written there).
    """
    job_id = uuid.uuid4().hex
    status = JobStatus(job_id, actor.name, tuple(p.name for p in paths), source)
    with _LOCK:
        _forget_old()
        _JOBS[job_id] = status
    worker = threading.Thread(
        target=_run,
        args=(job_id, actor, paths, source, system, options, engine, staging),
        name=f"invgov-import-{job_id[:8]}",
        daemon=True,
    )
    worker.start()
    return job_id


def wait_for(job_id: str, timeout: float = 60.0, poll: float = 0.05) -> JobStatus:
    """Block until a job ends (tests and scripts); TimeoutError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = job_status(job_id)
        if status is None:
            raise KeyError(job_id)
        if status.finished:
            return status
        time.sleep(poll)
    raise TimeoutError(f"import job {job_id} still running after {timeout} s")


def _run(
    job_id: str,
    actor: Actor,
    paths: list[Path],
    source: str,
    system: str | None,
    options: ImportOptions | None,
    engine: Engine | None,
    staging: Path | None,
) -> None:
    state, error = JobState.DONE, None
    try:
        for index, path in enumerate(paths):
            _update(job_id, file_index=index, phase="starting", fraction=index / len(paths))
            report = import_as(actor, path, source, system=system, engine=engine,
                               progress=_progress(job_id, index, len(paths)), options=options)  # fmt: skip
            with _LOCK:
                current = _JOBS[job_id]
                _JOBS[job_id] = replace(current, reports=(*current.reports, report))
    except GovernanceError as refused:
        state, error = JobState.FAILED, str(refused)
    except Exception as exc:  # the job must end with a state the page can show
        log.exception("import job %s failed", job_id)
        state, error = JobState.FAILED, FAILED_UNEXPECTEDLY.format(name=type(exc).__name__)
    if staging is not None:  # cleaned up before the job says it has ended
        shutil.rmtree(staging, ignore_errors=True)
    full = {"fraction": 1.0} if state is JobState.DONE else {}
    _update(job_id, state=state, error=error, finished_at=time.time(), **full)


def _progress(job_id: str, index: int, files: int) -> Progress:
    """The progress callback of one file: its phase and share of the whole job."""

    def report(phase: str, done: int, total: int) -> None:
        low, high = PHASE_SPAN.get(phase, (0.0, 1.0))
        within = low + (high - low) * (done / total if total else 1.0)
        if phase == "writing" and done >= total:
            phase = FINISHING
        _update(job_id, phase=phase, fraction=min(1.0, (index + within) / files))

    return report


def _forget_old() -> None:
    """Keep the registry bounded: drop the oldest finished jobs beyond MAX_KEPT (caller holds the lock)."""
    finished = sorted((s for s in _JOBS.values() if s.finished), key=lambda s: s.started_at)
    for status in finished[: max(0, len(_JOBS) - MAX_KEPT)]:
        del _JOBS[status.job_id]

"""What governance does after an import commits: run exception detection (once per batch when deferred).

`after_import` runs detection at once, unless the caller opened `detection_deferred()`: then the
imports inside it are noted and detection runs once when the block ends (a folder of files, a demo).
A detection failure is logged, never raised: the import itself has committed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.db import DatabaseBusy
from governance.alerts import alert_after_detection
from governance.detection import detect
from governance.errors import GovernanceError
from governance.impact import ExceptionImpact

log = logging.getLogger(__name__)
_pending: ContextVar[list[tuple[Engine, int | None, str | None]] | None] = ContextVar(
    "invgov_pending_detection", default=None
)


def _trigger(run_ids: list[int | None], actor: str | None) -> str:
    runs = ", ".join(str(run_id) for run_id in run_ids if run_id is not None) or "-"
    return f"after import run {runs}{f' by {actor}' if actor else ''}"


@dataclass
class Deferred:
    """What the deferred detection of a batch changed (set when the batch's block ends)."""

    impact: ExceptionImpact | None = None


def _run(engine: Engine, run_ids: list[int | None], actor: str | None) -> ExceptionImpact | None:
    try:
        report = detect(engine, trigger=_trigger(run_ids, actor))
    except DatabaseBusy as busy:  # the import has committed; detection runs again next time
        log.warning("exception detection after import postponed: %s", busy)
        return None
    except (GovernanceError, SQLAlchemyError):
        log.exception("exception detection after import failed; run `manage.py detect` again")
        return None
    alert_after_detection(engine)  # after the commit; never raises, keeps what it cannot send
    return report.impact


def after_import(
    engine: Engine, *, run_id: int | None, actor: str | None
) -> ExceptionImpact | None:
    """Run exception detection after a committed import and return what it changed (None when
    deferred to the batch's end, or postponed)."""
    pending = _pending.get()
    if pending is not None:
        pending.append((engine, run_id, actor))
        return None
    return _run(engine, [run_id], actor)


def after_undo(engine: Engine, *, run_id: int, actor: str) -> None:
    """Run exception detection after an import was undone: what it opened is cleared by data."""
    try:
        detect(engine, trigger=f"after undoing import run {run_id} by {actor}")
    except DatabaseBusy as busy:
        log.warning("exception detection after an undo postponed: %s", busy)
        return
    except (GovernanceError, SQLAlchemyError):
        log.exception("exception detection after an undo failed; run `manage.py detect` again")
        return
    alert_after_detection(engine)


@contextmanager
def detection_deferred() -> Iterator[Deferred]:
    """Imports inside the block detect once at its end (per engine), not after every file; the
    yielded Deferred then holds what that detection changed (nested blocks: the outer one's)."""
    deferred = Deferred()
    if _pending.get() is not None:
        yield deferred
        return
    token = _pending.set([])
    try:
        yield deferred
    finally:
        pending = _pending.get() or []
        _pending.reset(token)
        for engine in {id(e): e for e, _run_id, _actor in pending}.values():
            runs = [run_id for e, run_id, _actor in pending if e is engine]
            actors = {actor for e, _run_id, actor in pending if e is engine and actor}
            deferred.impact = _run(engine, runs, ", ".join(sorted(actors)) or None)

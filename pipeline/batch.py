"""Files imported together: each is read and written on its own, their refresh and detection once.

A batch (a folder, a drop-folder pass, the demo) defers steps 3 and 4 of `pipeline.steps` to its
end, explicitly: the caller opens `import_batch()` and hands the batch to each import. When the
block ends, one refresh per database takes every file's note in, then one detection sees the
whole batch rather than half-loaded data. An import without a batch refreshes and detects at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine

from governance.impact import ExceptionImpact
from metrics.refresh import ParkedRefresh
from pipeline import steps


@dataclass(eq=False)
class ImportBatch:
    """The deferred steps of a batch's imports, and what they did once run (per database)."""

    refreshes: dict[int, tuple[Engine, str, ParkedRefresh]] = field(default_factory=dict)
    detections: list[tuple[Engine, int | None, str | None]] = field(default_factory=list)
    impact: ExceptionImpact | None = None  # what the batch's detection opened, cleared, reopened
    late: list[str] = field(default_factory=list)  # notes of a refresh that could not run
    refresh_seconds: float = 0.0
    detection_seconds: float = 0.0

    def defer(
        self,
        engine: Engine,
        file_name: str,
        parked: ParkedRefresh,
        run_id: int | None,
        actor: str | None,
    ) -> None:
        """Keep a committed import's refresh and detection for the batch's end (the newest
        note's refresh takes the earlier ones in)."""
        self.refreshes[id(engine)] = (engine, file_name, parked)
        self.detections.append((engine, run_id, actor))

    def pending(self, engine: Engine) -> ParkedRefresh | None:
        """The deferred refresh of this batch's latest file on that database, if any."""
        kept = self.refreshes.get(id(engine))
        return kept[2] if kept is not None else None

    def finish(self) -> None:
        """Run the deferred steps: one refresh per database, then one detection per database."""
        started = time.perf_counter()
        for engine, file_name, parked in self.refreshes.values():
            self.late += steps.refresh(engine, file_name, parked)[1]
        self.refreshes.clear()
        self.refresh_seconds += time.perf_counter() - started
        started = time.perf_counter()
        for engine in {id(e): e for e, _run, _actor in self.detections}.values():
            runs = [run_id for e, run_id, _actor in self.detections if e is engine]
            actors = {actor for e, _run, actor in self.detections if e is engine and actor}
            self.impact = steps.detect_after(engine, runs, ", ".join(sorted(actors)) or None)
        self.detections.clear()
        self.detection_seconds += time.perf_counter() - started


@contextmanager
def import_batch() -> Iterator[ImportBatch]:
    """A batch whose deferred refresh and detection run when the block ends (also on an error:
    what was committed is refreshed and detected)."""
    batch = ImportBatch()
    try:
        yield batch
    finally:
        batch.finish()

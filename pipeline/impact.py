"""The exception impact of files before they are imported: applied and detected in a rolled-back transaction.

`preview_files` reads each file as an import would, then, in one transaction that is always rolled
back (`core.db.trial_session`), writes them one after another as the import would and runs
detection after each: what it opens, clears and reopens per type is that file's impact, given the
files before it. Nothing survives the rollback (rows, aggregates, exceptions, audit rows); a kill
meanwhile leaves nothing either. The trial holds the write lock while it runs, as an import does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from connectors.batch import PreparedFile
from connectors.preview import FilePreview
from core.db import get_engine, trial_session
from core.settings import get_settings
from governance.detection import trial_detection
from governance.impact import ExceptionImpact
from governance.ownership import owners_for_import
from metrics.refresh import finish_parked
from pipeline.imports import prepare_preview
from pipeline.reports import ImportOptions
from pipeline.steps import apply_file

log = logging.getLogger(__name__)
SETTING = "INVGOV_IMPORT_CONFIRM_EXCEPTIONS"


@dataclass(frozen=True)
class ImpactPreview:
    """A file's preview and the exceptions importing it would open, clear and reopen."""

    preview: FilePreview
    exceptions: ExceptionImpact | None = None  # None: the file is refused
    seconds: float = 0.0  # how long the trial import and detection took

    def exceeds(self, threshold: int) -> bool:
        """Whether importing it would open more exceptions than the threshold."""
        return self.exceptions is not None and self.exceptions.opened > threshold

    def confirmation_text(self, threshold: int) -> str:
        """Why this file needs a confirmation, in one line naming it and the count."""
        opened = self.exceptions.opened if self.exceptions else 0
        return (
            f"{self.preview.file} would open {opened:,} exceptions, more than {threshold:,} "
            f"({SETTING})"
        )


def confirm_threshold() -> int:
    """How many new exceptions one file may open before its import needs a confirmation."""
    return get_settings().import_confirm_exceptions


def preview_files(
    paths: Sequence[Path],
    source: str,
    *,
    system: str | None = None,
    options: ImportOptions | None = None,
    actor: str | None = None,
    engine: Engine | None = None,
) -> list[ImpactPreview]:
    """Per file: its preview and exception impact (files imported in order), writing nothing."""
    engine = engine or get_engine()
    owners = owners_for_import(engine)
    prepared = [
        prepare_preview(p, source, system=system, options=options, owners=owners) for p in paths
    ]
    impacts = _trial(
        engine, owners, actor, [(p, f) for p, (_, f) in zip(paths, prepared, strict=True)]
    )
    return [
        ImpactPreview(preview, *impacts.get(index, (None, 0.0)))
        for index, (preview, _) in enumerate(prepared)
    ]


def _trial(
    engine: Engine,
    owners: dict[str, str],
    actor: str | None,
    files: list[tuple[Path, PreparedFile | None]],
) -> dict[int, tuple[ExceptionImpact, float]]:
    """File index -> (impact, seconds) for the files that could be read, all rolled back."""
    out: dict[int, tuple[ExceptionImpact, float]] = {}
    if not any(prepared for _, prepared in files):
        return out
    with trial_session(engine) as session:
        for index, (path, prepared) in enumerate(files):
            if prepared is None:
                continue
            started = time.perf_counter()
            applied = apply_file(session, path, prepared, owners, actor, None, started)
            finish_parked(session, applied.refresh)
            impact = trial_detection(session)
            out[index] = (impact, round(time.perf_counter() - started, 3))
            log.info(
                "preview of %s: exceptions %s (%.1f s)", path.name, impact.summary(), out[index][1]
            )
    return out

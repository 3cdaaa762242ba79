"""What the import pipeline takes and gives: per-import options, and a file's report."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from connectors.batch import Written
from connectors.cells import SNAPSHOT_WARNING as WARNING
from governance.impact import ExceptionImpact


@dataclass(frozen=True)
class ImportOptions:
    """Per-import options of `manage.py import`: a location, a snapshot time, a mapping file."""

    location: str | None = None
    as_of: datetime | None = None
    mapping: Path | None = None
    uploaded: bool = False  # the file was uploaded: its modification time is the upload time


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
    refresh_ms: int = 0  # the aggregate refresh after it, in its own transaction (0: deferred)
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


def refused(path: Path, source: str, reason: str) -> ImportReport:
    """The report of a file refused whole: nothing of it was written."""
    return ImportReport(file=path.name, source=source, status="refused", reason=reason)

"""What a source preparer needs besides the file: the importing system, options and configured owners."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path


@dataclass(frozen=True)
class SourceContext:
    """What a source needs besides the file: the importing system, options and configured owners."""

    system: str | None
    domain_owners: dict[str, str]
    location: str | None = None
    as_of: datetime | None = None
    mapping: Path | None = None
    file_mtime: datetime | None = None
    file_time: str = "the file's modification time"  # what file_mtime is (an upload: its time)

"""The registry of import sources: how each turns a file into a prepared, validated batch."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from connectors.batch import PreparedFile, Progress
from connectors.canonical import ENTITIES
from connectors.canonical_file import prepare_canonical, spec_for_file_name
from connectors.errors import FileRefused
from connectors.reading import read_text_table


@dataclass(frozen=True)
class SourceContext:
    """What a source needs besides the file: the importing system, options and configured owners."""

    system: str | None
    domain_owners: dict[str, str]
    location: str | None = None
    as_of: datetime | None = None
    mapping: Path | None = None
    file_mtime: datetime | None = None


Preparer = Callable[[bytes, str, SourceContext, Progress | None], PreparedFile]


def _canonical_entity(entity: str) -> Preparer:
    spec = ENTITIES[entity]

    def prepare(
        data: bytes, name: str, ctx: SourceContext, progress: Progress | None
    ) -> PreparedFile:
        system = ctx.system or ctx.domain_owners[spec.domain]
        return prepare_canonical(
            read_text_table(data, name), spec, system=system, progress=progress
        )

    return prepare


def _canonical_by_name(
    data: bytes, name: str, ctx: SourceContext, progress: Progress | None
) -> PreparedFile:
    spec = spec_for_file_name(name)
    if spec is None:
        raise FileRefused(
            name,
            "not a canonical file name (expected one of "
            + ", ".join(s.file_name for s in ENTITIES.values())
            + ")",
        )
    return _canonical_entity(spec.name)(data, name, ctx, progress)


SOURCES: dict[str, Preparer] = {
    "canonical": _canonical_by_name,
    **{entity: _canonical_entity(entity) for entity in ENTITIES},
}


def prepare_file(
    source: str, path: Path, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Parse and validate one file with a named source; raises FileRefused when it cannot be read."""
    if source not in SOURCES:
        raise FileRefused(path.name, f"unknown source {source!r} (known: {', '.join(SOURCES)})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileRefused(path.name, f"cannot read the file ({exc.strerror})") from exc
    prepared = SOURCES[source](data, path.name, ctx, progress)
    prepared.source = source
    return prepared


def canonical_files_in(folder: Path) -> list[Path]:
    """The CSV files of a folder in load order (master data first, then events); others last."""
    order = {spec.file_name: i for i, spec in enumerate(ENTITIES.values())}
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"]
    return sorted(files, key=lambda p: (order.get(p.name, len(order)), p.name))

"""The registry of import sources: how each turns a file into a prepared, validated batch."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from connectors.auto import FORMATS, prepare_auto
from connectors.batch import PreparedFile, Progress
from connectors.canonical import ENTITIES
from connectors.canonical_file import prepare_canonical, spec_for_file_name
from connectors.context import SourceContext
from connectors.errors import FileRefused
from connectors.mapped import prepare_mapped
from connectors.reading import read_file, read_text_table
from connectors.sql_source import prepare_sql

__all__ = ["SOURCES", "SourceContext", "canonical_files_in", "prepare_file"]

Preparer = Callable[[bytes, str, SourceContext, Progress | None], PreparedFile]
# Sources whose preparer names the format it used (kept as the import's source).
SELF_NAMING = {"auto"}


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
    **{name: fmt.prepare for name, fmt in FORMATS.items()},
    "mapped": prepare_mapped,
    "sql": prepare_sql,
    "auto": prepare_auto,
}


def prepare_file(
    source: str, path: Path, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Parse and validate one file with a named source; raises FileRefused when it cannot be read."""
    if source not in SOURCES:
        raise FileRefused(path.name, f"unknown source {source!r} (known: {', '.join(SOURCES)})")
    data = read_file(path)
    prepared = SOURCES[source](data, path.name, ctx, progress)
    if source not in SELF_NAMING:
        prepared.source = source
    return prepared


def canonical_files_in(folder: Path) -> list[Path]:
    """The CSV files of a folder in load order (master data first, then events); others last."""
    order = {spec.file_name: i for i, spec in enumerate(ENTITIES.values())}
    files = [p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv"]
    return sorted(files, key=lambda p: (order.get(p.name, len(order)), p.name))

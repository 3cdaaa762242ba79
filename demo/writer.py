"""Writing the demo's canonical CSV files (SPEC section 2 headers), byte for byte reproducible."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from connectors.canonical import ENTITIES
from core.timeutil import iso_z

# Extra item columns the demo carries (they become item attributes; unit_cost is typed).
ITEM_EXTRA_COLUMNS = ("unit_cost",)


def header(entity: str) -> tuple[str, ...]:
    """The header line of an entity's canonical file, in SPEC order, plus the demo's extras."""
    columns = ENTITIES[entity].columns
    return columns + ITEM_EXTRA_COLUMNS if entity == "items" else columns


def cell(value: object) -> str:
    """A value as the canonical files write it: empty for none, ISO 8601 with Z for instants."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return iso_z(value)
    return str(value)


def write_table(folder: Path, entity: str, rows: Iterable[Sequence[object]]) -> int:
    """Write `<entity>.csv` into a folder (UTF-8, LF line ends); returns the number of data rows."""
    columns = header(entity)
    written = 0
    with (folder / f"{entity}.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            if len(row) != len(columns):
                raise ValueError(f"{entity}: a row has {len(row)} cells, the header {len(columns)}")
            writer.writerow([cell(v) for v in row])
            written += 1
    return written

"""What a prepared file would write, summarised for a preview: format, counts, first rows, quarantine."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from itertools import islice

from connectors.batch import PreparedFile, QuarantineEntry
from connectors.emitter import PreparedSourceFile
from core.timeutil import iso_z

PREVIEW_ROWS = 20
Cell = str | int | float | bool | None


@dataclass(frozen=True)
class EntityPreview:
    """The rows one entity would receive: how many, and the first few as display values."""

    entity: str
    rows: int
    columns: tuple[str, ...]
    first: tuple[dict[str, Cell], ...]


@dataclass(frozen=True)
class FilePreview:
    """A file parsed and validated without writing: what it is, what it holds, what it would quarantine."""

    file: str
    source: str
    system: str | None = None
    rows_read: int = 0
    sha256: str | None = None
    entities: tuple[EntityPreview, ...] = ()
    quarantined: tuple[QuarantineEntry, ...] = ()
    notes: tuple[str, ...] = ()
    system_records: int = 0
    refused: str | None = None
    # Per entity, why its rows would not be written as the count suggests (entity, short, why).
    caveats: tuple[tuple[str, str, str], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether the file could be read."""
        return self.refused is None


def display_value(value: object) -> Cell:
    """A canonical value as a preview shows it: times in ISO UTC, dicts as JSON, decimals as text."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def summarise(prepared: PreparedFile, rows: int = PREVIEW_ROWS) -> FilePreview:
    """The preview of a prepared file: per entity its row count and first `rows` rows."""
    entities = tuple(
        EntityPreview(
            entity=batch.spec.name,
            rows=len(batch.rows),
            columns=batch.columns,
            first=tuple(
                {c: display_value(row.get(c)) for c in batch.columns}
                for row in islice(batch.rows.values(), rows)
            ),
        )
        for batch in prepared.batches
    )
    records = prepared.system_records if isinstance(prepared, PreparedSourceFile) else []
    return FilePreview(
        file=prepared.file_name,
        source=prepared.source,
        system=prepared.system,
        rows_read=prepared.rows_read,
        sha256=prepared.sha256,
        entities=entities,
        quarantined=tuple(prepared.quarantine),
        notes=tuple(prepared.notes),
        system_records=len({r.key for r in records}),
    )


def owner_caveats(prepared: PreparedFile, item_master: str) -> tuple[tuple[str, str, str], ...]:
    """What a non-owner's item rows become: no item created or changed, mappings for known SKUs."""
    entities = {batch.spec.name for batch in prepared.batches}
    if "items" not in entities or prepared.system == item_master:
        return ()
    why = f"{prepared.system} does not own the item master ({item_master} does)"
    out = [("items", "none created", f"No item is created or changed: {why}. A differing field "
            "value of a known item is held for review.")]  # fmt: skip
    if "sku_mappings" in entities:
        out.append(("sku_mappings", "known SKUs only", "A SKU mapping is recorded only for SKUs "
                    f"the item master knows; the others are counted as unknown ({why})."))  # fmt: skip
    return tuple(out)

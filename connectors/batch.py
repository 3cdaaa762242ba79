"""What a parsed file becomes before it is written: typed rows per entity, and quarantined rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from connectors.canonical import EntitySpec
from core.schema.limits import shown

Key = tuple[Any, ...]
Progress = Callable[[str, int, int], None]


@dataclass
class Batch:
    """Rows of one entity keyed by natural key (a repeated key: the later row wins)."""

    spec: EntitySpec
    columns: tuple[str, ...]
    rows: dict[Key, dict[str, Any]] = field(default_factory=dict)
    create_only: bool = False  # rows create missing records but never change existing ones

    def add(self, row: dict[str, Any]) -> None:
        """Add a parsed row, replacing an earlier one with the same key."""
        key = tuple(row[k] for k in self.spec.key)
        self.rows.pop(key, None)
        self.rows[key] = row


@dataclass(frozen=True)
class QuarantineEntry:
    """A row that could not be read: where it was, what it said, and why."""

    line: int
    raw_text: str
    reason: str
    entity: str | None

    def __post_init__(self) -> None:
        # The raw text is kept as evidence in a text column: a NUL in it is shown as ␀.
        object.__setattr__(self, "raw_text", shown(self.raw_text))
        object.__setattr__(self, "reason", shown(self.reason))


@dataclass
class PreparedFile:
    """A file parsed and validated, ready to be applied in one transaction."""

    file_name: str
    sha256: str
    source: str
    system: str
    rows_read: int
    batches: list[Batch] = field(default_factory=list)
    quarantine: list[QuarantineEntry] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Written:
    """What happened to some of a file's rows of one entity, said in words (`items`, `inserted`, 3)."""

    entity: str
    outcome: str
    rows: int

    def text(self) -> str:
        """E.g. `sku_mappings: 12 recorded for items the item master knows`."""
        return f"{self.entity}: {self.rows:,} {self.outcome}"


@dataclass
class ApplyCounts:
    """What applying a file changed: totals, and per entity what each count is (`written`)."""

    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    quarantined: int = 0
    notes: list[str] = field(default_factory=list)
    written: list[Written] = field(default_factory=list)
    # New SKUs of the item-master system's file held by the item-master freeze (for approval).
    held_new_items: list[dict[str, Any]] = field(default_factory=list)

    def add(
        self, inserted: int = 0, updated: int = 0, unchanged: int = 0, entity: str | None = None
    ) -> None:
        """Accumulate row outcomes (per entity too, when named)."""
        self.inserted += inserted
        self.updated += updated
        self.unchanged += unchanged
        if entity is not None:
            for outcome, rows in (("inserted", inserted), ("updated", updated),
                                  ("unchanged", unchanged)):  # fmt: skip
                self.say(entity, outcome, rows)

    def say(self, entity: str, outcome: str, rows: int) -> None:
        """Keep one outcome of an entity's rows (nothing for none)."""
        if rows:
            self.written.append(Written(entity, outcome, rows))

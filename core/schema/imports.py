"""Tables recording imports: runs, what each changed, quarantined rows, the item change log and held changes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class ImportRun(Base):
    """One file imported (or refused): what came in and what it changed."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(Word)
    entity: Mapped[str | None] = mapped_column(Word)
    system: Mapped[str | None] = mapped_column(Word)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(Word)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None] = mapped_column(index=True)
    rows_read: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    quarantined: Mapped[int] = mapped_column(default=0)
    duration_ms: Mapped[int] = mapped_column(default=0)
    message: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None]
    undone_at: Mapped[datetime | None]
    undone_by: Mapped[str | None]


class ImportChange(Base):
    """What an import changed that its rows' own import_run_id cannot tell: a row it updated (the
    previous values of the fields it wrote), deleted (the whole row), or inserted into a table
    without an import_run_id column; kept so that the import can be undone."""

    __tablename__ = "import_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(index=True)
    entity: Mapped[str] = mapped_column(Word)
    key: Mapped[str] = mapped_column(Text)  # the natural key as a JSON list
    kind: Mapped[str] = mapped_column(Word)  # inserted, updated, deleted
    previous: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    previous_run_id: Mapped[int | None] = mapped_column(index=True)  # who wrote the row before

    __table_args__ = (Index(None, "entity", "key"),)


class QuarantinedRow(Base):
    """A row that could not be read, kept with its raw text, file, line and reason."""

    __tablename__ = "quarantined_rows"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int] = mapped_column(index=True)
    entity: Mapped[str | None] = mapped_column(Word)
    file_name: Mapped[str] = mapped_column(Text)
    file_sha256: Mapped[str]
    line_number: Mapped[int]
    raw_text: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("file_sha256", "line_number"),)


class ItemChange(Base):
    """One field of the item master changed: old, new, when, and by which import or user."""

    __tablename__ = "item_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(index=True)
    field: Mapped[str] = mapped_column(Word)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    changed_at: Mapped[datetime]
    system: Mapped[str | None] = mapped_column(Word)
    import_run_id: Mapped[int | None]
    actor: Mapped[str | None]


class HeldItemChange(Base):
    """A non-owning system's different value for an item field, held for a field-ownership exception."""

    __tablename__ = "held_item_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    sku: Mapped[str]
    field: Mapped[str] = mapped_column(Word)
    system: Mapped[str] = mapped_column(Word)
    proposed_value: Mapped[str | None] = mapped_column(Text)
    current_value: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None]
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]

    __table_args__ = (UniqueConstraint("sku", "field", "system"), Index(None, "system"))

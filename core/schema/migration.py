"""Tables of a system migration: the parallel run, explained pairs, the item-master freeze, book systems."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Numeric, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class SystemMigration(Base):
    """A parallel run of an old and a new system, from its first day until cutover or abandonment.

    `locations` lists the migrated locations (empty: every location either system holds stock at).
    """

    __tablename__ = "system_migrations"
    id: Mapped[int] = mapped_column(primary_key=True)
    old_system: Mapped[str] = mapped_column(Word)
    new_system: Mapped[str] = mapped_column(Word)
    start_day: Mapped[date]
    locations: Mapped[list[str]] = mapped_column(JSON, default=list)
    target_match_rate: Mapped[Decimal] = mapped_column(Numeric(6, 5))
    required_days: Mapped[int]
    units_threshold: Mapped[int]
    status: Mapped[str] = mapped_column(Word, index=True)  # open, cutover, abandoned
    opened_by: Mapped[str]
    opened_at: Mapped[datetime]
    closed_by: Mapped[str | None]
    closed_at: Mapped[datetime | None]
    close_note: Mapped[str | None] = mapped_column(Text)
    readiness_at_close: Mapped[dict[str, Any] | None]
    version: Mapped[int] = mapped_column(default=1)


class MigrationExplanation(Base):
    """A steward's note explaining why a (location, sku, status) differs between the two systems."""

    __tablename__ = "migration_explanations"
    id: Mapped[int] = mapped_column(primary_key=True)
    migration_id: Mapped[int] = mapped_column(ForeignKey("system_migrations.id"))
    location_id: Mapped[str]
    sku: Mapped[str]
    status: Mapped[str] = mapped_column(Word)
    note: Mapped[str] = mapped_column(Text)
    day: Mapped[date]  # the day whose difference was explained
    old_qty: Mapped[int]
    new_qty: Mapped[int]
    explained_by: Mapped[str]
    explained_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (UniqueConstraint("migration_id", "location_id", "sku", "status"),)


class ItemMasterFreeze(Base):
    """The item-master freeze (one row): while active, the owning system's item changes are held."""

    __tablename__ = "item_master_freeze"
    id: Mapped[int] = mapped_column(primary_key=True)
    active: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class BookSystem(Base):
    """The book (system owning warehouse stock) of one location, set by a steward or a cutover.

    A stored row overrides the settings (`book_system_by_location`, then `book_system`).
    """

    __tablename__ = "book_systems"
    location_id: Mapped[str] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(Word)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)

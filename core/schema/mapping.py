"""Tables about system SKUs: records without a SKU, and suggested matches for unmapped SKUs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class SystemRecord(Base):
    """A source record that carries no SKU at all (e.g. a Shopify variant), keyed by the source's own identity."""

    __tablename__ = "system_records"
    system: Mapped[str] = mapped_column(Word, primary_key=True)
    source_key: Mapped[str] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Word)
    title: Mapped[str | None] = mapped_column(Text)
    barcode: Mapped[str | None]
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    file_name: Mapped[str | None] = mapped_column(Text)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    import_run_id: Mapped[int | None]


class SkuSuggestion(Base):
    """An unmapped system SKU with the canonical SKU it most likely is, the evidence, and a steward's decision."""

    __tablename__ = "sku_suggestions"
    system: Mapped[str] = mapped_column(Word, primary_key=True)
    system_sku: Mapped[str] = mapped_column(primary_key=True)
    suggested_sku: Mapped[str | None]
    method: Mapped[str | None] = mapped_column(Word)  # normalised_sku, barcode, title
    score: Mapped[float | None] = mapped_column(Float)
    evidence: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(Word, default="open")  # open, confirmed, rejected
    decided_by: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    version: Mapped[int] = mapped_column(default=1)


class NotTrackedSkus(Base):
    """A steward's setting: a system's SKUs (all, or those matching a glob) are not tracked, so they
    raise no unmapped_system_sku exception until a steward lifts it (the row is then deleted)."""

    __tablename__ = "not_tracked_skus"
    id: Mapped[int] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(Word)
    pattern: Mapped[str] = mapped_column(Text)  # a glob over system_sku; "*" is every SKU
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    created_by: Mapped[str]

    __table_args__ = (UniqueConstraint("system", "pattern"),)

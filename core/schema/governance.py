"""Tables of governance work: exceptions and their comments, routing, field ownership, SLAs, reviews, SKU requests."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class ExceptionRecord(Base):
    """One detected problem (type + fingerprint), its owner, lifecycle and the facts shown to the owner.

    `version` is the optimistic lock: every change of state adds one, and an update names the
    version it was based on. The history of an exception is its rows in the audit log.
    """

    __tablename__ = "exceptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    type: Mapped[str] = mapped_column(Word)
    fingerprint: Mapped[str] = mapped_column(Text)
    severity: Mapped[str] = mapped_column(Word)
    domain: Mapped[str] = mapped_column(Word)
    team: Mapped[str]
    assignee: Mapped[str | None]
    status: Mapped[str] = mapped_column(Word)
    entity: Mapped[str] = mapped_column(Text)
    facts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    first_seen_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    opened_at: Mapped[datetime]
    due_at: Mapped[datetime]
    acknowledged_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    resolved_by: Mapped[str | None]
    resolution_reason: Mapped[str | None] = mapped_column(Word)
    resolution_note: Mapped[str | None] = mapped_column(Text)
    reopen_count: Mapped[int] = mapped_column(default=0)
    cleared_by_data: Mapped[bool] = mapped_column(default=False)
    # A person's resolution: "awaiting" new evidence, then "verified" (None otherwise).
    verification: Mapped[str | None] = mapped_column(Word)
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (
        UniqueConstraint("type", "fingerprint"),
        Index(None, "status"),
        Index(None, "team", "status"),
    )


class ExceptionResolution(Base):
    """A person's closing of an exception (resolved or won't fix) and what the data said afterwards.

    `after_import_id` is the newest committed import when the person closed it: only a later
    import of an entity the rule reads is new evidence. `outcome` is awaiting (no evidence yet),
    verified (the evidence no longer shows the problem), reopened (it still does: `evidence_*`
    names the import) or standing (a won't-fix).
    """

    __tablename__ = "exception_resolutions"
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("exceptions.id"), index=True)
    status: Mapped[str] = mapped_column(Word)
    resolved_by: Mapped[str]
    resolved_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Word)
    note: Mapped[str] = mapped_column(Text)
    after_import_id: Mapped[int | None]
    outcome: Mapped[str] = mapped_column(Word, index=True)
    settled_at: Mapped[datetime | None]
    evidence_import_id: Mapped[int | None]
    evidence_file: Mapped[str | None] = mapped_column(Text)


class ExceptionComment(Base):
    """A comment a person left on an exception."""

    __tablename__ = "exception_comments"
    id: Mapped[int] = mapped_column(primary_key=True)
    exception_id: Mapped[int] = mapped_column(ForeignKey("exceptions.id"), index=True)
    author: Mapped[str]
    at: Mapped[datetime]
    body: Mapped[str] = mapped_column(Text)


class RoutingRule(Base):
    """Which team owns the exceptions of a domain (a stored row overrides SPEC's default)."""

    __tablename__ = "routing"
    domain: Mapped[str] = mapped_column(Word, primary_key=True)
    team: Mapped[str]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class FieldOwnership(Base):
    """Which system's data wins for a domain (a stored row overrides the settings' default)."""

    __tablename__ = "field_ownership"
    domain: Mapped[str] = mapped_column(Word, primary_key=True)
    system: Mapped[str] = mapped_column(Word)
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class SeveritySla(Base):
    """Hours from an exception's opening to its due date, per severity (overrides the default)."""

    __tablename__ = "severity_sla"
    severity: Mapped[str] = mapped_column(Word, primary_key=True)
    hours: Mapped[int]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)


class Review(Base):
    """The weekly exception review of one ISO week; closing it freezes the minutes."""

    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(Word, unique=True)
    status: Mapped[str] = mapped_column(Word)
    opened_by: Mapped[str]
    opened_at: Mapped[datetime]
    closed_by: Mapped[str | None]
    closed_at: Mapped[datetime | None]
    minutes_md: Mapped[str | None] = mapped_column(Text)
    minutes_csv: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)


class ReviewItem(Base):
    """One agenda line of a review (an exception type and team, or a KPI off target) and its decision."""

    __tablename__ = "review_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    review_id: Mapped[int] = mapped_column(ForeignKey("reviews.id"))
    key: Mapped[str]
    kind: Mapped[str] = mapped_column(Word)
    position: Mapped[int]
    title: Mapped[str] = mapped_column(Text)
    team: Mapped[str | None]
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    reviewed: Mapped[bool] = mapped_column(default=False)
    decision: Mapped[str | None] = mapped_column(Text)
    next_action: Mapped[str | None] = mapped_column(Text)
    due_date: Mapped[date | None]
    recorded_by: Mapped[str | None]
    recorded_at: Mapped[datetime | None]
    version: Mapped[int] = mapped_column(default=1)

    __table_args__ = (UniqueConstraint("review_id", "key"),)


class SkuRequest(Base):
    """A request for a new SKU or an item-master edit, waiting for a steward other than the requester."""

    __tablename__ = "sku_requests"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(Word)
    sku: Mapped[str] = mapped_column(index=True)
    fields: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)
    requester: Mapped[str]
    requested_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(Word, index=True)
    validation: Mapped[dict[str, Any]] = mapped_column(default=dict)
    decided_by: Mapped[str | None]
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(default=1)

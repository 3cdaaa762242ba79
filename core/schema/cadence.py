"""Tables of the weekly cadence: drop folders and their files, worker leases, alerts, digests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class WatchFolder(Base):
    """A drop folder a steward declared: where exports arrive and how to import them (audited)."""

    __tablename__ = "watch_folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    source: Mapped[str] = mapped_column(Word)
    system: Mapped[str | None] = mapped_column(Word)
    location: Mapped[str | None]
    mapping: Mapped[str | None] = mapped_column(Text)
    pattern: Mapped[str] = mapped_column(default="*")
    created_at: Mapped[datetime]
    created_by: Mapped[str]
    updated_at: Mapped[datetime]
    updated_by: Mapped[str]
    version: Mapped[int] = mapped_column(default=1)
    last_run_at: Mapped[datetime | None]
    last_run: Mapped[dict[str, Any]] = mapped_column(default=dict)


class WatchFile(Base):
    """One file a drop folder handled: imported, failed, skipped as a repeat, or an error."""

    __tablename__ = "watch_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int] = mapped_column(index=True)
    file_name: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(Word)
    detail: Mapped[str | None] = mapped_column(Text)
    import_run_id: Mapped[int | None]
    moved_to: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(index=True)


class WorkerLease(Base):
    """Who runs a scheduled job now (a lease that expires) and how its last run ended."""

    __tablename__ = "worker_leases"
    job: Mapped[str] = mapped_column(Word, primary_key=True)
    holder: Mapped[str | None]
    expires_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(Word)
    message: Mapped[str | None] = mapped_column(Text)


class AlertOutbox(Base):
    """One alert message for the webhook, kept until it is delivered (retried at every run)."""

    __tablename__ = "alert_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    attempts: Mapped[int] = mapped_column(default=0)
    claimed_until: Mapped[datetime | None]
    last_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None]

    __table_args__ = (Index(None, "delivered_at"),)


class AlertMark(Base):
    """What was last alerted about a thing (an exception's opening and severity, a KPI's status)."""

    __tablename__ = "alert_marks"
    key: Mapped[str] = mapped_column(primary_key=True)
    state: Mapped[str]
    at: Mapped[datetime]


class FounderRecipient(Base):
    """A person who receives the founder digest (KPI summary with the one-pager attached)."""

    __tablename__ = "founder_recipients"
    user_name: Mapped[str] = mapped_column(Word, primary_key=True)
    added_by: Mapped[str]
    added_at: Mapped[datetime]


class DigestRun(Base):
    """One sending of a week's digests: who was reached, who not, who has no email."""

    __tablename__ = "digest_runs"
    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(Word, index=True)
    trigger: Mapped[str] = mapped_column(Word)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    sent: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)

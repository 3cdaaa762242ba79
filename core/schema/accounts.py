"""Tables of people and accountability: teams, user accounts, sign-in attempts, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class Team(Base):
    """An owning team (SPEC section 4): exceptions are routed to it, owners belong to it."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)
    created_at: Mapped[datetime]


class User(Base):
    """A person who signs in: a role, an optional team, an argon2 password hash (none for SSO-only)."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(Word, unique=True)
    role: Mapped[str] = mapped_column(Word)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), index=True)
    password_hash: Mapped[str | None]
    disabled: Mapped[bool] = mapped_column(default=False)
    is_demo: Mapped[bool] = mapped_column(default=False)
    email: Mapped[str | None] = mapped_column(unique=True)
    created_at: Mapped[datetime]
    password_changed_at: Mapped[datetime | None]


class LoginAttempt(Base):
    """One sign-in attempt for a name (known or not): when, whether it succeeded, why not."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_name: Mapped[str] = mapped_column(Word)
    at: Mapped[datetime]
    success: Mapped[bool]
    reason: Mapped[str | None] = mapped_column(Word)

    __table_args__ = (Index(None, "user_name", "at"),)


class SignInSession(Base):
    """A signed-in browser: the sha256 of its random cookie token, whose account, when last used.

    Valid while not ended, not idle longer than the setting, not older than the maximum, and while
    the account is enabled with the role and password it had at sign-in.
    """

    __tablename__ = "sign_in_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_sha256: Mapped[str] = mapped_column(Word, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(Word)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    ended_why: Mapped[str | None] = mapped_column(Word)


class AuditEntry(Base):
    """One change (actor, time, object, field, old, new); append-only: rows are never updated or deleted."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(Word)
    object_type: Mapped[str] = mapped_column(Word)
    object_id: Mapped[str]
    field: Mapped[str | None] = mapped_column(Word)
    old_value: Mapped[str | None] = mapped_column(Text)
    new_value: Mapped[str | None] = mapped_column(Text)
    detail: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (Index(None, "object_type", "object_id"),)


class AuditLogIsAppendOnly(RuntimeError):
    """Raised when ORM code tries to update or delete an audit row."""


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _refuse_audit_change(_mapper: Any, _connection: Any, target: AuditEntry) -> None:
    raise AuditLogIsAppendOnly(
        f"audit row {target.id} cannot be changed: the audit log is append-only"
    )

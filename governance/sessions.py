"""Server-side sign-in sessions: a random token the browser holds in a cookie, only its sha256 stored.

A session is valid while it has not ended, has been used within the idle time
(`INVGOV_SESSION_IDLE_HOURS`, default 12), is younger than `INVGOV_SESSION_MAX_HOURS`, and while
its account is enabled with the role it signed in with and no newer password. Signing out,
disabling the account, changing its role or password end every session of the account at once
(`end_sessions_of`, called by governance.accounts in the same transaction); the checks in
`resume` hold even if an account row is changed some other way.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from core.schema import SignInSession, User
from core.settings import get_settings
from core.timeutil import utcnow
from governance.directory import actor_of, require_user
from governance.permissions import Actor

log = logging.getLogger(__name__)
TOKEN_BYTES = 32  # 256 random bits, URL-safe base64 in the cookie
TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often per session
TABLE = SignInSession.__table__


class EndedWhy(StrEnum):
    """Why a session ended (sign_in_sessions.ended_why)."""

    SIGNED_OUT = "signed_out"
    DISABLED = "account_disabled"
    ROLE = "role_changed"
    PASSWORD = "password_changed"
    REMOVED = "account_removed"


@dataclass(frozen=True)
class Resumed:
    """A valid session: whose it is, and whether its last use should be written again."""

    actor: Actor
    session_id: int
    stale: bool  # last_seen_at is older than TOUCH_EVERY: call `touch`


@dataclass(frozen=True)
class SessionLimits:
    """How long a session may stay unused, and how long it may live at all."""

    idle: timedelta
    maximum: timedelta


def limits() -> SessionLimits:
    """The limits from the settings."""
    settings = get_settings()
    return SessionLimits(
        timedelta(hours=settings.session_idle_hours), timedelta(hours=settings.session_max_hours)
    )


def token_hash(token: str) -> str:
    """The stored form of a token: its sha256 in hex (the token itself is never stored)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def start_session(*, session: Session, actor: Actor, now: datetime | None = None) -> str:
    """A new session for a signed-in actor; returns the token for the cookie (shown only now)."""
    user = require_user(session, actor.name)
    moment = now or utcnow()
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        SignInSession(token_sha256=token_hash(token), user_id=user.id, role=user.role,
                      created_at=moment, last_seen_at=moment)
    )  # fmt: skip
    session.flush()
    log.info("session started for %s", user.name)
    return token


def resume(
    session: Session, token: str | None, *, now: datetime | None = None, within: SessionLimits
) -> Resumed | None:
    """The session of a valid token, or None (unknown, ended, idle, too old, or the account
    changed since). Reads only: a page run never waits for the write lock to recognise someone."""
    if not token:
        return None
    moment = now or utcnow()
    row = session.execute(
        select(SignInSession, User)
        .join(User, User.id == SignInSession.user_id)
        .where(SignInSession.token_sha256 == token_hash(token))
    ).first()
    if row is None:
        return None
    stored, user = row
    changed = user.password_changed_at is not None and user.password_changed_at > stored.created_at
    if (
        stored.ended_at is not None
        or moment - stored.last_seen_at > within.idle
        or moment - stored.created_at > within.maximum
        or user.disabled
        or user.role != stored.role
        or changed
    ):
        return None
    stale = moment - stored.last_seen_at >= TOUCH_EVERY
    return Resumed(actor_of(session, user), stored.id, stale)


def touch(*, session: Session, session_id: int, now: datetime | None = None) -> None:
    """Record that a session was used now (its idle time starts again)."""
    session.execute(
        update(TABLE)
        .where(TABLE.c.id == session_id, TABLE.c.ended_at.is_(None))
        .values(last_seen_at=now or utcnow())
    )


def end_session(*, session: Session, token: str | None, now: datetime | None = None) -> bool:
    """Sign out: end the session of this token; whether one was ended."""
    if not token:
        return False
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.token_sha256 == token_hash(token), TABLE.c.ended_at.is_(None))
        .values(ended_at=now or utcnow(), ended_why=EndedWhy.SIGNED_OUT.value)
    )
    return result.rowcount == 1


def end_sessions_of(session: Session, name: str, why: EndedWhy) -> int:
    """End every open session of an account (disabled, role or password changed); how many."""
    user = require_user(session, name)
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.user_id == user.id, TABLE.c.ended_at.is_(None))
        .values(ended_at=utcnow(), ended_why=why.value)
    )
    if result.rowcount:
        log.info("%d session(s) of %s ended: %s", result.rowcount, user.name, why.value)
    return result.rowcount


def forget_sessions_of(session: Session, user_id: int) -> None:
    """Delete the sessions of an account that is being removed (demo accounts)."""
    session.execute(delete(TABLE).where(TABLE.c.user_id == user_id))

"""Sign-in with a password: argon2 verification, every attempt logged, lock-out after repeated failures."""

from __future__ import annotations

import logging
import math
from datetime import datetime, timedelta
from enum import StrEnum
from typing import NoReturn

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from core.schema import LoginAttempt, User
from core.timeutil import utcnow
from governance.directory import actor_of, find_user, normalize_name
from governance.errors import AuthenticationError
from governance.passwords import needs_rehash, rehash, verify_password
from governance.permissions import Actor

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCKOUT_WINDOW = timedelta(minutes=15)
NAME_MAX = 64  # the width of login_attempts.user_name
WRONG_CREDENTIALS = "wrong user name or password"


class Outcome(StrEnum):
    """Why an attempt ended as it did (login_attempts.reason)."""

    OK = "ok"
    UNKNOWN_USER = "unknown_user"
    NO_PASSWORD = "no_password"
    BAD_PASSWORD = "bad_password"
    DISABLED = "disabled"
    LOCKED = "locked"


def locked_until(session: Session, name: str, now: datetime) -> datetime | None:
    """When a name may try again, if its last MAX_FAILURES attempts within the window all failed."""
    query = (
        select(LoginAttempt.at, LoginAttempt.success)
        .where(LoginAttempt.user_name == name, LoginAttempt.at > now - LOCKOUT_WINDOW)
        .where(or_(LoginAttempt.reason.is_(None), LoginAttempt.reason != Outcome.LOCKED.value))
        .order_by(LoginAttempt.at.desc(), LoginAttempt.id.desc())
        .limit(MAX_FAILURES)
    )
    recent = session.execute(query).all()
    if len(recent) < MAX_FAILURES or any(success for _, success in recent):
        return None
    return recent[-1].at + LOCKOUT_WINDOW


def authenticate(
    session: Session, name: str, password: str, *, now: datetime | None = None
) -> Actor:
    """The Actor of a name and password, or AuthenticationError; every attempt is recorded.

    Call it in a write session. A refusal commits the session before raising, so the failed
    attempt is kept (rate limiting counts it) even though the caller's block then rolls back.
    """
    key = normalize_name(name)[:NAME_MAX]
    now = now or utcnow()
    until = locked_until(session, key, now)
    if until is not None:
        _refuse(session, key, now, Outcome.LOCKED, _try_again(until - now))
    user = find_user(session, key)
    matched = verify_password(user.password_hash if user else None, password)
    if user is None or user.password_hash is None or not matched:
        _refuse(session, key, now, _failure(user), WRONG_CREDENTIALS)
    if user.disabled:
        _refuse(session, key, now, Outcome.DISABLED, f"the account {key} is disabled; ask an admin")
    if needs_rehash(user.password_hash):
        user.password_hash = rehash(password)
    session.add(LoginAttempt(user_name=key, at=now, success=True, reason=Outcome.OK.value))
    session.flush()
    log.info("sign-in: %s", key)
    return actor_of(session, user)


def _try_again(wait: timedelta) -> str:
    minutes = max(1, math.ceil(wait.total_seconds() / 60))
    return f"too many failed sign-ins; try again in {minutes} minute{'' if minutes == 1 else 's'}"


def _failure(user: User | None) -> Outcome:
    if user is None:
        return Outcome.UNKNOWN_USER
    return Outcome.BAD_PASSWORD if user.password_hash else Outcome.NO_PASSWORD


def _refuse(session: Session, name: str, now: datetime, outcome: Outcome, message: str) -> NoReturn:
    session.add(LoginAttempt(user_name=name, at=now, success=False, reason=outcome.value))
    session.commit()
    log.warning("sign-in refused for %r: %s", name, outcome.value)
    raise AuthenticationError(message)

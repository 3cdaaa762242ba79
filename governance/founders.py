"""Who receives the founder digest (the KPI summary with the one-pager attached): a table admins edit.

It is about people, so changing it needs `manage users, roles and teams` (admins); each change
is audited. A name whose account is gone or disabled stays listed and is reported at sending
time, never silently skipped.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from core.schema import FounderRecipient, User
from core.timeutil import utcnow
from governance.audit import SYSTEM_ACTOR, record
from governance.directory import normalize_name, require_user
from governance.errors import GovernanceError
from governance.permissions import Action, Actor, authorize

TABLE = FounderRecipient.__table__


@dataclass(frozen=True)
class FounderRecipientView:
    """A founder-digest recipient: the user name, their email (None: none or no account), state."""

    name: str
    email: str | None
    account: str  # "enabled", "disabled" or "missing"


def founder_recipients(session: Session) -> list[FounderRecipientView]:
    """Every founder-digest recipient by name, with their email and whether the account works."""
    query = (
        select(TABLE.c.user_name, User.email, User.disabled)
        .select_from(TABLE.outerjoin(User, User.name == TABLE.c.user_name))
        .order_by(TABLE.c.user_name)
    )
    views = []
    for row in session.execute(query):
        state = "missing" if row.disabled is None else "disabled" if row.disabled else "enabled"
        views.append(FounderRecipientView(row.user_name, row.email, state))
    return views


def _insert(session: Session, name: str, by: Actor | str) -> None:
    by_name = by.name if isinstance(by, Actor) else by
    session.execute(TABLE.insert().values(user_name=name, added_by=by_name, added_at=utcnow()))
    record(session, actor=by, action="founder_digest.add", object_type="founder_recipient",
           object_id=name)  # fmt: skip


def add_founder_recipient(*, session: Session, actor: Actor, name: str) -> None:
    """Make a user receive the founder digest (admins)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    if session.execute(select(TABLE.c.user_name).where(TABLE.c.user_name == user.name)).first():
        raise GovernanceError(f"{user.name} already receives the founder digest")
    _insert(session, user.name, me)


def remove_founder_recipient(*, session: Session, actor: Actor, name: str) -> None:
    """Stop sending the founder digest to a name (admins)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    key = normalize_name(name)
    if session.execute(delete(TABLE).where(TABLE.c.user_name == key)).rowcount != 1:
        raise GovernanceError(f"{key} does not receive the founder digest")
    record(session, actor=me, action="founder_digest.remove", object_type="founder_recipient",
           object_id=key)  # fmt: skip


def ensure_demo_founder(session: Session, name: str) -> None:
    """Demo set-up: make the demo admin a founder recipient (idempotent; actor `system`)."""
    if session.execute(select(TABLE.c.user_name).where(TABLE.c.user_name == name)).first() is None:
        _insert(session, name, SYSTEM_ACTOR)

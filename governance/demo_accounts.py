"""Demo accounts: one per role (two stewards, three owners) with documented passwords, and the routing teams.

The demo password of every account is DEMO_PASSWORD ("invgov-demo"). Demo accounts are
marked is_demo and removed together by `remove_demo_accounts`; never use them in production.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import User
from core.timeutil import utcnow
from governance.audit import SYSTEM_ACTOR, record
from governance.directory import (
    DEFAULT_TEAMS,
    UserEvent,
    ensure_team,
    find_user,
    insert_user,
    team_name_of,
)
from governance.founders import ensure_demo_founder
from governance.passwords import hash_password, verify_password
from governance.permissions import Role

log = logging.getLogger(__name__)
DEMO_PASSWORD = "invgov-demo"
DEMO_EMAIL_DOMAIN = "example.com"
DEMO_FOUNDER = "demo.admin"  # the demo brand's founder-digest recipient


@dataclass(frozen=True)
class DemoAccount:
    """One demo account: name, role, team."""

    name: str
    role: Role
    team: str | None

    @property
    def email(self) -> str:
        """The demo account's example address (example.com never delivers mail)."""
        return f"{self.name}@{DEMO_EMAIL_DOMAIN}"


DEMO_ACCOUNTS = (
    DemoAccount("viewer", Role.VIEWER, None),
    DemoAccount("owner.inventory", Role.OWNER, "inventory control"),
    DemoAccount("owner.merch", Role.OWNER, "merchandising"),
    DemoAccount("owner.stores", Role.OWNER, "store operations"),
    DemoAccount("steward", Role.STEWARD, "merchandising"),
    DemoAccount("steward2", Role.STEWARD, "merchandising"),
    DemoAccount("demo.admin", Role.ADMIN, None),
)


def create_demo_accounts(session: Session) -> list[tuple[str, str, str | None, str]]:
    """Create (or restore) the routing teams and demo accounts; returns (name, role, team, password).

    A real (non-demo) account that already holds a demo name is left alone and not returned.
    """
    for team in DEFAULT_TEAMS:
        ensure_team(session, team, by=SYSTEM_ACTOR)
    ready: list[tuple[str, str, str | None, str]] = []
    for account in DEMO_ACCOUNTS:
        user = find_user(session, account.name)
        if user is None:
            insert_user(
                session,
                by=SYSTEM_ACTOR,
                name=account.name,
                role=account.role,
                team=account.team,
                password=DEMO_PASSWORD,
                email=account.email,
                is_demo=True,
            )
        elif not user.is_demo:
            log.warning("a real account is named %r: demo account not created", account.name)
            continue
        else:
            _restore(session, user, account)
        ready.append((account.name, account.role.value, account.team, DEMO_PASSWORD))
    if any(name == DEMO_FOUNDER for name, *_ in ready):
        ensure_demo_founder(session, DEMO_FOUNDER)
    return ready


def remove_demo_accounts(session: Session) -> int:
    """Delete every demo account (teams stay); returns how many were removed."""
    users = session.scalars(select(User).where(User.is_demo.is_(True))).all()
    for user in users:
        record(
            session,
            actor=SYSTEM_ACTOR,
            action=UserEvent.REMOVE,
            object_type="user",
            object_id=user.name,
            detail="demo account removed",
        )
        session.delete(user)
    session.flush()
    return len(users)


def _restore(session: Session, user: User, account: DemoAccount) -> None:
    """Put an existing demo account back to its documented role, team, password and state."""
    wanted_team = ensure_team(session, account.team, by=SYSTEM_ACTOR) if account.team else None
    changes = {  # field: (event, old, new)
        "role": (UserEvent.ROLE, user.role, account.role.value),
        "team": (
            UserEvent.TEAM,
            team_name_of(session, user),
            wanted_team.name if wanted_team else None,
        ),
        "disabled": (UserEvent.ENABLE, user.disabled, False),
        "email": (UserEvent.EMAIL, user.email, account.email),
    }
    user.role, user.disabled, user.email = account.role.value, False, account.email
    user.team_id = wanted_team.id if wanted_team else None
    for field, (event, old, new) in changes.items():
        if old != new:
            record(
                session,
                actor=SYSTEM_ACTOR,
                action=event,
                object_type="user",
                object_id=user.name,
                field=field,
                old=old,
                new=new,
                detail="demo account restored",
            )
    if not verify_password(user.password_hash, DEMO_PASSWORD):
        user.password_hash = hash_password(DEMO_PASSWORD)
        user.password_changed_at = utcnow()
        record(
            session,
            actor=SYSTEM_ACTOR,
            action=UserEvent.PASSWORD_RESET,
            object_type="user",
            object_id=user.name,
            field="password",
            detail="demo account restored",
        )

"""Accounts: add, disable, enable, change role or team, set passwords, bootstrap the first admin.

Every mutation is `verb(*, session, actor, ...)`: it re-reads the actor inside the caller's
transaction, checks SPEC section 4's table (`manage users, roles and teams`: admins) and writes
its audit rows there. Sign-in lives in `governance.signin`, demo accounts in
`governance.demo_accounts`; both are re-exported here.
"""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import Team, User
from core.settings import get_settings
from core.timeutil import utcnow
from governance.audit import SYSTEM_ACTOR, record
from governance.demo_accounts import DEMO_ACCOUNTS, create_demo_accounts, remove_demo_accounts
from governance.directory import (
    UserEvent,
    actor_of,
    clean_email,
    ensure_team,
    find_user,
    has_accounts,
    insert_user,
    keep_an_admin,
    parse_role,
    require_user,
    team_name_of,
)
from governance.errors import AuthenticationError, GovernanceError, PermissionDenied
from governance.passwords import generate_password, hash_password, verify_password
from governance.permissions import Action, Actor, Role, actor_by_name, authorize
from governance.signin import authenticate

__all__ = [
    "DEMO_ACCOUNTS",
    "FIRST_ADMIN_NAME",
    "add_user",
    "authenticate",
    "change_email",
    "change_own_password",
    "change_role",
    "change_team",
    "create_demo_accounts",
    "create_first_admin",
    "disable_user",
    "enable_user",
    "ensure_first_admin",
    "list_users",
    "remove_demo_accounts",
    "reset_password",
]

log = logging.getLogger(__name__)
FIRST_ADMIN_NAME = "admin"


def add_user(
    *,
    session: Session,
    actor: Actor,
    name: str,
    role: str | Role,
    team: str | None = None,
    password: str | None = None,
    email: str | None = None,
) -> Actor:
    """Create an account (owners need a team, created if new; password policy applies)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = insert_user(
        session, by=me, name=name, role=role, team=team, password=password, email=email
    )
    return actor_of(session, user)


def disable_user(*, session: Session, actor: Actor, name: str) -> Actor:
    """Disable an account: it can no longer sign in or act (the last enabled admin stays)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    if not user.disabled:
        keep_an_admin(session, user)
        _set(session, user, "disabled", True, by=me, action=UserEvent.DISABLE)
    return actor_of(session, user)


def enable_user(*, session: Session, actor: Actor, name: str) -> Actor:
    """Enable a disabled account again."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    if user.disabled:
        _set(session, user, "disabled", False, by=me, action=UserEvent.ENABLE)
    return actor_of(session, user)


def change_role(*, session: Session, actor: Actor, name: str, role: str | Role) -> Actor:
    """Give an account another role (an owner needs a team; the last enabled admin stays)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user, new_role = require_user(session, name), parse_role(role)
    if user.role == new_role:
        return actor_of(session, user)
    if new_role is Role.OWNER and user.team_id is None:
        raise GovernanceError(f"an owner needs a team: set the team of {user.name} first")
    if new_role is not Role.ADMIN:
        keep_an_admin(session, user)
    _set(session, user, "role", new_role.value, by=me, action=UserEvent.ROLE)
    return actor_of(session, user)


def change_team(*, session: Session, actor: Actor, name: str, team: str | None) -> Actor:
    """Move an account to a team (created if new), or to none (not for owners)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    if not (team or "").strip() and user.role == Role.OWNER:
        raise GovernanceError(f"{user.name} is an owner and needs a team")
    new_team = ensure_team(session, team, by=me) if (team or "").strip() else None
    new_id = new_team.id if new_team else None
    if new_id != user.team_id:
        old_name = team_name_of(session, user)
        user.team_id = new_id
        record(
            session,
            actor=me,
            action=UserEvent.TEAM,
            object_type="user",
            object_id=user.name,
            field="team",
            old=old_name,
            new=new_team.name if new_team else None,
        )
    return actor_of(session, user)


def change_email(*, session: Session, actor: Actor, name: str, email: str | None) -> Actor:
    """Set or clear an account's email (digests go to it; single sign-on matches it)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    new = clean_email(email)
    if new is None and user.password_hash is None:
        raise GovernanceError(f"{user.name} signs in by email only: give them a password first")
    if new is not None and new != user.email:
        taken = session.scalars(select(User).where(User.email == new, User.id != user.id)).first()
        if taken is not None:
            raise GovernanceError(f"another user already has the email {new!r}")
    if new != user.email:
        _set(session, user, "email", new, by=me, action=UserEvent.EMAIL)
    return actor_of(session, user)


def reset_password(*, session: Session, actor: Actor, name: str, password: str) -> Actor:
    """Set another account's password (admins)."""
    me = authorize(session, actor, Action.MANAGE_USERS)
    user = require_user(session, name)
    _store_password(session, user, password, by=me, action=UserEvent.PASSWORD_RESET)
    return actor_of(session, user)


def change_own_password(
    *, session: Session, actor: Actor, current_password: str, new_password: str
) -> Actor:
    """Change the signed-in user's own password, given the current one (any enabled user)."""
    me = actor_by_name(session, actor.name)
    if me.disabled:
        raise PermissionDenied(
            f"{me.name} ({me.role}) may not change a password: the account is disabled"
        )
    user = require_user(session, me.name)
    if not verify_password(user.password_hash, current_password):
        raise AuthenticationError("the current password is wrong")
    if new_password == current_password:
        raise GovernanceError("the new password must differ from the current one")
    _store_password(session, user, new_password, by=me, action=UserEvent.PASSWORD_CHANGE)
    return me


def create_first_admin(*, session: Session, name: str, password: str) -> Actor:
    """Bootstrap: create an admin without an actor, allowed only while no account exists at all."""
    if has_accounts(session):
        raise GovernanceError("accounts already exist: an admin must add users (--user NAME)")
    user = insert_user(session, by=SYSTEM_ACTOR, name=name, role=Role.ADMIN, password=password)
    return actor_of(session, user)


def ensure_first_admin(session: Session) -> str | None:
    """When no admin exists, create `admin`; returns its password only when it was generated.

    The password is INVGOV_ADMIN_PASSWORD when set, otherwise random and returned so the caller
    shows it once (it is never logged). Returns None when an admin existed or the setting was used.
    """
    if session.scalars(select(User).where(User.role == Role.ADMIN.value)).first():
        return None
    if find_user(session, FIRST_ADMIN_NAME) is not None:
        raise GovernanceError(f"no admin exists and the name {FIRST_ADMIN_NAME!r} is taken")
    configured = get_settings().admin_password
    password = configured.get_secret_value() if configured else generate_password()
    insert_user(session, by=SYSTEM_ACTOR, name=FIRST_ADMIN_NAME, role=Role.ADMIN, password=password)
    source = "INVGOV_ADMIN_PASSWORD" if configured else "a generated password"
    log.warning("created the first admin %r with %s", FIRST_ADMIN_NAME, source)
    return None if configured else password


def list_users(session: Session) -> list[dict[str, object]]:
    """Every account as a plain dict (name order): name, role, team, flags, email, times."""
    query = select(User, Team.name).outerjoin(Team, User.team_id == Team.id).order_by(User.name)
    return [
        {
            "name": user.name,
            "role": user.role,
            "team": team_name,
            "disabled": user.disabled,
            "is_demo": user.is_demo,
            "email": user.email,
            "created_at": user.created_at,
            "password_changed_at": user.password_changed_at,
        }
        for user, team_name in session.execute(query)
    ]


def _set(session: Session, user: User, field: str, new: object, *, by: Actor, action: str) -> None:
    old = getattr(user, field)
    setattr(user, field, new)
    record(
        session,
        actor=by,
        action=action,
        object_type="user",
        object_id=user.name,
        field=field,
        old=old,
        new=new,
    )


def _store_password(session: Session, user: User, password: str, *, by: Actor, action: str) -> None:
    user.password_hash = hash_password(password)
    user.password_changed_at = utcnow()
    record(
        session, actor=by, action=action, object_type="user", object_id=user.name, field="password"
    )

"""The account store: user and team look-ups and the audited writes every account function shares.

Nothing here checks permissions; `governance.accounts` does, then calls these.
"""

from __future__ import annotations

import re
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.schema import Team, User
from core.timeutil import utcnow
from governance.audit import record
from governance.errors import GovernanceError
from governance.passwords import hash_password
from governance.permissions import Actor, Role

# SPEC section 4's default routing teams (item master, warehouse stock, order routing,
# returns intake, integrations, refunds and valuation).
DEFAULT_TEAMS = (
    "merchandising",
    "inventory control",
    "operations",
    "store operations",
    "systems / IT",
    "finance",
)
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9._@+-]{0,63}$")
RESERVED_NAMES = frozenset({"system"})  # the audit actor of bootstrap writes
TEAM_NAME_MAX = 255


class UserEvent(StrEnum):
    """Audit actions written by account functions."""

    ADD = "user.add"
    DISABLE = "user.disable"
    ENABLE = "user.enable"
    ROLE = "user.role"
    TEAM = "user.team"
    PASSWORD_RESET = "user.password_reset"
    PASSWORD_CHANGE = "user.password_change"
    REMOVE = "user.remove"
    TEAM_ADD = "team.add"
    EMAIL = "user.email"


def normalize_name(raw: str) -> str:
    """The stored form of a user name: trimmed, lower-case (sign-in names are case-insensitive)."""
    return raw.strip().lower()


def valid_name(raw: str) -> str:
    """A new user's name, normalized; GovernanceError when it is not a fit name."""
    name = normalize_name(raw)
    if not NAME_PATTERN.match(name):
        raise GovernanceError(
            f"user name {raw.strip()!r} is not valid: 1-64 characters, letters, digits and . _ @ + -"
        )
    if name in RESERVED_NAMES:
        raise GovernanceError(f"user name {name!r} is reserved")
    return name


def clean_email(raw: str | None) -> str | None:
    """An email as stored (trimmed, lower-case), None when empty; GovernanceError when malformed."""
    text = (raw or "").strip().lower()
    if not text:
        return None
    if len(text) > 255 or not EMAIL_PATTERN.match(text):
        raise GovernanceError(f"{raw.strip()!r} is not an email address (name@domain)")  # type: ignore[union-attr]
    return text


def parse_role(raw: str | Role) -> Role:
    """A role from its name; GovernanceError listing the roles otherwise."""
    try:
        return Role(str(raw).strip().lower())
    except ValueError:
        choices = ", ".join(role.value for role in Role)
        raise GovernanceError(f"unknown role {raw!r}: choose one of {choices}") from None


def has_accounts(session: Session) -> bool:
    """Whether any account exists (the first admin may be created only while none does)."""
    return session.execute(select(User.id).limit(1)).first() is not None


def find_user(session: Session, name: str) -> User | None:
    """The user of a name, or None."""
    return session.scalars(select(User).where(User.name == normalize_name(name))).first()


def require_user(session: Session, name: str) -> User:
    """The user of a name; GovernanceError "unknown user" otherwise."""
    user = find_user(session, name)
    if user is None:
        raise GovernanceError(f"unknown user {name.strip()!r}")
    return user


def team_named(session: Session, name: str) -> Team | None:
    """The team of a name, matched without regard to case or repeated spaces."""
    key = " ".join(name.split()).lower()
    return session.scalars(select(Team).where(func.lower(Team.name) == key)).first()


def ensure_team(session: Session, name: str, *, by: Actor | str) -> Team:
    """The team of a name, created (and audited) when new."""
    clean = " ".join(name.split())
    if not clean or len(clean) > TEAM_NAME_MAX:
        raise GovernanceError(f"team name {name!r} is not valid: 1-{TEAM_NAME_MAX} characters")
    team = team_named(session, clean)
    if team is None:
        team = Team(name=clean, created_at=utcnow())
        session.add(team)
        session.flush()
        record(session, actor=by, action=UserEvent.TEAM_ADD, object_type="team", object_id=clean)
    return team


def team_name_of(session: Session, user: User) -> str | None:
    """The name of a user's team, or None."""
    return None if user.team_id is None else session.get_one(Team, user.team_id).name


def enabled_admin_count(session: Session) -> int:
    """How many enabled admins exist."""
    query = select(func.count()).where(User.role == Role.ADMIN.value, User.disabled.is_(False))
    return session.execute(query).scalar_one()


def keep_an_admin(session: Session, user: User) -> None:
    """Refuse a change that would leave no enabled admin (nobody could manage users any more)."""
    if user.role == Role.ADMIN and not user.disabled and enabled_admin_count(session) <= 1:
        raise GovernanceError(
            f"{user.name} is the last enabled admin: make another user admin first"
        )


def insert_user(
    session: Session,
    *,
    by: Actor | str,
    name: str,
    role: str | Role,
    team: str | None = None,
    password: str | None = None,
    email: str | None = None,
    is_demo: bool = False,
) -> User:
    """Create a user (validated, password hashed) and audit it; owners need a team, created if new."""
    user_name, user_role = valid_name(name), parse_role(role)
    email = clean_email(email)
    _refuse_unfit_user(session, user_name, user_role, team, password, email)
    password_hash = None if password is None else hash_password(password)
    team_row = ensure_team(session, team, by=by) if (team or "").strip() else None
    now = utcnow()
    user = User(
        name=user_name,
        role=user_role.value,
        team_id=team_row.id if team_row else None,
        password_hash=password_hash,
        disabled=False,
        is_demo=is_demo,
        email=email,
        created_at=now,
        password_changed_at=now if password_hash else None,
    )
    session.add(user)
    session.flush()
    detail = f"role={user_role.value} team={team_row.name if team_row else '-'}"
    record(
        session,
        actor=by,
        action=UserEvent.ADD,
        object_type="user",
        object_id=user_name,
        detail=detail,
    )
    return user


def _refuse_unfit_user(
    session: Session,
    name: str,
    role: Role,
    team: str | None,
    password: str | None,
    email: str | None,
) -> None:
    if find_user(session, name) is not None:
        raise GovernanceError(f"user {name!r} already exists")
    if role is Role.OWNER and not (team or "").strip():
        raise GovernanceError("an owner needs a team")
    if password is None and email is None:
        raise GovernanceError("a user needs a password (or an email for single sign-on)")
    if email is not None and session.scalars(select(User).where(User.email == email)).first():
        raise GovernanceError(f"another user already has the email {email!r}")


def actor_of(session: Session, user: User) -> Actor:
    """The Actor of a user row."""
    return Actor(user.name, Role(user.role), team_name_of(session, user), user.disabled)

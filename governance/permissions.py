"""Who may do what: SPEC section 4's roles-and-permissions table as data, and the one check of it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import Team, User
from governance.errors import GovernanceError, PermissionDenied

log = logging.getLogger(__name__)


class Role(StrEnum):
    """The four roles, least to most trusted."""

    VIEWER = "viewer"
    OWNER = "owner"
    STEWARD = "steward"
    ADMIN = "admin"


class Rule(StrEnum):
    """What a cell of the table grants."""

    NO = "no"
    YES = "yes"
    OWN_TEAM = "own_team"  # only for objects owned by the actor's team
    NOT_OWN = "not_own"  # only for requests someone else made


class Action(StrEnum):
    """Every action row of the table (one member per verb, so each is checked by name)."""

    READ = "read"
    COMMENT_EXCEPTION = "comment_exception"
    ACKNOWLEDGE_EXCEPTION = "acknowledge_exception"
    START_EXCEPTION = "start_exception"
    RESOLVE_EXCEPTION = "resolve_exception"
    WONT_FIX_EXCEPTION = "wont_fix_exception"
    RECORD_REVIEW_DECISION = "record_review_decision"
    OPEN_REVIEW = "open_review"
    CLOSE_REVIEW = "close_review"
    ASSIGN_EXCEPTION = "assign_exception"
    EDIT_ROUTING = "edit_routing"
    EDIT_FIELD_OWNERSHIP = "edit_field_ownership"
    EDIT_KPI_TARGETS = "edit_kpi_targets"
    REQUEST_SKU = "request_sku"
    REQUEST_ITEM_EDIT = "request_item_edit"
    APPROVE_SKU_REQUEST = "approve_sku_request"
    REJECT_SKU_REQUEST = "reject_sku_request"
    CONFIRM_MAPPING = "confirm_mapping"
    IMPORT_FILES = "import_files"
    RUN_DETECTION = "run_detection"
    MANAGE_USERS = "manage_users"
    READ_AUDIT_LOG = "read_audit_log"
    MANAGE_MIGRATION = "manage_migration"  # beyond SPEC's table: issue 18, stewards and admins
    UNDO_IMPORT = "undo_import"  # beyond SPEC's table: issue 14, stewards and admins
    BULK_EXCEPTIONS = "bulk_exceptions"  # beyond SPEC's table: issue 14, stewards and admins
    MARK_NOT_TRACKED = "mark_not_tracked"  # beyond SPEC's table: issue 14, stewards and admins


@dataclass(frozen=True)
class Permission:
    """One row of the table: what the action is called in messages, and the rule of each role."""

    description: str
    viewer: Rule
    owner: Rule
    steward: Rule
    admin: Rule

    def rule(self, role: Role) -> Rule:
        """The rule of one role."""
        return getattr(self, role.value)


_, Y, OWN, NOT_OWN = Rule.NO, Rule.YES, Rule.OWN_TEAM, Rule.NOT_OWN

# SPEC section 4, row by row:                           viewer owner steward admin
PERMISSIONS: dict[Action, Permission] = {
    Action.READ: Permission("read pages and download what they show", Y, Y, Y, Y),
    Action.COMMENT_EXCEPTION: Permission("comment on an exception", _, OWN, Y, Y),
    Action.ACKNOWLEDGE_EXCEPTION: Permission("acknowledge an exception", _, OWN, Y, Y),
    Action.START_EXCEPTION: Permission("start work on an exception", _, OWN, Y, Y),
    Action.RESOLVE_EXCEPTION: Permission("resolve an exception", _, OWN, Y, Y),
    Action.WONT_FIX_EXCEPTION: Permission("close an exception as won't fix", _, OWN, Y, Y),
    Action.RECORD_REVIEW_DECISION: Permission("record a review decision", _, OWN, Y, Y),
    Action.OPEN_REVIEW: Permission("open the weekly review", _, _, Y, Y),
    Action.CLOSE_REVIEW: Permission("close the weekly review", _, _, Y, Y),
    Action.ASSIGN_EXCEPTION: Permission("assign or reassign an exception", _, _, Y, Y),
    Action.EDIT_ROUTING: Permission("edit exception routing", _, _, Y, Y),
    Action.EDIT_FIELD_OWNERSHIP: Permission("edit field ownership", _, _, Y, Y),
    Action.EDIT_KPI_TARGETS: Permission("edit KPI targets and owners", _, _, Y, Y),
    Action.REQUEST_SKU: Permission("request a new SKU", _, Y, Y, Y),
    Action.REQUEST_ITEM_EDIT: Permission("request an item edit", _, Y, Y, Y),
    Action.APPROVE_SKU_REQUEST: Permission("approve a SKU request", _, _, NOT_OWN, NOT_OWN),
    Action.REJECT_SKU_REQUEST: Permission("reject a SKU request", _, _, NOT_OWN, NOT_OWN),
    Action.CONFIRM_MAPPING: Permission("confirm a SKU mapping suggestion", _, _, NOT_OWN, NOT_OWN),
    Action.IMPORT_FILES: Permission("import files", _, _, Y, Y),
    Action.RUN_DETECTION: Permission("run exception detection", _, _, Y, Y),
    Action.MANAGE_USERS: Permission("manage users, roles and teams", _, _, _, Y),
    Action.READ_AUDIT_LOG: Permission("read the audit log", _, _, _, Y),
    # A system migration (parallel run, explained pairs, cutover) and the item-master freeze:
    Action.UNDO_IMPORT: Permission("undo an import", _, _, Y, Y),
    # Floods become one decision (issue 14): a whole line of exceptions, a system's SKUs.
    Action.BULK_EXCEPTIONS: Permission("act on a whole line of exceptions at once", _, _, Y, Y),
    Action.MARK_NOT_TRACKED: Permission(
        "mark a system's SKUs as not tracked, or lift it", _, _, Y, Y
    ),
    Action.MANAGE_MIGRATION: Permission(
        "run a system migration or the item-master freeze", _, _, Y, Y
    ),
}


@dataclass(frozen=True)
class Actor:
    """Who acts: a user's name, role and team as the database holds them."""

    name: str
    role: Role
    team: str | None = None
    disabled: bool = False


def _granted_to(permission: Permission) -> str:
    return ", ".join(role.value for role in Role if permission.rule(role) is not Rule.NO)


# Why a cell refuses, given the object's team and the request's requester; None means it grants.
_REFUSALS: dict[Rule, Callable[[Actor, Permission, str | None, str | None], str | None]] = {
    Rule.YES: lambda actor, permission, team, requester: None,
    Rule.NO: lambda actor, permission, team, requester: f"; allowed for: {_granted_to(permission)}",
    Rule.OWN_TEAM: lambda actor, permission, team, requester: (
        None
        if actor.team is not None and team == actor.team
        else f" owned by {team or 'no team'}: only their own team's ({actor.team or 'none'})"
    ),
    Rule.NOT_OWN: lambda actor, permission, team, requester: (
        None if requester != actor.name else ": it is their own request"
    ),
}


def refusal(
    actor: Actor, action: Action, *, team: str | None = None, requester: str | None = None
) -> str | None:
    """THE permission function: why `actor` may not do `action` (None when allowed)."""
    permission = PERMISSIONS[action]
    prefix = f"{actor.name} ({actor.role}) may not {permission.description}"
    if actor.disabled:
        return f"{prefix}: the account is disabled"
    why = _REFUSALS[permission.rule(actor.role)](actor, permission, team, requester)
    return None if why is None else prefix + why


def _roles_with(permission: Permission) -> str:
    names = [f"{role.value}s" for role in Role if permission.rule(role) is not Rule.NO]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def advice(
    actor: Actor, action: Action, *, team: str | None = None, requester: str | None = None
) -> str | None:
    """Why the actor may not do this, said with what they may do instead (None when allowed)."""
    if refusal(actor, action, team=team, requester=requester) is None:
        return None
    permission = PERMISSIONS[action]
    if actor.disabled:
        return "Your account is disabled, so you cannot change anything: ask an admin."
    rule = permission.rule(actor.role)
    if rule is Rule.OWN_TEAM:
        mine = actor.team or "no team yet"
        return (
            f"You can {permission.description} only for your own team ({mine}); this one "
            f"belongs to {team or 'no team'}. You can still read it and its history: ask someone "
            f"in {team or 'that team'} to act, or a steward to reassign it to your team."
        )
    if rule is Rule.NOT_OWN:
        return (
            f"You cannot {permission.description} that you made yourself: another steward or "
            "an admin decides it."
        )
    return (
        f"As {'an' if actor.role.value[0] in 'aeiou' else 'a'} {actor.role.value} you can read every page and download what it shows; "
        f"{_roles_with(permission)} can {permission.description}."
    )


def allowed(
    actor: Actor, action: Action, *, team: str | None = None, requester: str | None = None
) -> bool:
    """Whether `actor` may do `action` on an object of `team` / a request by `requester`."""
    return refusal(actor, action, team=team, requester=requester) is None


def check(
    actor: Actor, action: Action, *, team: str | None = None, requester: str | None = None
) -> None:
    """Raise PermissionDenied ("<name> (<role>) may not <action>…") unless allowed."""
    reason = refusal(actor, action, team=team, requester=requester)
    if reason is not None:
        log.info("refused: %s", reason)
        raise PermissionDenied(reason, advice(actor, action, team=team, requester=requester))


def may_ever(actor: Actor, action: Action) -> bool:
    """Whether the role holds `action` for at least some objects (menus and page guards)."""
    return not actor.disabled and PERMISSIONS[action].rule(actor.role) is not Rule.NO


def actor_by_name(session: Session, name: str) -> Actor:
    """The actor of a user name as stored now (role, team, disabled); GovernanceError if unknown."""
    key = name.strip().lower()
    row = session.execute(
        select(User, Team.name).outerjoin(Team, User.team_id == Team.id).where(User.name == key)
    ).first()
    if row is None:
        raise GovernanceError(f"unknown user {name.strip()!r}")
    user, team_name = row
    return Actor(name=user.name, role=Role(user.role), team=team_name, disabled=user.disabled)


def authorize(
    session: Session,
    actor: Actor,
    action: Action,
    *,
    team: str | None = None,
    requester: str | None = None,
) -> Actor:
    """Reload the actor inside the transaction (a revoked role counts at once), check, return it."""
    current = actor_by_name(session, actor.name)
    check(current, action, team=team, requester=requester)
    return current

"""Assigning and reassigning exceptions: to a team, to a person, or both (stewards and admins)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from governance.directory import find_user, team_name_of
from governance.errors import GovernanceError
from governance.exception_store import change, load, public
from governance.ownership import team_name
from governance.permissions import Action, Actor, Role, authorize

UNASSIGNED = ("", "-", "none")


def _assignee(session: Session, name: str) -> tuple[str | None, str | None, str | None]:
    """(user name, their team, their role) of an assignee; (None, None, None) to unassign."""
    if name.strip().lower() in UNASSIGNED:
        return None, None, None
    user = find_user(session, name)
    if user is None:
        raise GovernanceError(f"unknown user {name.strip()!r}")
    if user.disabled:
        raise GovernanceError(f"{user.name} is disabled and cannot be assigned work")
    if user.role == Role.VIEWER:
        raise GovernanceError(f"{user.name} is a viewer and cannot work exceptions")
    return user.name, team_name_of(session, user), user.role


def assign(
    *,
    session: Session,
    actor: Actor,
    exception_id: int,
    assignee: str | None = None,
    team: str | None = None,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Give an exception to a team and/or a person ("-" unassigns).

    Naming only a person who belongs to a team moves the exception to that team; an owner can
    only be assigned their own team's exceptions.
    """
    row = load(session, exception_id)
    me = authorize(session, actor, Action.ASSIGN_EXCEPTION, team=row["team"])
    values = assign_values(session, row, assignee=assignee, team=team)
    updated = change(
        session, row, values, actor=me, action="exception.assign", seen_version=seen_version
    )
    return public(updated)


def assign_values(
    session: Session, row: dict[str, Any], *, assignee: str | None, team: str | None
) -> dict[str, Any]:
    """The team and assignee fields an assignment of this exception sets (GovernanceError if wrong)."""
    if assignee is None and team is None:
        raise GovernanceError("name a person (--to NAME) or a team (--team TEAM) to assign to")
    values: dict[str, Any] = {}
    if team is not None:
        values["team"] = team_name(session, team)
    if assignee is not None:
        person, person_team, role = _assignee(session, assignee)
        values["assignee"] = person
        if person_team and "team" not in values:
            values["team"] = person_team
        target_team = values.get("team", row["team"])
        if role == Role.OWNER and person_team != target_team:
            raise GovernanceError(
                f"{person} is an owner in {person_team}, not {target_team}: "
                "assign the exception to that team or to someone in it"
            )
    elif "team" in values and values["team"] != row["team"]:
        values["assignee"] = None  # a new team decides who works it
    return values

"""Who owns what: routing (domain -> team), field ownership (domain -> system), SLA hours per severity.

Each table reads as SPEC section 4's defaults overlaid by the rows stewards stored, so a fresh
database needs no seeding; an edit stores (or replaces) one row and audits old and new.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.orm import Session

from core.db import read_session
from core.schema import ExceptionRecord, FieldOwnership, RoutingRule, SeveritySla, Team
from core.settings import get_settings
from core.timeutil import utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError
from governance.permissions import Action, Actor, authorize
from governance.vocabulary import (
    ACTIVE,
    DEFAULT_ROUTING,
    DEFAULT_SLA_HOURS,
    Domain,
    Severity,
    parse_choice,
)

SYSTEM_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
MAX_SLA_HOURS = 24 * 365
Reader = Session | Connection  # the readers work inside a session or on a plain connection
Table = type[RoutingRule] | type[FieldOwnership] | type[SeveritySla]


def _stored(session: Reader, model: Table, key: str, value: str) -> dict[str, Any]:
    table = model.__table__
    return {
        row[key]: {"value": row[value], "version": row["version"], "by": row["updated_by"]}
        for row in session.execute(select(table)).mappings()
    }


def routing_table(session: Reader) -> dict[str, str]:
    """domain -> owning team: stored rows over SPEC's defaults."""
    stored = _stored(session, RoutingRule, "domain", "team")
    return {d.value: stored.get(d.value, {}).get("value", t) for d, t in DEFAULT_ROUTING.items()}


def field_owners(session: Reader) -> dict[str, str]:
    """domain -> the system whose data wins: stored rows over the settings' defaults."""
    stored = _stored(session, FieldOwnership, "domain", "system")
    defaults = get_settings().domain_owners()
    return {d: stored.get(d, {}).get("value", s) for d, s in defaults.items()}


def sla_hours(session: Reader) -> dict[Severity, int]:
    """severity -> hours from opening to due date: stored rows over the defaults."""
    stored = _stored(session, SeveritySla, "severity", "hours")
    return {s: int(stored.get(s.value, {}).get("value", h)) for s, h in DEFAULT_SLA_HOURS.items()}


def owners_for_import(engine: Engine) -> dict[str, str]:
    """Field ownership as an import should apply it (the `item_master` entry owns items)."""
    with read_session(engine) as session:
        return field_owners(session)


def known_teams(session: Session) -> set[str]:
    """Team names an exception may be routed to: teams with accounts, default and routed teams."""
    names = set(session.scalars(select(Team.name)))
    return names | set(DEFAULT_ROUTING.values()) | set(routing_table(session).values())


def team_name(session: Session, raw: str) -> str:
    """A known team's stored spelling (matched without regard to case or spacing)."""
    clean = " ".join(raw.split()).lower()
    for known in known_teams(session):
        if known.lower() == clean:
            return known
    choices = ", ".join(sorted(known_teams(session)))
    raise GovernanceError(f"unknown team {raw!r}: choose one of {choices}")


def _upsert(
    session: Session, model: Table, key: tuple[str, str], value: tuple[str, object], by: Actor
) -> tuple[object, int]:
    """Store one row (insert or update); returns the old value (None if none) and new version."""
    table = model.__table__
    key_name, key_value = key
    value_name, new = value
    now = utcnow()
    row = session.execute(select(table).where(table.c[key_name] == key_value)).mappings().first()
    if row is None:
        values = {key_name: key_value, value_name: new, "updated_at": now, "updated_by": by.name}
        session.execute(table.insert().values(**values, version=1))
        return None, 1
    session.execute(
        update(table)
        .where(table.c[key_name] == key_value)
        .values(
            {
                value_name: new,
                "updated_at": now,
                "updated_by": by.name,
                "version": row["version"] + 1,
            }
        )
    )
    return row[value_name], row["version"] + 1


def _check_version(stored: dict[str, Any], key: str, seen_version: int | None, what: str) -> None:
    current = stored.get(key, {}).get("version", 0)
    if seen_version is not None and seen_version != current:
        state = {"key": key, "version": current, "value": stored.get(key, {}).get("value")}
        raise ConflictError(f"{what} {key} changed under you (now version {current})", state)


def set_route(
    *,
    session: Session,
    actor: Actor,
    domain: str,
    team: str,
    seen_version: int | None = None,
    reroute_open: bool = True,
) -> int:
    """Route a domain to a team; open exceptions of the domain on the old team move too (count)."""
    me = authorize(session, actor, Action.EDIT_ROUTING)
    chosen = parse_choice(Domain, domain, "domain")
    name = team_name(session, team)
    _check_version(_stored(session, RoutingRule, "domain", "team"), chosen, seen_version, "route")
    old_team = routing_table(session)[chosen.value]
    _upsert(session, RoutingRule, ("domain", chosen.value), ("team", name), me)
    record(
        session,
        actor=me,
        action="routing.edit",
        object_type="routing",
        object_id=chosen.value,
        field="team",
        old=old_team,
        new=name,
    )
    return _reroute(session, me, chosen, old_team, name) if reroute_open else 0


def _reroute(session: Session, me: Actor, domain: Domain, old: str, new: str) -> int:
    if old == new:
        return 0
    table = ExceptionRecord.__table__
    moving = (
        session.execute(
            select(table.c.id).where(
                table.c.domain == domain.value,
                table.c.team == old,
                table.c.status.in_([s.value for s in ACTIVE]),
            )
        )
        .scalars()
        .all()
    )
    for exception_id in moving:
        session.execute(
            update(table)
            .where(table.c.id == exception_id)
            .values(team=new, version=table.c.version + 1)
        )
        record(
            session,
            actor=me,
            action="exception.route",
            object_type="exception",
            object_id=exception_id,
            field="team",
            old=old,
            new=new,
        )
    return len(moving)


def set_field_owner(
    *, session: Session, actor: Actor, domain: str, system: str, seen_version: int | None = None
) -> None:
    """Make a system the owner of a domain's fields (e.g. item_master -> shopify)."""
    me = authorize(session, actor, Action.EDIT_FIELD_OWNERSHIP)
    defaults = get_settings().domain_owners()
    if domain not in defaults:
        raise GovernanceError(f"unknown domain {domain!r}: choose one of {', '.join(defaults)}")
    name = system.strip().lower()
    if not SYSTEM_NAME.match(name):
        raise GovernanceError(f"system name {system!r} is not valid (letters, digits, . _ -)")
    stored = _stored(session, FieldOwnership, "domain", "system")
    _check_version(stored, domain, seen_version, "field ownership of")
    old = field_owners(session)[domain]
    _upsert(session, FieldOwnership, ("domain", domain), ("system", name), me)
    record(
        session,
        actor=me,
        action="field_ownership.edit",
        object_type="field_ownership",
        object_id=domain,
        field="system",
        old=old,
        new=name,
    )


def set_sla(
    *, session: Session, actor: Actor, severity: str, hours: int, seen_version: int | None = None
) -> None:
    """Set the hours from opening to due date of a severity (new and reopened exceptions use it)."""
    me = authorize(session, actor, Action.EDIT_ROUTING)
    chosen = parse_choice(Severity, severity, "severity")
    if not 1 <= int(hours) <= MAX_SLA_HOURS:
        raise GovernanceError(f"SLA hours must be between 1 and {MAX_SLA_HOURS}, not {hours}")
    stored = _stored(session, SeveritySla, "severity", "hours")
    _check_version(stored, chosen.value, seen_version, "SLA of")
    old = sla_hours(session)[chosen]
    _upsert(session, SeveritySla, ("severity", chosen.value), ("hours", int(hours)), me)
    record(
        session,
        actor=me,
        action="sla.edit",
        object_type="severity_sla",
        object_id=chosen.value,
        field="hours",
        old=old,
        new=int(hours),
    )

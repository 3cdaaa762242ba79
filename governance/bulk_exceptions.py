"""Acting on a whole queue or agenda line at once: acknowledge, assign, resolve or won't-fix its exceptions.

One call is one transaction (the caller's): every exception of the line moves, or none does (a
changed version, a refused permission or a bad reason stops the whole batch). Each exception
changed gets exactly one audit row (its main field, old and new; the rest in the detail), and a
closing is kept in exception_resolutions as a single resolve keeps it. Exceptions the verb does not
apply to (e.g. already acknowledged) are skipped and counted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.schema import ExceptionResolution
from governance.assignment import assign_values
from governance.audit import record_many
from governance.errors import GovernanceError, NotFound
from governance.evidence import Outcome, newest_import_id
from governance.exception_store import TABLE, conflict
from governance.lifecycle import TRANSITIONS, VERBS, Verb, closing_values, transition_values
from governance.permissions import Action, Actor, authorize, check
from governance.vocabulary import ACTIVE, Status

CHUNK = 500


class BulkVerb(StrEnum):
    """What a steward does to every exception of a line."""

    ACKNOWLEDGE = "acknowledge"
    ASSIGN = "assign"
    RESOLVE = "resolve"
    WONT_FIX = "wont_fix"


@dataclass(frozen=True)
class BulkOutcome:
    """What one bulk action changed: how many exceptions, which, and how many it skipped."""

    verb: str
    changed: int
    skipped: int
    ids: tuple[int, ...]

    def summary(self) -> str:
        """One line a person reads."""
        done = {"wont_fix": "closed as won't fix", "acknowledge": "acknowledged"}.get(
            self.verb, f"{self.verb}d" if self.verb.endswith("e") else f"{self.verb}ed"
        )
        skipped = f"; {self.skipped:,} skipped (the action does not apply)" if self.skipped else ""
        return f"{self.changed:,} exception(s) {done}{skipped}."


@dataclass(frozen=True)
class _Plan:
    """The new values of one exception and its audit row's main field."""

    values: dict[str, Any]
    field: str
    action: Action


def line_exceptions(session: Session, *, type: str, team: str) -> dict[int, int]:
    """The active exceptions of one line (type and team) as id -> version, as stored now."""
    query = select(TABLE.c.id, TABLE.c.version).where(
        TABLE.c.type == type,
        TABLE.c.team == " ".join(team.split()),
        TABLE.c.status.in_([s.value for s in ACTIVE]),
    )
    return {row.id: row.version for row in session.execute(query.order_by(TABLE.c.id))}


def _rows(session: Session, ids: list[int]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(ids), CHUNK):
        query = select(TABLE).where(TABLE.c.id.in_(ids[start : start + CHUNK]))
        rows += [dict(row) for row in session.execute(query).mappings()]
    missing = sorted(set(ids) - {row["id"] for row in rows})
    if missing:
        raise NotFound(f"no exception {missing[0]}")
    return sorted(rows, key=lambda row: row["id"])


def _plan(
    session: Session,
    row: dict[str, Any],
    chosen: BulkVerb,
    me: Actor,
    closing: dict[str, Any],
    assignee: str | None,
    team: str | None,
) -> _Plan | None:
    """What the verb sets on this exception (None: it does not apply)."""
    if chosen is BulkVerb.ASSIGN:
        values = assign_values(session, row, assignee=assignee, team=team)
        changed = {k: v for k, v in values.items() if row[k] != v}
        field = "assignee" if "assignee" in changed else "team"
        return _Plan(changed, field, Action.ASSIGN_EXCEPTION) if changed else None
    verb = Verb(chosen.value)
    target = TRANSITIONS.get((Status(row["status"]), verb))
    if target is None:
        return None
    return _Plan(transition_values(row, target, me, closing), "status", VERBS[verb].action)


def _detail(chosen: BulkVerb, count: int, plan: _Plan, row: dict[str, Any]) -> str:
    parts = [f"bulk {chosen.value} of {count:,} exception(s)"]
    for name in ("team", "assignee", "resolution_reason", "resolution_note"):
        if name in plan.values and name != plan.field and plan.values[name] != row[name]:
            parts.append(f"{name}: {row[name] or '-'} -> {plan.values[name] or '-'}")
    return "; ".join(parts)


def act_on_exceptions(
    *,
    session: Session,
    actor: Actor,
    verb: BulkVerb | str,
    seen: Mapping[int, int | None] | Iterable[int],
    reason: str | None = None,
    note: str | None = None,
    assignee: str | None = None,
    team: str | None = None,
) -> BulkOutcome:
    """Apply one verb to many exceptions (stewards, admins), all or nothing.

    `seen`: the ids, or id -> the version the person saw (None: as stored now); a version that
    moved on raises ConflictError and nothing is written.
    """
    me = authorize(session, actor, Action.BULK_EXCEPTIONS)
    chosen = BulkVerb(str(verb)) if str(verb) in set(BulkVerb) else None
    if chosen is None:
        raise GovernanceError(f"unknown bulk action {verb!r}: choose from {', '.join(BulkVerb)}")
    versions = dict(seen) if isinstance(seen, Mapping) else dict.fromkeys(seen)
    if not versions:
        raise GovernanceError("no exception to act on: the line is empty")
    needs_reason = chosen in (BulkVerb.RESOLVE, BulkVerb.WONT_FIX)
    closing = closing_values(reason, note) if needs_reason else {}
    rows = _rows(session, sorted(int(i) for i in versions))
    audit: list[dict[str, Any]] = []
    closings: list[dict[str, Any]] = []
    after_import = newest_import_id(session) if needs_reason else None
    for row in rows:
        based_on = versions[row["id"]]
        if based_on is not None and int(based_on) != row["version"]:
            raise conflict(session, row["id"])
        plan = _plan(session, row, chosen, me, closing, assignee, team)
        if plan is None:
            continue
        check(me, plan.action, team=row["team"])
        _write(session, row, plan.values)
        audit.append(_audit_entry(me, chosen, len(rows), plan, row))
        if needs_reason:
            closings.append(_closing_row(row["id"], plan.values, after_import))
    record_many(session, audit)
    if closings:
        session.execute(insert(ExceptionResolution.__table__), closings)
    changed = tuple(int(entry["object_id"]) for entry in audit)
    return BulkOutcome(chosen.value, len(changed), len(rows) - len(changed), changed)


def _write(session: Session, row: dict[str, Any], values: dict[str, Any]) -> None:
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.id == row["id"], TABLE.c.version == row["version"])
        .values(**values, version=row["version"] + 1)
    )
    if result.rowcount != 1:
        raise conflict(session, row["id"])


def _audit_entry(
    me: Actor, chosen: BulkVerb, count: int, plan: _Plan, row: dict[str, Any]
) -> dict[str, Any]:
    return {
        "actor": me,
        "action": f"exception.bulk_{chosen.value}",
        "object_type": "exception",
        "object_id": row["id"],
        "field": plan.field,
        "old": row[plan.field],
        "new": plan.values[plan.field],
        "detail": _detail(chosen, count, plan, row),
    }


def _closing_row(exception_id: int, values: dict[str, Any], after: int | None) -> dict[str, Any]:
    resolved = values["status"] == Status.RESOLVED
    return {
        "exception_id": exception_id,
        "status": values["status"],
        "resolved_by": values["resolved_by"],
        "resolved_at": values["resolved_at"],
        "reason": values["resolution_reason"],
        "note": values["resolution_note"],
        "after_import_id": after,
        "outcome": Outcome.AWAITING if resolved else Outcome.STANDING,
    }


def act_on_line(
    *,
    session: Session,
    actor: Actor,
    verb: BulkVerb | str,
    type: str,
    team: str,
    reason: str | None = None,
    note: str | None = None,
    assignee: str | None = None,
    to_team: str | None = None,
) -> BulkOutcome:
    """Apply one verb to every active exception of a line (type, team) as stored now."""
    authorize(session, actor, Action.BULK_EXCEPTIONS)
    ids = line_exceptions(session, type=type, team=team)
    if not ids:
        raise GovernanceError(f"no active {type} exception owned by {team!r}")
    return act_on_exceptions(session=session, actor=actor, verb=verb, seen=list(ids),
                             reason=reason, note=note, assignee=assignee, team=to_team)  # fmt: skip

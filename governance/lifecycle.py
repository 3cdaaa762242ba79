"""The exception lifecycle as data: open -> acknowledged -> in_progress -> resolved | wont_fix.

A person moves an exception along TRANSITIONS with the Action its verb needs (owners only on
their own team's exceptions); resolving and won't-fix need a reason from the taxonomy and a note.
Each closing is kept in exception_resolutions; a resolution waits for new evidence
(governance.evidence). Reopening is detection's alone: resolved means fixed, and the data is the judge.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import ExceptionComment, ExceptionResolution
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.errors import GovernanceError
from governance.evidence import Outcome, newest_import_id
from governance.exception_store import TABLE, change, conflict, load, public
from governance.labels import reason_choices
from governance.permissions import Action, Actor, authorize
from governance.vocabulary import AWAITING, Reason, Status, parse_choice

MAX_NOTE = 4000


class Verb(StrEnum):
    """What a person does to an exception."""

    ACKNOWLEDGE = "acknowledge"
    START = "start"
    RESOLVE = "resolve"
    WONT_FIX = "wont_fix"


@dataclass(frozen=True)
class VerbRule:
    """The Action a verb needs, and whether it needs a reason and a note."""

    action: Action
    needs_reason: bool = False


VERBS: dict[Verb, VerbRule] = {
    Verb.ACKNOWLEDGE: VerbRule(Action.ACKNOWLEDGE_EXCEPTION),
    Verb.START: VerbRule(Action.START_EXCEPTION),
    Verb.RESOLVE: VerbRule(Action.RESOLVE_EXCEPTION, needs_reason=True),
    Verb.WONT_FIX: VerbRule(Action.WONT_FIX_EXCEPTION, needs_reason=True),
}

OPEN, ACK, WORK = Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS
# (from status, verb) -> to status; a pair missing here is refused.
TRANSITIONS: dict[tuple[Status, Verb], Status] = {
    (OPEN, Verb.ACKNOWLEDGE): ACK,
    (OPEN, Verb.START): WORK,
    (OPEN, Verb.RESOLVE): Status.RESOLVED,
    (OPEN, Verb.WONT_FIX): Status.WONT_FIX,
    (ACK, Verb.START): WORK,
    (ACK, Verb.RESOLVE): Status.RESOLVED,
    (ACK, Verb.WONT_FIX): Status.WONT_FIX,
    (WORK, Verb.RESOLVE): Status.RESOLVED,
    (WORK, Verb.WONT_FIX): Status.WONT_FIX,
}


def allowed_verbs(status: str) -> list[Verb]:
    """The verbs a person may apply to an exception in this status (for buttons)."""
    return [verb for (source, verb) in TRANSITIONS if source == status]


def closing_problems(reason: str | None, note: str | None) -> list[str]:
    """What is missing or wrong in a closing's reason and note, in plain words for a page (empty:
    fine). The governance check itself (`closing_values`) names the reason ids, as the CLI takes them."""
    problems = []
    try:
        Reason(str(reason or "").strip().lower())
    except ValueError:
        given = f" ({reason!r} is not one)" if (reason or "").strip() else ""
        problems.append(f"Choose a reason{given}: {reason_choices()}.")
    text = (note or "").strip()
    if not text:
        problems.append("Write a note: say what was done, or why it stays.")
    elif len(text) > MAX_NOTE:
        problems.append(f"A note has at most {MAX_NOTE:,} characters.")
    return problems


def closing_values(reason: str | None, note: str | None) -> dict[str, Any]:
    """The reason and note fields of a closing, checked (GovernanceError naming what is wrong)."""
    chosen = parse_choice(Reason, reason or "", "reason")
    text = (note or "").strip()
    if not text:
        raise GovernanceError("a note is required: say what was done or why it stays")
    if len(text) > MAX_NOTE:
        raise GovernanceError(f"a note has at most {MAX_NOTE} characters")
    return {"resolution_reason": chosen.value, "resolution_note": text}


def transition_values(
    row: dict[str, Any], target: Status, me: Actor, extra: dict[str, Any]
) -> dict[str, Any]:
    """The fields a move to `target` sets (times of acknowledging and closing, the closer)."""
    now = utcnow()
    values: dict[str, Any] = {"status": target.value, **extra}
    if target in (ACK, WORK) and row["acknowledged_at"] is None:
        values["acknowledged_at"] = now
    if target in (Status.RESOLVED, Status.WONT_FIX):
        values.update(resolved_at=now, resolved_by=me.name, cleared_by_data=False)
        values["verification"] = AWAITING if target is Status.RESOLVED else None
    return values


def keep_closing(session: Session, state: dict[str, Any]) -> None:
    """Keep a person's closing in the history, with the newest import it must be judged after."""
    session.add(
        ExceptionResolution(
            exception_id=state["id"],
            status=state["status"],
            resolved_by=state["resolved_by"],
            resolved_at=state["resolved_at"],
            reason=state["resolution_reason"],
            note=state["resolution_note"],
            after_import_id=newest_import_id(session),
            outcome=Outcome.AWAITING if state["status"] == Status.RESOLVED else Outcome.STANDING,
        )
    )
    session.flush()


def transition(
    *,
    session: Session,
    actor: Actor,
    exception_id: int,
    verb: Verb | str,
    seen_version: int | None = None,
    reason: str | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Move an exception by a verb; returns its new public state (ConflictError if it changed)."""
    chosen = parse_choice(Verb, str(verb), "action")
    rule = VERBS[chosen]
    row = load(session, exception_id)
    me = authorize(session, actor, rule.action, team=row["team"])
    if seen_version is not None and int(seen_version) != row["version"]:
        raise conflict(session, row["id"])
    target = TRANSITIONS.get((Status(row["status"]), chosen))
    if target is None:
        allowed = ", ".join(allowed_verbs(row["status"])) or "none (detection reopens it)"
        raise GovernanceError(
            f"exception {row['id']} is {row['status']}: it cannot {chosen.value.replace('_', ' ')}"
            f" (allowed: {allowed})"
        )
    extra = closing_values(reason, note) if rule.needs_reason else {}
    values = transition_values(row, target, me, extra)
    action = f"exception.{chosen.value}"
    state = change(session, row, values, actor=me, action=action, seen_version=seen_version)
    if rule.needs_reason:
        keep_closing(session, state)
    return public(state)


def acknowledge(
    *, session: Session, actor: Actor, exception_id: int, seen_version: int | None = None
) -> dict[str, Any]:
    """Acknowledge an open exception (the owner has seen it)."""
    return transition(
        session=session,
        actor=actor,
        exception_id=exception_id,
        verb=Verb.ACKNOWLEDGE,
        seen_version=seen_version,
    )


def start(
    *, session: Session, actor: Actor, exception_id: int, seen_version: int | None = None
) -> dict[str, Any]:
    """Mark an exception in progress."""
    return transition(
        session=session,
        actor=actor,
        exception_id=exception_id,
        verb=Verb.START,
        seen_version=seen_version,
    )


def resolve(
    *,
    session: Session,
    actor: Actor,
    exception_id: int,
    reason: str,
    note: str,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Resolve an exception with a reason and a note (detection reopens it if still found)."""
    return transition(
        session=session,
        actor=actor,
        exception_id=exception_id,
        verb=Verb.RESOLVE,
        seen_version=seen_version,
        reason=reason,
        note=note,
    )


def wont_fix(
    *,
    session: Session,
    actor: Actor,
    exception_id: int,
    reason: str,
    note: str,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Close an exception as won't fix (it stays closed unless its severity or key facts change)."""
    return transition(
        session=session,
        actor=actor,
        exception_id=exception_id,
        verb=Verb.WONT_FIX,
        seen_version=seen_version,
        reason=reason,
        note=note,
    )


def comment(*, session: Session, actor: Actor, exception_id: int, body: str) -> dict[str, Any]:
    """Add a comment to an exception (any status; does not change its version)."""
    row = load(session, exception_id)
    me = authorize(session, actor, Action.COMMENT_EXCEPTION, team=row["team"])
    text = body.strip()
    if not text or len(text) > MAX_NOTE:
        raise GovernanceError(f"a comment needs 1 to {MAX_NOTE} characters")
    entry = ExceptionComment(exception_id=row["id"], author=me.name, at=utcnow(), body=text)
    session.add(entry)
    session.flush()
    record(
        session,
        actor=me,
        action="exception.comment",
        object_type="exception",
        object_id=row["id"],
        field="comment",
        new=text,
    )
    return {
        "id": entry.id,
        "exception_id": row["id"],
        "author": me.name,
        "at": iso_z(entry.at),
        "body": text,
    }


def comments(session: Session, exception_id: int) -> list[dict[str, Any]]:
    """The comments of an exception, oldest first."""
    query = (
        select(ExceptionComment)
        .where(ExceptionComment.exception_id == int(exception_id))
        .order_by(ExceptionComment.id)
    )
    return [
        {"id": c.id, "author": c.author, "at": iso_z(c.at), "body": c.body}
        for c in session.scalars(query)
    ]


def bulk_acknowledge(
    *,
    session: Session,
    actor: Actor,
    exception_ids: Iterable[int],
    seen_versions: Mapping[int, int] | None = None,
) -> list[int]:
    """Acknowledge every open exception among the ids (e.g. one agenda line); returns those done.

    All or nothing: a refused permission or a changed version stops the whole batch.
    """
    seen_versions = seen_versions or {}
    ids = sorted({int(i) for i in exception_ids})
    query = select(TABLE.c.id, TABLE.c.status).where(TABLE.c.id.in_(ids)).order_by(TABLE.c.id)
    rows = session.execute(query).all()
    done = []
    for exception_id, status in rows:
        if status != Status.OPEN and exception_id not in seen_versions:
            continue
        acknowledge(
            session=session,
            actor=actor,
            exception_id=exception_id,
            seen_version=seen_versions.get(exception_id),
        )
        done.append(exception_id)
    return done

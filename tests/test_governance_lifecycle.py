"""Every lifecycle transition, allowed and refused, by status, role and team, with its audit rows."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine

from core.db import write_session
from governance import assignment, lifecycle
from governance.errors import GovernanceError, PermissionDenied
from governance.permissions import Actor
from governance.queue import group_lines, history, list_exceptions
from tests.governance_support import (
    audit_after,
    exceptions,
    insert_exception,
    last_audit_id,
    make_people,
)

# SPEC section 4: open -> acknowledged -> in_progress -> resolved | wont_fix, by hand.
# (from status, verb) -> to status; None: refused whoever asks.
LIFECYCLE: dict[tuple[str, str], str | None] = {
    ("open", "acknowledge"): "acknowledged",
    ("open", "start"): "in_progress",
    ("open", "resolve"): "resolved",
    ("open", "wont_fix"): "wont_fix",
    ("acknowledged", "acknowledge"): None,
    ("acknowledged", "start"): "in_progress",
    ("acknowledged", "resolve"): "resolved",
    ("acknowledged", "wont_fix"): "wont_fix",
    ("in_progress", "acknowledge"): None,
    ("in_progress", "start"): None,
    ("in_progress", "resolve"): "resolved",
    ("in_progress", "wont_fix"): "wont_fix",
    ("resolved", "acknowledge"): None,
    ("resolved", "start"): None,
    ("resolved", "resolve"): None,
    ("resolved", "wont_fix"): None,
    ("wont_fix", "acknowledge"): None,
    ("wont_fix", "start"): None,
    ("wont_fix", "resolve"): None,
    ("wont_fix", "wont_fix"): None,
}
# How the test brings an exception to a status first (as a steward).
PATH = {
    "open": [],
    "acknowledged": ["acknowledge"],
    "in_progress": ["start"],
    "resolved": ["resolve"],
    "wont_fix": ["wont_fix"],
}
REASON, NOTE = "fixed_at_source", "counted again"
TEAM = "inventory control"


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


def _open_exception(engine: Engine, team: str = TEAM) -> int:
    with write_session(engine) as session:
        return insert_exception(session, team=team)


def _act(engine: Engine, actor: Actor, exception_id: int, verb: str) -> dict[str, Any]:
    closing = verb in ("resolve", "wont_fix")
    with write_session(engine) as session:
        return lifecycle.transition(
            session=session,
            actor=actor,
            exception_id=exception_id,
            verb=verb,
            reason=REASON if closing else None,
            note=NOTE if closing else None,
        )


def _expected_audit(
    actor: str, exception_id: int, verb: str, old: str, new: str
) -> list[tuple[Any, ...]]:
    action, key = f"exception.{verb}", str(exception_id)
    rows = [(actor, action, "exception", key, "status", old, new)]
    if verb in ("resolve", "wont_fix"):
        rows += [
            (actor, action, "exception", key, "resolution_reason", None, REASON),
            (actor, action, "exception", key, "resolution_note", None, NOTE),
        ]
    if verb == "resolve":  # a person's resolution waits for new evidence
        rows.append((actor, action, "exception", key, "verification", None, "awaiting"))
    return rows


@pytest.mark.parametrize(("start", "verb"), sorted(LIFECYCLE))
def test_transition_by_status(
    engine: Engine, people: dict[str, Actor], start: str, verb: str
) -> None:
    exception_id = _open_exception(engine)
    for step in PATH[start]:
        _act(engine, people["steward1"], exception_id, step)
    before, audit_id = exceptions(engine)[0], last_audit_id(engine)
    target = LIFECYCLE[(start, verb)]
    if target is None:
        with pytest.raises(
            GovernanceError, match=rf"^exception {exception_id} is {start}: it cannot"
        ):
            _act(engine, people["steward1"], exception_id, verb)
        assert exceptions(engine)[0] == before
        assert audit_after(engine, audit_id) == []
        return
    state = _act(engine, people["steward1"], exception_id, verb)
    assert (state["status"], state["version"]) == (target, before["version"] + 1)
    assert audit_after(engine, audit_id) == _expected_audit(
        "steward1", exception_id, verb, start, target
    )


# (actor, exception's team) -> allowed? SPEC: owners only their own team's; stewards, admins any.
ROLE_CASES = [
    ("viewer1", TEAM, False),
    ("owner.inv", TEAM, True),
    ("owner.merch", TEAM, False),
    ("owner.inv", "merchandising", False),
    ("owner.merch", "merchandising", True),
    ("steward1", TEAM, True),
    ("admin1", TEAM, True),
]


@pytest.mark.parametrize("verb", ["acknowledge", "start", "resolve", "wont_fix"])
@pytest.mark.parametrize(("name", "team", "allowed"), ROLE_CASES)
def test_transition_by_role_and_team(
    engine: Engine, people: dict[str, Actor], verb: str, name: str, team: str, allowed: bool
) -> None:
    exception_id = _open_exception(engine, team)
    before, audit_id = exceptions(engine)[0], last_audit_id(engine)
    if not allowed:
        with pytest.raises(PermissionDenied, match=rf"^{name} \(\w+\) may not "):
            _act(engine, people[name], exception_id, verb)
        assert exceptions(engine)[0] == before
        assert audit_after(engine, audit_id) == []
        return
    target = LIFECYCLE[("open", verb)]
    assert target is not None
    assert _act(engine, people[name], exception_id, verb)["status"] == target
    assert audit_after(engine, audit_id) == _expected_audit(
        name, exception_id, verb, "open", target
    )


@pytest.mark.parametrize(
    ("reason", "note", "message"),
    [
        (None, NOTE, "unknown reason"),
        ("because", NOTE, "unknown reason 'because'"),
        (REASON, "", "a note is required"),
        (REASON, "   ", "a note is required"),
    ],
)
def test_closing_needs_a_reason_and_a_note(
    engine: Engine, people: dict[str, Actor], reason: str | None, note: str, message: str
) -> None:
    exception_id = _open_exception(engine)
    audit_id = last_audit_id(engine)
    for verb in ("resolve", "wont_fix"):
        with pytest.raises(GovernanceError, match=message), write_session(engine) as session:
            lifecycle.transition(
                session=session,
                actor=people["steward1"],
                exception_id=exception_id,
                verb=verb,
                reason=reason,
                note=note,
            )
    assert exceptions(engine)[0]["status"] == "open"
    assert audit_after(engine, audit_id) == []


def test_comment_assign_and_history(engine: Engine, people: dict[str, Actor]) -> None:
    exception_id = _open_exception(engine)
    audit_id = last_audit_id(engine)
    with write_session(engine) as session:
        lifecycle.comment(
            session=session,
            actor=people["owner.inv"],
            exception_id=exception_id,
            body="looking at it",
        )
        state = assignment.assign(
            session=session,
            actor=people["steward1"],
            exception_id=exception_id,
            assignee="owner.inv",
        )
    assert (state["assignee"], state["team"], state["version"]) == ("owner.inv", TEAM, 2)
    key = str(exception_id)
    assert audit_after(engine, audit_id) == [
        ("owner.inv", "exception.comment", "exception", key, "comment", None, "looking at it"),
        ("steward1", "exception.assign", "exception", key, "assignee", None, "owner.inv"),
    ]
    with write_session(engine) as session:
        assert [c["body"] for c in lifecycle.comments(session, exception_id)] == ["looking at it"]
        assert [h["action"] for h in history(session, exception_id)] == [
            "exception.comment",
            "exception.assign",
        ]
        with pytest.raises(GovernanceError, match=r"owner\.merch is an owner in merchandising"):
            assignment.assign(
                session=session,
                actor=people["steward1"],
                exception_id=exception_id,
                assignee="owner.merch",
                team=TEAM,
            )
    refused = pytest.raises(PermissionDenied, match=r"^owner\.inv \(owner\) may not assign")
    with refused, write_session(engine) as session:
        assignment.assign(
            session=session,
            actor=people["owner.inv"],
            exception_id=exception_id,
            team="finance",
        )


def test_reassigning_to_another_team_moves_the_exception(
    engine: Engine, people: dict[str, Actor]
) -> None:
    exception_id = _open_exception(engine)
    with write_session(engine) as session:
        state = assignment.assign(
            session=session,
            actor=people["admin1"],
            exception_id=exception_id,
            assignee="owner.merch",
        )
    assert (state["team"], state["assignee"]) == ("merchandising", "owner.merch")
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        lifecycle.acknowledge(session=session, actor=people["owner.inv"], exception_id=exception_id)
    with write_session(engine) as session:
        lifecycle.acknowledge(
            session=session, actor=people["owner.merch"], exception_id=exception_id
        )


def test_bulk_acknowledge_one_line(engine: Engine, people: dict[str, Actor]) -> None:
    with write_session(engine) as session:
        ids = [insert_exception(session, team=TEAM, key=f"k{n}") for n in range(3)]
        lifecycle.acknowledge(session=session, actor=people["steward1"], exception_id=ids[0])
    with write_session(engine) as session:
        done = lifecycle.bulk_acknowledge(
            session=session, actor=people["owner.inv"], exception_ids=ids
        )
        lines = group_lines(list_exceptions(session, status="active"))
    assert done == ids[1:]
    assert [(ln["type"], ln["team"], ln["count"], ln["status"]) for ln in lines] == [
        ("stock_discrepancy", TEAM, 3, {"acknowledged": 3})
    ]
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        other = insert_exception(session, team="finance", key="f")
        lifecycle.bulk_acknowledge(
            session=session, actor=people["owner.inv"], exception_ids=[other]
        )

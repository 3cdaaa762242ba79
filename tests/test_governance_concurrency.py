"""Optimistic concurrency: two people change the same exception at once; exactly one wins, nothing is overwritten."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Engine

from core.db import make_engine, read_session, write_session
from governance import lifecycle, review
from governance.errors import ConflictError
from governance.exception_store import load
from governance.permissions import Actor
from tests.governance_support import audit_after, insert_exception, last_audit_id, make_people

TEAM = "inventory control"


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


@pytest.fixture
def exception_id(engine: Engine) -> int:
    """One open exception of the inventory control team."""
    with write_session(engine) as session:
        return insert_exception(session, team=TEAM)


def _seen_version(engine: Engine, exception_id: int) -> int:
    with read_session(engine) as session:
        return load(session, exception_id)["version"]


def test_stale_second_edit_is_refused_with_the_new_state(
    engine: Engine, people: dict[str, Actor], exception_id: int
) -> None:
    # both people opened the exception page and saw the same version
    seen_by_owner = _seen_version(engine, exception_id)
    seen_by_steward = _seen_version(engine, exception_id)
    audit_id = last_audit_id(engine)
    with write_session(engine) as session:
        lifecycle.acknowledge(
            session=session,
            actor=people["owner.inv"],
            exception_id=exception_id,
            seen_version=seen_by_owner,
        )
    with pytest.raises(ConflictError) as refused, write_session(engine) as session:
        lifecycle.resolve(
            session=session,
            actor=people["steward1"],
            exception_id=exception_id,
            reason="other",
            note="done",
            seen_version=seen_by_steward,
        )
    assert "changed under you" in str(refused.value)
    assert "last changed by owner.inv" in str(refused.value)
    current = refused.value.current
    assert (current["status"], current["version"]) == ("acknowledged", seen_by_steward + 1)
    assert audit_after(engine, audit_id) == [
        (
            "owner.inv",
            "exception.acknowledge",
            "exception",
            str(exception_id),
            "status",
            "open",
            "acknowledged",
        )
    ]


def _race(engine_url: str, attempts: list[Callable[[Engine], Any]]) -> list[object]:
    """Run each attempt in its own thread and engine at the same moment; their outcomes."""
    engines = [make_engine(engine_url) for _ in attempts]
    barrier = threading.Barrier(len(attempts))
    outcomes: list[object] = [None] * len(attempts)

    def run(index: int) -> None:
        barrier.wait()
        try:
            outcomes[index] = attempts[index](engines[index])
        except Exception as exc:  # collected and asserted by the test
            outcomes[index] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.dispose()
    return outcomes


def test_two_sessions_at_once_exactly_one_wins(
    db_url: str, engine: Engine, people: dict[str, Actor], exception_id: int
) -> None:
    seen = _seen_version(engine, exception_id)
    audit_id = last_audit_id(engine)

    def acknowledge(other: Engine) -> dict[str, Any]:
        with write_session(other) as session:
            return lifecycle.acknowledge(
                session=session,
                actor=people["owner.inv"],
                exception_id=exception_id,
                seen_version=seen,
            )

    def start(other: Engine) -> dict[str, Any]:
        with write_session(other) as session:
            return lifecycle.start(
                session=session,
                actor=people["steward1"],
                exception_id=exception_id,
                seen_version=seen,
            )

    outcomes = _race(db_url, [acknowledge, start])
    winners = [o for o in outcomes if isinstance(o, dict)]
    losers = [o for o in outcomes if isinstance(o, ConflictError)]
    assert (len(winners), len(losers)) == (1, 1), outcomes
    winner = winners[0]
    assert losers[0].current["status"] == winner["status"]
    assert losers[0].current["version"] == seen + 1
    with read_session(engine) as session:
        stored = load(session, exception_id)
    assert (stored["status"], stored["version"]) == (winner["status"], seen + 1)
    actor = "owner.inv" if winner["status"] == "acknowledged" else "steward1"
    verb = "acknowledge" if winner["status"] == "acknowledged" else "start"
    assert audit_after(engine, audit_id) == [
        (
            actor,
            f"exception.{verb}",
            "exception",
            str(exception_id),
            "status",
            "open",
            winner["status"],
        )
    ]


def test_review_decisions_are_locked_too(
    engine: Engine, people: dict[str, Actor], exception_id: int
) -> None:
    week = "2026-W04"
    key = f"exceptions:stock_discrepancy:{TEAM}"
    with write_session(engine) as session:
        review.open_review(session=session, actor=people["steward1"], week=week)
    with write_session(engine) as session:
        review.record_decision(
            session=session,
            actor=people["owner.inv"],
            week=week,
            key=key,
            decision="recount",
            seen_version=1,
        )
    audit_id = last_audit_id(engine)
    with pytest.raises(ConflictError) as refused, write_session(engine) as session:
        review.record_decision(
            session=session,
            actor=people["steward2"],
            week=week,
            key=key,
            decision="ignore",
            seen_version=1,
        )
    assert refused.value.current["decision"] == "recount"
    assert audit_after(engine, audit_id) == []

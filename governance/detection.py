"""Exception detection: run every rule at as_of, then reconcile the findings with the stored exceptions.

`detect(engine)` reads in one consistent snapshot outside the write lock, then applies the
findings in one short write transaction (the path after imports and of `manage.py detect`);
`run_detection(session=, actor=)` does both inside the caller's transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core.db import read_session, write_session
from core.engines import serialise
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.ownership import field_owners
from governance.permissions import Action, Actor, authorize
from governance.reconcile import Reconciled, reconcile
from governance.rule_model import ExceptionRule, Found, make_detect_context
from governance.rules import RULES
from governance.targets import load_targets
from governance.vocabulary import SYSTEM
from metrics.compute import reading

log = logging.getLogger(__name__)
DETECTION_LOCK = 74_110_005  # advisory lock key (PostgreSQL): one detection writes at a time


@dataclass(frozen=True)
class DetectionReport:
    """What one detection run found and changed."""

    as_of: str
    found: dict[str, int]
    opened: int
    seen: int
    reopened: int
    cleared: int
    escalated: int
    skipped: int
    seconds: float

    def summary(self) -> str:
        """One line a person reads."""
        total = sum(self.found.values())
        return (
            f"detection at {self.as_of}: {total} problems found; {self.opened} new, "
            f"{self.seen} still found, {self.reopened} reopened, {self.cleared} cleared "
            f"by data, {self.escalated} changed severity ({self.seconds:.2f} s)"
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)


def find_all(
    conn: Connection, as_of: datetime, rules: Sequence[ExceptionRule] = RULES
) -> dict[ExceptionRule, list[Found]]:
    """Every rule's findings at as_of, read on one connection."""
    ctx = make_detect_context(as_of, load_targets(conn), field_owners(conn))
    findings = {}
    for rule in rules:
        started = time.perf_counter()
        findings[rule] = list(rule.find(conn, ctx))
        log.debug(
            "rule %s: %d in %.3f s", rule.type, len(findings[rule]), time.perf_counter() - started
        )
    return findings


def _serialize(session: Session) -> None:
    """Let one detection write at a time (the engine's writer lock, or an advisory lock)."""
    serialise(session.connection(), DETECTION_LOCK)


def _apply(
    session: Session,
    findings: dict[ExceptionRule, list[Found]],
    as_of: datetime,
    by: str,
    trigger: str,
    started: float,
) -> DetectionReport:
    _serialize(session)
    outcome: Reconciled = reconcile(session, findings, as_of=as_of, trigger=trigger)
    report = DetectionReport(
        as_of=iso_z(as_of),
        found={rule.type: len(found) for rule, found in findings.items()},
        opened=outcome.opened,
        seen=outcome.seen,
        reopened=outcome.reopened,
        cleared=outcome.cleared,
        escalated=outcome.escalated,
        skipped=outcome.skipped,
        seconds=round(time.perf_counter() - started, 3),
    )
    record(
        session,
        actor=by,
        action="detection.run",
        object_type="detection",
        object_id=iso_z(as_of),
        detail=f"{trigger}: {report.summary()}",
    )
    return report


def detect(
    engine: Engine,
    *,
    as_of: datetime | None = None,
    actor: Actor | None = None,
    trigger: str | None = None,
) -> DetectionReport:
    """Detect at as_of (default now): read outside the write lock, then write in one transaction.

    With an actor, the run is checked (run detection: stewards and admins) and named after them;
    without one it is the system's (after an import, or the operator's CLI without --user).
    """
    started = time.perf_counter()
    moment = (as_of or utcnow()).replace(microsecond=0)
    if actor is not None:
        with read_session(engine) as session:
            authorize(session, actor, Action.RUN_DETECTION)
    with reading(engine) as conn:
        findings = find_all(conn, moment)
    with write_session(engine) as session:
        by = authorize(session, actor, Action.RUN_DETECTION).name if actor else SYSTEM
        reason = trigger or (f"run by {by}" if actor else "run by the system")
        report = _apply(session, findings, moment, by, reason, started)
    log.info(report.summary())
    return report


def run_detection(
    *, session: Session, actor: Actor, as_of: datetime | None = None
) -> DetectionReport:
    """Detect and reconcile inside the caller's transaction (run detection: stewards and admins)."""
    started = time.perf_counter()
    me = authorize(session, actor, Action.RUN_DETECTION)
    moment = (as_of or utcnow()).replace(microsecond=0)
    findings = find_all(session.connection(), moment)
    return _apply(session, findings, moment, me.name, f"run by {me.name}", started)

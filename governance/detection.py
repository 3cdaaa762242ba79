"""Exception detection: run every rule at as_of, then reconcile the findings with the stored exceptions.

`detect(engine)` (after imports and `manage.py detect`) computes every finding in one consistent
read outside the write lock, then writes them in short batches, each its own transaction of at
most BATCH findings, judged against the rows stored at that moment; a writer waiting for the lock
(an import) gets it between two batches. An interrupted run leaves what its batches wrote, all
consistent; the next run completes it. `run_detection(session=, actor=)` does it all inside the
caller's transaction.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core.db import read_session, write_session
from core.engines import capabilities, serialise
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.batches import candidate_fingerprints, plan_batches
from governance.evidence import Evidence, load_evidence
from governance.folding import fold
from governance.impact import ExceptionImpact, impact_from
from governance.kept_readings import keep_migration_readings
from governance.ownership import field_owners
from governance.permissions import Action, Actor, authorize
from governance.reconcile import Reconciled, holders, reconcile, reconcile_batch
from governance.rule_model import ExceptionRule, Found, make_detect_context
from governance.rules import RULES
from governance.targets import load_targets
from governance.vocabulary import SYSTEM
from metrics.compute import reading
from metrics.settings_store import effective_settings

log = logging.getLogger(__name__)
DETECTION_LOCK = 74_110_005  # advisory lock key (PostgreSQL): one detection batch writes at a time
BATCH = 1000  # findings (or exceptions no longer found) written per transaction


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
    verified: int
    skipped: int
    seconds: float
    impact: ExceptionImpact = field(default_factory=ExceptionImpact)  # per type

    def summary(self) -> str:
        """One line a person reads."""
        total = sum(self.found.values())
        return (
            f"detection at {self.as_of}: {total} problems found; {self.opened} new, "
            f"{self.seen} still found, {self.reopened} reopened, {self.cleared} cleared "
            f"by data, {self.verified} resolutions verified, {self.escalated} changed severity "
            f"({self.seconds:.2f} s)"
        )

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)


def find_all(
    conn: Connection, as_of: datetime, rules: Sequence[ExceptionRule] = RULES
) -> dict[ExceptionRule, list[Found]]:
    """Every rule's findings at as_of, read on one connection (folded: one per problem)."""
    ctx = make_detect_context(
        as_of, load_targets(conn), field_owners(conn), effective_settings(conn)
    )
    findings = {}
    for rule in rules:
        started = time.perf_counter()
        findings[rule] = list(rule.find(conn, ctx))
        log.debug(
            "rule %s: %d in %.3f s", rule.type, len(findings[rule]), time.perf_counter() - started
        )
    return fold(findings)


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
    evidence: Evidence | None = None,
) -> DetectionReport:
    _serialize(session)
    outcome: Reconciled = reconcile(
        session, findings, as_of=as_of, trigger=trigger, evidence=evidence
    )
    return _report(session, findings, outcome, as_of, by, trigger, started)


def _report(
    session: Session,
    findings: dict[ExceptionRule, list[Found]],
    outcome: Reconciled,
    as_of: datetime,
    by: str,
    trigger: str,
    started: float,
) -> DetectionReport:
    report = DetectionReport(
        as_of=iso_z(as_of),
        found={rule.type: len(found) for rule, found in findings.items()},
        opened=outcome.opened,
        seen=outcome.seen,
        reopened=outcome.reopened,
        cleared=outcome.cleared,
        escalated=outcome.escalated,
        verified=outcome.verified,
        skipped=outcome.skipped,
        seconds=round(time.perf_counter() - started, 3),
        impact=impact_from(outcome.by_type),
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
    """Detect at as_of (default now): read outside the write lock, then write in short batches.

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
        evidence = load_evidence(conn)  # the imports behind these findings (same snapshot)
        candidates = candidate_fingerprints(conn, list(findings))
    held = holders(findings)
    by = SYSTEM
    reason = trigger or "run by the system"
    outcome = Reconciled()
    pause, spell = capabilities(engine).writer_pause_s, capabilities(engine).writer_spell_s
    writing_since = time.perf_counter()
    for batch in plan_batches(findings, candidates, BATCH):
        with write_session(engine, purpose="detection") as session:
            if actor is not None:  # checked again in every write: a role may change meanwhile
                by = authorize(session, actor, Action.RUN_DETECTION).name
                reason = trigger or f"run by {by}"
            _serialize(session)
            step = reconcile_batch(
                session, [batch], as_of=moment, trigger=reason, evidence=evidence, held=held
            )
            outcome.merge(step)
        if pause and time.perf_counter() - writing_since >= spell:  # let a waiting writer in
            time.sleep(pause)
            writing_since = time.perf_counter()
    with write_session(engine, purpose="detection") as session:
        if actor is not None:
            by = authorize(session, actor, Action.RUN_DETECTION).name
            reason = trigger or f"run by {by}"
        report = _report(session, findings, outcome, moment, by, reason, started)
    log.info(report.summary())
    if as_of is None:  # read at now: what the Migration page reads slowly is kept for it
        keep_migration_readings(engine, moment)
    return report


def trial_detection(session: Session, *, as_of: datetime | None = None) -> ExceptionImpact:
    """What detection would change now, inside the caller's transaction (which rolls it back)."""
    moment = (as_of or utcnow()).replace(microsecond=0)
    conn = session.connection()
    findings = find_all(conn, moment)
    _serialize(session)
    outcome = reconcile(
        session, findings, as_of=moment, trigger="preview", evidence=load_evidence(conn)
    )
    return impact_from(outcome.by_type)


def run_detection(
    *, session: Session, actor: Actor, as_of: datetime | None = None
) -> DetectionReport:
    """Detect and reconcile inside the caller's transaction (run detection: stewards and admins)."""
    started = time.perf_counter()
    me = authorize(session, actor, Action.RUN_DETECTION)
    moment = (as_of or utcnow()).replace(microsecond=0)
    findings = find_all(session.connection(), moment)
    return _apply(session, findings, moment, me.name, f"run by {me.name}", started)

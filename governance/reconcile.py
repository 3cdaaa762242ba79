"""Turning what detection found into exceptions: open new ones, clear fixed ones, reopen recurring ones.

Judged per (type, fingerprint): a problem still found updates last_seen_at (and its facts) of the
same exception; an active exception no longer found is resolved as "cleared by data"; one cleared
by data and found again reopens (reopen count + 1). A person's resolution waits for new evidence
(governance.evidence): until an import of an entity the rule reads commits after it, it stays
resolved, awaiting verification; then a problem still found reopens it (the resolution stays in
exception_resolutions with the file that showed it again) and one no longer found verifies it.
A won't-fix, and a person's resolution of a historical rule, stay closed unless severity rises or
a material fact changes. Every change of state is audited (actor "system"); observations
(last_seen_at, facts) are not.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.schema import ExceptionResolution
from core.timeutil import iso_z
from governance.audit import record_many
from governance.batches import Batch, candidate_fingerprints
from governance.evidence import Evidence, ImportSeen, Outcome, load_evidence
from governance.exception_store import AUDITED_FIELDS, TABLE
from governance.labels import reason_label, type_label
from governance.ownership import routing_table, sla_hours
from governance.rule_model import ExceptionRule, Found
from governance.vocabulary import (
    ACTIVE,
    AWAITING,
    CLEARED_BY_DATA,
    SYSTEM,
    VERIFIED,
    Severity,
    Status,
)

log = logging.getLogger(__name__)
CHUNK = 500
RESOLUTIONS = ExceptionResolution.__table__


@dataclass
class Reconciled:
    """What one detection run changed, per outcome (counts), and the audit rows to write."""

    opened: int = 0
    seen: int = 0
    reopened: int = 0
    cleared: int = 0
    escalated: int = 0
    verified: int = 0
    skipped: int = 0  # changed by a person meanwhile: judged again at the next run
    audit: list[dict[str, Any]] = field(default_factory=list)
    by_type: Counter[tuple[str, str]] = field(default_factory=Counter)  # (outcome, type) -> n

    def merge(self, other: Reconciled) -> None:
        """Add another batch's counts (its audit rows are already written)."""
        self.opened += other.opened
        self.seen += other.seen
        self.reopened += other.reopened
        self.cleared += other.cleared
        self.escalated += other.escalated
        self.verified += other.verified
        self.skipped += other.skipped
        self.by_type.update(other.by_type)


@dataclass(frozen=True)
class Judge:
    """What reconciliation needs besides the rows: instant, SLAs, routing, trigger, evidence."""

    as_of: datetime
    sla: Mapping[Severity, int]
    routing: Mapping[str, str]
    trigger: str
    evidence: Evidence = field(default_factory=Evidence)
    closings: Mapping[int, dict[str, Any]] = field(default_factory=dict)  # exception id -> closing
    holders: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (type, fp) -> holder

    def due(self, severity: Severity, start: datetime) -> datetime:
        """The due date of an exception of this severity opened at `start`."""
        return start + timedelta(hours=self.sla[severity])

    def new_evidence(self, rule: ExceptionRule, row: Mapping[str, Any]) -> ImportSeen | None:
        """The newest import of what the rule reads committed after the person closed it."""
        closing = self.closings.get(row["id"], {})
        return self.evidence.since(
            rule.reads,
            after_import_id=closing.get("after_import_id"),
            resolved_at=closing.get("resolved_at", row["resolved_at"]),
        )


def _open_closings(session: Session) -> dict[int, dict[str, Any]]:
    """The latest awaiting or standing closing by a person, per exception."""
    query = (
        select(RESOLUTIONS)
        .where(RESOLUTIONS.c.outcome.in_([Outcome.AWAITING, Outcome.STANDING]))
        .order_by(RESOLUTIONS.c.id)
    )
    return {row["exception_id"]: dict(row) for row in session.execute(query).mappings()}


def holders(found: Mapping[ExceptionRule, list[Found]]) -> dict[tuple[str, str], str]:
    """(folded type, fingerprint) -> the type that holds the problem now (rule `folds`)."""
    return {
        (folded, instance.fingerprint): rule.type
        for rule, instances in found.items()
        for folded in rule.folds
        for instance in instances
    }


def reconcile(
    session: Session,
    found: Mapping[ExceptionRule, list[Found]],
    *,
    as_of: datetime,
    trigger: str,
    evidence: Evidence | None = None,
) -> Reconciled:
    """Apply one run's findings for the given rules in one write; the caller owns the transaction.

    `evidence`: the imports read with the findings (same snapshot); read here when not given.
    """
    candidates = candidate_fingerprints(session.connection(), list(found))
    batches = [
        Batch(rule, tuple(instances), tuple(candidates.get(rule.type, ())))
        for rule, instances in found.items()
    ]
    return reconcile_batch(
        session, batches, as_of=as_of, trigger=trigger, evidence=evidence, held=holders(found)
    )


def reconcile_batch(
    session: Session,
    batches: Iterable[Batch],
    *,
    as_of: datetime,
    trigger: str,
    evidence: Evidence | None = None,
    held: Mapping[tuple[str, str], str] | None = None,
) -> Reconciled:
    """Apply some findings (and judge some stored exceptions not found) against the rows stored now.

    `held`: the folding map of the whole run (`holders` of every finding), so a batch knows which
    folded problems another rule holds.
    """
    seen = evidence if evidence is not None else load_evidence(session.connection())
    judge = Judge(
        as_of,
        sla_hours(session),
        routing_table(session),
        trigger,
        seen,
        _open_closings(session),
        dict(held or {}),
    )
    outcome = Reconciled()
    for batch in batches:
        _reconcile_rule(session, batch, judge, outcome)
    record_many(session, outcome.audit)
    return outcome


def _existing(
    session: Session, rule: ExceptionRule, prints: list[str]
) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for start in range(0, len(prints), CHUNK):
        query = select(TABLE).where(
            TABLE.c.type == rule.type, TABLE.c.fingerprint.in_(prints[start : start + CHUNK])
        )
        rows.update({row["fingerprint"]: dict(row) for row in session.execute(query).mappings()})
    return rows


def _reconcile_rule(session: Session, batch: Batch, judge: Judge, out: Reconciled) -> None:
    rule = batch.rule
    unique = {f.fingerprint: f for f in batch.found}
    existing = _existing(session, rule, [*unique, *batch.gone])
    new = [f for fp, f in unique.items() if fp not in existing]
    _insert(session, rule, new, judge, out)
    seen: list[int] = []
    facts: list[dict[str, Any]] = []
    for fp, instance in unique.items():
        row = existing.get(fp)
        if row is not None and _judge_found(session, rule, row, instance, judge, out):
            seen.append(row["id"])
            if row["facts"] != instance.facts and Status(row["status"]) in ACTIVE:
                facts.append({"b_id": row["id"], "b_facts": instance.facts})
    for fp in batch.gone:
        row = existing.get(fp)
        if row is None or fp in unique:
            continue
        if Status(row["status"]) in ACTIVE:
            _clear(session, rule, row, judge, out)
        elif row["verification"] == AWAITING:
            _verify(session, rule, row, judge, out)
    _touch(session, seen, facts, judge)
    out.seen += len(seen)


def _insert(
    session: Session, rule: ExceptionRule, new: list[Found], judge: Judge, out: Reconciled
) -> None:
    if not new:
        return
    team = judge.routing[rule.domain.value]
    rows = [
        {
            "type": rule.type,
            "fingerprint": f.fingerprint,
            "severity": f.severity.value,
            "domain": rule.domain.value,
            "team": team,
            "status": Status.OPEN.value,
            "entity": f.entity,
            "facts": f.facts,
            "first_seen_at": judge.as_of,
            "last_seen_at": judge.as_of,
            "opened_at": judge.as_of,
            "due_at": judge.due(f.severity, judge.as_of),
            "reopen_count": 0,
            "cleared_by_data": False,
            "version": 1,
        }
        for f in new
    ]
    statement = insert(TABLE).returning(TABLE.c.id, sort_by_parameter_order=True)
    ids = session.execute(statement, rows).scalars().all()
    for exception_id, row in zip(ids, rows, strict=True):
        out.audit.append(
            _entry(
                exception_id,
                "exception.detect",
                "status",
                None,
                "open",
                f"{rule.type} {row['entity']} found; routed to {team}; {judge.trigger}",
            )
        )
    out.opened += len(rows)
    out.by_type[("opened", rule.type)] += len(rows)


def _entry(
    exception_id: int, action: str, field_name: str, old: object, new: object, detail: str
) -> dict[str, Any]:
    return {
        "actor": SYSTEM,
        "action": action,
        "object_type": "exception",
        "object_id": exception_id,
        "field": field_name,
        "old": old,
        "new": new,
        "detail": detail,
    }


def _judge_found(
    session: Session,
    rule: ExceptionRule,
    row: dict[str, Any],
    instance: Found,
    judge: Judge,
    out: Reconciled,
) -> bool:
    """Handle a stored exception whose problem is found again; True when it only needs a touch."""
    status = Status(row["status"])
    old_severity, new_severity = Severity(row["severity"]), instance.severity
    if status in ACTIVE:
        if new_severity != old_severity:
            _escalate(session, row, instance, judge, out)
        return True
    rises = new_severity.rank > old_severity.rank
    changed = rule.material_facts(row["facts"]) != rule.material_facts(instance.facts)
    shown = judge.new_evidence(rule, row)
    if row["verification"] == AWAITING and not rule.historical:
        if shown is None:
            return True  # no new evidence since the person resolved it: it waits
        _reopen(session, row, instance, judge, _reopen_reason(row, False, False, False), out, shown)
        return False
    sticks = status == Status.WONT_FIX or (rule.historical and not row["cleared_by_data"])
    if sticks and not rises and not changed:
        return True
    why = _reopen_reason(row, rises, changed, sticks)
    _reopen(session, row, instance, judge, why, out, shown)
    return False


def _reopen_reason(row: dict[str, Any], rises: bool, changed: bool, sticks: bool) -> str:
    if not sticks:
        if row["cleared_by_data"]:
            return "found again after it cleared"
        if row["verification"] == VERIFIED:
            return f"found again after {row['resolved_by']}'s resolution was verified"
        reason = reason_label(row["resolution_reason"])
        return f"still found after {row['resolved_by']} resolved it ({reason})"
    what = "severity rose" if rises else "its facts changed"
    return f"{what} since {row['resolved_by']} closed it as {row['status']}"


def _state_update(
    session: Session, row: dict[str, Any], values: dict[str, Any], out: Reconciled
) -> bool:
    """Update under the optimistic lock; a person's concurrent change wins (judged next run)."""
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.id == row["id"], TABLE.c.version == row["version"])
        .values(**values, version=row["version"] + 1)
    )
    if result.rowcount != 1:
        log.info("exception %s changed during detection: left for the next run", row["id"])
        out.skipped += 1
        return False
    return True


def _audit_changes(
    out: Reconciled, row: dict[str, Any], values: dict[str, Any], action: str, detail: str
) -> None:
    for name, new in values.items():
        if name in AUDITED_FIELDS and row.get(name) != new:
            out.audit.append(_entry(row["id"], action, name, row.get(name), new, detail))


def _escalate(
    session: Session, row: dict[str, Any], instance: Found, judge: Judge, out: Reconciled
) -> None:
    severity = instance.severity
    values: dict[str, Any] = {"severity": severity.value}
    if severity.rank > Severity(row["severity"]).rank:
        values["due_at"] = min(row["due_at"], judge.due(severity, judge.as_of))
    if _state_update(session, row, values, out):
        detail = f"severity now {severity.value} at {iso_z(judge.as_of)}; {judge.trigger}"
        _audit_changes(out, row, values, "exception.severity", detail)
        out.escalated += 1


def _settle(
    session: Session, judge: Judge, row: dict[str, Any], outcome: str, shown: ImportSeen | None
) -> None:
    """Record on the person's closing what the data said: verified or reopened, and by which file."""
    closing = judge.closings.get(row["id"])
    if closing is None:
        return
    session.execute(
        update(RESOLUTIONS)
        .where(RESOLUTIONS.c.id == closing["id"])
        .values(
            outcome=outcome,
            settled_at=judge.as_of,
            evidence_import_id=shown.id if shown else None,
            evidence_file=shown.file_name if shown else None,
        )
    )


def _shown_by(shown: ImportSeen | None) -> str:
    return f"; shown again by {shown.label}" if shown else ""


def _reopen(
    session: Session,
    row: dict[str, Any],
    instance: Found,
    judge: Judge,
    why: str,
    out: Reconciled,
    shown: ImportSeen | None = None,
) -> None:
    values = {
        "status": Status.OPEN.value,
        "severity": instance.severity.value,
        "facts": instance.facts,
        "entity": instance.entity,
        "last_seen_at": max(row["last_seen_at"], judge.as_of),
        "opened_at": judge.as_of,
        "due_at": judge.due(instance.severity, judge.as_of),
        "acknowledged_at": None,
        "resolved_at": None,
        "resolved_by": None,
        "resolution_reason": None,
        "resolution_note": None,
        "cleared_by_data": False,
        "verification": None,
        "reopen_count": row["reopen_count"] + 1,
    }
    if _state_update(session, row, values, out):
        detail = f"reopened: {why}{_shown_by(shown)}; {judge.trigger}"
        _audit_changes(out, row, values, "exception.reopen", detail)
        _settle(session, judge, row, Outcome.REOPENED, shown)
        out.reopened += 1
        out.by_type[("reopened", row["type"])] += 1


def _verify(
    session: Session, rule: ExceptionRule, row: dict[str, Any], judge: Judge, out: Reconciled
) -> None:
    """A person's resolution no longer found once new evidence arrived: verified."""
    shown = judge.new_evidence(rule, row)
    if shown is None:
        return
    values = {"verification": VERIFIED}
    if _state_update(session, row, values, out):
        detail = f"verified: no longer found after {shown.label}; {judge.trigger}"
        _audit_changes(out, row, values, "exception.verify", detail)
        _settle(session, judge, row, Outcome.VERIFIED, shown)
        out.verified += 1


def _clear(
    session: Session, rule: ExceptionRule, row: dict[str, Any], judge: Judge, out: Reconciled
) -> None:
    holder = judge.holders.get((rule.type, row["fingerprint"]))
    note = f"no longer found at {iso_z(judge.as_of)}"
    if holder is not None:
        note = f"folded into the {type_label(holder).lower()} exception of the same entity"
    values = {
        "status": Status.RESOLVED.value,
        "resolved_at": judge.as_of,
        "resolved_by": SYSTEM,
        "resolution_reason": CLEARED_BY_DATA,
        "resolution_note": note,
        "cleared_by_data": True,
    }
    if _state_update(session, row, values, out):
        _audit_changes(
            out, row, values, "exception.clear", f"cleared by data ({note}); {judge.trigger}"
        )
        out.cleared += 1
        out.by_type[("cleared", rule.type)] += 1


def _touch(session: Session, ids: Iterable[int], facts: list[dict[str, Any]], judge: Judge) -> None:
    """Record that problems still hold: last_seen_at moves forward, current facts are kept."""
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        session.execute(
            update(TABLE)
            .where(TABLE.c.id.in_(chunk), TABLE.c.last_seen_at < judge.as_of)
            .values(last_seen_at=judge.as_of)
        )
    if facts:
        statement = update(TABLE).where(TABLE.c.id == bindparam("b_id"))
        session.connection().execute(statement.values(facts=bindparam("b_facts")), facts)

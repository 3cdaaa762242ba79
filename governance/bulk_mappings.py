"""Deciding mapping suggestions in bulk: confirm every exact one (score 1.0), reject by system or SKU glob.

One call is one transaction (the caller's), all or nothing: a suggestion that changed since the
person saw it (its version moved on) raises ConflictError and nothing is written. Each suggestion
decided gets one audit row (`sku_suggestion`, field status), and each mapping a confirmation
writes gets its own (`sku_mapping`, field sku), as a single confirmation writes them; the
unmapped_system_sku exceptions of the confirmed SKUs then clear by data at the next detection.
SKU patterns are globs (governance.not_tracked: `*`, `?`, `[AB]`; case-sensitive).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.schema import Item, SkuMapping, SkuSuggestion
from core.timeutil import utcnow
from governance.audit import record_many
from governance.errors import ConflictError, GovernanceError
from governance.mappings import STEWARD_ORIGIN
from governance.not_tracked import sku_pattern, system_name
from governance.permissions import Action, Actor, authorize

EXACT = 1.0
CHUNK = 500
Key = tuple[str, str]  # (system, system_sku)
SUGGESTIONS, MAPPINGS, ITEMS = SkuSuggestion.__table__, SkuMapping.__table__, Item.__table__


@dataclass(frozen=True)
class MappingBulkOutcome:
    """What one bulk decision did: how many suggestions it decided, and how many it left."""

    decision: str  # confirmed or rejected
    changed: int
    skipped: int  # exact suggestions whose item no longer exists (confirm only)

    def summary(self) -> str:
        """One line a person reads."""
        skipped = (
            f"; {self.skipped:,} left open (their suggested item does not exist)"
            if self.skipped
            else ""
        )
        return f"{self.changed:,} suggestion(s) {self.decision}{skipped}."


@dataclass(frozen=True)
class Candidate:
    """An open suggestion a bulk decision may take: its key, version and suggested SKU."""

    system: str
    system_sku: str
    version: int
    suggested_sku: str | None
    score: float | None

    @property
    def key(self) -> Key:
        """(system, system_sku)."""
        return (self.system, self.system_sku)


def open_candidates(
    session: Session, *, system: str | None = None, pattern: str | None = None, exact: bool = False
) -> list[Candidate]:
    """Open suggestions of a system (any when None) whose SKU matches the glob; `exact`: score 1.0
    with a suggested SKU only. Sorted by system and system SKU."""
    query = select(SUGGESTIONS).where(SUGGESTIONS.c.status == "open")
    if system:
        query = query.where(SUGGESTIONS.c.system == system_name(system))
    if exact:
        query = query.where(SUGGESTIONS.c.score >= EXACT, SUGGESTIONS.c.suggested_sku.is_not(None))
    query = query.order_by(SUGGESTIONS.c.system, SUGGESTIONS.c.system_sku)
    glob = sku_pattern(pattern)
    return [
        Candidate(r.system, r.system_sku, r.version, r.suggested_sku, r.score)
        for r in session.execute(query)
        if fnmatchcase(r.system_sku, glob)
    ]


def _chosen(found: list[Candidate], seen: Mapping[Key, int] | None) -> list[tuple[Candidate, int]]:
    """The candidates to decide, each with the version the person saw (stored now when not given).

    With `seen`, exactly those suggestions: one no longer open and matching is a conflict."""
    if seen is None:
        return [(c, c.version) for c in found]
    by_key = {c.key: c for c in found}
    chosen = []
    for key, version in sorted(seen.items()):
        candidate = by_key.get(key)
        if candidate is None:
            raise ConflictError(
                f"the suggestion for {key[0]} {key[1]} is no longer open and matching: "
                "nothing was decided; reload and decide again",
                {"system": key[0], "system_sku": key[1]},
            )
        chosen.append((candidate, int(version)))
    return chosen


def _decide(
    session: Session, me: Actor, candidate: Candidate, version: int, values: dict[str, Any]
) -> None:
    result = session.execute(
        update(SUGGESTIONS)
        .where(
            SUGGESTIONS.c.system == candidate.system,
            SUGGESTIONS.c.system_sku == candidate.system_sku,
            SUGGESTIONS.c.version == version,
            SUGGESTIONS.c.status == "open",
        )
        .values(
            **values,
            decided_by=me.name,
            decided_at=utcnow(),
            updated_at=utcnow(),
            version=version + 1,
        )
    )
    if result.rowcount != 1:
        raise ConflictError(
            f"the suggestion for {candidate.system} {candidate.system_sku} changed under you "
            "(decided or updated meanwhile): nothing was decided; reload and decide again",
            {"system": candidate.system, "system_sku": candidate.system_sku},
        )


def _entry(me: Actor, action: str, kind: str, key: Key, field: str, old: object, new: object,
           detail: str) -> dict[str, Any]:  # fmt: skip
    return {"actor": me, "action": action, "object_type": kind, "object_id": f"{key[0]}:{key[1]}",
            "field": field, "old": old, "new": new, "detail": detail}  # fmt: skip


def _existing_mappings(session: Session, keys: list[Key]) -> dict[Key, str]:
    found: dict[Key, str] = {}
    for system in sorted({k[0] for k in keys}):
        skus = [k[1] for k in keys if k[0] == system]
        for start in range(0, len(skus), CHUNK):
            query = select(MAPPINGS.c.system_sku, MAPPINGS.c.sku).where(
                MAPPINGS.c.system == system, MAPPINGS.c.system_sku.in_(skus[start : start + CHUNK])
            )
            found.update({(system, r.system_sku): r.sku for r in session.execute(query)})
    return found


def _items(session: Session, skus: set[str]) -> set[str]:
    ordered, known = sorted(skus), set()
    for start in range(0, len(ordered), CHUNK):
        query = select(ITEMS.c.sku).where(ITEMS.c.sku.in_(ordered[start : start + CHUNK]))
        known |= set(session.scalars(query))
    return known


def confirm_exact(
    *,
    session: Session,
    actor: Actor,
    system: str | None = None,
    seen: Mapping[Key, int] | None = None,
) -> MappingBulkOutcome:
    """Confirm every open suggestion with score 1.0 (of a system, or all), each mapping written
    with origin steward (stewards, admins); `seen`: exactly those, at the versions seen."""
    me = authorize(session, actor, Action.CONFIRM_MAPPING)
    chosen = _chosen(open_candidates(session, system=system, exact=True), seen)
    items = _items(session, {c.suggested_sku for c, _ in chosen if c.suggested_sku})
    doable = [(c, v) for c, v in chosen if c.suggested_sku in items]
    existing = _existing_mappings(session, [c.key for c, _ in doable])
    detail = f"bulk confirm of {len(doable):,} exact suggestion(s)"
    audit, new_rows = [], []
    for candidate, version in doable:
        sku = str(candidate.suggested_sku)
        _decide(session, me, candidate, version, {"status": "confirmed"})
        audit.append(_entry(me, "mapping.bulk_confirm", "sku_suggestion", candidate.key,
                            "status", "open", "confirmed", f"{detail}: -> {sku}"))  # fmt: skip
        audit.append(_entry(me, "mapping.confirm", "sku_mapping", candidate.key, "sku",
                            existing.get(candidate.key), sku, detail))  # fmt: skip
        if candidate.key in existing:
            session.execute(
                update(MAPPINGS)
                .where(
                    MAPPINGS.c.system == candidate.system,
                    MAPPINGS.c.system_sku == candidate.system_sku,
                )
                .values(sku=sku, origin=STEWARD_ORIGIN)
            )
        else:
            new_rows.append({"system": candidate.system, "system_sku": candidate.system_sku,
                             "sku": sku, "origin": STEWARD_ORIGIN,
                             "source_system": candidate.system})  # fmt: skip
    if new_rows:
        session.execute(insert(MAPPINGS), new_rows)
    record_many(session, audit)
    return MappingBulkOutcome("confirmed", len(doable), len(chosen) - len(doable))


def reject_matching(
    *,
    session: Session,
    actor: Actor,
    system: str,
    reason: str,
    pattern: str | None = None,
    seen: Mapping[Key, int] | None = None,
) -> MappingBulkOutcome:
    """Reject every open suggestion of a system whose SKU matches the glob (default all), with one
    reason (stewards, admins); `seen`: exactly those, at the versions seen."""
    me = authorize(session, actor, Action.CONFIRM_MAPPING)
    text = (reason or "").strip()
    if not text:
        raise GovernanceError("a rejection needs a reason")
    glob = sku_pattern(pattern)
    chosen = _chosen(open_candidates(session, system=system, pattern=glob), seen)
    detail = f"bulk reject of {len(chosen):,} suggestion(s) matching {glob!r}: {text}"
    audit = []
    for candidate, version in chosen:
        _decide(session, me, candidate, version, {"status": "rejected", "reason": text})
        audit.append(_entry(me, "mapping.bulk_reject", "sku_suggestion", candidate.key,
                            "status", "open", "rejected", detail))  # fmt: skip
    record_many(session, audit)
    return MappingBulkOutcome("rejected", len(chosen), 0)

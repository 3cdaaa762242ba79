"""Resolving the system SKUs an import's stock rows carry, inside the import's transaction.

A system SKU resolves by its explicit mapping, else as a canonical SKU (an item created by now),
else by a barcode the source gives that exactly one item carries: that match is recorded as a
mapping with origin `barcode` (metrics resolve by mappings, then exact SKU, per SPEC section 3).
What stays unmapped gets a row in sku_suggestions with the best suggested match and its evidence,
status `open`; a steward's decision (confirmed, rejected) is never overwritten, a rejected SKU is
never mapped automatically, and an open suggestion whose SKU now resolves is removed. Rows are
compared before writing, so importing the same file again changes nothing.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from connectors.batch import PreparedFile
from connectors.change_log import ChangeLog
from connectors.emitter import PreparedSourceFile, SkuFacts
from connectors.suggestions import ItemIndex, suggest
from core.schema import Item, SkuMapping, SkuSuggestion

log = logging.getLogger(__name__)

CHUNK = 900
BARCODE_ORIGIN = "barcode"
MAPPINGS, ITEMS, SUGGESTIONS = SkuMapping.__table__, Item.__table__, SkuSuggestion.__table__
COMPARED = ("suggested_sku", "method", "score", "evidence")


class Status(StrEnum):
    """Where a suggestion stands: machine-made and open, or decided by a steward."""

    OPEN = "open"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


@dataclass
class _Outcome:
    """What resolving an import did, for its notes; the item index is built once, when first needed."""

    mapped: int = 0
    unmapped: int = 0
    suggested: int = 0
    index: ItemIndex | None = None
    removed: list[tuple[str, str]] = field(default_factory=list)
    removed_rows: list[dict[str, Any]] = field(default_factory=list)  # open ones, for the log
    inserts: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)

    def notes(self) -> list[str]:
        """Lines for the import report."""
        out = []
        if self.mapped:
            out.append(f"{self.mapped} system SKU(s) mapped to an item by a unique barcode match")
        if self.unmapped:
            out.append(
                f"{self.unmapped} system SKU(s) resolve to no item: {self.suggested} with a "
                "suggested match, all kept as SKU suggestions for a steward"
            )
        return out


def resolve_system_skus(
    session: Session,
    prepared: PreparedFile,
    *,
    run_id: int,
    now: datetime,
    changes: ChangeLog | None = None,
) -> list[str]:
    """Resolve the system SKUs of a prepared file's stock rows; returns notes for the import report."""
    seen: dict[str, set[str]] = defaultdict(set)
    for batch in prepared.batches:
        if batch.spec.name == "stock_levels":
            for row in batch.rows.values():
                seen[row["system"]].add(row["system_sku"])
    facts = prepared.system_skus if isinstance(prepared, PreparedSourceFile) else {}
    outcome = _Outcome()
    for system, skus in sorted(seen.items()):
        known = facts if system == prepared.system else {}
        _resolve(session, system, sorted(skus), known, run_id, now, outcome)
    _delete(session, outcome.removed)
    _write_suggestions(session, outcome.inserts, outcome.updates)
    if changes is not None:
        _log_suggestions(changes, outcome)
    written = len(outcome.inserts) + len(outcome.updates)
    if outcome.mapped or written:
        log.info("%s: %d barcode mapping(s), %d suggestion(s) written", prepared.file_name,
                 outcome.mapped, written)  # fmt: skip
    return outcome.notes()


def _resolve(
    session: Session,
    system: str,
    skus: list[str],
    facts: dict[str, SkuFacts],
    run_id: int,
    now: datetime,
    outcome: _Outcome,
) -> None:
    """One system's SKUs: skip the resolved, map unique barcodes, suggest for the rest."""
    mapped = _present(session, MAPPINGS.c.system_sku, skus, MAPPINGS.c.system == system)
    rest = [s for s in skus if s not in mapped]
    created = and_(ITEMS.c.created_at.is_not(None), ITEMS.c.created_at <= now)
    canonical = _present(session, ITEMS.c.sku, rest, created)
    unresolved = [s for s in rest if s not in canonical]
    decided = _suggestions(session, system, skus)
    pending = set(unresolved)
    gone = [s for s, row in decided.items() if row["status"] == Status.OPEN and s not in pending]
    outcome.removed += [(system, s) for s in gone]
    outcome.removed_rows += [decided[s] for s in gone]
    if not unresolved:
        return
    if outcome.index is None:
        outcome.index = _item_index(session, now)
    new_mappings = [
        _mapping(system, s, sku, run_id)
        for s in unresolved
        if (sku := _unique_barcode(outcome.index, facts.get(s, SkuFacts()), decided.get(s)))
    ]
    if new_mappings:
        session.execute(insert(MAPPINGS), new_mappings)
        outcome.mapped += len(new_mappings)
    by_barcode = {m["system_sku"] for m in new_mappings}
    outcome.removed += [(system, s) for s in by_barcode if s in decided]
    outcome.removed_rows += [
        decided[s] for s in by_barcode if s in decided and decided[s]["status"] == Status.OPEN
    ]
    for system_sku in unresolved:
        if system_sku not in by_barcode:
            found = facts.get(system_sku, SkuFacts())
            _keep_unmapped(system, system_sku, found, decided.get(system_sku), now, outcome)


def _keep_unmapped(
    system: str,
    system_sku: str,
    facts: SkuFacts,
    old: dict[str, Any] | None,
    now: datetime,
    outcome: _Outcome,
) -> None:
    """An unmapped system SKU: its open suggestion is (re)computed; a steward's decision stays."""
    assert outcome.index is not None
    outcome.unmapped += 1
    if old is not None and old["status"] != Status.OPEN:
        outcome.suggested += old["suggested_sku"] is not None
        return
    found = suggest(system_sku, facts, outcome.index)
    outcome.suggested += found.suggested_sku is not None
    values = {name: getattr(found, name) for name in COMPARED}
    if old is None:
        outcome.inserts.append({"system": system, "system_sku": system_sku, **values,
                                "status": Status.OPEN.value, "created_at": now,
                                "updated_at": now, "version": 1})  # fmt: skip
    elif any(old[name] != values[name] for name in COMPARED):
        outcome.updates.append({"k_system": system, "k_system_sku": system_sku, **values,
                                "updated_at": now, "version": old["version"] + 1,
                                "old": old})  # fmt: skip


def _unique_barcode(index: ItemIndex, facts: SkuFacts, old: dict[str, Any] | None) -> str | None:
    """The one item carrying the source's barcode, unless a steward rejected exactly that match."""
    matches = index.barcode_matches(facts.barcode)
    if len(matches) != 1:
        return None
    if old is not None and old["status"] == Status.REJECTED and old["suggested_sku"] == matches[0]:
        return None
    return matches[0]


def _mapping(system: str, system_sku: str, sku: str, run_id: int) -> dict[str, Any]:
    return {
        "system": system,
        "system_sku": system_sku,
        "sku": sku,
        "origin": BARCODE_ORIGIN,
        "source_system": system,
        "import_run_id": run_id,
    }


def _log_suggestions(changes: ChangeLog, outcome: _Outcome) -> None:
    """Keep what the suggestions were before this import (the table has no import_run_id)."""
    name = SUGGESTIONS.name
    for row in outcome.inserts:
        changes.inserted(name, (row["system"], row["system_sku"]))
    for row in outcome.updates:
        key = (row["k_system"], row["k_system_sku"])
        changes.updated(name, key, row["old"], (*COMPARED, "updated_at", "version"))
    for row in outcome.removed_rows:
        changes.deleted(name, (row["system"], row["system_sku"]), row)


def _write_suggestions(
    session: Session, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]
) -> None:
    """New open suggestions, and changed ones (their version moves on), written in bulk."""
    if inserts:
        session.execute(insert(SUGGESTIONS), inserts)
    if updates:
        statement = (
            update(SUGGESTIONS)
            .where(
                SUGGESTIONS.c.system == bindparam("k_system"),
                SUGGESTIONS.c.system_sku == bindparam("k_system_sku"),
            )
            .values({c: bindparam(c) for c in (*COMPARED, "updated_at", "version")})
        )
        rows = [{name: v for name, v in row.items() if name != "old"} for row in updates]
        session.connection().execute(statement, rows)


def _chunks(values: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _present(session: Session, column: Any, values: list[str], *where: Any) -> set[str]:
    """Which of `values` the column holds (rows also matching `where`)."""
    found: set[str] = set()
    for chunk in _chunks(values):
        found.update(session.scalars(select(column).where(column.in_(chunk), *where)))
    return found


def _suggestions(session: Session, system: str, skus: list[str]) -> dict[str, dict[str, Any]]:
    rows: dict[str, dict[str, Any]] = {}
    for chunk in _chunks(skus):
        query = select(SUGGESTIONS).where(
            SUGGESTIONS.c.system == system, SUGGESTIONS.c.system_sku.in_(chunk)
        )
        rows.update({r["system_sku"]: dict(r) for r in session.execute(query).mappings()})
    return rows


def _item_index(session: Session, now: datetime) -> ItemIndex:
    created = and_(ITEMS.c.created_at.is_not(None), ITEMS.c.created_at <= now)
    query = select(ITEMS.c.sku, ITEMS.c.name, ITEMS.c.barcode).where(created)
    return ItemIndex(tuple(r) for r in session.execute(query))


def _delete(session: Session, keys: list[tuple[str, str]]) -> None:
    """Remove open suggestions whose system SKU now resolves."""
    by_system: dict[str, list[str]] = defaultdict(list)
    for system, system_sku in keys:
        by_system[system].append(system_sku)
    for system, skus in by_system.items():
        for chunk in _chunks(sorted(set(skus))):
            session.execute(
                delete(SUGGESTIONS).where(
                    SUGGESTIONS.c.system == system,
                    SUGGESTIONS.c.system_sku.in_(chunk),
                    SUGGESTIONS.c.status == Status.OPEN.value,
                )
            )

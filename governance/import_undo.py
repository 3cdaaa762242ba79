"""Undoing an import run (stewards, admins): its writes taken back in one audited transaction.

Refused when the run is not committed (undone already, or unknown), and when a later committed run
changed the same rows (that run is named: undo it first). The metric aggregates are refreshed for
what the undo changes, in the same transaction; exceptions follow at the next detection, which the
caller runs after the commit (pipeline.undo_import_as).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, tuple_, update
from sqlalchemy.orm import Session, aliased

from core.change_values import key_text, key_values, typed
from core.schema import (
    CANONICAL_TABLES,
    AuditEntry,
    ImportChange,
    ImportRun,
    Item,
    ItemChange,
    SkuRequest,
)
from core.timeutil import iso_z, utcnow
from governance.audit import as_text, record
from governance.errors import GovernanceError, NotFound
from governance.freeze import import_requester
from governance.import_restore import (
    KEYS,
    TABLES,
    Entry,
    Restored,
    first_entries,
    inserted_keys,
    restore,
)
from governance.ownership import Reader
from governance.permissions import Action, Actor, authorize
from governance.sku_validation import PENDING
from metrics.refresh import refreshing

RUNS = ImportRun.__table__
PROVENANCE = {"source_system", "import_run_id"}
CHUNK = 500


class RunState(StrEnum):
    """Where an import run stands."""

    COMMITTED = "committed"
    UNDONE = "undone"


@dataclass(frozen=True)
class ImportRunRow:
    """One import run as `imports list` and the Sources page show it."""

    id: int
    source: str
    system: str | None
    file: str
    state: str
    finished_at: datetime | None
    read: int
    inserted: int
    updated: int
    unchanged: int
    quarantined: int
    actor: str | None
    undone_at: datetime | None
    undone_by: str | None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view (times ISO Z)."""
        out = asdict(self)
        for name in ("finished_at", "undone_at"):
            out[name] = iso_z(out[name]) if out[name] else None
        return out


@dataclass(frozen=True)
class UndoReport:
    """What undoing a run did: rows deleted, given back their values, put back; quarantine gone."""

    run_id: int
    file: str
    deleted: int
    restored: int
    reinserted: int
    quarantined: int
    by: str

    def summary(self) -> str:
        """One line for the CLI, the page and the audit log."""
        return (
            f"import run {self.run_id} ({self.file}) undone by {self.by}: {self.deleted} row(s) "
            f"it inserted deleted, {self.restored} row(s) it changed given their previous "
            f"values, {self.reinserted} row(s) it removed put back, {self.quarantined} "
            "quarantined row(s) removed"
        )


def import_runs(session: Reader, *, limit: int | None = None) -> list[ImportRunRow]:
    """Import runs, newest first, with their state."""
    query = select(ImportRun).order_by(ImportRun.id.desc()).limit(limit)
    return [
        ImportRunRow(
            r.id,
            r.source,
            r.system,
            r.file_name,
            r.status,
            r.finished_at,
            r.rows_read,
            r.inserted,
            r.updated,
            r.unchanged,
            r.quarantined,
            r.actor,
            r.undone_at,
            r.undone_by,
        )
        for r in session.scalars(query)
    ]


def blocking_run(conn: Connection, run_id: int) -> int | None:
    """The earliest later committed run that changed a row this run wrote (None: nothing blocks)."""
    later, mine = ImportChange.__table__, aliased(ImportChange.__table__)
    committed = and_(RUNS.c.id == later.c.run_id, RUNS.c.status == RunState.COMMITTED.value)
    after = later.c.run_id > run_id
    over_mine = (
        select(func.min(later.c.run_id))
        .join(RUNS, committed)
        .where(after, later.c.previous_run_id == run_id)
    )
    same_key = (
        select(func.min(later.c.run_id))
        .join(RUNS, committed)
        .join(mine, and_(mine.c.entity == later.c.entity, mine.c.key == later.c.key))
        .where(after, mine.c.run_id == run_id)
    )
    found = [conn.execute(q).scalar() for q in (over_mine, same_key)]
    return min((f for f in found if f is not None), default=None)


def undo_import(*, session: Session, actor: Actor, run_id: int) -> UndoReport:
    """Take a committed import run back (stewards, admins); audited in the same transaction."""
    me = authorize(session, actor, Action.UNDO_IMPORT)
    conn = session.connection()
    run = _claim(conn, run_id, me.name)
    later = blocking_run(conn, run_id)
    if later is not None:
        raise GovernanceError(
            f"import run {run_id} cannot be undone: import run {later}, committed after it, "
            f"changed the same rows; undo run {later} first"
        )
    entries = first_entries(conn, run_id)
    touched = _touched(conn, run_id, entries)
    _refuse_if_edited_since(conn, run, touched)
    _log_item_changes(session, me, touched.get("items", []), entries.get("items", {}))
    restored = Restored()
    with refreshing(session, touched):
        restore(conn, run_id, entries, restored)
    _withdraw_requests(session, me, run)
    report = UndoReport(run_id, run.file_name, sum(restored.deleted.values()),
                        sum(restored.restored.values()), sum(restored.reinserted.values()),
                        restored.quarantined, me.name)  # fmt: skip
    record(session, actor=me, action="import.undo", object_type="import_run", object_id=run_id,
           field="status", old=RunState.COMMITTED, new=RunState.UNDONE,
           detail=report.summary())  # fmt: skip
    return report


def _claim(conn: Connection, run_id: int, by: str) -> Any:
    """Mark the run undone (the row lock keeps a second undo out), or say why it cannot be."""
    run = conn.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
    if run is None:
        raise NotFound(f"no import run {run_id}: `imports list` shows the runs")
    if run.status == RunState.UNDONE:
        raise GovernanceError(
            f"import run {run_id} was already undone by {run.undone_by} at {iso_z(run.undone_at)}"
        )
    claimed = conn.execute(
        update(RUNS)
        .where(RUNS.c.id == run_id, RUNS.c.status == RunState.COMMITTED.value)
        .values(status=RunState.UNDONE.value, undone_at=utcnow(), undone_by=by)
    )
    if claimed.rowcount != 1:
        raise GovernanceError(
            f"import run {run_id} is {run.status}: only a committed run is undone"
        )
    return run


def _refuse_if_edited_since(
    conn: Connection, run: Any, touched: dict[str, list[dict[str, Any]]]
) -> None:
    """A person's later change to an item or mapping the run wrote would be lost: refused."""
    objects = [("item", str(r["sku"])) for r in touched.get("items", [])] + [
        ("sku_mapping", f"{r['system']}:{r['system_sku']}") for r in touched.get("sku_mappings", [])
    ]
    audit = AuditEntry.__table__
    for start in range(0, len(objects), CHUNK):
        chunk = objects[start : start + CHUNK]
        query = (
            select(audit.c.actor, audit.c.object_type, audit.c.object_id, audit.c.at)
            .where(
                tuple_(audit.c.object_type, audit.c.object_id).in_(chunk),
                audit.c.at >= run.started_at,
            )
            .order_by(audit.c.id)
            .limit(1)
        )
        found = conn.execute(query).first()
        if found is not None:
            raise GovernanceError(
                f"import run {run.id} cannot be undone: {found.actor} changed "
                f"{found.object_type.replace('_', ' ')} {found.object_id} at {iso_z(found.at)}, "
                "after this import; undoing it would lose that change"
            )


def _withdraw_requests(session: Session, me: Actor, run: Any) -> None:
    """SKU requests the run filed during the item-master freeze, still pending: rejected, audited."""
    query = select(SkuRequest).where(
        SkuRequest.requester == import_requester(run.system or ""),
        SkuRequest.status == PENDING,
        SkuRequest.note.endswith(f"(import run {run.id})", autoescape=True),
    )
    why = f"its import run {run.id} ({run.file_name}) was undone"
    for request in session.scalars(query):
        request.status, request.decided_by, request.decided_at = "rejected", me.name, utcnow()
        request.reason, request.version = why, request.version + 1
        record(session, actor=me, action="sku_request.rejected", object_type="sku_request",
               object_id=request.id, field="status", old=PENDING, new="rejected", detail=why)  # fmt: skip
    session.flush()


def _touched(
    conn: Connection, run_id: int, entries: dict[str, dict[str, Entry]]
) -> dict[str, list[dict[str, Any]]]:
    """The canonical rows the undo writes, as the metric refresh wants them (before values too)."""
    touched: dict[str, list[dict[str, Any]]] = {}
    for entity in CANONICAL_TABLES:
        table, key = TABLES[entity], KEYS[entity]
        rows = inserted_keys(conn, run_id, entity)
        for text, entry in entries.get(entity, {}).items():
            rows.append({**typed(table, entry.previous or {}), **key_values(table, key, text)})
        if rows:
            touched[entity] = rows
    return touched


def _log_item_changes(
    session: Session, me: Actor, rows: list[dict[str, Any]], entries: dict[str, Entry]
) -> None:
    """The item change log: each field the undo gives back, and each item it deletes."""
    skus = sorted({str(row["sku"]) for row in rows})
    table, now, log = Item.__table__, utcnow(), []
    current: dict[str, Any] = {}
    for start in range(0, len(skus), CHUNK):
        query = select(table).where(table.c.sku.in_(skus[start : start + CHUNK]))
        current.update({r["sku"]: r for r in session.execute(query).mappings()})
    for sku, now_row in sorted(current.items()):
        entry = entries.get(key_text([sku]))
        if entry is None or entry.kind != "updated":
            log.append(_change(sku, "(deleted)", None, None, now, me))
            continue
        for name, value in typed(table, entry.previous or {}).items():
            if name not in PROVENANCE and now_row[name] != value:
                log.append(_change(sku, name, now_row[name], value, now, me))
    if log:
        session.execute(insert(ItemChange), log)


def _change(sku: str, name: str, old: Any, new: Any, at: datetime, me: Actor) -> dict[str, Any]:
    return {"sku": sku, "field": name, "old_value": as_text(old), "new_value": as_text(new),
            "changed_at": at, "system": None, "import_run_id": None, "actor": me.name}  # fmt: skip

"""Keeping the source records that carry no SKU (e.g. Shopify variants) as system records.

Such a record is never an item: it is stored under the source's own identity (Shopify: handle and
option values; Square: the variation Token) so that governance can raise it as a missing SKU.
A later file fills in what an earlier one lacked (empty values never erase known ones). Importing
the same file again writes nothing; another file seeing an unchanged record moves its last_seen_at.
A record that a file of the same system shows with a SKU (same key) is removed: its problem is fixed.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from connectors.batch import PreparedFile
from connectors.change_log import ChangeLog
from connectors.emitter import PreparedSourceFile, SystemRecord
from core.schema import ImportRun
from core.schema import SystemRecord as SystemRecordRow

log = logging.getLogger(__name__)

CHUNK = 900
KEY_LENGTH = 255
RECORDS, RUNS = SystemRecordRow.__table__, ImportRun.__table__
COLUMNS = ("kind", "title", "barcode", "details", "file_name")
OWN_COLUMNS = {"title", "barcode"}  # fields kept in their own column, not in details


@dataclass
class _Counts:
    new: int = 0
    changed: int = 0
    seen_again: int = 0


def source_key(key: str) -> str:
    """A source key that fits the column: a very long one is cut and made unique by a hash suffix."""
    if len(key) <= KEY_LENGTH:
        return key
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:16]
    return f"{key[: KEY_LENGTH - 17]}#{digest}"


def store_system_records(
    session: Session,
    prepared: PreparedFile,
    *,
    run_id: int,
    now: datetime,
    changes: ChangeLog | None = None,
) -> list[str]:
    """Upsert the file's records without a SKU, drop those that now have one; notes for the report."""
    if not isinstance(prepared, PreparedSourceFile):
        return []
    records = {(r.system, source_key(r.key)): r for r in prepared.system_records}
    notes = []
    changes = changes or ChangeLog(run_id)
    if records:
        counts = _upsert(session, records, prepared, changes, now)
        notes.append(
            f"{len(records)} source record(s) without a SKU kept as system records "
            f"({counts.new} new, {counts.changed} changed, {counts.seen_again} seen again)"
        )
    gone = _drop_resolved(session, prepared, {key for _, key in records}, changes)
    if gone:
        notes.append(f"{gone} system record(s) removed: the file shows them with a SKU now")
    return notes


def _upsert(
    session: Session,
    records: dict[tuple[str, str], SystemRecord],
    prepared: PreparedFile,
    changes: ChangeLog,
    now: datetime,
) -> _Counts:
    run_id = changes.run_id
    existing = _existing(session, list(records))
    shas = _run_shas(session, {row["import_run_id"] for row in existing.values()})
    counts, inserts, updates = _Counts(), [], []
    for key, record in records.items():
        values = _values(record, prepared.file_name)
        old = existing.get(key)
        if old is None:
            inserts.append({"system": key[0], "source_key": key[1], **values,
                            "first_seen_at": now, "last_seen_at": now, "import_run_id": run_id})  # fmt: skip
            continue
        merged = _merge(old, values)
        same = all(merged[c] == old[c] for c in COLUMNS)
        if same and shas.get(old["import_run_id"]) == prepared.sha256:
            continue  # the same file again: nothing to write
        counts.seen_again += same
        counts.changed += not same
        changes.updated(RECORDS.name, key, old, (*COLUMNS, "last_seen_at", "import_run_id"))
        updates.append((key, {**merged, "last_seen_at": now, "import_run_id": run_id}))
    _write(session, inserts, updates)
    counts.new = len(inserts)
    log.info("%s: %d system record(s), %d new", prepared.file_name, len(records), counts.new)
    return counts


def _drop_resolved(
    session: Session, prepared: PreparedSourceFile, kept: set[str], changes: ChangeLog
) -> int:
    """Remove this system's records whose source key the file now shows with a SKU."""
    if not prepared.keys_with_sku:
        return 0
    stored = set(
        session.scalars(select(RECORDS.c.source_key).where(RECORDS.c.system == prepared.system))
    )
    gone = sorted((stored & {source_key(k) for k in prepared.keys_with_sku}) - kept)
    for row in _existing(session, [(prepared.system, key) for key in gone]).values():
        changes.deleted(RECORDS.name, (row["system"], row["source_key"]), row)
    for chunk in _chunks(gone):
        session.execute(
            delete(RECORDS).where(
                RECORDS.c.system == prepared.system, RECORDS.c.source_key.in_(chunk)
            )
        )
    return len(gone)


def _values(record: SystemRecord, file_name: str) -> dict[str, Any]:
    fields = {name: value for name, value in record.fields if value}
    details = {name: value for name, value in fields.items() if name not in OWN_COLUMNS}
    return {
        "kind": record.kind,
        "title": fields.get("title"),
        "barcode": fields.get("barcode"),
        "details": details,
        "file_name": file_name,
    }


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """New values win; an empty new value keeps the old one."""
    return {
        "kind": new["kind"],
        "title": new["title"] or old["title"],
        "barcode": new["barcode"] or old["barcode"],
        "details": {**(old["details"] or {}), **new["details"]},
        "file_name": new["file_name"],
    }


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]


def _existing(
    session: Session, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], dict[str, Any]]:
    by_system: dict[str, list[str]] = {}
    for system, key in keys:
        by_system.setdefault(system, []).append(key)
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for system, system_keys in by_system.items():
        for chunk in _chunks(system_keys):
            query = select(RECORDS).where(
                RECORDS.c.system == system, RECORDS.c.source_key.in_(chunk)
            )
            for row in session.execute(query).mappings():
                found[(row["system"], row["source_key"])] = dict(row)
    return found


def _run_shas(session: Session, run_ids: set[int | None]) -> dict[int, str]:
    ids = sorted(i for i in run_ids if i is not None)
    shas: dict[int, str] = {}
    for chunk in _chunks(ids):
        query = select(RUNS.c.id, RUNS.c.sha256).where(RUNS.c.id.in_(chunk))
        shas.update({run_id: sha for run_id, sha in session.execute(query)})
    return shas


def _write(
    session: Session,
    inserts: list[dict[str, Any]],
    updates: list[tuple[tuple[str, str], dict[str, Any]]],
) -> None:
    if inserts:
        session.execute(insert(RECORDS), inserts)
    for (system, key), values in updates:
        session.execute(
            update(RECORDS)
            .where(RECORDS.c.system == system, RECORDS.c.source_key == key)
            .values(**values)
        )

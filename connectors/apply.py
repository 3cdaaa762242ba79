"""Applying a prepared file in one transaction: idempotent upserts, item-master ownership, quarantine."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Table, and_, bindparam, insert, select, update
from sqlalchemy.orm import Session

from connectors.batch import ApplyCounts, Batch, Key, PreparedFile, Progress
from connectors.canonical import ENTITIES
from connectors.change_log import PROVENANCE, ChangeLog
from connectors.emitter import PreparedSourceFile
from connectors.held_items import differing_values, drop_settled, held_fields, release_held
from connectors.resolution import resolve_system_skus
from connectors.system_records import store_system_records
from core.engines import bulk_insert
from core.schema import HeldItemChange, Item, ItemChange, QuarantinedRow, SkuMapping

CHUNK_PARAMS = 900
HELD = HeldItemChange.__tablename__
WRITE_CHUNK = 5000


def apply_prepared(
    session: Session,
    prepared: PreparedFile,
    *,
    run_id: int,
    item_master_system: str,
    now: datetime,
    progress: Progress | None = None,
    item_master_frozen: bool = False,
) -> ApplyCounts:
    """Write batches and quarantine, resolve system SKUs, keep SKU-less records; caller owns the transaction.

    While the item-master freeze is on, the owning system's items are held like a non-owner's
    and its new SKUs are left in `counts.held_new_items` for the caller to file for approval.
    """
    counts, changes = ApplyCounts(), ChangeLog(run_id)
    non_owner = prepared.system != item_master_system
    for batch in _without_unknown_mappings(session, prepared, non_owner, counts):
        is_items = batch.spec.name == "items"
        if is_items and prepared.system != item_master_system:
            _hold_non_owner_items(session, batch, prepared.system, changes, now, counts)
        elif is_items and item_master_frozen:
            _hold_frozen_owner_items(session, batch, prepared.system, changes, now, counts)
        else:
            _upsert(session, batch, prepared.system, changes, now, counts, progress)
            if is_items and not batch.create_only:
                release_held(session, batch, prepared.system, changes)
        changes.write(session)
    counts.quarantined = _quarantine(session, prepared, run_id, now)
    counts.notes += resolve_system_skus(session, prepared, run_id=run_id, now=now, changes=changes)
    counts.notes += store_system_records(session, prepared, run_id=run_id, now=now, changes=changes)
    changes.write(session)
    records = len(prepared.system_records) if isinstance(prepared, PreparedSourceFile) else 0
    counts.say("system_records", "source records without a SKU kept (not items)", records)
    order = {name: i for i, name in enumerate([*ENTITIES, "held_item_changes"])}
    counts.written.sort(key=lambda w: order.get(w.entity, len(order)))  # stable: items first
    return counts


def _without_unknown_mappings(
    session: Session, prepared: PreparedFile, non_owner: bool, counts: ApplyCounts
) -> list[Batch]:
    """A non-owner's item file maps its SKUs only to items the item master knows: its identity
    mappings (system SKU = SKU) are left to the items step, which maps the known SKUs; the
    others are not recorded, and counted as such."""
    if not non_owner or not any(b.spec.name == "items" for b in prepared.batches):
        return prepared.batches
    out = []
    for batch in prepared.batches:
        if batch.spec.name == "sku_mappings":
            batch = _known_only(session, batch, counts)
        out.append(batch)
    return out


def _known_only(session: Session, batch: Batch, counts: ApplyCounts) -> Batch:
    identity = [key for key, row in batch.rows.items() if row["sku"] == row["system_sku"]]
    items = Item.__table__
    known = fetch_existing(
        session, items, ("sku",), [], [(batch.rows[k]["sku"],) for k in identity]
    )
    unknown = {k for k in identity if (batch.rows[k]["sku"],) not in known}
    counts.say("sku_mappings", "not recorded: the SKU is no item of the item master", len(unknown))
    # The known ones are mapped with the items (`_map_identical_skus`), so counted once, there.
    kept = {key: row for key, row in batch.rows.items() if key not in set(identity)}
    return Batch(batch.spec, batch.columns, kept, batch.create_only)


def fetch_existing(
    session: Session, table: Table, key: tuple[str, ...], columns: list[str], keys: list[Key]
) -> dict[Key, dict[str, Any]]:
    """Current values of `columns` for the given natural keys, chunked to stay under bind limits.

    Rows are looked up by the leading key column (the primary key's index prefix) and matched on
    the whole key in Python: a row-value IN list is not served by the index on every SQLite.
    """
    if not keys or session.execute(select(table.c[key[0]]).limit(1)).first() is None:
        return {}
    wanted = set(keys)
    leading = sorted({k[0] for k in keys}, key=str)
    selected = [*(table.c[k] for k in key), *(table.c[c] for c in columns if c not in key)]
    found: dict[Key, dict[str, Any]] = {}
    for start in range(0, len(leading), CHUNK_PARAMS):
        chunk = leading[start : start + CHUNK_PARAMS]
        query = select(*selected).where(table.c[key[0]].in_(chunk))
        for row in session.execute(query).mappings():
            row_key = tuple(row[k] for k in key)
            if row_key in wanted:
                found[row_key] = dict(row)
    return found


def _upsert(
    session: Session,
    batch: Batch,
    system: str,
    change_log: ChangeLog,
    now: datetime,
    counts: ApplyCounts,
    progress: Progress | None,
) -> None:
    spec, table, run_id = batch.spec, batch.spec.table, change_log.run_id
    data_cols = [c for c in batch.columns if c not in spec.key]
    fetched = [*data_cols, *PROVENANCE, *(["origin"] if spec.name == "sku_mappings" else [])]
    existing = fetch_existing(session, table, spec.key, fetched, list(batch.rows))
    is_items = spec.name == "items"
    unchanged = 0
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    item_log: list[dict[str, Any]] = []
    for key, row in batch.rows.items():
        old = existing.get(key)
        provenance = {"source_system": system, "import_run_id": run_id}
        if old is not None and (batch.create_only or _protected(spec.name, old)):
            unchanged += 1
            continue
        if old is None:
            if is_items:
                row = {**row, "created_at": row.get("created_at") or now}
                item_log.append(_change(key[0], "(created)", None, None, system, run_id, now))
            inserts.append({**row, **provenance})
            continue
        if is_items:
            row = {**row, "attributes": {**(old.get("attributes") or {}), **row["attributes"]}}
        changed = [c for c in data_cols if c in row and row[c] != old.get(c)]
        if not changed:
            unchanged += 1
            continue
        if is_items:
            item_log.extend(
                _change(key[0], c, old.get(c), row[c], system, run_id, now) for c in changed
            )
        change_log.updated(spec.name, key, old, [*changed, *PROVENANCE])
        merged = {c: row.get(c, old.get(c)) for c in data_cols}
        updates.append(
            {
                **{f"k_{k}": v for k, v in zip(spec.key, key, strict=True)},
                **{f"v_{c}": v for c, v in {**merged, **provenance}.items()},
            }
        )
    _write_inserts(session, table, inserts, progress)
    _write_updates(
        session, table, spec.key, [*data_cols, "source_system", "import_run_id"], updates
    )
    if item_log:
        session.execute(insert(ItemChange), item_log)
    counts.add(len(inserts), len(updates), unchanged, entity=spec.name)


def _protected(entity: str, old: dict[str, Any]) -> bool:
    """A steward-confirmed SKU mapping is never overwritten by a file."""
    return entity == "sku_mappings" and old.get("origin") == "steward"


def _write_inserts(
    session: Session, table: Table, rows: list[dict[str, Any]], progress: Progress | None
) -> None:
    for start in range(0, len(rows), WRITE_CHUNK):
        bulk_insert(session.connection(), table, rows[start : start + WRITE_CHUNK])
        if progress:
            progress("writing", min(start + WRITE_CHUNK, len(rows)), len(rows))


def _write_updates(
    session: Session,
    table: Table,
    key: tuple[str, ...],
    cols: list[str],
    rows: list[dict[str, Any]],
) -> None:
    if not rows:
        return
    statement = (
        update(table)
        .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in key)))
        .values({c: bindparam(f"v_{c}") for c in cols})
    )
    session.connection().execute(statement, rows)


def _change(
    sku: str, field: str, old: Any, new: Any, system: str, run_id: int, now: datetime
) -> dict[str, Any]:
    return {
        "sku": sku,
        "field": field,
        "old_value": _as_text(old),
        "new_value": _as_text(new),
        "changed_at": now,
        "system": system,
        "import_run_id": run_id,
        "actor": None,
    }


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def _hold_non_owner_items(
    session: Session,
    batch: Batch,
    system: str,
    changes: ChangeLog,
    now: datetime,
    counts: ApplyCounts,
) -> None:
    """A non-owner's item file: map its SKUs to existing items and hold differing values."""
    existing = _existing_items(session, batch)
    proposals = differing_values(batch, existing)
    unknown = len(batch.rows) - len(existing)
    counts.unchanged += len(batch.rows)
    mapped = _map_identical_skus(session, system, sorted(k[0] for k in existing), changes.run_id)
    held = _hold_changes(session, system, proposals, changes, now)
    counts.say("items", f"not created or changed: {system} does not own the item master",
               len(batch.rows))  # fmt: skip
    counts.say("sku_mappings", "recorded for SKUs the item master knows", mapped)
    counts.say("held_item_changes", "field values held for review", held)
    counts.notes.append(
        f"{system} does not own the item master: no item created or changed; "
        f"{mapped} SKU mapping(s) recorded, {held} field change(s) held for review, "
        f"{unknown} SKU(s) unknown to the item master"
    )


def _existing_items(session: Session, batch: Batch) -> dict[Key, dict[str, Any]]:
    spec = batch.spec
    return fetch_existing(session, spec.table, spec.key, held_fields(batch), list(batch.rows))


def _hold_frozen_owner_items(
    session: Session,
    batch: Batch,
    system: str,
    changes: ChangeLog,
    now: datetime,
    counts: ApplyCounts,
) -> None:
    """The item-master system's file during the freeze: differing values held, nothing written to
    items; new SKUs of a full item file are left for approval (a stock file's creates are dropped)."""
    existing = _existing_items(session, batch)
    held = _hold_changes(session, system, differing_values(batch, existing), changes, now)
    drop_settled(session, system, batch, existing, changes)
    new = [row for key, row in batch.rows.items() if key not in existing]
    counts.unchanged += len(batch.rows)
    counts.say("items", "not created or changed: the item-master freeze is on", len(batch.rows))
    counts.say("held_item_changes", "field values held for review", held)
    if not batch.create_only:
        counts.held_new_items.extend(new)
    fate = "not created" if batch.create_only else "kept aside for approval"
    counts.notes.append(
        f"item-master freeze is on: no item created or changed from {system}'s file; "
        f"{held} field change(s) held for review, {len(new)} new SKU(s) {fate}"
    )


def _map_identical_skus(session: Session, system: str, skus: list[str], run_id: int) -> int:
    table = SkuMapping.__table__
    known = fetch_existing(
        session, table, ("system", "system_sku"), [], [(system, s) for s in skus]
    )
    new = [
        {
            "system": system,
            "system_sku": s,
            "sku": s,
            "origin": "exact",
            "source_system": system,
            "import_run_id": run_id,
        }
        for s in skus
        if (system, s) not in known
    ]
    if new:
        session.execute(insert(table), new)
    return len(new)


def _hold_changes(
    session: Session,
    system: str,
    proposals: dict[tuple[str, str], tuple[str | None, str | None]],
    changes: ChangeLog,
    now: datetime,
) -> int:
    table = HeldItemChange.__table__
    current = {
        (r.sku, r.field): r for r in session.execute(select(table).where(table.c.system == system))
    }
    written = 0
    for (sku, field), (proposed, current_value) in proposals.items():
        held = current.get((sku, field))
        values = {
            "proposed_value": proposed,
            "current_value": current_value,
            "import_run_id": changes.run_id,
            "last_seen_at": now,
        }
        if held is None:
            session.execute(
                insert(table).values(
                    sku=sku, field=field, system=system, first_seen_at=now, **values
                )
            )
        elif held.proposed_value != proposed or held.current_value != current_value:
            changes.updated(HELD, (sku, field, system), held._mapping, values)
            session.execute(update(table).where(table.c.id == held.id).values(**values))
        else:
            continue
        written += 1
    return written


def _quarantine(session: Session, prepared: PreparedFile, run_id: int, now: datetime) -> int:
    """Keep each bad row once per file sha256 and line; returns how many rows the file had bad."""
    if not prepared.quarantine:
        return 0
    table = QuarantinedRow.__table__
    known = set(
        session.scalars(select(table.c.line_number).where(table.c.file_sha256 == prepared.sha256))
    )
    new = [
        {
            "import_run_id": run_id,
            "entity": q.entity,
            "file_name": prepared.file_name,
            "file_sha256": prepared.sha256,
            "line_number": q.line,
            "raw_text": q.raw_text,
            "reason": q.reason,
            "created_at": now,
        }
        for q in prepared.quarantine
        if q.line not in known
    ]
    if new:
        session.execute(insert(table), new)
    return len(prepared.quarantine)

"""Item values held instead of applied: a non-owner's differing fields, and the owner's during a freeze.

What is held lives in `held_item_changes` (one row per sku, field and system) and is shown as a
field-ownership exception until the item carries the proposed value or the row is settled.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Row, delete, select
from sqlalchemy.orm import Session

from connectors.batch import Batch, Key
from connectors.change_log import ChangeLog
from core.schema import HeldItemChange

CHUNK_PARAMS = 900
Proposals = dict[tuple[str, str], tuple[str | None, str | None]]


def held_fields(batch: Batch) -> list[str]:
    """The item columns an item file carries that can be held (attributes are not)."""
    return [c for c in batch.columns if c not in batch.spec.key and c != "attributes"]


def as_text(value: Any) -> str | None:
    """A value as the change log and the held rows keep it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def differing_values(batch: Batch, existing: dict[Key, dict[str, Any]]) -> Proposals:
    """(sku, field) -> (proposed, current) as text, for each non-empty value differing from an
    existing item's."""
    proposals: Proposals = {}
    fields = held_fields(batch)
    for (sku,), row in batch.rows.items():
        old = existing.get((sku,))
        if old is None:
            continue
        for col in fields:
            if row.get(col) is not None and row[col] != old.get(col):
                proposals[(sku, col)] = (as_text(row[col]), as_text(old.get(col)))
    return proposals


def drop_settled(
    session: Session,
    system: str,
    batch: Batch,
    existing: dict[Key, dict[str, Any]],
    changes: ChangeLog,
) -> None:
    """Remove the system's held changes that its file now sends back at the item's current value."""
    table = HeldItemChange.__table__
    settled = [
        held
        for held in session.execute(select(table).where(table.c.system == system))
        if (row := batch.rows.get((held.sku,))) is not None
        and (old := existing.get((held.sku,))) is not None
        and row.get(held.field) is not None
        and row.get(held.field) == old.get(held.field)
    ]
    _delete_held(session, settled, changes)


def release_held(session: Session, batch: Batch, system: str, changes: ChangeLog) -> None:
    """The owning system's file applied: what it had held earlier (during a freeze) for the fields
    this file carries is settled by this file, so it is no longer held."""
    table = HeldItemChange.__table__
    fields = held_fields(batch)
    skus = sorted(str(key[0]) for key in batch.rows)
    held_here = select(table.c.id).where(table.c.system == system).limit(1)
    if not fields or session.execute(held_here).first() is None:
        return
    for start in range(0, len(skus), CHUNK_PARAMS):
        chunk = skus[start : start + CHUNK_PARAMS]
        query = select(table).where(
            table.c.system == system, table.c.field.in_(fields), table.c.sku.in_(chunk)
        )
        _delete_held(session, list(session.execute(query)), changes)


def _delete_held(session: Session, rows: list[Row[Any]], changes: ChangeLog) -> None:
    """Delete held changes by id, each kept whole in the change log."""
    table = HeldItemChange.__table__
    for held in rows:
        changes.deleted(table.name, (held.sku, held.field, held.system), held._mapping)
    ids = [held.id for held in rows]
    for start in range(0, len(ids), CHUNK_PARAMS):
        session.execute(delete(table).where(table.c.id.in_(ids[start : start + CHUNK_PARAMS])))

"""Slow readings kept with the instant they were read at, and reused while the data stands still.

A kept reading answers a later instant of the same UTC day exactly when nothing it reads can have
changed in between: no import committed or was undone since (the import runs' mark), no audited
change that can touch data rows was made (every audited type but governance's own records), and
no event has a timestamp in between (metrics.touched.anything_between). A computation at the later
instant then reads the same rows with the same cut-offs, so the kept payload is its answer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from core.schema import AuditEntry, KeptReading
from metrics.touched import anything_between, import_mark

KEPT = KeptReading.__table__
AUDIT = AuditEntry.__table__
# Audited records of governance itself: they change no row a reading reads. Any other audited
# type (items, mappings, book systems, undone imports, and types added later) makes kept
# readings stale.
GOVERNANCE_ONLY = (
    "detection", "exception", "field_ownership", "founder_recipient", "item_master_freeze",
    "migration", "migration_pair", "review", "review_item", "routing", "severity_sla",
    "sku_request", "sku_suggestion", "team", "user",
)  # fmt: skip


@dataclass(frozen=True)
class Recalled:
    """A kept payload and the instant it was read at."""

    payload: dict[str, Any]
    computed_at: datetime


def fingerprint(conn: Connection) -> str:
    """The data state a reading depends on: the import runs' mark and the newest data audit row."""
    audited = conn.execute(
        select(AUDIT.c.id)
        .where(AUDIT.c.object_type.not_in(GOVERNANCE_ONLY))
        .order_by(AUDIT.c.id.desc())
        .limit(1)
    ).scalar()
    return json.dumps([*import_mark(conn), int(audited or 0)])


def recall(conn: Connection, name: str, as_of: datetime) -> Recalled | None:
    """The payload kept under `name` when it answers as_of exactly (see the module), else None."""
    row = conn.execute(
        select(KEPT.c.fingerprint, KEPT.c.computed_at, KEPT.c.payload).where(KEPT.c.name == name)
    ).one_or_none()
    if row is None or row.computed_at > as_of or row.computed_at.date() != as_of.date():
        return None
    if row.fingerprint != fingerprint(conn) or anything_between(conn, row.computed_at, as_of):
        return None
    return Recalled(row.payload, row.computed_at)


def keep(
    conn: Connection, name: str, read_with: str, computed_at: datetime, payload: dict[str, Any]
) -> None:
    """Keep a payload read at computed_at with fingerprint `read_with`, in the caller's write
    transaction (it replaces what was kept under the name)."""
    conn.execute(delete(KEPT).where(KEPT.c.name == name))
    conn.execute(
        insert(KEPT).values(
            name=name, fingerprint=read_with, computed_at=computed_at, payload=payload
        )
    )

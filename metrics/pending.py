"""Refreshes an import leaves pending: noted in its write transaction, taken in by the next refresh.

An import writes its rows and a note of what they touched before they applied (the weeks and the
keys, `Parked`), commits, and only then refreshes the aggregates in a transaction of its own, so
it holds the write lock for its write phase alone. Until a refresh takes the note in (and deletes
it, in its own transaction) the aggregates do not hold any instant and readers compute from raw
rows; a kill between the two transactions leaves the note for the next refresh, which completes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Text, cast, delete, exists, func, insert, select

from core.schema import PendingRefresh
from metrics.model import Family
from metrics.touched import ItemState, RowKeys, Touched

TABLE = PendingRefresh.__table__
KEY_SETS = ("count_ids", "order_ids", "return_ids", "event_ids", "skus")


@dataclass
class Parked:
    """What an import's rows touched before it applied them, and the keys it wrote."""

    keys: RowKeys
    before: Touched
    items: dict[str, ItemState] | None  # ABC class and created_at before; None: rebuild everything
    noted_at: datetime


def note(conn: Connection, parked: Parked, run_id: int | None) -> int:
    """Keep the note in the import's transaction; returns its id."""
    row = {"import_run_id": run_id, "noted_at": parked.noted_at, "payload": _payload(parked)}
    return int(conn.execute(insert(TABLE).values(**row)).inserted_primary_key[0])


def any_pending(conn: Connection) -> bool:
    """Whether an import's refresh is still to run (the aggregates then hold nothing)."""
    return bool(conn.execute(select(exists().where(TABLE.c.id.is_not(None)))).scalar())


def pending_size(conn: Connection) -> int:
    """How large the waiting notes are, in characters of their keys (a measure of the work)."""
    size = conn.execute(select(func.sum(func.length(cast(TABLE.c.payload, Text))))).scalar()
    return int(size or 0)


def is_pending(conn: Connection, note_id: int) -> bool:
    """Whether this note is still waiting (another refresh may have taken it in)."""
    return bool(conn.execute(select(exists().where(TABLE.c.id == note_id))).scalar())


def take_all(conn: Connection) -> tuple[list[int], Parked | None]:
    """Every waiting note, oldest first, merged into one and deleted (in the refresh's transaction)."""
    rows = conn.execute(select(TABLE).order_by(TABLE.c.id)).mappings().all()
    if not rows:
        return [], None
    conn.execute(delete(TABLE).where(TABLE.c.id.in_([r["id"] for r in rows])))
    merged: Parked | None = None
    for row in rows:
        parked = _parked(row["payload"], row["noted_at"])
        merged = parked if merged is None else _merge_in_order(merged, parked)
    return [int(r["id"]) for r in rows], merged


def clear(conn: Connection) -> None:
    """Drop every note (a full rebuild takes everything in)."""
    conn.execute(delete(TABLE))


def _merge_in_order(earlier: Parked, later: Parked) -> Parked:
    """The notes of two imports in commit order as one: item states before come from the first
    import that wrote the SKU."""
    items: dict[str, ItemState] | None = None
    if earlier.items is not None and later.items is not None:
        items = dict(earlier.items)
        for sku in later.keys.skus - earlier.keys.skus:
            if sku in later.items:
                items[sku] = later.items[sku]
    for name in KEY_SETS:
        getattr(earlier.keys, name).update(getattr(later.keys, name))
    earlier.keys.stock = earlier.keys.stock or later.keys.stock
    earlier.keys.unknown = earlier.keys.unknown or later.keys.unknown
    earlier.keys.whole |= later.keys.whole
    earlier.before.merge(later.before)
    earlier.items = items
    earlier.noted_at = max(earlier.noted_at, later.noted_at)
    return earlier


def _payload(parked: Parked) -> dict[str, Any]:
    keys, before = parked.keys, parked.before
    return {
        "keys": {
            **{name: sorted(getattr(keys, name)) for name in KEY_SETS},
            "stock": keys.stock,
            "unknown": keys.unknown,
            "whole": sorted(keys.whole),
        },
        "before": {
            "weeks": {family.value: sorted(weeks) for family, weeks in before.weeks.items()},
            "whole": sorted(before.whole),
            "stock": before.stock,
            "order_ids": sorted(before.order_ids),
            "order_events": [list(span) for span in before.order_events],
        },
        "items": None
        if parked.items is None
        else {sku: list(state) for sku, state in parked.items.items()},
    }


def _parked(payload: dict[str, Any], noted_at: datetime) -> Parked:
    k, b, items = payload["keys"], payload["before"], payload["items"]
    keys = RowKeys(
        **{name: set(k[name]) for name in KEY_SETS},
        stock=bool(k["stock"]),
        unknown=bool(k["unknown"]),
        whole={Family(f) for f in k["whole"]},
    )
    before = Touched(
        weeks={Family(f): set(w) for f, w in b["weeks"].items()},
        whole={Family(f) for f in b["whole"]},
        stock=bool(b["stock"]),
        order_ids=set(b["order_ids"]),
        order_events=[(int(s), int(e)) for s, e in b["order_events"]],
    )
    states = None if items is None else {sku: (v[0], v[1]) for sku, v in items.items()}
    return Parked(keys, before, states, noted_at)

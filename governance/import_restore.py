"""Taking an import's writes back, row by row, from its run id and its change log (`import_changes`).

Rows the run inserted carry its `import_run_id`; rows it updated get the previous values of the
fields it wrote (their previous `import_run_id` among them), rows it deleted come back whole, and
SKU suggestions it added go (unless a steward has decided them). Runs inside the caller's
transaction; `undo_import` in governance/import_undo.py checks, refreshes and audits around it.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Table, and_, bindparam, delete, insert, select, tuple_, update

from core.change_values import key_values, typed
from core.schema import (
    CANONICAL_TABLES,
    HeldItemChange,
    ImportChange,
    QuarantinedRow,
    SkuSuggestion,
    SystemRecord,
)
from governance.errors import GovernanceError

CHUNK = 500
HELD, SUGGESTIONS = HeldItemChange.__table__, SkuSuggestion.__table__
# Every table an import writes, with the natural key its change-log entries name.
KEYS: dict[str, tuple[str, ...]] = {
    **{
        name: tuple(c.name for c in model.__table__.primary_key)
        for name, model in CANONICAL_TABLES.items()
    },
    SystemRecord.__tablename__: ("system", "source_key"),
    HELD.name: ("sku", "field", "system"),
    SUGGESTIONS.name: ("system", "system_sku"),
}
TABLES: dict[str, Table] = {
    **{name: model.__table__ for name, model in CANONICAL_TABLES.items()},
    SystemRecord.__tablename__: SystemRecord.__table__,
    HELD.name: HELD,
    SUGGESTIONS.name: SUGGESTIONS,
}
WITH_RUN_ID = [name for name, table in TABLES.items() if "import_run_id" in table.c]
SURROGATE = {HELD.name: "id"}  # a deleted row comes back under a new surrogate id


@dataclass
class Entry:
    """A row's first change-log entry of the run (what it was before the run touched it)."""

    kind: str
    previous: dict[str, Any] | None


@dataclass
class Restored:
    """What a restore did, per table: rows deleted, rows given their previous values, rows put back."""

    deleted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    restored: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    reinserted: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    quarantined: int = 0


def first_entries(conn: Connection, run_id: int) -> dict[str, dict[str, Entry]]:
    """Per table and key text: the run's earliest entry (a key changed twice is restored to before)."""
    table = ImportChange.__table__
    query = (
        select(table.c.entity, table.c.key, table.c.kind, table.c.previous)
        .where(table.c.run_id == run_id)
        .order_by(table.c.id)
    )
    entries: dict[str, dict[str, Entry]] = defaultdict(dict)
    for entity, key, kind, previous in conn.execute(query):
        entries[entity].setdefault(key, Entry(kind, previous))
    return entries


def inserted_keys(conn: Connection, run_id: int, entity: str) -> list[dict[str, Any]]:
    """The keys (and a shipment's order) of the rows that still carry the run's id."""
    table = TABLES[entity]
    columns = [*KEYS[entity], *(["order_id"] if entity == "shipments" else [])]
    query = select(*(table.c[c] for c in columns)).where(table.c.import_run_id == run_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def restore(
    conn: Connection, run_id: int, entries: dict[str, dict[str, Entry]], restored: Restored
) -> None:
    """Previous values back, the run's rows deleted, deleted rows put back (in that order)."""
    for entity, by_key in entries.items():
        _update_previous(conn, entity, by_key, restored)
    for entity in WITH_RUN_ID:
        result = conn.execute(
            delete(TABLES[entity]).where(TABLES[entity].c.import_run_id == run_id)
        )
        restored.deleted[entity] += result.rowcount or 0
    added = [key for key, e in entries.get(SUGGESTIONS.name, {}).items() if e.kind == "inserted"]
    restored.deleted[SUGGESTIONS.name] += _delete_open_suggestions(conn, added)
    for entity, by_key in entries.items():
        _put_back(conn, entity, by_key, restored)
    quarantine = QuarantinedRow.__table__
    gone = conn.execute(delete(quarantine).where(quarantine.c.import_run_id == run_id))
    restored.quarantined = gone.rowcount or 0


def _update_previous(
    conn: Connection, entity: str, by_key: dict[str, Entry], restored: Restored
) -> None:
    table, key = TABLES[entity], KEYS[entity]
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = defaultdict(list)
    for text, entry in by_key.items():
        if entry.kind == "updated" and entry.previous:
            values = typed(table, entry.previous)
            groups[tuple(sorted(values))].append(
                {
                    **{f"k_{k}": v for k, v in key_values(table, key, text).items()},
                    **{f"v_{c}": v for c, v in values.items()},
                }
            )
    for columns, rows in groups.items():
        statement = (
            update(table)
            .where(and_(*(table.c[k] == bindparam(f"k_{k}") for k in key)))
            .values({c: bindparam(f"v_{c}") for c in columns})
        )
        conn.execute(statement, rows)
        restored.restored[entity] += len(rows)


def _delete_open_suggestions(conn: Connection, keys: list[str]) -> int:
    """Suggestions the run added, unless a steward has decided them since."""
    removed = 0
    for chunk in _chunks(keys):
        pairs = [tuple(json.loads(text)) for text in chunk]
        result = conn.execute(
            delete(SUGGESTIONS).where(
                tuple_(SUGGESTIONS.c.system, SUGGESTIONS.c.system_sku).in_(pairs),
                SUGGESTIONS.c.status == "open",
            )
        )
        removed += result.rowcount or 0
    return removed


def _put_back(conn: Connection, entity: str, by_key: dict[str, Entry], restored: Restored) -> None:
    """Rows the run deleted, inserted again; refused when a later run has written that key."""
    table, key = TABLES[entity], KEYS[entity]
    rows = [
        {k: v for k, v in typed(table, e.previous).items() if k != SURROGATE.get(entity)}
        for e in by_key.values()
        if e.kind == "deleted" and e.previous is not None
    ]
    if not rows:
        return
    for chunk in _chunks(rows):
        wanted = [tuple(row[k] for k in key) for row in chunk]
        query = select(*(table.c[k] for k in key), *_run_column(table)).where(
            tuple_(*(table.c[k] for k in key)).in_(wanted)
        )
        taken = conn.execute(query).first()
        if taken is not None:
            by = (
                f"import run {taken[-1]}"
                if len(taken) > len(key) and taken[-1]
                else "a later change"
            )
            raise GovernanceError(
                f"{entity} {list(taken[: len(key)])} was written again by {by} after this import "
                f"deleted it: undo {by} first"
            )
    conn.execute(insert(table), rows)
    restored.reinserted[entity] += len(rows)


def _run_column(table: Table) -> list[Any]:
    return [table.c.import_run_id] if "import_run_id" in table.c else []


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]

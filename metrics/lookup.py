"""Key lists in a scratch table, for looking up or recomputing many records by key.

A list is a token's rows in `metric_scope_keys`, written and removed inside the caller's
transaction (other transactions never see them; each list has its own token). Queries select
`listed.keys()` in a subquery instead of binding thousands of IN parameters: on PostgreSQL a
statement run often is prepared, and its generic plan would rebuild such a list for every row.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, delete, exists, insert, literal, select

from core.schema import ScopeKey

KEYS = ScopeKey.__table__
BATCH = 10_000


@dataclass(frozen=True)
class KeyList:
    """One list of keys in the scratch table."""

    token: str

    def keys(self) -> Select[Any]:
        """The keys, as a subquery to put after IN."""
        return select(KEYS.c.key).where(KEYS.c.token == self.token)

    def lacks(self, key: Any) -> Any:
        """A condition: the key (a column) is not in this list yet."""
        return ~exists().where(KEYS.c.token == self.token, KEYS.c.key == key)


def put_keys(conn: Connection, keys: Iterable[str]) -> KeyList:
    """A new list holding these keys (each once)."""
    listed = KeyList(uuid.uuid4().hex)
    ordered = sorted(set(keys))
    for start in range(0, len(ordered), BATCH):
        rows = [{"token": listed.token, "key": key} for key in ordered[start : start + BATCH]]
        conn.execute(insert(KEYS), rows)
    return listed


def add_selected(conn: Connection, listed: KeyList, column: Any, *conditions: Any) -> None:
    """Add the distinct values of a column, of the rows meeting the conditions, not listed yet."""
    chosen = select(literal(listed.token), column).where(*conditions, listed.lacks(column))
    conn.execute(insert(KEYS).from_select(["token", "key"], chosen.distinct()))


def drop_keys(conn: Connection, listed: KeyList) -> None:
    """Remove a list."""
    conn.execute(delete(KEYS).where(KEYS.c.token == listed.token))


@contextmanager
def key_list(conn: Connection, keys: Iterable[str]) -> Iterator[KeyList]:
    """A list of keys for the duration of a block."""
    listed = put_keys(conn, keys)
    try:
        yield listed
    finally:
        drop_keys(conn, listed)

"""What an import changed, kept so that it can be undone: rows it updated or deleted, by natural key.

Rows an import inserts carry its run id (`import_run_id`) and need no entry, so the common case of a
first load writes nothing here; an update keeps the previous values of the fields it wrote (the row's
previous `import_run_id` among them), a deletion keeps the whole row, and an insert into a table
without a run id column (SKU suggestions) keeps its key. Entries are bulk-inserted per batch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from core.change_values import key_text, plain_row
from core.schema import ImportChange

WRITE_CHUNK = 5000
PROVENANCE = ("source_system", "import_run_id")
CHANGES = ImportChange.__table__


@dataclass
class ChangeLog:
    """The entries of one import run, written to `import_changes` with `write`."""

    run_id: int
    pending: list[dict[str, Any]] = field(default_factory=list)
    written: int = 0

    def updated(
        self, entity: str, key: Iterable[Any], old: Mapping[str, Any], columns: Iterable[str]
    ) -> None:
        """A row the run updated: the previous values of the columns it wrote."""
        previous = plain_row(old, columns)
        self._add(entity, key, "updated", previous, old.get("import_run_id"))

    def deleted(self, entity: str, key: Iterable[Any], row: Mapping[str, Any]) -> None:
        """A row the run deleted: all of it."""
        self._add(entity, key, "deleted", plain_row(row), row.get("import_run_id"))

    def inserted(self, entity: str, key: Iterable[Any]) -> None:
        """A row the run inserted into a table that has no import_run_id column."""
        self._add(entity, key, "inserted", None, None)

    def _add(
        self,
        entity: str,
        key: Iterable[Any],
        kind: str,
        previous: dict[str, Any] | None,
        previous_run_id: Any,
    ) -> None:
        self.pending.append({"run_id": self.run_id, "entity": entity, "key": key_text(key),
                             "kind": kind, "previous": previous,
                             "previous_run_id": previous_run_id})  # fmt: skip

    def write(self, session: Session) -> None:
        """Insert the pending entries in bulk (in the import's transaction)."""
        for start in range(0, len(self.pending), WRITE_CHUNK):
            session.execute(CHANGES.insert(), self.pending[start : start + WRITE_CHUNK])
        self.written += len(self.pending)
        self.pending = []

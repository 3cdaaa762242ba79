"""Keeping precomputed metric aggregates current after an import (implemented by the aggregates work)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session


class ImportRefresh:
    """Two steps inside an import's transaction: note what the rows touch, then refresh it."""

    def __init__(self, rows_by_entity: dict[str, list[dict[str, Any]]]) -> None:
        self.rows_by_entity = rows_by_entity

    @classmethod
    def begin(
        cls, session: Session, rows_by_entity: dict[str, list[dict[str, Any]]]
    ) -> ImportRefresh:
        """Before the rows are applied: note the weeks they touch now (old values included)."""
        return cls(rows_by_entity)

    def finish(self, session: Session, *, now: datetime) -> None:
        """After the rows are applied: recompute the aggregates of every touched week."""
        return None

"""Helpers for the connector tests: an independent csv reading of a file, and database look-ups."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from core.schema import CANONICAL_TABLES, QuarantinedRow


def csv_rows(path: Path, delimiter: str = ",") -> list[dict[str, str]]:
    """The rows of a delimited file as dicts, read with the csv module only (independent path)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=delimiter))


def table_rows(engine: Engine, entity: str, **where: Any) -> list[dict[str, Any]]:
    """Every row of a canonical table (optionally filtered by column equality) as dicts."""
    table = CANONICAL_TABLES[entity].__table__
    query = select(table).where(*(table.c[k] == v for k, v in where.items()))
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def count(engine: Engine, entity: str) -> int:
    """How many rows a canonical table holds."""
    table = CANONICAL_TABLES[entity].__table__
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def all_counts(engine: Engine) -> dict[str, int]:
    """Row counts of every canonical table."""
    return {entity: count(engine, entity) for entity in CANONICAL_TABLES}


def quarantined(engine: Engine) -> list[dict[str, Any]]:
    """Every quarantined row, ordered by line."""
    table = QuarantinedRow.__table__
    with engine.connect() as conn:
        rows = conn.execute(select(table).order_by(table.c.line_number)).mappings()
        return [dict(r) for r in rows]

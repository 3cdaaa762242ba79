"""Whole-database chores: delete all data, consistent SQLite backups."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import Engine, delete

from core.db import write_session
from core.engines import capabilities
from core.schema import Base


def reset_data(engine: Engine, *, keep: Iterable[str] = ()) -> int:
    """Delete every row of every table but those named in `keep`, keeping the schema; returns rows deleted."""
    kept = set(keep)
    deleted = 0
    with write_session(engine) as session:
        for table in reversed(Base.metadata.sorted_tables):
            if table.name not in kept:
                deleted += session.execute(delete(table)).rowcount or 0
    return deleted


def backup_sqlite(engine: Engine, target: Path) -> Path:
    """A consistent copy of an SQLite database, safe while the app is writing (online backup API)."""
    if not capabilities(engine).online_backup:
        raise ValueError(
            "backup copies SQLite databases; for PostgreSQL use pg_dump, for DuckDB EXPORT DATABASE"
        )
    source_path = engine.url.database
    if not source_path or source_path == ":memory:":
        raise ValueError("the database is in memory; there is no file to back up")
    target = target.resolve()
    if target.exists():
        raise ValueError(f"{target} already exists; choose a new file name")
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
    return target

"""Long derived writes computed outside SQLite's write lock, then copied into place in a short one.

SQLite has one write lock per file. A refresh that recomputes most aggregates would hold it for
as long as it computes (8 s at 200,000 orders), and any import or steward waiting meanwhile
would wait that long. Here the work runs in a read transaction instead, against TEMP copies of
the tables it writes (an unqualified name finds the TEMP table first), which take no lock on the
database file; an authorizer refuses any write to the file itself, so nothing escapes the copies.
Then, in one BEGIN IMMEDIATE, the copies replace the tables, but only if no other connection
committed since the snapshot (`PRAGMA data_version`); otherwise the caller runs the work under
the lock as before. Other engines are not served: PostgreSQL writers lock rows, not the file.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import time
from collections.abc import Callable, Sequence
from typing import TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from core.db import record_hold
from core.engines import WRITE_OPTION, WriterLock, capabilities

log = logging.getLogger(__name__)
T = TypeVar("T")
TEMP_CACHE_KIB = -65536  # the copies' page cache, 64 MB like the file's (the default is 2 MB)
_WRITES = {sqlite3.SQLITE_INSERT, sqlite3.SQLITE_UPDATE, sqlite3.SQLITE_DELETE}
_INDEX = re.compile(r"^CREATE\s+(UNIQUE\s+)?INDEX\s+", re.IGNORECASE)
_TABLE = re.compile(r"^CREATE\s+TABLE\s+", re.IGNORECASE)


def serves(engine: Engine) -> bool:
    """Whether the engine's writers take a lock on the whole file (SQLite)."""
    return capabilities(engine).writer_lock is WriterLock.IMMEDIATE


def run_outside_lock(
    engine: Engine, tables: Sequence[str], work: Callable[[Session], T], purpose: str
) -> tuple[bool, T | None]:
    """Run `work` on TEMP copies of `tables` in a snapshot, then copy them into place holding the
    lock only for the copy: (True, its result), or (False, None) when another writer committed
    meanwhile or the work wrote elsewhere (nothing is written then; run it under the lock)."""
    with engine.connect() as conn:
        try:
            return _run(conn, tables, work, purpose)
        finally:
            conn.invalidate()  # the TEMP copies go with the connection, never back to the pool


def _run(
    conn: Connection, tables: Sequence[str], work: Callable[[Session], T], purpose: str
) -> tuple[bool, T | None]:
    raw = conn.connection.dbapi_connection
    conn.begin()  # BEGIN (deferred): a read snapshot from the first read
    conn.exec_driver_sql(f"PRAGMA temp.cache_size = {TEMP_CACHE_KIB}")
    _copy_in(conn, tables)
    version = _data_version(conn)
    raw.set_authorizer(_temp_only)
    try:
        with Session(bind=conn, expire_on_commit=False) as session:
            result = work(session)
            session.flush()
    except DBAPIError as exc:
        if "not authorized" not in str(exc.orig):
            raise
        log.warning("a write outside the TEMP copies was refused; computing under the lock")
        conn.rollback()
        return False, None
    finally:
        raw.set_authorizer(None)
    conn.commit()  # the snapshot ends; only TEMP tables were written
    conn.execution_options(**{WRITE_OPTION: True})
    conn.begin()  # BEGIN IMMEDIATE, waiting as every writer does
    began = time.perf_counter()
    if _data_version(conn) != version:
        conn.rollback()
        log.info("another writer committed during the computation; computing under the lock")
        return False, None
    for table in tables:
        conn.exec_driver_sql(f'DELETE FROM main."{table}"')
        conn.exec_driver_sql(f'INSERT INTO main."{table}" SELECT * FROM temp."{table}"')
    conn.commit()
    record_hold(time.perf_counter() - began, purpose)
    return True, result


def _copy_in(conn: Connection, tables: Sequence[str]) -> None:
    """TEMP tables with the same names, columns, keys and indexes, holding the same rows."""
    marks = ", ".join("?" for _ in tables)
    schema = conn.exec_driver_sql(
        f"SELECT type, name, tbl_name, sql FROM main.sqlite_master "
        f"WHERE tbl_name IN ({marks}) AND sql IS NOT NULL ORDER BY type = 'index'",
        tuple(tables),
    ).all()
    found = {name for kind, name, _table, _sql in schema if kind == "table"}
    missing = set(tables) - found
    if missing:
        raise LookupError(f"no such table to copy: {', '.join(sorted(missing))}")
    for kind, _name, table, sql in schema:
        if kind == "table":
            conn.exec_driver_sql(_TABLE.sub("CREATE TEMP TABLE ", sql, count=1))
            conn.exec_driver_sql(f'INSERT INTO temp."{table}" SELECT * FROM main."{table}"')
        elif kind == "index":
            conn.exec_driver_sql(_INDEX.sub(lambda m: f"{m.group(0)}temp.", sql, count=1))


def _data_version(conn: Connection) -> int:
    return int(conn.exec_driver_sql("PRAGMA main.data_version").scalar_one())


def _temp_only(
    action: int, _arg1: str | None, _arg2: str | None, db: str | None, _t: object
) -> int:
    """SQLite authorizer: rows may change in TEMP tables only."""
    if action in _WRITES and db not in ("temp", None):
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK

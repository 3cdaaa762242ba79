"""`sql`: one canonical entity read from a PostgreSQL or SQLite database with one read-only SELECT.

The mapping (PATH, or `--mapping`) gives `url` (or `url_env`, the name of an environment
variable holding it), `entity` and `query`; the optional [columns], [constants], [values],
`timezone` apply as for `mapped` (query columns named like canonical fields need no [columns]).
Three guards keep the source unchanged: the query is parsed and must be one SELECT that only
reads (`sql_guard`); it is sent through a driver call that refuses several statements (SQLite's
`execute`, psycopg's extended protocol); and it runs read-only with a statement timeout
(PostgreSQL: `default_transaction_read_only` and `SET TRANSACTION READ ONLY`; SQLite: opened with
`mode=ro` and `PRAGMA query_only`). invgov's own database is refused. Rows are written as a
canonical CSV in memory and validated by the canonical parser.
"""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import create_engine
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from connectors.batch import PreparedFile, Progress
from connectors.context import SourceContext
from connectors.errors import FileRefused
from connectors.mapped import MAPPING_LIMIT_MB, map_table
from connectors.mapping_file import Mapping, Target, load_mapping
from connectors.reading import read_file, read_text_table
from connectors.sql_guard import check_read_query, same_database
from core.engines import backend_name
from core.settings import get_settings

FETCH_CHUNK = 10_000
SUPPORTED = ("postgresql", "sqlite")
Rows = tuple[list[str], list[tuple[Any, ...]]]


def prepare_sql(
    data: bytes, file_name: str, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Run the mapping's query read-only and validate its rows as canonical rows."""
    mapping = _mapping(data, file_name, ctx)
    url = _source_url(_url(mapping, file_name), file_name)
    query = check_read_query(mapping.query or "", backend_name(url), file_name)
    columns, rows = read_only_rows(url, query, file_name)
    table = read_text_table(_csv_bytes(columns, rows), file_name, delimiter=",")
    mapping = replace(
        mapping, targets=tuple(_named_like_fields(t, columns) for t in mapping.targets)
    )
    system = ctx.system or mapping.system or ctx.domain_owners[mapping.entity.domain]
    prepared = map_table(table, mapping, ctx, system=system, progress=progress)
    prepared.notes = [n for n in prepared.notes if not n.startswith("text encoding")]
    where = url.render_as_string(hide_password=True)
    prepared.notes.insert(
        0, f"{len(rows)} row(s) read read-only from {where} as {mapping.entity.name}"
    )
    return prepared


def read_only_rows(url: URL, query: str, name: str) -> Rows:
    """Column names and rows of one checked SELECT, run so that it cannot write (bounded in rows and time)."""
    settings = get_settings()
    limits = (settings.max_import_rows, settings.sql_timeout_s)
    if backend_name(url) == "sqlite":
        return _sqlite_rows(url, query, name, *limits)
    return _postgres_rows(url, query, name, *limits)


def _source_url(text: str, name: str) -> URL:
    """The source URL, checked: a supported database that is not invgov's own."""
    try:
        url = make_url(text)
    except ArgumentError:
        raise FileRefused(
            name, "`url` is not a database URL (e.g. postgresql://user@host/db)"
        ) from None
    if backend_name(url) not in SUPPORTED:
        raise FileRefused(
            name,
            f"the sql source reads PostgreSQL and SQLite databases, not {backend_name(url)}",
        )
    if same_database(url, make_url(get_settings().database_url)):
        raise FileRefused(
            name, "the mapping names invgov's own database: name the source system's database"
        )
    return url


def _sqlite_rows(url: URL, query: str, name: str, max_rows: int, timeout_s: int) -> Rows:
    path = url.database
    if not path or path == ":memory:" or not Path(path).is_file():
        raise FileRefused(name, f"no SQLite database at {path!r}")
    deadline = time.monotonic() + timeout_s
    conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True)
    try:
        conn.execute("PRAGMA query_only = ON")
        conn.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        cursor = conn.execute(query)  # sqlite3 runs one statement at most
        columns = [d[0] for d in cursor.description or ()]
        return columns, _fetch(cursor, max_rows, name)
    except sqlite3.Error as exc:
        if time.monotonic() > deadline:
            raise FileRefused(name, _timeout(timeout_s)) from None
        raise FileRefused(name, f"the query failed on {path}: {_first_line(exc)}") from None
    finally:
        conn.close()


def _postgres_rows(url: URL, query: str, name: str, max_rows: int, timeout_s: int) -> Rows:
    with _postgres(url, name, timeout_s) as raw:
        try:
            with raw.transaction():
                raw.execute("SET TRANSACTION READ ONLY")
                # prepare=True: the extended protocol, which refuses several statements in one text
                cursor = raw.execute(query, prepare=True)
                columns = [d.name for d in cursor.description or ()]
                rows = _fetch(cursor, max_rows, name)
                raise _Rollback
        except _Rollback:
            return columns, rows
        except psycopg.errors.QueryCanceled:
            raise FileRefused(name, _timeout(timeout_s)) from None
        except psycopg.Error as exc:
            detail = getattr(exc.diag, "message_primary", None) or _first_line(exc)
            where = url.render_as_string(hide_password=True)
            raise FileRefused(name, f"the query failed on {where}: {detail}") from None


class _Rollback(Exception):
    """Leaves the read-only transaction by rolling it back, whatever the query did."""


@contextmanager
def _postgres(url: URL, name: str, timeout_s: int) -> Iterator[psycopg.Connection[Any]]:
    options = f"-c default_transaction_read_only=on -c statement_timeout={timeout_s * 1000}"
    given = url.query.get("options")  # e.g. -csearch_path=wms: kept, ours added after it
    if given:
        options = f"{given if isinstance(given, str) else ' '.join(given)} {options}"
    engine = create_engine(
        url.set(drivername="postgresql+psycopg").difference_update_query(["options"]),
        poolclass=NullPool, connect_args={"options": options, "connect_timeout": 10},
    )  # fmt: skip
    try:
        with engine.connect() as conn:
            yield conn.connection.driver_connection  # type: ignore[misc]
    except SQLAlchemyError:
        where = url.render_as_string(hide_password=True)
        raise FileRefused(
            name,
            f"cannot connect to {where}: check the URL, that the server runs and that the "
            "role may connect",
        ) from None
    finally:
        engine.dispose()


def _fetch(cursor: Any, max_rows: int, name: str) -> list[tuple[Any, ...]]:
    rows: list[tuple[Any, ...]] = []
    while chunk := cursor.fetchmany(FETCH_CHUNK):
        rows.extend(tuple(r) for r in chunk)
        if len(rows) > max_rows:
            raise FileRefused(
                name,
                f"the query returns more than {max_rows:,} rows (INVGOV_MAX_IMPORT_ROWS): "
                "narrow it, e.g. with a WHERE on a date",
            )
    return rows


def _timeout(seconds: int) -> str:
    return (
        f"the query ran longer than {seconds} s (INVGOV_SQL_TIMEOUT_S) and was stopped: narrow it"
    )


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _named_like_fields(target: Target, columns: list[str]) -> Target:
    """A target without [columns] reads the query columns named like its fields."""
    if target.columns:
        return target
    known = set(columns) if target.entity.name == "items" else set(target.entity.parsers)
    return replace(target, columns={c: c for c in columns if c in known})


def _mapping(data: bytes, file_name: str, ctx: SourceContext) -> Mapping:
    if ctx.mapping is None:
        return load_mapping(data, file_name)
    try:
        return load_mapping(read_file(ctx.mapping, MAPPING_LIMIT_MB), ctx.mapping.name)
    except FileRefused as refused:
        raise FileRefused(file_name, f"mapping {refused.file_name}: {refused.reason}") from None


def _url(mapping: Mapping, name: str) -> str:
    if mapping.url:
        return mapping.url
    if mapping.url_env:
        value = os.environ.get(mapping.url_env)
        if not value:
            raise FileRefused(name, f"environment variable {mapping.url_env} is not set")
        return value
    raise FileRefused(name, "the mapping names no database (`url` or `url_env`)")


def _csv_bytes(columns: list[str], rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_cell(v) for v in row] for row in rows)
    return out.getvalue().encode("utf-8")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)

"""`sql`: one canonical entity read from any SQLAlchemy URL with a read-only query named in a mapping file.

The mapping (PATH, or `--mapping`) gives `url` (or `url_env`, the name of an environment
variable holding it), `entity` and `query`; the optional [columns], [constants], [values],
`timezone` apply as for `mapped` (query columns named like canonical fields need no [columns]).
The query runs read-only: SQLite opened with `mode=ro` and `PRAGMA query_only`, PostgreSQL in
`SET TRANSACTION READ ONLY`, every other database inside a transaction that is rolled back.
Rows are written as a canonical CSV in memory and validated by the canonical parser.
"""

from __future__ import annotations

import csv
import io
import os
import re
from dataclasses import replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from connectors.batch import PreparedFile, Progress
from connectors.context import SourceContext
from connectors.errors import FileRefused
from connectors.mapped import map_table
from connectors.mapping_file import Mapping, Target, load_mapping
from connectors.reading import read_text_table
from core.engines import read_only_source, read_only_source_engine
from core.settings import safe_url

_READ_QUERY = re.compile(r"^\s*(?:--[^\n]*\n\s*|/\*.*?\*/\s*)*(select|with)\b", re.I | re.S)


def prepare_sql(
    data: bytes, file_name: str, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Run the mapping's query read-only and validate its rows as canonical rows."""
    mapping = _mapping(data, file_name, ctx)
    url = _url(mapping, file_name)
    if not mapping.query or not _READ_QUERY.match(mapping.query):
        raise FileRefused(file_name, "`query` must be one SELECT (or WITH ... SELECT) query")
    columns, rows = read_only_rows(url, mapping.query, file_name)
    table = read_text_table(_csv_bytes(columns, rows), file_name, delimiter=",")
    mapping = replace(
        mapping, targets=tuple(_named_like_fields(t, columns) for t in mapping.targets)
    )
    system = ctx.system or mapping.system or ctx.domain_owners[mapping.entity.domain]
    prepared = map_table(table, mapping, ctx, system=system, progress=progress)
    prepared.notes.insert(
        0, f"{len(rows)} row(s) read read-only from {safe_url(url)} as {mapping.entity.name}"
    )
    return prepared


def read_only_rows(url: str, query: str, name: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Column names and rows of a query run so that it cannot write."""
    engine = _read_only_engine(url, name)
    try:
        with engine.connect() as conn:
            read_only_source(conn)
            result = conn.exec_driver_sql(query)
            columns, rows = list(result.keys()), [tuple(r) for r in result.fetchall()]
            conn.rollback()
    except SQLAlchemyError as exc:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0]
        raise FileRefused(name, f"the query failed on {safe_url(url)}: {detail}") from None
    finally:
        engine.dispose()
    return columns, rows


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
        return load_mapping(ctx.mapping.read_bytes(), ctx.mapping.name)
    except OSError as exc:
        raise FileRefused(
            file_name, f"cannot read mapping {ctx.mapping} ({exc.strerror})"
        ) from None


def _url(mapping: Mapping, name: str) -> str:
    if mapping.url:
        return mapping.url
    if mapping.url_env:
        value = os.environ.get(mapping.url_env)
        if not value:
            raise FileRefused(name, f"environment variable {mapping.url_env} is not set")
        return value
    raise FileRefused(name, "the mapping names no database (`url` or `url_env`)")


def _read_only_engine(url: str, name: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise FileRefused(name, "`url` is not a database URL") from None
    try:
        return read_only_source_engine(parsed)
    except FileNotFoundError as missing:
        raise FileRefused(name, str(missing)) from None


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

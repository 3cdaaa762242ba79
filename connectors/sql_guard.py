"""The `sql` source's checks before anything runs: exactly one read-only SELECT, never invgov's own database.

The query is parsed with sqlglot in the source database's dialect. It must be one statement whose
root is a SELECT (or a UNION / INTERSECT / EXCEPT of SELECTs), and no part of it may write, lock,
change the session or leave the transaction: no INSERT/UPDATE/DELETE/MERGE (also inside a CTE), no
DDL, no SELECT ... INTO, no FOR UPDATE/SHARE, no COMMIT/SET/ATTACH, none of the server functions
that act outside the transaction. This is the first of three guards: the query then runs through a
driver call that refuses several statements, inside a read-only transaction (`sql_source`).
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlglot
from sqlalchemy.engine import URL
from sqlglot import exp
from sqlglot.errors import ParseError, TokenError

from connectors.errors import FileRefused
from core.engines import backend_name

DIALECTS = {"postgresql": "postgres", "sqlite": "sqlite", "mysql": "mysql", "mssql": "tsql"}
READ_ROOTS = (exp.Select, exp.Union, exp.Intersect, exp.Except)
# Nodes that write, lock, change the session or end the transaction, wherever they appear.
FORBIDDEN_NODES: dict[type[exp.Expression], str] = {
    exp.Insert: "INSERT",
    exp.Update: "UPDATE",
    exp.Delete: "DELETE",
    exp.Merge: "MERGE",
    exp.Create: "CREATE",
    exp.Drop: "DROP",
    exp.Alter: "ALTER",
    exp.TruncateTable: "TRUNCATE",
    exp.Into: "SELECT ... INTO",
    exp.Lock: "FOR UPDATE / FOR SHARE",
    exp.Commit: "COMMIT",
    exp.Rollback: "ROLLBACK",
    exp.Transaction: "BEGIN",
    exp.Set: "SET",
    exp.Command: "a command",
    exp.Copy: "COPY",
    exp.Pragma: "PRAGMA",
    exp.Attach: "ATTACH",
    exp.Detach: "DETACH",
    exp.Use: "USE",
}
# Server functions with effects a read-only transaction does not stop (other sessions, files,
# connections to elsewhere, configuration); matched case-insensitively by name or prefix.
FORBIDDEN_FUNCTIONS = (
    "dblink", "pg_terminate_backend", "pg_cancel_backend", "pg_reload_conf", "pg_rotate_logfile",
    "pg_read_file", "pg_read_binary_file", "pg_ls_", "pg_stat_file", "lo_", "pg_advisory",
    "pg_try_advisory", "set_config", "pg_notify", "pg_file_", "load_extension",
    "writefile", "readfile", "pg_switch_wal", "pg_create_", "pg_drop_", "pg_promote",
    "pg_logical_", "pg_replication_", "txid_", "pg_export_snapshot",
)  # fmt: skip


def check_read_query(query: str, backend: str, name: str) -> str:
    """The query to run (trailing `;` removed) if it is one read-only SELECT; FileRefused otherwise."""
    text = query.strip().rstrip(";").strip()
    if not text:
        raise FileRefused(name, "`query` is empty: give one SELECT")
    try:
        statements = [s for s in sqlglot.parse(text, read=DIALECTS.get(backend)) if s is not None]
    except (ParseError, TokenError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else "unreadable SQL"
        raise FileRefused(name, f"`query` is not SQL invgov can check ({first})") from None
    if len(statements) != 1:
        raise FileRefused(
            name, f"`query` holds {len(statements)} statements: give exactly one SELECT"
        )
    (statement,) = statements
    if not isinstance(statement, READ_ROOTS):
        raise FileRefused(name, f"`query` must be one SELECT, not {_what(statement)}")
    for node in statement.walk():
        for kind, label in FORBIDDEN_NODES.items():
            if isinstance(node, kind):
                raise FileRefused(name, f"`query` must only read: it contains {label}")
        if isinstance(node, exp.Func):
            function = (node.name if isinstance(node, exp.Anonymous) else node.sql_name()).lower()
            if function.startswith(FORBIDDEN_FUNCTIONS):
                raise FileRefused(
                    name, f"`query` calls {function}(), which acts outside a read-only query"
                )
    return text


def _what(statement: exp.Expression) -> str:
    label = FORBIDDEN_NODES.get(type(statement))
    return label or type(statement).__name__.upper()


def same_database(source: URL, own: URL) -> bool:
    """Whether a source URL names invgov's own database (same file, or same server and database)."""
    if backend_name(source) != backend_name(own):
        return False
    if backend_name(source) == "sqlite":
        return _same_file(source.database, own.database)
    return (
        _host(source.host) == _host(own.host)
        and (source.port or 5432) == (own.port or 5432)
        and (source.database or "") == (own.database or "")
    )


def _same_file(a: str | None, b: str | None) -> bool:
    if not a or not b or ":memory:" in (a, b):
        return False
    a, b = a.removeprefix("file:").split("?")[0], b.removeprefix("file:").split("?")[0]
    try:
        return os.path.samefile(a, b)
    except OSError:
        return Path(a).resolve() == Path(b).resolve()


def _host(host: str | None) -> str:
    value = (host or "localhost").lower()
    return "localhost" if value in {"127.0.0.1", "::1", "localhost", ""} else value

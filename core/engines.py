"""What differs between the databases invgov runs on, named once per engine (no other module asks).

Each engine has one `Capabilities` row: how writers and detection are serialised, how a
consistent multi-statement read is opened, whether rows can be locked, how percentiles are
picked, how the insert-or-ignore upsert is written, which bulk-load path writes many rows. The app
database is SQLite, PostgreSQL or DuckDB; Spark (`core.spark`, over a Parquet export) only
computes metrics. SQL that reads differently per engine (integer division) is a construct
compiled here per dialect. A database URL of any other engine is refused with one line naming
the supported ones.
"""

from __future__ import annotations

import operator
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Insert,
    Integer,
    Select,
    Table,
    cast,
    event,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.schema import CreateColumn
from sqlalchemy.sql.functions import FunctionElement

WRITE_OPTION = "invgov_write"  # execution option: this SQLite transaction writes (BEGIN IMMEDIATE)


class EngineKind(StrEnum):
    """The engines invgov runs SQL on (each also the SQLAlchemy dialect name)."""

    SQLITE = "sqlite"
    POSTGRESQL = "postgresql"
    DUCKDB = "duckdb"
    SPARK = "spark"  # compute only: metrics over a Parquet export (core.spark)


APP_DATABASES = (EngineKind.SQLITE, EngineKind.POSTGRESQL, EngineKind.DUCKDB)
SUPPORTED = ", ".join(kind.value for kind in APP_DATABASES)


class UnsupportedDatabase(ValueError):
    """A database URL of an engine invgov does not run on."""


class WriterLock(StrEnum):
    """How one write transaction keeps others out while it runs."""

    IMMEDIATE = "immediate"  # SQLite: BEGIN IMMEDIATE takes the file's write lock up front
    ROW_LOCKS = "row_locks"  # PostgreSQL: rows lock as they are written; writers interleave
    PROCESS = "process"  # DuckDB: one writer at a time in the process (optimistic MVCC would
    # abort the second of two conflicting writers; a DuckDB file has one writing process)
    READ_ONLY = "read_only"  # Spark: reads a Parquet export, never writes


class DetectionLock(StrEnum):
    """How two detection runs (or alert deliveries) are kept from writing the same rows at once."""

    WRITER = "writer"  # the writer lock already serialises them
    ADVISORY = "advisory"  # PostgreSQL: pg_advisory_xact_lock(key) for the transaction


class Percentiles(StrEnum):
    """How nearest-rank percentiles are picked (never an approximate percentile function)."""

    WINDOW_RANK = "window_rank"  # row_number() and count() over the group; k = ⌈p·n⌉ in integers


class BulkLoad(StrEnum):
    """The path that writes many rows into a table."""

    EXECUTEMANY = "executemany"  # SQLAlchemy's executemany of one INSERT with many parameter sets
    DRIVER_EXECUTEMANY = "driver_executemany"  # the driver's executemany of prepared tuples
    COPY = "copy"  # PostgreSQL: COPY … FROM STDIN of prepared tuples


@dataclass(frozen=True)
class Capabilities:
    """Everything the code needs to know about one engine."""

    kind: EngineKind
    writer_lock: WriterLock
    detection_lock: DetectionLock
    snapshot_isolation: str | None  # isolation level of a consistent read; None: BEGIN suffices
    row_locks: bool  # SELECT … FOR UPDATE exists
    percentiles: Percentiles
    bulk_load: BulkLoad
    insert: Callable[[Table], Insert]  # an INSERT that supports ON CONFLICT DO NOTHING
    online_backup: bool  # `manage.py backup` copies the file while the app runs
    read_only: str | None  # statement making a source transaction read-only, if any
    # A pause in a long series of short writes (detection's batches): after each `writer_spell_s`
    # of writing, `writer_pause_s` without the lock. SQLite's waiting writers poll for the lock
    # (every 100 ms once they have waited a while), so a lock let go for microseconds between
    # batches starves them; a 100 ms gap is always seen by a poll. Short series never pause.
    writer_pause_s: float = 0.0
    writer_spell_s: float = 0.5


CAPABILITIES: dict[EngineKind, Capabilities] = {
    EngineKind.SQLITE: Capabilities(
        EngineKind.SQLITE,
        WriterLock.IMMEDIATE,
        DetectionLock.WRITER,
        snapshot_isolation=None,  # a deferred BEGIN reads one WAL snapshot
        row_locks=False,
        percentiles=Percentiles.WINDOW_RANK,
        bulk_load=BulkLoad.DRIVER_EXECUTEMANY,
        insert=sqlite.insert,
        online_backup=True,
        read_only=None,  # sources open the file read-only instead (see read_only_source)
        writer_pause_s=0.1,
    ),
    EngineKind.POSTGRESQL: Capabilities(
        EngineKind.POSTGRESQL,
        WriterLock.ROW_LOCKS,
        DetectionLock.ADVISORY,
        snapshot_isolation="REPEATABLE READ",
        row_locks=True,
        percentiles=Percentiles.WINDOW_RANK,
        bulk_load=BulkLoad.COPY,
        insert=postgresql.insert,
        online_backup=False,
        read_only="SET TRANSACTION READ ONLY",
    ),
    EngineKind.DUCKDB: Capabilities(
        EngineKind.DUCKDB,
        WriterLock.PROCESS,
        DetectionLock.WRITER,
        snapshot_isolation=None,  # every DuckDB transaction reads one MVCC snapshot
        row_locks=False,
        percentiles=Percentiles.WINDOW_RANK,
        bulk_load=BulkLoad.EXECUTEMANY,
        insert=postgresql.insert,  # duckdb-engine compiles PostgreSQL's ON CONFLICT form
        online_backup=False,
        read_only=None,  # sources connect with read_only=True instead
    ),
    EngineKind.SPARK: Capabilities(
        EngineKind.SPARK,
        WriterLock.READ_ONLY,
        DetectionLock.WRITER,
        snapshot_isolation=None,  # Parquet files do not change under a read
        row_locks=False,
        percentiles=Percentiles.WINDOW_RANK,
        bulk_load=BulkLoad.EXECUTEMANY,  # unused: Spark results are written into the app database
        insert=postgresql.insert,  # unused: nothing is written through Spark
        online_backup=False,
        read_only=None,
    ),
}


def kind_of_url(url: str | URL) -> EngineKind | None:
    """The engine a URL names, None for an engine invgov does not run on."""
    backend = make_url(url).get_backend_name()
    return next((kind for kind in EngineKind if kind.value == backend), None)


def backend_name(url: str | URL) -> str:
    """The database a URL names (`postgresql`, `sqlite`, `mysql`, …), e.g. of a source database."""
    return make_url(url).get_backend_name()


def check_url(url: str | URL) -> EngineKind:
    """The engine of an app database URL; UnsupportedDatabase (one line) for any other engine."""
    kind = kind_of_url(url)
    if kind not in APP_DATABASES:
        backend = make_url(url).get_backend_name()
        raise UnsupportedDatabase(
            f"the database URL names a {backend} database; invgov runs on {SUPPORTED}"
        )
    return kind


def capabilities(bind: Engine | Connection | str | URL) -> Capabilities:
    """The capabilities of an engine, a connection or a URL (Spark included)."""
    url = bind if isinstance(bind, str | URL) else bind.engine.url
    kind = kind_of_url(url)
    return CAPABILITIES[kind] if kind is EngineKind.SPARK else CAPABILITIES[check_url(url)]


# --- engines and their connections ----------------------------------------------------------


def new_engine(
    url: str, *, busy_timeout_ms: int, begin_writer: Callable[[Any], None] | None = None
) -> Engine:
    """A new engine for a supported URL, set up for its kind (`begin_writer` begins an SQLite
    write transaction; default a plain BEGIN IMMEDIATE)."""
    from sqlalchemy import create_engine

    kind = check_url(url)
    parsed = make_url(url)
    if kind is EngineKind.POSTGRESQL:
        # Server-side prepared statements re-plan long IN lists per row on PostgreSQL; skip them.
        extra = {"prepare_threshold": None} if parsed.get_driver_name() == "psycopg" else {}
        return create_engine(url, pool_pre_ping=True, connect_args=extra)
    if parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
    if kind is EngineKind.DUCKDB:
        with _WRITERS_LOCK:  # engines of one file share its writer lock (and DuckDB instance)
            _WRITERS.setdefault(_file_key(engine_url := make_url(url)), threading.Lock())
        _WRITER_WAIT[_file_key(engine_url)] = busy_timeout_ms / 1000
        engine = create_engine(url)
        _quote_duckdb_keywords(engine)
        dialect = engine.dialect
        dialect.statement_compiler = _integer_floordiv_compiler(dialect.statement_compiler)
        return engine
    engine = create_engine(url, connect_args={"check_same_thread": False})
    _configure_sqlite(engine, busy_timeout_ms, begin_writer)
    return engine


def _configure_sqlite(
    engine: Engine, busy_ms: int, begin_writer: Callable[[Any], None] | None
) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see the begin hook).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_ms)}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = NORMAL")
        # 64 MB of page cache (the default is 2 MB): large imports and refreshes reread fewer pages
        cursor.execute("PRAGMA cache_size = -65536")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the lock up front: a deferred read-then-write can fail with SQLITE_BUSY in WAL.
        if not conn.get_execution_options().get(WRITE_OPTION, False):
            conn.exec_driver_sql("BEGIN")
        elif begin_writer is not None:
            begin_writer(conn)
        else:
            conn.exec_driver_sql("BEGIN IMMEDIATE")


def _quote_duckdb_keywords(engine: Engine) -> None:
    """Quote DuckDB's type/function keywords too (a column named `at` is a syntax error bare)."""
    import duckdb

    preparer = engine.dialect.identifier_preparer
    words = duckdb.sql(
        "SELECT keyword_name FROM duckdb_keywords() "
        "WHERE keyword_category IN ('reserved', 'type_function')"
    ).fetchall()
    preparer.reserved_words = set(preparer.reserved_words) | {word for (word,) in words}


_WRITERS: dict[str, threading.Lock] = {}  # DuckDB database -> its writer lock in this process
_WRITER_WAIT: dict[str, float] = {}  # DuckDB database -> seconds a writer waits for the lock
_WRITERS_LOCK = threading.Lock()


def _file_key(url: URL) -> str:
    return str(Path(url.database).resolve()) if url.database else ":memory:"


class WriterBusy(RuntimeError):
    """Another writer held the database longer than the configured wait."""

    def __init__(self, waited_s: float) -> None:
        super().__init__(f"another writer held the database for more than {waited_s:g} s")
        self.waited_s = waited_s


@contextmanager
def writer(engine: Engine) -> Iterator[Engine]:
    """The bind of one write transaction, holding the engine's writer lock while it runs."""
    lock = capabilities(engine).writer_lock
    if lock is WriterLock.IMMEDIATE:
        yield engine.execution_options(**{WRITE_OPTION: True})
        return
    if lock is WriterLock.ROW_LOCKS:
        yield engine
        return
    if lock is WriterLock.READ_ONLY:
        raise UnsupportedDatabase(f"{engine.url.get_backend_name()} is read-only here")
    key = _file_key(engine.url)
    held, wait = _WRITERS[key], _WRITER_WAIT[key]
    if not held.acquire(timeout=wait):
        raise WriterBusy(wait)
    try:
        yield engine
    finally:
        held.release()


@contextmanager
def snapshot(engine: Engine) -> Iterator[Connection]:
    """One read transaction that sees a single consistent state of the database."""
    with engine.connect() as conn:
        level = capabilities(engine).snapshot_isolation
        chosen = conn.execution_options(isolation_level=level) if level else conn
        with chosen.begin():
            yield chosen


def serialise(conn: Connection, key: int) -> None:
    """Wait until no other transaction serialised on `key` writes (detection, alert delivery),
    inside the caller's write transaction: the writer lock, or PostgreSQL's advisory lock."""
    if capabilities(conn).detection_lock is DetectionLock.ADVISORY:
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def row_locks(conn: Connection) -> bool:
    """Whether reads can lock rows (SELECT … FOR UPDATE); elsewhere the writer lock serialises."""
    return capabilities(conn).row_locks


def lock_rows(conn: Connection, query: Select[Any]) -> Select[Any]:
    """The query locking the rows it reads where the engine can (others: the writer lock does)."""
    return query.with_for_update() if row_locks(conn) else query


def insert_ignoring_conflicts(conn: Connection, table: Table) -> Insert:
    """INSERT INTO table … ON CONFLICT DO NOTHING, in the engine's own form (add .values())."""
    return capabilities(conn).insert(table)


def bulk_insert(
    conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]], chunk: int = 5000
) -> int:
    """Write many new rows into a table by the engine's bulk-load path; rows written.

    Every row has the first row's keys. The fast paths bind each value as SQLAlchemy would (the
    column type's bind processor, Python-side defaults for the columns the rows leave out) and
    hand the driver plain tuples, skipping SQLAlchemy's per-row parameter handling.
    """
    if not rows:
        return 0
    path = capabilities(conn).bulk_load
    if path is BulkLoad.EXECUTEMANY or _sql_defaults(table, rows[0]):
        from sqlalchemy import insert

        for start in range(0, len(rows), chunk):
            conn.execute(insert(table), [dict(r) for r in rows[start : start + chunk]])
        return len(rows)
    binding = _Binding.of(conn, table, rows[0])
    names = ", ".join(conn.dialect.identifier_preparer.quote(c) for c in binding.columns)
    target = conn.dialect.identifier_preparer.format_table(table)
    if path is BulkLoad.COPY:
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {target} ({names}) FROM STDIN") as copy:
            for start in range(0, len(rows), chunk):
                for values in binding.tuples(rows[start : start + chunk]):
                    copy.write_row(values)
        return len(rows)
    marks = ", ".join("?" for _ in binding.columns)
    statement = f"INSERT INTO {target} ({names}) VALUES ({marks})"
    for start in range(0, len(rows), chunk):
        conn.exec_driver_sql(statement, binding.tuples(rows[start : start + chunk]))
    return len(rows)


def _sql_defaults(table: Table, first: Mapping[str, Any]) -> bool:
    """Whether a column the rows leave out has a default that is SQL (only SQLAlchemy writes it)."""
    return any(
        c.default is not None and c.default.is_clause_element
        for c in table.columns
        if c.key not in first
    )


@dataclass(frozen=True)
class _Binding:
    """How rows with one set of keys become driver tuples: the columns, in order, the bind
    processors of the given ones, and the bound defaults of the columns the rows leave out."""

    columns: tuple[str, ...]
    pick: Callable[[Mapping[str, Any]], Any]
    single: bool  # one given column: `pick` returns a value, not a tuple
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]
    tail: tuple[Any, ...]

    @classmethod
    def of(cls, conn: Connection, table: Table, first: Mapping[str, Any]) -> _Binding:
        """The binding of rows with `first`'s keys into `table` on this connection's dialect."""
        dialect = conn.dialect

        def processor(name: str) -> Callable[[Any], Any] | None:
            return table.c[name].type.dialect_impl(dialect).bind_processor(dialect)

        given = list(first)
        # Python-side defaults (scalars, callables) of the columns the rows leave out; a
        # sequence is the database's to apply.
        defaults = [
            c
            for c in table.columns
            if c.key not in given and c.default is not None and not c.default.is_sequence
        ]
        tail = []
        for column in defaults:
            default = column.default
            value = default.arg(None) if default.is_callable else default.arg  # type: ignore[union-attr,operator]
            process = processor(column.key)
            tail.append(value if process is None else process(value))
        processed = tuple((i, p) for i, p in enumerate(map(processor, given)) if p is not None)
        columns = (*given, *(c.key for c in defaults))
        return cls(columns, operator.itemgetter(*given), len(given) == 1, processed, tuple(tail))

    def tuples(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        """Each row as a tuple of driver values, in `columns` order."""
        pick, processed, tail = self.pick, self.processed, self.tail
        out: list[tuple[Any, ...]] = []
        for row in rows:
            values = [pick(row)] if self.single else list(pick(row))
            for i, process in processed:
                values[i] = process(values[i])
            out.append((*values, *tail))
        return out


def read_only_source_engine(url: URL) -> Engine:
    """An engine for reading a source database (any SQLAlchemy URL), read-only where the engine
    can open it so; FileNotFoundError for a missing SQLite file."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    kind = kind_of_url(url)
    if kind is EngineKind.DUCKDB:
        return create_engine(url, poolclass=NullPool, connect_args={"read_only": True})
    if kind is not EngineKind.SQLITE:
        return create_engine(url, poolclass=NullPool)
    path = url.database
    if not path or path == ":memory:" or not Path(path).exists():
        raise FileNotFoundError(f"no SQLite database at {path!r}")
    ro = URL.create("sqlite", database=f"file:{path}", query={"mode": "ro", "uri": "true"})
    engine = create_engine(ro, poolclass=NullPool)
    event.listen(engine, "connect", _query_only)
    return engine


def _query_only(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.execute("PRAGMA query_only = ON")


def read_only_source(conn: Connection) -> None:
    """Make a source database's transaction read-only where the engine has a statement for it."""
    kind = kind_of_url(conn.engine.url)
    statement = CAPABILITIES[kind].read_only if kind else None
    if statement:
        conn.exec_driver_sql(statement)


# --- SQL that reads differently per engine -------------------------------------------------


class IntegerDivision(FunctionElement[int]):
    """a DIV b of two integers, truncated toward zero (the floor for non-negative operands)."""

    type = BigInteger()
    name = "integer_division"
    inherit_cache = True


# The SQL of integer division per dialect, operands cast to BIGINT first: never `/` of whatever
# types the operands have (DuckDB's `/` and Spark's `/` divide as floats).
INTEGER_DIVISION_SQL: dict[str, str] = {
    EngineKind.SQLITE.value: "{a} / {b}",
    EngineKind.POSTGRESQL.value: "{a} / {b}",
    EngineKind.DUCKDB.value: "{a} // {b}",
    EngineKind.SPARK.value: "DIV({a}, {b})",  # core.spark's transpiler reads it as Spark's DIV
}


def integer_division(a: Any, b: Any) -> IntegerDivision:
    """a DIV b in SQL: an integer, truncated toward zero, on every engine."""
    return IntegerDivision(a, b)


def floordiv_as_integer_division(compiler: Any, binary: Any, **kw: Any) -> str | None:
    """`a // b` of two integer expressions as integer_division (None: not both integers).

    A safety net for compilers whose own `//` is not an integer division (duckdb-engine renders
    FLOOR(a / b), a float; PostgreSQL's `/` would be Spark's float division).
    """
    integers = all(side.type._type_affinity is Integer for side in (binary.left, binary.right))
    return compiler.process(integer_division(binary.left, binary.right), **kw) if integers else None


def _integer_floordiv_compiler(base: type) -> type:
    """A subclass of a statement compiler whose `//` of integers is integer_division."""

    def visit_floordiv_binary(self: Any, binary: Any, operator: Any, **kw: Any) -> str:
        done = floordiv_as_integer_division(self, binary, **kw)
        return (
            done if done is not None else base.visit_floordiv_binary(self, binary, operator, **kw)
        )

    return type(
        f"IntegerFloordiv{base.__name__}", (base,), {"visit_floordiv_binary": visit_floordiv_binary}
    )


@compiles(IntegerDivision)
def _compile_integer_division(element: IntegerDivision, compiler: Any, **kw: Any) -> str:
    template = INTEGER_DIVISION_SQL.get(compiler.dialect.name)
    if template is None:
        raise UnsupportedDatabase(f"no integer division for {compiler.dialect.name}")
    a, b = (compiler.process(cast(arg, BigInteger), **kw) for arg in element.clauses)
    return f"({template.format(a=a, b=b)})"


# --- DuckDB schema: integer keys from sequences ---------------------------------------------
# duckdb-engine renders an autoincrement INTEGER primary key as SERIAL, which DuckDB does not
# have. On DuckDB such a column takes its default from a sequence named as PostgreSQL names
# SERIAL's (<table>_<column>_seq), created with the table; SQLite and PostgreSQL DDL is unchanged.


def _sequence_key(table: Table) -> Any:
    """The integer key a sequence feeds on DuckDB (an autoincrement key without a default)."""
    column = table.autoincrement_column
    if column is None or column.default is not None or column.server_default is not None:
        return None
    return column


def sequence_name(table: Table) -> str:
    """The sequence behind a table's integer key on DuckDB."""
    return f"{table.name}_{table.autoincrement_column.name}_seq"


@compiles(CreateColumn, EngineKind.DUCKDB.value)
def _duckdb_column(element: CreateColumn, compiler: Any, **kw: Any) -> str:
    column = element.element
    if column.table is not None and _sequence_key(column.table) is column:
        name = compiler.preparer.format_column(column)
        default = f"nextval('{sequence_name(column.table)}')"
        return f"{name} {compiler.type_compiler.process(column.type)} DEFAULT {default} NOT NULL"
    return compiler.visit_create_column(element, **kw)


@event.listens_for(Table, "before_create")
def _duckdb_sequence(table: Table, conn: Connection, **_kw: Any) -> None:
    if conn.dialect.name == EngineKind.DUCKDB.value and _sequence_key(table) is not None:
        conn.exec_driver_sql(f"CREATE SEQUENCE IF NOT EXISTS {sequence_name(table)}")


@event.listens_for(Table, "after_drop")
def _duckdb_drop_sequence(table: Table, conn: Connection, **_kw: Any) -> None:
    if conn.dialect.name == EngineKind.DUCKDB.value and _sequence_key(table) is not None:
        conn.exec_driver_sql(f"DROP SEQUENCE IF EXISTS {sequence_name(table)}")


def register_migrations() -> None:
    """Let Alembic migrate DuckDB (it knows no `duckdb` dialect by itself); idempotent."""
    from alembic.ddl.impl import DefaultImpl, _impls

    if EngineKind.DUCKDB.value not in _impls:
        # Alembic registers an implementation per dialect name when its class is created.
        type("DuckDBImpl", (DefaultImpl,), {"__dialect__": EngineKind.DUCKDB.value,
                                             "transactional_ddl": True,
                                             "alter_column": _duckdb_alter_column})  # fmt: skip


def _duckdb_alter_column(self: Any, table_name: str, column_name: str, **kw: Any) -> None:
    """Alter a column on DuckDB, which refuses while an index of the table exists.

    The table's indexes are dropped and created again around the change.
    """
    from alembic.ddl.impl import DefaultImpl

    indexes = [
        (row[0], row[1])
        for row in self.connection.execute(
            text("SELECT index_name, sql FROM duckdb_indexes() WHERE table_name = :t"),
            {"t": table_name},
        )
    ]
    for name, _sql in indexes:
        self.connection.execute(text(f'DROP INDEX "{name}"'))
    DefaultImpl.alter_column(self, table_name, column_name, **kw)
    for _name, sql in indexes:
        self.connection.execute(text(sql))

"""Spark SQL behind an SQLAlchemy connection: the metric code's own queries, run over a Parquet lake.

`spark_connection(folder)` yields a real `sqlalchemy.Connection` whose dialect compiles like
PostgreSQL (named `spark`, so `core.engines` renders integer division as DIV) and whose DBAPI
cursor transpiles each statement with sqlglot to Spark SQL and runs it with bound parameters
(integers bound as BIGINT, as PostgreSQL binds them). Whatever Select the metric code issues, and
whatever it finishes in Python from the rows, works unchanged. The canonical entities are
temporary views over `folder/<entity>/` (`core.parquet`); a missing folder is an empty view.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import Connection, create_engine
from sqlalchemy.dialects import registry
from sqlalchemy.dialects.postgresql.base import PGCompiler, PGDialect
from sqlalchemy.pool import StaticPool

from core.engines import EngineKind, floordiv_as_integer_division
from core.parquet import lake_tables, spark_schema

log = logging.getLogger(__name__)
LOCAL_MASTER = "local[*]"
JAVA_HINT = "Spark needs Java 17: apt-get install openjdk-17-jre-headless (or set JAVA_HOME)"


class SparkUnavailable(RuntimeError):
    """Spark cannot start here (no pyspark, no Java)."""


# --- statements: PostgreSQL-flavoured SQL in, Spark SQL out ---------------------------------


def _sqlglot_reader() -> Any:
    """sqlglot's PostgreSQL reader, reading DIV(a, b) as integral division (core.engines)."""
    from sqlglot import exp
    from sqlglot.dialects.postgres import Postgres

    class InvgovPostgres(Postgres):
        class Parser(Postgres.Parser):
            FUNCTIONS: ClassVar[dict[str, Any]] = {
                **Postgres.Parser.FUNCTIONS,
                "DIV": lambda args: exp.IntDiv(this=args[0], expression=args[1]),
            }

    return InvgovPostgres


def _sql_type(value: Any) -> str | None:
    """The Spark type a parameter is bound as (None: as Spark infers it, e.g. strings)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        scale = -exponent if isinstance(exponent, int) and exponent < 0 else 0
        return f"DECIMAL(38,{min(scale, 18)})"
    return None


@lru_cache(maxsize=512)
def to_spark_sql(statement: str, typed: tuple[tuple[str, str | None], ...]) -> str:
    """A compiled statement (named parameters) as Spark SQL, parameters cast to their types."""
    import sqlglot
    from sqlglot import exp

    types = dict(typed)
    tree = sqlglot.parse_one(statement, read=_sqlglot_reader())
    for marker in list(tree.find_all(exp.Placeholder)):
        spark_type = types.get(str(marker.name))
        if spark_type and marker.find_ancestor(exp.Limit, exp.Offset) is None:
            marker.replace(exp.cast(marker.copy(), spark_type))
    return tree.sql(dialect="spark")


# --- a DBAPI (PEP 249) over a SparkSession ----------------------------------------------------


class SparkError(Exception):
    """DBAPI error type: a statement Spark refused."""


class SparkDBAPI:
    """The module-level names SQLAlchemy asks a DBAPI for."""

    paramstyle = "named"
    apilevel = "2.0"
    threadsafety = 1
    Error = DatabaseError = OperationalError = ProgrammingError = InterfaceError = SparkError
    Warning = Warning


class SparkCursor:
    """Runs one statement at a time and hands back its collected rows."""

    arraysize = 1000

    def __init__(self, session: Any) -> None:
        self._session = session
        self._rows: list[tuple[Any, ...]] = []
        self.description: list[tuple[Any, ...]] | None = None
        self.rowcount = -1

    def execute(self, operation: str, parameters: Mapping[str, Any] | None = None) -> None:
        """Transpile and run a statement with its parameters bound."""
        params = dict(parameters or {})
        typed = tuple(sorted((name, _sql_type(value)) for name, value in params.items()))
        sql = to_spark_sql(operation, typed)
        log.debug("spark sql: %s", sql)
        try:
            frame = self._session.sql(sql, args=params or None)
            rows = frame.collect()
        except Exception as exc:  # py4j and pyspark errors become the DBAPI's error
            raise SparkError(str(exc).strip().splitlines()[0]) from exc
        self.description = [(f.name, None, None, None, None, None, True) for f in frame.schema]
        self._rows = [tuple(row) for row in rows]
        self.rowcount = len(self._rows)

    def executemany(self, operation: str, seq: Sequence[Mapping[str, Any]]) -> None:
        """Spark runs reads only here: many parameter sets are refused."""
        raise SparkError("the Spark adapter reads; it does not write rows")

    def fetchone(self) -> tuple[Any, ...] | None:
        """The next row, or None."""
        return self._rows.pop(0) if self._rows else None

    def fetchmany(self, size: int | None = None) -> list[tuple[Any, ...]]:
        """Up to `size` more rows."""
        count = size or self.arraysize
        chunk, self._rows = self._rows[:count], self._rows[count:]
        return chunk

    def fetchall(self) -> list[tuple[Any, ...]]:
        """Every remaining row."""
        rows, self._rows = self._rows, []
        return rows

    def close(self) -> None:
        """Drop the rows."""
        self._rows = []


class SparkDBAPIConnection:
    """A DBAPI connection: cursors over one SparkSession; transactions are no-ops (reads only)."""

    def __init__(self, session: Any) -> None:
        self.session = session

    def cursor(self) -> SparkCursor:
        """A new cursor."""
        return SparkCursor(self.session)

    def commit(self) -> None:
        """Nothing to commit."""

    def rollback(self) -> None:
        """Nothing to roll back."""

    def close(self) -> None:
        """The SparkSession outlives its connections."""


class SparkCompiler(PGCompiler):
    """PostgreSQL's compiler, but `//` of integers is Spark's integral DIV (core.engines)."""

    def visit_floordiv_binary(self, binary: Any, operator: Any, **kw: Any) -> str:
        """a // b: integer division of integers, else PostgreSQL's form."""
        done = floordiv_as_integer_division(self, binary, **kw)
        return done if done is not None else super().visit_floordiv_binary(binary, operator, **kw)


class SparkDialect(PGDialect):
    """Compiles like PostgreSQL under the name `spark`; its DBAPI transpiles to Spark SQL."""

    name = EngineKind.SPARK.value
    statement_compiler = SparkCompiler
    driver = "pyspark"
    default_paramstyle = "named"
    supports_statement_cache = True
    supports_sane_rowcount = False
    supports_server_side_cursors = False
    use_insertmanyvalues = False

    @classmethod
    def import_dbapi(cls) -> Any:
        """The DBAPI names."""
        return SparkDBAPI

    def initialize(self, connection: Any) -> None:
        """No server to ask: fixed answers (PostgreSQL-like compilation, no schemas)."""
        self.server_version_info = (16, 0)
        self.default_schema_name = None
        self.default_isolation_level = None
        self.supports_smallserial = True
        self._backslash_escapes = False
        self._supports_drop_index_concurrently = False
        self.supports_identity_columns = False
        self._supports_jsonb_subscripting = False

    def set_isolation_level(self, dbapi_connection: Any, level: Any) -> None:
        """Parquet files do not change under a read: nothing to set."""

    def get_isolation_level(self, dbapi_connection: Any) -> Any:
        """No isolation levels."""
        return None

    def do_ping(self, dbapi_connection: Any) -> bool:
        """The session is in this process."""
        return True


registry.register(EngineKind.SPARK.value, __name__, "SparkDialect")


# --- the session and the lake -----------------------------------------------------------------


def _check_java() -> None:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return
    if shutil.which("java") is None:
        raise SparkUnavailable(JAVA_HINT)


@contextmanager
def spark_session(
    master: str | None = None, *, shuffle_partitions: int = 8, driver_memory: str = "4g"
) -> Iterator[Any]:
    """The active SparkSession, or a new one (local mode unless a master URL is given) that is
    stopped at the end."""
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SparkUnavailable(
            "pyspark is not installed: pip install -r requirements.txt"
        ) from None
    active = SparkSession.getActiveSession()
    if active is not None:
        yield active
        return
    _check_java()
    local = (master or LOCAL_MASTER).startswith("local")
    if local:  # local mode talks to itself only (the JVM reads this before any setting)
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.master(master or LOCAL_MASTER)
        .appName("invgov metrics")
        .config("spark.sql.shuffle.partitions", str(shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.driver.memory", driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if local:
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    try:
        yield session
    finally:
        session.stop()


def attach_lake(session: Any, folder: Path) -> dict[str, bool]:
    """Register every lake table as a view over `folder/<table>/` (empty when absent);
    which tables had a folder."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no Parquet folder at {folder}")
    present = {}
    for table in lake_tables():
        path = folder / table.name
        present[table.name] = path.is_dir()
        if present[table.name]:
            frame = session.read.schema(spark_schema(table)).parquet(str(path))
        else:
            frame = session.createDataFrame([], schema=spark_schema(table))
        frame.createOrReplaceTempView(table.name)
    return present


@contextmanager
def lake_connection(session: Any, folder: Path) -> Iterator[Connection]:
    """An SQLAlchemy connection running Spark SQL over the lake at `folder`."""
    attach_lake(session, folder)
    engine = create_engine(
        f"{EngineKind.SPARK.value}://",
        creator=lambda: SparkDBAPIConnection(session),
        poolclass=StaticPool,
    )
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


@contextmanager
def spark_connection(
    folder: Path,
    master: str | None = None,
    *,
    shuffle_partitions: int = 8,
    driver_memory: str = "4g",
) -> Iterator[Connection]:
    """A connection over the lake at `folder` on Spark (the active session, or a new one)."""
    with (
        spark_session(
            master, shuffle_partitions=shuffle_partitions, driver_memory=driver_memory
        ) as session,
        lake_connection(session, folder) as conn,
    ):
        yield conn

"""The `sql` source runs exactly one read-only SELECT: hostile queries are refused and the source is unchanged."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import Engine
from sqlalchemy.engine import make_url

import pipeline
from connectors.errors import FileRefused
from connectors.sql_guard import check_read_query
from connectors.sql_source import read_only_rows
from core.settings import get_settings
from tests.conftest import POSTGRES_SKIP, POSTGRES_URL
from tests.connectors_support import all_counts

GOOD = "SELECT item AS system_sku, 'DC1' AS location_id, 'sellable' AS status, qty AS quantity, '2026-01-05T10:00:00Z' AS as_of FROM stock"
HOSTILE = [
    f"{GOOD}; COMMIT; DROP TABLE victim; SELECT 1",
    "SELECT 1 AS x; DROP TABLE victim",
    "SELECT 1 AS x;\nDROP TABLE victim;\n",
    "SELECT 1 AS x /* ; */ ; DROP TABLE victim -- ;",
    "WITH gone AS (DELETE FROM victim RETURNING *) SELECT * FROM gone",
    "SELECT * INTO stolen FROM victim",
    "SELECT * FROM victim FOR UPDATE",
    "DROP TABLE victim",
    "DELETE FROM victim",
    "select * from victim union all select 1; drop table victim",
    "SELECT set_config('default_transaction_read_only', 'off', false)",
    "SELECT dblink_exec('dbname=x', 'DROP TABLE victim')",
    "COMMIT",
    "EXPLAIN ANALYZE DELETE FROM victim",
]


def _mapping(tmp_path: Path, url: str, query: str) -> Path:
    path = tmp_path / "source.toml"
    path.write_text(
        f'url = "{url}"\nsystem = "wms"\nentity = "stock_levels"\nquery = """{query}"""\n'
    )
    return path


@pytest.fixture
def sqlite_source(tmp_path: Path) -> Path:
    """A source database of our own with the table an attacker wants gone."""
    path = tmp_path / "source.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE stock (item TEXT, qty INTEGER)")
        conn.execute("INSERT INTO stock VALUES ('A-1', 3), ('A-2', 4)")
        conn.execute("CREATE TABLE victim (x INTEGER)")
        conn.execute("INSERT INTO victim VALUES (1)")
    conn.close()
    return path


def _sqlite_victim(path: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master ORDER BY name")]
        rows = conn.execute("SELECT x FROM victim").fetchall()
    conn.close()
    return [tuple(names), *rows]


@pytest.fixture
def postgres_source() -> Iterator[str]:
    """A second database on the test server, standing for the source system's."""
    if not POSTGRES_URL:
        pytest.skip(POSTGRES_SKIP)
    admin_url = make_url(POSTGRES_URL).set(drivername="postgresql")
    name = f"invgov_source_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"  # one per worker
    with psycopg.connect(admin_url.render_as_string(hide_password=False), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    source = admin_url.set(database=name).render_as_string(hide_password=False)
    with psycopg.connect(source, autocommit=True) as conn:
        conn.execute("CREATE TABLE stock (item text, qty integer)")
        conn.execute("INSERT INTO stock VALUES ('A-1', 3), ('A-2', 4)")
        conn.execute("CREATE TABLE victim (x integer)")
        conn.execute("INSERT INTO victim VALUES (1)")
    yield source


def _postgres_victim(url: str) -> list[tuple[object, ...]]:
    with psycopg.connect(url) as conn:
        names = conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' "
            "ORDER BY table_name"
        ).fetchall()
        rows = conn.execute("SELECT x FROM victim").fetchall()
    return [tuple(n for (n,) in names), *rows]


def test_a_good_query_loads_on_sqlite(sqlite_source: Path, tmp_path: Path, engine: Engine) -> None:
    report = pipeline.import_file(_mapping(tmp_path, f"sqlite:///{sqlite_source}", GOOD), "sql")
    assert report.ok, report.reason
    assert (report.read, report.inserted) == (2, 2)


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_refused_on_a_sqlite_source(
    query: str, sqlite_source: Path, tmp_path: Path, engine: Engine
) -> None:
    before = _sqlite_victim(sqlite_source)
    report = pipeline.import_file(_mapping(tmp_path, f"sqlite:///{sqlite_source}", query), "sql")
    assert not report.ok
    assert "query" in (report.reason or "")
    assert _sqlite_victim(sqlite_source) == before == [("stock", "victim"), (1,)]
    assert sum(all_counts(engine).values()) == 0


def test_a_good_query_loads_on_postgresql(
    postgres_source: str, tmp_path: Path, engine: Engine
) -> None:
    report = pipeline.import_file(_mapping(tmp_path, postgres_source, GOOD), "sql")
    assert report.ok, report.reason
    assert (report.read, report.inserted) == (2, 2)
    assert "read-only from postgresql://postgres@" in report.notes[0]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_are_refused_on_a_postgresql_source(
    query: str, postgres_source: str, tmp_path: Path, engine: Engine
) -> None:
    before = _postgres_victim(postgres_source)
    report = pipeline.import_file(_mapping(tmp_path, postgres_source, query), "sql")
    assert not report.ok
    assert "query" in (report.reason or "")
    assert _postgres_victim(postgres_source) == before == [("stock", "victim"), (1,)]
    assert sum(all_counts(engine).values()) == 0


@pytest.mark.parametrize(
    ("query", "says"),
    [
        # Past the parser: the driver call refuses several statements in one text ...
        ("SELECT 1; COMMIT; DROP TABLE victim; SELECT 1", "multiple commands"),
        ("SELECT $$a$$; DROP TABLE victim", "multiple commands"),
        # ... and a single write fails in the read-only transaction.
        ("DROP TABLE victim", "read-only transaction"),
        ("CREATE TABLE stolen AS SELECT * FROM victim", "read-only transaction"),
    ],
)
def test_the_driver_and_the_transaction_refuse_what_the_parser_would_miss(
    query: str, says: str, postgres_source: str
) -> None:
    with pytest.raises(FileRefused) as refused:
        read_only_rows(make_url(postgres_source), query, "source.toml")
    assert says in refused.value.reason
    assert _postgres_victim(postgres_source) == [("stock", "victim"), (1,)]


def test_sqlite_driver_refuses_several_statements_and_writes(sqlite_source: Path) -> None:
    url = make_url(f"sqlite:///{sqlite_source}")
    for query, says in [
        ("SELECT 1; DROP TABLE victim", "one statement at a time"),
        ("DROP TABLE victim", "readonly"),
    ]:
        with pytest.raises(FileRefused) as refused:
            read_only_rows(url, query, "source.toml")
        assert says in refused.value.reason
    assert _sqlite_victim(sqlite_source) == [("stock", "victim"), (1,)]


def test_a_long_query_is_stopped_by_the_timeout(
    postgres_source: str, sqlite_source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_SQL_TIMEOUT_S", "1")
    get_settings.cache_clear()
    endless = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    for url, query in [
        (postgres_source, "SELECT pg_sleep(5)"),
        (f"sqlite:///{sqlite_source}", endless),
    ]:
        with pytest.raises(FileRefused) as refused:
            read_only_rows(make_url(url), check_read_query(query, url.split(":")[0], "m"), "m")
        assert "ran longer than 1 s" in refused.value.reason
    get_settings.cache_clear()


def test_invgov_own_database_is_refused(db_url: str, tmp_path: Path, engine: Engine) -> None:
    report = pipeline.import_file(_mapping(tmp_path, db_url, "SELECT 1 AS x"), "sql")
    assert not report.ok
    assert report.reason == (
        "the mapping names invgov's own database: name the source system's database"
    )


def test_many_rows_are_refused_beyond_the_row_limit(
    sqlite_source: Path, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_MAX_IMPORT_ROWS", "1")
    get_settings.cache_clear()
    report = pipeline.import_file(_mapping(tmp_path, f"sqlite:///{sqlite_source}", GOOD), "sql")
    assert not report.ok
    assert "more than 1 rows (INVGOV_MAX_IMPORT_ROWS)" in (report.reason or "")


def test_options_in_the_url_are_kept_and_cannot_lift_read_only(postgres_source: str) -> None:
    with psycopg.connect(postgres_source, autocommit=True) as conn:
        conn.execute("CREATE SCHEMA wms")
        conn.execute("CREATE TABLE wms.bins (code text)")
        conn.execute("INSERT INTO wms.bins VALUES ('B-1')")
    scoped = make_url(postgres_source).update_query_dict(
        {"options": "-csearch_path=wms -cdefault_transaction_read_only=off"}
    )
    columns, rows = read_only_rows(scoped, "SELECT code FROM bins", "m")
    assert (columns, rows) == (["code"], [("B-1",)])
    with pytest.raises(FileRefused) as refused:
        read_only_rows(scoped, "CREATE TABLE stolen (x int)", "m")
    assert "read-only transaction" in refused.value.reason

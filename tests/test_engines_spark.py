"""Spark SQL over a Parquet export gives the database's rows, row by row (SPEC section 3 oracles,
the demo brand); `metrics refresh --engine spark` leaves the aggregates a full rebuild leaves.

One SparkSession (local mode) serves every test of this module: its start is the slow part, so
the tests are grouped on one pytest-xdist worker (`--dist loadgroup`) and skipped without Java.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from cli.main import main
from core.db import get_engine, write_session
from core.maintenance import backup_sqlite
from core.migrate import current_revision
from core.parquet import canonical_tables, export_parquet
from core.schema import MetricSnapshot
from core.timeutil import iso_z
from demo import load_demo
from demo.plan import DemoPlan
from metrics.aggregates import load_state
from metrics.compute import compute_rows, reading
from metrics.current import rows_at
from metrics.offload import rebuild_from
from metrics.refresh import rebuild
from tests.conftest import FIXTURES
from tests.test_metrics_aggregates import stored_tables
from tests.test_metrics_common import AS_OF
from tests.test_metrics_oracle import Data, Oracle

pytestmark = [pytest.mark.spark, pytest.mark.xdist_group("spark")]
MASTER = "local[2]"


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local SparkSession for the test session (skipped where Java or pyspark is missing)."""
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    from core.spark import SparkUnavailable, spark_session

    try:
        with spark_session(MASTER, shuffle_partitions=2, driver_memory="1g") as session:
            yield session
    except SparkUnavailable as missing:
        pytest.skip(str(missing))


def lake_of(db_url: str, folder: Path) -> Path:
    """The database exported as Parquet into `folder`."""
    export_parquet(get_engine(db_url), folder, current_revision(db_url))
    return folder


def spark_rows(spark: Any, lake: Path, as_of: datetime) -> list[Any]:
    """Every metric row (with its parts) computed on Spark over the lake."""
    from core.spark import lake_connection

    with lake_connection(spark, lake) as conn:
        return compute_rows(conn, as_of)


def database_rows(engine: Engine, as_of: datetime) -> list[Any]:
    """Every metric row (with its parts) computed from the database's raw rows."""
    with reading(engine) as conn:
        return compute_rows(conn, as_of)


def test_the_lake_reads_back_every_stored_value(
    sqlite_url: str, tmp_path: Path, spark: Any
) -> None:
    from core.spark import lake_connection

    reports = jobs_import(sqlite_url, FIXTURES / "canonical")
    assert reports == ["committed"] * 6
    lake = lake_of(sqlite_url, tmp_path / "lake")
    queries = [select(t).order_by(*t.primary_key.columns) for t in canonical_tables()]
    with get_engine(sqlite_url).connect() as conn:
        expected = [[tuple(r) for r in conn.execute(q)] for q in queries]
    with lake_connection(spark, lake) as conn:
        got = [[tuple(r) for r in conn.execute(q)] for q in queries]
    # The same SQLAlchemy query gives the same Python values: aware datetimes from epoch seconds,
    # Decimal unit costs, JSON attributes as dicts (tests/fixtures/canonical has all three).
    assert got == expected
    # 3 locations, 3 items, 1 mapping, 3 orders, 4 lines, 2 returns (R-3 is quarantined)
    assert sum(map(len, got)) == 16


def jobs_import(db_url: str, folder: Path) -> list[str]:
    """Import a canonical folder; the status of each file."""
    import pipeline

    return [
        r.status for r in pipeline.import_paths([folder], "canonical", engine=get_engine(db_url))
    ]


@pytest.mark.parametrize("seed", [1, 2])
def test_oracle_datasets_on_spark_equal_sqlite_row_by_row(
    sqlite_url: str, tmp_path: Path, spark: Any, seed: int
) -> None:
    data = Data(seed)
    data.load(sqlite_url, tmp_path / "data")
    lake = lake_of(sqlite_url, tmp_path / "lake")
    on_spark = spark_rows(spark, lake, AS_OF)
    assert on_spark == database_rows(get_engine(sqlite_url), AS_OF)  # values, n, num and parts
    oracle = Oracle(data).all_rows()  # and the independent reading of SPEC section 3
    assert [r.as_dict() for r in on_spark if r.metric in {o["metric"] for o in oracle}] == oracle


def test_metrics_command_on_spark_prints_the_database_rows(
    sqlite_url: str, tmp_path: Path, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Data(3).load(sqlite_url, tmp_path / "data")
    assert main(["export", "parquet", str(tmp_path / "lake")]) == 0
    assert capsys.readouterr().out.startswith("exported ")
    manifest = json.loads((tmp_path / "lake" / "_invgov.json").read_text(encoding="utf-8"))
    assert manifest["schema_version"] == current_revision(sqlite_url)
    as_of = ["--as-of", iso_z(AS_OF)]
    assert main(["metrics", "--json", *as_of]) == 0
    from_database = capsys.readouterr().out
    lake = ["--engine", "spark", "--parquet", str(tmp_path / "lake"), "--spark-master", MASTER]
    assert main(["metrics", "--json", *as_of, *lake]) == 0
    assert capsys.readouterr().out == from_database


def test_refresh_on_spark_leaves_what_a_full_rebuild_leaves(
    sqlite_url: str, tmp_path: Path, spark: Any
) -> None:
    from core.spark import lake_connection

    Data(1).load(sqlite_url, tmp_path / "data")
    lake = lake_of(sqlite_url, tmp_path / "lake")
    copy = backup_sqlite(get_engine(sqlite_url), tmp_path / "copy.db")  # WAL included
    with write_session(get_engine(sqlite_url)) as session:
        rebuild(session, now=AS_OF)
    copy_engine = get_engine(f"sqlite:///{copy}")
    with lake_connection(spark, lake) as source, write_session(copy_engine) as session:
        report = rebuild_from(session, source, now=AS_OF)
    assert report.mode == "full"
    assert stored_tables(copy_engine) == stored_tables(get_engine(sqlite_url))
    assert snapshot_history(copy_engine) == snapshot_history(get_engine(sqlite_url))


def snapshot_history(engine: Engine) -> list[tuple[Any, ...]]:
    """The kept snapshot rows, without the instant they were computed at."""
    table = MetricSnapshot.__table__
    columns = (table.c.as_of, table.c.metric, table.c.dim, table.c.key, table.c.value, table.c.n)
    with engine.connect() as conn:
        rows = conn.execute(select(*columns, table.c.num, table.c.parts))
        return sorted(((*r[:-1], json.dumps(r[-1], sort_keys=True)) for r in rows), key=repr)


def test_refresh_command_on_spark_serves_the_pages_from_the_aggregates(
    sqlite_url: str, tmp_path: Path, spark: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    Data(2).load(sqlite_url, tmp_path / "data")
    lake = lake_of(sqlite_url, tmp_path / "lake")
    assert main(["metrics", "refresh", "--engine", "spark", "--parquet", str(lake)]) == 0
    assert capsys.readouterr().out.startswith("aggregates full refresh to ")
    engine = get_engine(sqlite_url)
    with reading(engine) as conn:
        state = load_state(conn)
    assert state is not None
    rows, source = rows_at(engine, state.as_of)
    assert source == "aggregates"
    assert rows == [r.as_dict() for r in database_rows(engine, state.as_of)]


def test_spark_options_are_checked_before_anything_starts(
    sqlite_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["metrics", "--json", "--engine", "spark"]) == 1
    assert capsys.readouterr().err == (
        "error: --engine spark needs --parquet DIR (see `manage.py export parquet`)\n"
    )
    assert main(["metrics", "--json", "--parquet", str(tmp_path)]) == 1
    assert capsys.readouterr().err == "error: --parquet and --spark-master go with --engine spark\n"
    missing = tmp_path / "nowhere"
    assert main(["metrics", "refresh", "--engine", "spark", "--parquet", str(missing)]) == 1
    assert capsys.readouterr().err == f"error: no Parquet export at {missing}\n"


DEMO_ORDERS, DEMO_SEED, DEMO_END = 600, 11, date(2026, 3, 1)


@pytest.mark.slow
def test_the_demo_brand_is_identical_on_every_engine(
    tmp_path: Path,
    spark: Any,
    sqlite_template: Path,
    duckdb_template: Path,
    postgres_migrated: str,
) -> None:
    from tests.conftest import _truncate_postgres

    plan = DemoPlan(DEMO_SEED, DEMO_END, DEMO_ORDERS)
    urls = {"postgresql": postgres_migrated}
    _truncate_postgres(postgres_migrated)
    for kind, template in (("sqlite", sqlite_template), ("duckdb", duckdb_template)):
        shutil.copy(template, tmp_path / f"demo.{kind}")
        urls[kind] = f"{kind}:///{tmp_path / f'demo.{kind}'}"
    rows = {}
    for kind, url in urls.items():
        load_demo(orders=DEMO_ORDERS, seed=DEMO_SEED, end=DEMO_END, engine=get_engine(url))
        rows[kind] = [r.as_dict() for r in database_rows(get_engine(url), plan.cutoff)]
    lake = lake_of(urls["sqlite"], tmp_path / "lake")
    rows["spark"] = [r.as_dict() for r in spark_rows(spark, lake, plan.cutoff)]
    assert len(rows["sqlite"]) > 500  # every family has rows (weeks × dims)
    for kind in ("postgresql", "duckdb", "spark"):
        assert rows[kind] == rows["sqlite"], kind


def test_integer_division_on_spark_is_integral(tmp_path: Path, spark: Any) -> None:
    from core.engines import integer_division
    from core.spark import lake_connection
    from metrics.sql import number

    (tmp_path / "empty").mkdir()  # every entity absent: empty views
    epoch = 1_768_987_800  # 2026-01-21T09:30:00Z; 20474 whole days since 1970-01-01
    query = select(
        integer_division(number(-7), number(2)),
        number(7) // number(2),
        number(epoch) // number(86_400),
    )
    with lake_connection(spark, tmp_path / "empty") as conn:
        got = tuple(conn.execute(query).one())
    assert got == (-3, 3, 20_474)
    assert all(type(value) is int for value in got)  # Spark's `/` would give floats

"""The `sql` source against a temporary SQLite source database: read-only, validated like a canonical CSV."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from tests.connectors_support import all_counts, quarantined, table_rows

QUERY = """
SELECT item AS system_sku, warehouse AS location_id, 'sellable' AS status,
       on_hand AS quantity, counted AS as_of
FROM wms_stock ORDER BY item, warehouse
"""


@pytest.fixture
def source_db(tmp_path: Path) -> Path:
    """A WMS database of our own: three good rows and one unreadable quantity."""
    path = tmp_path / "wms.db"
    with sqlite3.connect(path) as conn:
        conn.execute(
            "CREATE TABLE wms_stock (item TEXT, warehouse TEXT, on_hand TEXT, counted TEXT)"
        )
        conn.executemany(
            "INSERT INTO wms_stock VALUES (?, ?, ?, ?)",
            [
                ("NW-MUG", "DC1", "12", "2025-01-31 18:00:00"),
                ("NW-SOCK", "DC1", "twelve", "2025-01-31 18:00:00"),
                ("NW-TEE-S", "DC1", "5.0", "2025-01-31 18:00:00"),
                ("NW-TEE-S", "DC2", "-1", "2025-01-31T18:00:00+01:00"),
            ],
        )
    conn.close()
    return path


def mapping_file(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "wms_sql.toml"
    path.write_text(body)
    return path


def test_rows_are_read_and_validated(source_db: Path, tmp_path: Path, engine: Engine) -> None:
    mapping = mapping_file(
        tmp_path,
        f'url = "sqlite:///{source_db}"\nsystem = "wms"\nentity = "stock_levels"\nquery = """{QUERY}"""\n',
    )
    report = pipeline.import_file(mapping, "sql", engine=engine)
    assert report.ok, report.reason
    assert (report.system, report.read, report.inserted, report.quarantined) == ("wms", 4, 3, 1)
    stock = {(r["location_id"], r["system_sku"]): (r["quantity"], r["as_of"]) for r in table_rows(engine, "stock_levels")}  # fmt: skip
    at = datetime(2025, 1, 31, 18, 0, tzinfo=UTC)
    assert stock == {
        ("DC1", "NW-MUG"): (12, at),
        ("DC1", "NW-TEE-S"): (5, at),
        ("DC2", "NW-TEE-S"): (-1, datetime(2025, 1, 31, 17, 0, tzinfo=UTC)),
    }
    (bad,) = quarantined(engine)
    assert (
        bad["line_number"] == 3 and "twelve" in bad["raw_text"] and "whole number" in bad["reason"]
    )
    again = pipeline.import_file(mapping, "sql", engine=engine)
    assert (again.inserted, again.updated) == (0, 0) and len(quarantined(engine)) == 1


def test_url_from_environment_and_mapping_option(
    source_db: Path, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WMS_TEST_URL", f"sqlite:///{source_db}")
    mapping = mapping_file(tmp_path, f'url_env = "WMS_TEST_URL"\nentity = "stock_levels"\nquery = """{QUERY}"""\n')  # fmt: skip
    report = pipeline.import_file(mapping, "sql", system="wms", engine=engine, options=pipeline.ImportOptions(mapping=mapping))  # fmt: skip
    assert report.ok and report.inserted == 3


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("DELETE FROM wms_stock", "must be one SELECT"),
        ("WITH x AS (SELECT 1) INSERT INTO wms_stock (item) SELECT * FROM x", "must be one SELECT"),
        ("SELECT * FROM no_such_table", "no such table"),
    ],
)
def test_nothing_is_written_to_the_source_and_failures_refuse(
    query: str, says: str, source_db: Path, tmp_path: Path, engine: Engine
) -> None:
    mapping = mapping_file(tmp_path, f'url = "sqlite:///{source_db}"\nentity = "stock_levels"\nquery = """{query}"""\n')  # fmt: skip
    report = pipeline.import_file(mapping, "sql", engine=engine)
    assert not report.ok and says in (report.reason or "")
    with sqlite3.connect(source_db) as conn:
        assert conn.execute("SELECT count(*) FROM wms_stock").fetchone() == (4,)
    conn.close()
    assert sum(all_counts(engine).values()) == 0


def test_missing_database_is_refused(tmp_path: Path, engine: Engine) -> None:
    mapping = mapping_file(tmp_path, f'url = "sqlite:///{tmp_path}/absent.db"\nentity = "orders"\nquery = "SELECT 1"\n')  # fmt: skip
    report = pipeline.import_file(mapping, "sql", engine=engine)
    assert not report.ok and "no SQLite database" in (report.reason or "")
    assert not (tmp_path / "absent.db").exists()

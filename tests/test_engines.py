"""Engine differences named once (core/engines.py): refusal of other engines, integer division,
DuckDB's writer lock, and a smoke test of init → import → detect → a page on every database."""

from __future__ import annotations

import re
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

import pipeline
from cli.main import main
from core.db import DatabaseBusy, dispose_engines, get_engine, read_session, write_session
from core.engines import SUPPORTED, integer_division
from core.schema import ExceptionRecord as ExceptionRow
from core.schema import KpiTarget
from core.settings import get_settings
from metrics.sql import number
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.governance_support import session_token
from ui.auth import TOKEN_KEY

UNSUPPORTED = "mysql+pymysql://invgov@localhost/invgov"
REFUSAL = f"the database URL names a mysql database; invgov runs on {SUPPORTED}"
# Names only core/engines.py may use: asking which engine runs, or one engine's own SQL forms.
DIALECT_BRANCHES = re.compile(
    r"dialect\.name|is_sqlite|get_backend_name|postgresql\.insert|sqlite\.insert|pg_advisory_\w*lock"
    r"|with_for_update=True|\.with_for_update\("
)


def test_supported_engines_are_named_in_one_line() -> None:
    assert SUPPORTED == "sqlite, postgresql, duckdb"


def test_init_refuses_an_unsupported_database(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INVGOV_DATABASE_URL", UNSUPPORTED)
    get_settings.cache_clear()
    try:
        assert main(["init"]) == 1
    finally:
        get_settings.cache_clear()
    assert capsys.readouterr().err == f"error: {REFUSAL}\n"


def test_the_app_refuses_an_unsupported_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVGOV_DATABASE_URL", UNSUPPORTED)
    get_settings.cache_clear()
    try:
        at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30).run()
    finally:
        get_settings.cache_clear()
    assert not at.exception
    assert [e.value for e in at.error] == [REFUSAL]
    assert not at.title  # stopped before drawing anything else


def test_no_module_but_core_engines_branches_on_the_engine() -> None:
    offenders = []
    for path in PROJECT_ROOT.rglob("*.py"):
        relative = path.relative_to(PROJECT_ROOT)
        if relative.parts[0] in {".venv", "tests"} or relative == Path("core/engines.py"):
            continue
        for number_, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if DIALECT_BRANCHES.search(line):
                offenders.append(f"{relative}:{number_}: {line.strip()}")
    assert offenders == []


def test_integer_division_is_integral_and_truncates_on_every_database(db_url: str) -> None:
    engine = get_engine(db_url)
    epoch = 1_768_987_800  # 2026-01-21T09:30:00Z; 20474 whole days since 1970-01-01
    cases = [(7, 2, 3), (-7, 2, -3), (6, 3, 2), (epoch, 86_400, 20_474), (86_399, 86_400, 0)]
    explicit = [integer_division(number(a), number(b)) for a, b, _ in cases]
    operator = [number(a) // number(b) for a, b, _ in cases]  # the safety net for `//`
    with engine.connect() as conn:
        got = tuple(conn.execute(select(*explicit, *operator)).one())
    assert got == tuple(expected for _a, _b, expected in cases) * 2
    assert all(type(value) is int for value in got)  # never a float (DuckDB's `/`, Spark's `/`)


def test_duckdb_writers_take_turns(
    tmp_path: Path, duckdb_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "turns.duckdb"
    path.write_bytes(duckdb_template.read_bytes())
    monkeypatch.setenv("INVGOV_SQLITE_BUSY_TIMEOUT_MS", "1500")
    get_settings.cache_clear()
    engine = get_engine(f"duckdb:///{path}")
    table = KpiTarget.__table__
    failures: list[BaseException] = []

    def bump() -> None:  # read, pause, write: two at once would conflict without the lock
        try:
            with write_session(engine) as session:
                seen = session.execute(select(table.c.version).where(table.c.metric == "fill_rate"))
                version = seen.scalar_one()
                time.sleep(0.1)
                change = update(table).where(table.c.metric == "fill_rate")
                session.execute(change.values(version=version + 1))
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=bump) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with read_session(engine) as session:
        version = session.execute(select(table.c.version).where(table.c.metric == "fill_rate"))
        assert (failures, version.scalar_one()) == ([], 3)  # seeded at version 1, bumped twice

    with write_session(engine):  # a writer that would wait longer than the setting gives up
        waiter = threading.Thread(target=bump)
        waiter.start()
        waiter.join(timeout=5)
        time.sleep(0.1)
    assert [type(f) for f in failures] == [DatabaseBusy]  # the write session names the busy writer
    dispose_engines()
    get_settings.cache_clear()


def test_init_import_detect_and_the_exceptions_page(
    db_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INVGOV_ADMIN_PASSWORD", "admin-password-1")
    get_settings.cache_clear()
    assert main(["init"]) == 0  # idempotent on the migrated database; creates the admin
    reports = pipeline.import_paths([FIXTURES / "canonical"], "canonical")
    assert [r.status for r in reports] == ["committed"] * 6
    capsys.readouterr()
    assert main(["detect", "--as-of", "2026-01-21T09:30:00Z"]) == 0
    assert "problems found" in capsys.readouterr().out
    with read_session(get_engine(db_url)) as session:
        found = session.execute(select(ExceptionRow.type, ExceptionRow.entity)).all()
        active = session.execute(select(ExceptionRow.id).where(ExceptionRow.status == "open")).all()
    by_type = sorted(t for t, _e in found)
    # By hand from tests/fixtures/canonical at 2026-01-21T09:30Z: O-1 and O-2 are placed more
    # than 48 h before and never shipped (O-3 is cancelled); R-2 is received 01-16 and not
    # dispositioned after more than 72 h; R-3 (received after its disposition) is quarantined.
    assert by_type.count("stalled_order") == 2
    assert by_type.count("return_lag_breach") == 1
    assert by_type.count("quarantined_rows") == 1
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token("admin")
    at.run()
    at.switch_page("pages/exceptions.py").run()
    assert not at.exception, [e.value for e in at.exception]
    listed = [d.value for d in at.main.dataframe if "reopened" in d.value.columns]
    # the quarantine was found when its import ran (today); judged at 2026-01-21 it had not happened
    assert sum(len(frame) for frame in listed) == len(active) == len(found) - 1


def test_export_parquet_writes_every_entity_as_stored(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import pyarrow.parquet as pq

    pipeline.import_paths([FIXTURES / "canonical"], "canonical")
    assert main(["export", "parquet", str(tmp_path / "lake")]) == 0
    # 3 locations, 3 items, 1 mapping, 3 orders, 4 lines, 2 returns (R-3 is quarantined); 11
    # canonical tables and 4 steward tables metrics read (book systems, field ownership, the
    # planning settings)
    assert capsys.readouterr().out == f"exported 16 rows of 15 tables to {tmp_path / 'lake'}\n"
    orders = pq.read_table(tmp_path / "lake" / "orders").to_pylist()
    o1 = next(o for o in orders if o["order_id"] == "O-1")
    assert o1["placed_at"] == 1_768_039_200  # 2026-01-10T10:00:00Z in epoch seconds
    items = {i["sku"]: i for i in pq.read_table(tmp_path / "lake" / "items").to_pylist()}
    assert str(items["TEE-BLK-M"]["unit_cost"]) == "12.5000"  # decimal(14,4), exact
    assert items["TEE-BLK-M"]["attributes"] == '{"color": "black"}'  # JSON text
    empty = pq.read_table(tmp_path / "lake" / "shipments")
    assert (empty.num_rows, "shipped_at" in empty.column_names) == (0, True)

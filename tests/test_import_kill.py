"""A kill mid-import leaves the database exactly as before that file, and readers are never blocked."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, func, select, text

import pipeline
from core.engines import EngineKind, kind_of_url
from core.schema import ImportRun, OrderLine
from core.status import entity_counts
from tests.conftest import FIXTURES, PROJECT_ROOT

LINES = 400_000


def _large_order_lines(path: Path) -> None:
    with path.open("w") as handle:
        handle.write("order_id,line_id,sku,quantity,allocated_location_id\n")
        for i in range(LINES):
            handle.write(f"BIG-{i // 3},{i % 3},SKU-{i % 997},{1 + i % 4},DC-01\n")


def _writing_started(engine: Engine, db_url: str) -> Callable[[], bool]:
    """A probe that turns true once the importer holds its write transaction and is inserting
    (on PostgreSQL: inside a COPY of the bulk-load path)."""
    if kind_of_url(engine.url) is EngineKind.SQLITE:
        wal = Path(engine.url.database + "-wal")
        return lambda: wal.exists() and wal.stat().st_size > 2_000_000
    watcher = create_engine(db_url)

    def active() -> bool:
        with watcher.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE state = 'active' "
                "AND query ILIKE 'COPY order_lines%'"
            )).scalar())  # fmt: skip

    return active


@pytest.mark.slow
def test_sigkill_mid_import_leaves_the_database_as_before(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    pipeline.import_paths([FIXTURES / "canonical"], "canonical")
    before = entity_counts(engine)
    with engine.connect() as conn:
        runs_before = conn.execute(select(func.count()).select_from(ImportRun)).scalar_one()
    big = tmp_path / "order_lines.csv"
    _large_order_lines(big)

    env = {**os.environ, "INVGOV_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "import", "canonical", str(big)],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    probe = _writing_started(engine, db_url)
    deadline = time.monotonic() + 120
    while not probe():
        assert proc.poll() is None, "the import finished before it could be killed"
        assert time.monotonic() < deadline, "the import never started writing"
        time.sleep(0.02)

    # While the importer holds the write lock, a reader that refuses to wait still reads.
    no_wait = {"timeout": 0} if kind_of_url(engine.url) is EngineKind.SQLITE else {}
    reader = create_engine(db_url, connect_args=no_wait)
    with reader.connect() as conn:
        lines_seen = conn.execute(select(func.count()).select_from(OrderLine)).scalar_one()
    assert lines_seen == before["order_lines"]
    reader.dispose()

    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert entity_counts(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportRun)).scalar_one() == runs_before

    # The same file imports completely afterwards.
    report = pipeline.import_file(big, "canonical")
    assert report.ok and report.inserted == LINES
    assert entity_counts(engine)["order_lines"] == LINES + before["order_lines"]

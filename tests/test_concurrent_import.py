"""An import run while detection writes 100,000 exceptions on a 200,000-order database succeeds (SQLite).

Detection writes in short batches, so a second importer that waits at most 3 s for the write lock
and never retries gets it between two batches. With one long detection transaction, as before,
it failed with "database is locked".
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from core.timeutil import iso_z, utcnow
from tests.conftest import PROJECT_ROOT

DEMO_ORDERS = 200_000
STALLED = 100_000


def _manage(url: str, *args: str, **env: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_ROOT, env={**os.environ, "INVGOV_DATABASE_URL": url, **env},
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo brand at 200,000 orders, loaded once through the real commands."""
    path = tmp_path_factory.mktemp("demo200k") / "invgov.db"
    url = f"sqlite:///{path}"
    for args in (("init",), ("demo", "--orders", str(DEMO_ORDERS))):
        proc = _manage(url, *args)
        _out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    return path


def _stalled_orders(folder: Path) -> None:
    """STALLED orders placed three days ago with a line each and no shipment: all stalled."""
    folder.mkdir()
    placed = iso_z(utcnow() - timedelta(days=3))
    with (
        (folder / "orders.csv").open("w") as orders,
        (folder / "order_lines.csv").open("w") as lines,
    ):
        orders.write("order_id,channel,placed_at\n")
        lines.write("order_id,line_id,sku,quantity,allocated_location_id\n")
        for i in range(STALLED):
            orders.write(f"STALL-{i:06d},shopify,{placed}\n")
            lines.write(f"STALL-{i:06d},1,NO-SUCH-SKU,1,DC-01\n")


def _one(path: Path, sql: str) -> int:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=30)
    try:
        return int(conn.execute(sql).fetchone()[0])
    finally:
        conn.close()


STALLED_EXCEPTIONS = "SELECT count(*) FROM exceptions WHERE type = 'stalled_order'"
SECOND_IMPORT_DONE = "SELECT count(*) FROM import_runs WHERE file_name = 'locations.csv'"


@pytest.mark.slow
def test_an_import_during_detection_succeeds(demo_database: Path, tmp_path: Path) -> None:
    db = tmp_path / "invgov.db"
    db.write_bytes(demo_database.read_bytes())
    url = f"sqlite:///{db}"
    stalled_before = _one(db, STALLED_EXCEPTIONS)
    _stalled_orders(tmp_path / "stalled")
    small = tmp_path / "small"
    small.mkdir()
    (small / "locations.csv").write_text("location_id,name,type\nPOPUP-1,Pop-up store,store\n")

    first = _manage(url, "import", "canonical", str(tmp_path / "stalled"), "--yes")
    deadline = time.monotonic() + 300
    while _one(db, STALLED_EXCEPTIONS) <= stalled_before:  # the first batches are committed
        assert first.poll() is None, first.communicate()[1]
        assert time.monotonic() < deadline, "detection never started writing"
        time.sleep(0.05)

    # The second importer waits at most 3 s for the lock and does not retry.
    second = _manage(url, "import", "canonical", str(small / "locations.csv"), "--yes",
                     INVGOV_SQLITE_BUSY_TIMEOUT_MS="3000", INVGOV_WRITE_LOCK_RETRIES="0")  # fmt: skip
    seen_when_committed = None
    while second.poll() is None:
        if seen_when_committed is None and _one(db, SECOND_IMPORT_DONE):
            seen_when_committed = _one(db, STALLED_EXCEPTIONS)
        time.sleep(0.02)
    out, err = second.communicate()
    assert second.returncode == 0, err
    assert "locations.csv: canonical as erp: read 1, inserted 1" in out

    _first_out, first_err = first.communicate(timeout=600)
    assert first.returncode == 0, first_err
    total = _one(db, STALLED_EXCEPTIONS)
    distinct = _one(db, "SELECT count(DISTINCT fingerprint) FROM exceptions WHERE type = 'stalled_order'")  # fmt: skip
    assert total == distinct >= STALLED
    # The second import committed while the first run's detection was still writing.
    assert seen_when_committed is not None and seen_when_committed < STALLED

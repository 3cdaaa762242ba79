"""Short write locks: a waiting writer retries with a notice, detection writes in resumable batches."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, func, select

import pipeline
from core.db import get_engine, watch_write_locks, write_session
from core.schema import AuditEntry, ExceptionRecord
from core.settings import get_settings
from core.timeutil import iso_z, utcnow
from governance import detection
from governance.accounts import create_first_admin
from tests.connectors_support import all_counts
from ui import import_jobs

STALLED = 2_500  # 2.5 detection batches of stalled orders


def _use(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(f"INVGOV_{name.upper()}", value)
    get_settings.cache_clear()


def _hold_lock(path: str, seconds: float, started: threading.Event) -> threading.Thread:
    """Another process's writer: holds SQLite's write lock for `seconds`."""

    def hold() -> None:
        conn = sqlite3.connect(path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        conn.execute("COMMIT")
        conn.close()

    thread = threading.Thread(target=hold, daemon=True)
    thread.start()
    started.wait(5)
    return thread


def _locations(tmp_path: Path) -> Path:
    path = tmp_path / "locations.csv"
    path.write_text("location_id,type\nS-1,store\n")
    return path


def test_a_writer_that_finds_the_lock_taken_waits_and_says_so(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_busy_timeout_ms="200", write_lock_retries="30")
    phases: list[str] = []
    holder = _hold_lock(sqlite_url.removeprefix("sqlite:///"), 1.0, threading.Event())
    report = pipeline.import_file(
        _locations(tmp_path), "canonical", progress=lambda phase, _d, _t: phases.append(phase)
    )
    holder.join()
    assert report.ok and report.inserted == 1
    assert phases.count(pipeline.WAITING) >= 2  # waited about 1 s in 0.2 s turns


def test_a_writer_that_waits_too_long_is_refused_in_plain_words(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_busy_timeout_ms="200", write_lock_retries="2")
    holder = _hold_lock(sqlite_url.removeprefix("sqlite:///"), 2.0, threading.Event())
    report = pipeline.import_file(_locations(tmp_path), "canonical")
    holder.join()
    assert not report.ok
    assert report.reason is not None
    assert report.reason.startswith("another import or detection kept the database busy for ")
    assert report.reason.endswith(" s; nothing was written: try again when it has finished")
    assert "sqlite3" not in report.reason and "locked" not in report.reason
    assert sum(all_counts(get_engine(sqlite_url)).values()) == 0


def _stalled_orders(tmp_path: Path) -> Path:
    """STALLED orders placed three days ago, each with a line and no shipment."""
    folder = tmp_path / "stalled"
    folder.mkdir()
    placed = iso_z(utcnow() - timedelta(days=3))
    (folder / "orders.csv").write_text(
        "order_id,channel,placed_at\n"
        + "".join(f"O-{i:05d},shopify,{placed}\n" for i in range(STALLED))
    )
    (folder / "order_lines.csv").write_text(
        "order_id,line_id,sku,quantity,allocated_location_id\n"
        + "".join(f"O-{i:05d},1,A,1,DC\n" for i in range(STALLED))
    )
    return folder


def _exceptions(engine: Engine) -> tuple[int, int, int]:
    """Stalled-order exceptions, all "opened" audit rows, and detection.run rows."""
    with engine.connect() as conn:
        stalled = conn.execute(
            select(func.count()).where(ExceptionRecord.type == "stalled_order")
        ).scalar_one()
        opened = conn.execute(
            select(func.count()).where(AuditEntry.action == "exception.detect")
        ).scalar_one()
        runs = conn.execute(
            select(func.count()).where(AuditEntry.action == "detection.run")
        ).scalar_one()
    return stalled, opened, runs


def test_detection_writes_in_batches_and_a_later_run_completes_an_interrupted_one(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert all(r.ok for r in pipeline.import_paths([_stalled_orders(tmp_path)], "canonical"))
    assert _exceptions(engine)[0] == STALLED  # detected after the import
    with engine.begin() as conn:  # start again from no exceptions at all
        conn.execute(delete(ExceptionRecord))
        conn.execute(delete(AuditEntry))

    calls = {"n": 0}
    real = detection.reconcile_batch

    def interrupted(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # a person pressing Ctrl-C after the first batch
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(detection, "reconcile_batch", interrupted)
    with pytest.raises(KeyboardInterrupt):
        detection.detect(engine)
    # The first batch (the first 1,000 stalled orders found) is committed, and consistent:
    # every exception it opened has its audit row; the run itself is not recorded yet.
    assert _exceptions(engine) == (detection.BATCH, detection.BATCH, 0)

    monkeypatch.setattr(detection, "reconcile_batch", real)
    with watch_write_locks() as holds:
        report = detection.detect(engine)
    assert report.found["stalled_order"] == STALLED
    stalled_opened = report.impact.count("opened", "stalled_order")
    assert stalled_opened == STALLED - detection.BATCH and report.seen == detection.BATCH
    others = report.opened - stalled_opened  # other rules' findings (e.g. a planning rule)
    # every exception opened has its audit row: the first batch's, then this run's
    assert _exceptions(engine) == (STALLED, detection.BATCH + report.opened, 1)
    assert others >= 0
    # 3 batches of stalled orders (1,000 + 1,000 + 500), one per other rule with findings, and
    # the run record: many short transactions, not one long one.
    assert holds.count >= 4
    assert detection.detect(engine).opened == 0


def test_the_apps_import_job_says_another_import_is_running_while_it_waits(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, sqlite_busy_timeout_ms="200", write_lock_retries="50")
    engine = get_engine(sqlite_url)
    with write_session(engine) as session:
        admin = create_first_admin(session=session, name="ada", password="a long password 1")
    released = threading.Event()
    started = threading.Event()

    def hold() -> None:  # another process's import holding the write lock until released
        conn = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        started.set()
        released.wait(20)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold, daemon=True)
    holder.start()
    started.wait(5)
    job = import_jobs.start_import(admin, [_locations(tmp_path)], "canonical", engine=engine)
    texts: set[str] = set()
    deadline = time.monotonic() + 20
    while "another import is running" not in " ".join(texts) and time.monotonic() < deadline:
        status = import_jobs.job_status(job)
        assert status is not None and not status.finished
        texts.add(status.text)
        time.sleep(0.02)
    released.set()
    holder.join()
    assert "File 1 of 1: another import is running: waiting for it to finish" in texts
    done = import_jobs.wait_for(job, timeout=30)
    assert done.state == "done" and done.reports[0].ok and done.error is None

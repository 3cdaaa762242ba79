"""The worker as a process: a dropped file is imported and detection runs; SIGTERM stops it cleanly."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cadence import folders
from cadence.folders import FolderSpec
from cadence.lease import leases
from cadence.worker import due
from core.db import read_session, write_session
from core.schema import AuditEntry, ImportRun
from core.timeutil import parse_iso
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.governance_support import make_people

TIMEOUT = 45


def _wait(what: str, check: Callable[[], bool], proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if check():
            return
        assert proc.poll() is None, f"the worker exited early ({proc.returncode})"
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _imported(engine: Engine) -> list[str]:
    with read_session(engine) as session:
        return list(session.scalars(select(ImportRun.file_name)))


def _detected_after_import(engine: Engine) -> bool:
    with read_session(engine) as session:
        details = session.scalars(
            select(AuditEntry.detail).where(AuditEntry.action == "detection.run")
        ).all()
    return any((d or "").startswith("after import run") for d in details)


def test_the_worker_imports_a_dropped_file_runs_detection_and_stops_on_sigterm(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    people = make_people(engine)
    drop = tmp_path / "drop"
    drop.mkdir()
    with write_session(engine) as session:
        folders.add_folder(session=session, actor=people["steward1"], spec=FolderSpec(str(drop)))
    env = {**os.environ, "INVGOV_DATABASE_URL": db_url, "INVGOV_WATCH_POLL_SECONDS": "0.3",
           "INVGOV_WATCH_SETTLE_SECONDS": "0.2", "INVGOV_WORKER_USER": "steward1"}  # fmt: skip
    log = (tmp_path / "worker.log").open("w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "manage.py", "worker"], cwd=PROJECT_ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        _wait(
            "the worker to start", lambda: "started" in (tmp_path / "worker.log").read_text(), proc
        )
        shutil.copy(FIXTURES / "canonical" / "locations.csv", drop / "locations.csv")
        _wait("the import", lambda: _imported(engine) == ["locations.csv"], proc)
        _wait("detection after the import", lambda: _detected_after_import(engine), proc)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    text = (tmp_path / "worker.log").read_text(encoding="utf-8")
    assert "SIGTERM received, stopping" in text and "stopped cleanly" in text
    assert "job watch ok in" in text and "1 imported" in text
    assert "Traceback" not in text, text
    assert [p.name.split("-", 1)[1] for p in sorted((drop / "done").iterdir())] == [
        "locations.csv", "locations.csv.report.txt"
    ]  # fmt: skip
    states = {s.job: s for s in leases(engine)}
    assert states["watch"].holder is None and states["watch"].outcome == "ok"
    assert states["review"].outcome == "ok"  # opened (or not the meeting day yet), as steward1


@pytest.mark.parametrize(
    ("now", "weekday", "hour", "zone", "expected"),
    [
        ("2026-11-30T06:59:00Z", "mon", 7, "UTC", False),  # Monday, a minute early
        ("2026-11-30T07:00:00Z", "mon", 7, "UTC", True),
        ("2026-12-03T01:00:00Z", "mon", 7, "UTC", True),  # Thursday: a late worker catches up
        ("2026-11-30T07:30:00Z", "tue", 9, "UTC", False),
        ("2026-11-30T12:30:00Z", "mon", 8, "America/New_York", False),  # 07:30 EST
        ("2026-11-30T13:30:00Z", "mon", 8, "America/New_York", True),
        ("2026-11-30T12:30:00Z", "mon", 8, "Asia/Tokyo", True),  # 21:30 there
        ("2026-11-30T12:30:00Z", "tue", 8, "Asia/Tokyo", False),
    ],
)
def test_due_moments(now: str, weekday: str, hour: int, zone: str, expected: bool) -> None:
    assert due(parse_iso(now), weekday, hour, zone) is expected

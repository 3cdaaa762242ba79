"""A large refresh on SQLite computes outside the write lock and holds it only to copy results in.

The scenario of test_metrics_aggregates is imported with the threshold at zero, so every import's
refresh takes the path: the aggregates must equal raw rows and a full rebuild under the lock; a
writer must get the lock while the computation runs; a commit by another writer meanwhile, or a
write outside the copies, must leave the database untouched and say so; no pooled connection may
keep the TEMP copies.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

import pipeline
from core import outside_lock
from core.db import get_engine, watch_write_locks, write_session
from core.schema import Location, MetricState, MetricWeek
from core.timeutil import utcnow
from metrics.refresh import REFRESHED_TABLES, rebuild
from tests.test_metrics_aggregates import Scenario, assert_current, stored_tables
from tests.test_metrics_common import load

ENTITIES = ("locations", "items", "bundle_components", "sku_mappings", "stock_levels", "cycle_counts", "orders", "order_lines", "shipments", "returns", "integration_events")  # fmt: skip


@pytest.fixture
def always_outside(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Every import's refresh, however small, computed outside the lock; whether each was copied
    in (False: it fell back to the lock)."""
    monkeypatch.setattr(pipeline.steps, "OUTSIDE_LOCK_FROM", 0)
    outcomes: list[bool] = []
    run = outside_lock.run_outside_lock

    def spied(*args: Any, **kwargs: Any) -> tuple[bool, Any]:
        done, result = run(*args, **kwargs)
        outcomes.append(done)
        return done, result

    monkeypatch.setattr(outside_lock, "run_outside_lock", spied)
    return outcomes


@pytest.fixture
def loaded(sqlite_url: str, tmp_path: Path, always_outside: list[bool]) -> Iterator[Scenario]:
    """The scenario's first drop imported entity by entity, each refresh outside the lock."""
    built = Scenario(11, utcnow())
    built.build()
    with watch_write_locks() as holds:
        for name in ENTITIES:
            load(sqlite_url, tmp_path / f"first-{name}", **built.tables(name))
            assert_current(get_engine(sqlite_url))
    assert holds.longest_by_purpose.get("refresh") is not None
    assert always_outside == [True] * len(ENTITIES)
    yield built


def _weeks(engine: Engine) -> list[tuple[object, ...]]:
    table = MetricWeek.__table__
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(select(table)))


def test_refreshes_outside_the_lock_equal_raw_rows_and_a_rebuild(
    sqlite_url: str, tmp_path: Path, loaded: Scenario, always_outside: list[bool]
) -> None:
    engine = get_engine(sqlite_url)
    loaded.change()
    for name in ("orders", "shipments", "order_lines", "items", "returns", "stock_levels"):
        load(sqlite_url, tmp_path / f"change-{name}", **loaded.tables(name))
        assert_current(engine)
    assert always_outside == [True] * (len(ENTITIES) + 6)
    incremental = stored_tables(engine)
    as_of = assert_current(engine)
    with write_session(engine) as session:
        rebuild(session, now=as_of)
    assert stored_tables(engine) == incremental
    with engine.connect() as conn:  # the copies went with their connection
        temp = conn.exec_driver_sql("SELECT count(*) FROM temp.sqlite_master").scalar_one()
    assert temp == 0


def test_another_writer_gets_the_lock_while_the_refresh_computes(
    sqlite_url: str, loaded: Scenario
) -> None:
    engine = get_engine(sqlite_url)
    path = engine.url.database
    took_lock: list[bool] = []

    def work(session: Session) -> int:
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # fails at once if the lock were held
            other.execute("ROLLBACK")
            took_lock.append(True)
        finally:
            other.close()
        session.execute(text("UPDATE metric_weeks SET n = n + 1"))
        return 1

    before = _weeks(engine)
    done, result = outside_lock.run_outside_lock(engine, REFRESHED_TABLES, work, "refresh")
    assert took_lock == [True] and done and result == 1
    after = _weeks(engine)
    assert len(after) == len(before) > 0
    n_column = list(MetricWeek.__table__.c.keys()).index("n")
    assert [r[n_column] for r in after] == [r[n_column] + 1 for r in before]


def test_a_commit_by_another_writer_meanwhile_leaves_everything_as_it_was(
    sqlite_url: str, loaded: Scenario
) -> None:
    engine = get_engine(sqlite_url)

    def work(session: Session) -> None:
        session.execute(text("DELETE FROM metric_weeks"))
        with write_session(engine) as other:  # another writer commits during the computation
            other.add(Location(location_id="LATE", type="store", channel="pos"))

    before = _weeks(engine)
    done, result = outside_lock.run_outside_lock(engine, REFRESHED_TABLES, work, "refresh")
    assert (done, result) == (False, None)
    assert _weeks(engine) == before  # the stale computation was not copied in
    with engine.connect() as conn:
        assert conn.execute(select(Location.location_id).where(Location.location_id == "LATE")).first()  # fmt: skip


def test_a_write_outside_the_copies_is_refused_and_nothing_is_written(
    sqlite_url: str, loaded: Scenario
) -> None:
    engine = get_engine(sqlite_url)

    def work(session: Session) -> None:
        session.execute(text("DELETE FROM metric_weeks"))
        session.execute(text("DELETE FROM locations"))  # not among the copies

    before = _weeks(engine)
    with engine.connect() as conn:
        locations = conn.execute(select(Location.location_id)).scalars().all()
    done, _ = outside_lock.run_outside_lock(engine, REFRESHED_TABLES, work, "refresh")
    assert not done
    assert _weeks(engine) == before
    with engine.connect() as conn:
        assert conn.execute(select(Location.location_id)).scalars().all() == locations
        assert conn.execute(select(MetricState.__table__.c.id)).first() is not None

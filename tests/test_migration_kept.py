"""The Migration page's slow readings kept after detection, and used only while they still hold.

On the five hand-made days of migration_support (snapshots at 06:00 and 07:00 each day): readings
kept at noon on the last day answer later instants of that day exactly as a fresh computation
does, and stop answering after an import, an undo-like audited data change, an event in between,
or on another day. A doctored kept payload shows which path answered.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert, select, update

from core.db import get_engine, write_session
from core.schema import AuditEntry, KeptReading, StockLevel
from governance import migration
from governance.detection import detect
from metrics.kept import recall
from metrics.migration_facts import EdgeCases, edge_cases
from metrics.migration_kept import EDGE_CASES, comparison, edge_cases_at, keep_readings, run_name
from metrics.parallel_model import Tally
from metrics.parallel_run import compare
from tests.governance_support import make_people
from tests.migration_support import D5, EXPECTED_DAYS, SCOPE, STOCK_HEADER, two_wms
from tests.test_metrics_common import load

__all__ = ["two_wms"]  # the fixture

NOON = datetime(2026, 3, 6, 12, tzinfo=UTC)  # D5, after its 06:00 and 07:00 snapshots
EVENING = datetime(2026, 3, 6, 18, tzinfo=UTC)
NEXT_DAY = datetime(2026, 3, 7, 0, 30, tzinfo=UTC)  # before the 01:00 row of the next day
DOCTORED = [["2026-03-06", "DC1", "sellable", 99, 98, 1, 97, 96]]


def _doctor(url: str) -> None:
    """Replace the kept comparison's cells with one unmistakable cell."""
    kept = KeptReading.__table__
    with write_session(get_engine(url)) as session:
        payload = session.execute(
            select(kept.c.payload).where(kept.c.name == run_name(SCOPE))
        ).scalar_one()
        doctored = {**payload, "cells": DOCTORED}
        session.execute(update(kept).where(kept.c.name == run_name(SCOPE)).values(payload=doctored))


def _audit(url: str, object_type: str) -> None:
    with write_session(get_engine(url)) as session:
        session.execute(
            insert(AuditEntry.__table__).values(
                at=EVENING, actor="sam", action="update", object_type=object_type, object_id="1"
            )
        )


def _recalled(url: str, at: datetime) -> bool:
    with get_engine(url).connect() as conn:
        return recall(conn, run_name(SCOPE), at) is not None


def test_kept_readings_answer_a_later_instant_of_the_day_as_a_fresh_computation(
    two_wms: str,
) -> None:
    engine = get_engine(two_wms)
    assert keep_readings(engine, [SCOPE], NOON)
    with engine.connect() as conn:
        kept, fresh = comparison(conn, SCOPE, EVENING), compare(conn, SCOPE, EVENING)
        assert recall(conn, run_name(SCOPE), EVENING) is not None
        assert kept == fresh
        assert kept.as_of == EVENING and not kept.complete(D5)
        assert kept.total(D5) == EXPECTED_DAYS[D5]  # worked by hand in migration_support
        assert edge_cases_at(conn, EVENING) == edge_cases(conn, EVENING)
    _doctor(two_wms)
    with engine.connect() as conn:
        assert comparison(conn, SCOPE, EVENING).total(D5) == Tally(99, 98, 1, 97, 96)


def test_an_import_an_audited_data_change_an_event_between_or_another_day_end_them(
    two_wms: str, tmp_path: Path
) -> None:
    engine = get_engine(two_wms)
    keep_readings(engine, [SCOPE], NOON)
    assert _recalled(two_wms, EVENING)
    assert not _recalled(two_wms, NEXT_DAY)  # another UTC day
    assert not _recalled(two_wms, datetime(2026, 3, 6, 11, tzinfo=UTC))  # before it was read
    _audit(two_wms, "exception")  # governance's own record: the data is unchanged
    assert _recalled(two_wms, EVENING)
    _audit(two_wms, "item")  # a steward's item edit: items may have changed
    assert not _recalled(two_wms, EVENING)

    keep_readings(engine, [SCOPE], NOON)
    with write_session(engine) as session:  # a row stamped between noon and evening, no import
        session.execute(
            insert(StockLevel.__table__).values(
                as_of=datetime(2026, 3, 6, 15, tzinfo=UTC), system="wms2", location_id="DC1",
                system_sku="SKU-D", status="sellable", quantity=3,
            )
        )  # fmt: skip
    assert _recalled(two_wms, datetime(2026, 3, 6, 14, tzinfo=UTC))
    assert not _recalled(two_wms, EVENING)

    keep_readings(engine, [SCOPE], NOON)
    _doctor(two_wms)
    row = ("2026-03-06T05:00:00Z", "wms2", "DC1", "SKU-D", "sellable", 1)  # stamped before noon
    load(two_wms, tmp_path / "more", stock_levels=(STOCK_HEADER, [row]))
    with engine.connect() as conn:
        assert recall(conn, run_name(SCOPE), EVENING) is None
        assert comparison(conn, SCOPE, EVENING) == compare(conn, SCOPE, EVENING)
        assert comparison(conn, SCOPE, EVENING).total(D5) != Tally(99, 98, 1, 97, 96)


def test_kept_edge_cases_are_the_ones_answered(two_wms: str) -> None:
    engine = get_engine(two_wms)
    keep_readings(engine, [], NOON)
    kept = KeptReading.__table__
    doctored = EdgeCases(5, 6, 7, 8, 9, 10)
    with write_session(engine) as session:
        session.execute(
            update(kept).where(kept.c.name == EDGE_CASES).values(payload=doctored.__dict__)
        )
    with engine.connect() as conn:
        assert edge_cases_at(conn, EVENING) == doctored
        assert edge_cases_at(conn, NEXT_DAY) == edge_cases(conn, NEXT_DAY)
        assert doctored != edge_cases(conn, EVENING)


def test_detection_keeps_every_open_migrations_comparison(two_wms: str) -> None:
    engine = get_engine(two_wms)
    steward = make_people(engine)["steward1"]
    with write_session(engine) as session:
        migration.open_migration(session=session, actor=steward, old=SCOPE.old, new=SCOPE.new,
                                 start=SCOPE.start)  # fmt: skip
    kept = KeptReading.__table__
    with engine.connect() as conn:
        assert list(conn.execute(select(kept.c.name))) == []  # no migration when it was imported
    detect(engine)
    with engine.connect() as conn:
        names = set(conn.execute(select(kept.c.name)).scalars())
    assert names == {EDGE_CASES, run_name(SCOPE)}

"""The parallel run's daily comparison on five hand-made days of an old and a new WMS (migration_support)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from core.db import get_engine
from metrics.model import make_context
from metrics.parallel_model import Pair, Scope, Tally
from metrics.parallel_run import compare, first_day, pairs_of_day
from metrics.stock import latest_sellable
from tests.migration_support import D1, D2, D3, D4, DAYS, END, EXPECTED_DAYS, SCOPE, two_wms

__all__ = ["two_wms"]  # the fixture


def test_five_days_give_the_hand_worked_daily_rows(two_wms: str) -> None:
    with get_engine(two_wms).connect() as conn:
        comparison = compare(conn, SCOPE, END)
    assert comparison.days == tuple(DAYS)
    assert {day: comparison.total(day) for day in DAYS} == EXPECTED_DAYS
    assert [round(comparison.total(d).match_rate or 0, 4) for d in DAYS] == [
        round(1 / 6, 4), round(2 / 6, 4), round(2 / 7, 4), round(5 / 7, 4), round(6 / 7, 4)
    ]  # fmt: skip
    assert all(comparison.complete(day) for day in DAYS)


def test_by_location_and_by_status(two_wms: str) -> None:
    with get_engine(two_wms).connect() as conn:
        comparison = compare(conn, SCOPE, END)
    # D1 by location: DC1 has A, B, Cq, Cd, D (B equal; 1 + 4 + 4 + 3 units); DC2 only old's A 5.
    assert comparison.by_location(D1) == {
        "DC1": Tally(5, 1, 12, 4, 3),
        "DC2": Tally(1, 0, 5, 1, 0),
    }
    # D1 by status: sellable A, B, D at DC1 and A at DC2 (1 + 3 + 5 units); one pair of each other.
    assert comparison.by_status(D1) == {
        "damaged": Tally(1, 0, 4, 0, 1),
        "quarantined": Tally(1, 0, 4, 1, 0),
        "sellable": Tally(4, 1, 9, 4, 2),
    }
    # D4: the status mapping fixed; damaged 0 on the new side only, against no old row: equal.
    assert comparison.by_status(D4)["damaged"] == Tally(1, 1, 0, 0, 1)


def test_differing_pairs_of_a_day_largest_first(two_wms: str) -> None:
    with get_engine(two_wms).connect() as conn:
        pairs = pairs_of_day(conn, SCOPE, END, D3)
    assert pairs == [
        Pair(D3, "DC2", "SKU-A", "sellable", 5, 0, True, False),
        Pair(D3, "DC1", "SKU-C", "damaged", 0, 4, False, True),
        Pair(D3, "DC1", "SKU-C", "quarantined", 4, 0, True, False),
        Pair(D3, "DC1", "SKU-D", "sellable", 3, 0, True, False),
        Pair(D3, "DC1", "SKU-A", "sellable", 12, 10, True, True),  # the new side carried from D2
    ]


def test_sellable_pairs_equal_the_stock_comparisons_latest_rule_at_each_days_end(
    two_wms: str,
) -> None:
    # An independent path: metrics.stock's sellable latest-snapshot CTE evaluated at each day's end.
    with get_engine(two_wms).connect() as conn:
        for day in DAYS:
            end = datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)
            latest = latest_sellable(make_context(end))
            rows = conn.execute(latest.select()).all()
            by_side = {(r.system, r.location_id, r.sku): r.qty for r in rows}
            expected = {
                (loc, sku): (by_side.get(("wms", loc, sku), 0), by_side.get(("wms2", loc, sku), 0))
                for (system, loc, sku) in by_side
                if system in ("wms", "wms2")
            }
            pairs = pairs_of_day(conn, SCOPE, END, day, differing_only=False)
            found = {(p.location, p.sku): (p.old_qty, p.new_qty) for p in pairs
                     if p.status == "sellable"}  # fmt: skip
            assert found == expected, day


def test_a_day_appears_once_both_systems_have_a_snapshot(two_wms: str) -> None:
    late_start = Scope("wms", "wms2", date(2026, 2, 20))  # before any row: the first day is D1
    with get_engine(two_wms).connect() as conn:
        assert first_day(conn, late_start, END) == D1
        assert first_day(conn, Scope("wms", "nosuch", D1), END) is None
        assert compare(conn, Scope("wms", "nosuch", D1), END).days == ()
        only_dc2 = compare(conn, Scope("wms", "wms2", D1, ("DC2",)), END)
    assert only_dc2.days == ()  # the new WMS never had a row at DC2


def test_the_current_day_is_judged_at_as_of_and_later_rows_wait(two_wms: str) -> None:
    # As of 06:30 on D4: old's D4 snapshot (06:00) counts, new's (07:00) not yet.
    as_of = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)
    with get_engine(two_wms).connect() as conn:
        comparison = compare(conn, SCOPE, as_of)
        pairs = {p.key: (p.old_qty, p.new_qty) for p in pairs_of_day(conn, SCOPE, as_of, D4)}
    assert comparison.days == (D1, D2, D3, D4)
    assert not comparison.complete(D4) and comparison.complete(D3)
    # D4 so far: old D4 (same values as D3) against new carried from D2: as D3.
    assert comparison.total(D4) == EXPECTED_DAYS[D3]
    assert pairs[("DC1", "SKU-A", "sellable")] == (12, 10)

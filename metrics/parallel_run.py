"""The parallel run of a migration: per UTC day, an old and a new system's stock per (location, sku, status).

For each day from the migration's first day to the day of as_of, each system counts with its newest
snapshot at or before the day's end (as_of for the current day), by SPEC section 3's resolution and
latest-snapshot rules (metrics.stock): a system SKU resolves through sku_mappings, else to an item
created by the day's end; per (system, location, sku, status) the newest as_of among the rows
resolving to that sku counts, its rows summed, so a SKU missing from a newer snapshot keeps its
older value. Every status counts, not only sellable. The pairs are the union of both sides, a
missing side counting 0: a location only one system holds stock at gives pairs that differ. A day
appears once both systems have a stock row (in the migrated locations) at or before its end.

Each system SKU's snapshots are first carried to the days they are the newest of (an as_of-join on
day numbers), then resolved at each day's end and reduced by `newest_summed`; this equals applying
the rules afresh at each day's end, without joining every day to the whole history.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Subquery,
    and_,
    case,
    cast,
    func,
    or_,
    select,
)

from core.schema import Location, StockLevel
from core.timeutil import SECONDS_PER_DAY, to_epoch
from metrics.parallel_model import Cell, Comparison, Pair, Scope, Tally, day_number, day_of
from metrics.sql import epoch, flag, happened, integer_sum, number
from metrics.stock import newest_rows, resolve_by


def _day(column: ColumnElement[Any]) -> ColumnElement[int]:
    return epoch(column) // number(SECONDS_PER_DAY)


def _in_scope(scope: Scope, now: int) -> list[ColumnElement[bool]]:
    stock = StockLevel.__table__
    conditions = [stock.c.system.in_([scope.old, scope.new]), happened(stock.c.as_of, now)]
    if scope.locations:
        conditions.append(stock.c.location_id.in_(sorted(scope.locations)))
    return conditions


def first_day(conn: Connection, scope: Scope, as_of: datetime) -> date | None:
    """The first day both systems have a stock row by its end (not before the scope's start)."""
    stock = StockLevel.__table__
    firsts = conn.execute(
        select(stock.c.system, func.min(epoch(stock.c.as_of)))
        .where(*_in_scope(scope, to_epoch(as_of)))
        .group_by(stock.c.system)
    ).all()
    if len(firsts) < 2:
        return None
    both = max(int(seconds) for _system, seconds in firsts) // SECONDS_PER_DAY
    return max(scope.start, day_of(both))


def _days(first: int, last: int) -> Any:
    """A recursive CTE of the day numbers first..last (the same SQL on SQLite and PostgreSQL)."""
    start = select(cast(number(first), BigInteger).label("day")).cte("days", recursive=True)
    following = select(cast(start.c.day + number(1), BigInteger).label("day")).where(
        start.c.day < number(last)
    )
    return start.union_all(following)


def _snapshots(scope: Scope, now: int, first: int) -> Subquery:
    """Stock rows in scope with the as_of (epoch) of the next snapshot of the same system SKU;
    rows already superseded when the first day ends are left out (they count on no day)."""
    stock = StockLevel.__table__
    series = (stock.c.system, stock.c.location_id, stock.c.system_sku, stock.c.status)
    following = func.lead(epoch(stock.c.as_of), type_=BigInteger).over(
        partition_by=series, order_by=stock.c.as_of
    )
    windowed = (
        select(*series, stock.c.as_of, stock.c.quantity, following.label("next_as_of"))
        .where(*_in_scope(scope, now))
        .subquery("series")
    )
    first_end = number((first + 1) * SECONDS_PER_DAY)
    return (
        select(windowed)
        .where(or_(windowed.c.next_as_of.is_(None), windowed.c.next_as_of >= first_end))
        .subquery("snapshots")
    )


def _resolved_days(scope: Scope, now: int, first: int, last: int) -> Subquery:
    """Each system SKU's newest snapshot of each day, resolved at the day's end (unresolved left out)."""
    snaps, days = _snapshots(scope, now, first), _days(first, last)
    day_end = days.c.day * number(SECONDS_PER_DAY) + number(SECONDS_PER_DAY - 1)
    cutoff = case((day_end > number(now), number(now)), else_=day_end)
    newest_then = and_(
        _day(snaps.c.as_of) <= days.c.day,
        or_(
            snaps.c.next_as_of.is_(None), snaps.c.next_as_of // number(SECONDS_PER_DAY) > days.c.day
        ),
    )
    carried = (
        select(days.c.day, cutoff.label("cutoff"), snaps)
        .select_from(days.join(snaps, newest_then))
        .subquery("carried")
    )
    joined, sku = resolve_by(carried, carried.c.cutoff)
    return (
        select(
            carried.c.day,
            carried.c.system,
            carried.c.location_id,
            sku.label("sku"),
            carried.c.status,
            carried.c.as_of,
            carried.c.quantity,
        )
        .select_from(joined)
        .where(sku.is_not(None))
        .subquery("resolved_days")
    )


def _pairs(scope: Scope, now: int, first: int, last: int) -> Subquery:
    """Per (day, location, sku, status): old and new quantity (0 when missing), and which side has it.

    The rows counting per (day, system, location, sku, status) are those of its newest as_of
    (metrics.stock's rule); one grouping then sums each side's.
    """
    resolved = _resolved_days(scope, now, first, last)
    counted = newest_rows(resolved, ("day", "system", "location_id", "sku", "status"), "daily")
    keys = (counted.c.day, counted.c.location_id, counted.c.sku, counted.c.status)
    is_old, is_new = counted.c.system == scope.old, counted.c.system == scope.new
    zero = number(0)
    return (
        select(
            *keys,
            integer_sum(case((is_old, counted.c.quantity), else_=zero)).label("old_qty"),
            integer_sum(case((is_new, counted.c.quantity), else_=zero)).label("new_qty"),
            integer_sum(flag(is_old)).label("on_old"),
            integer_sum(flag(is_new)).label("on_new"),
        )
        .group_by(*keys)
        .subquery("pairs")
    )


def compare(conn: Connection, scope: Scope, as_of: datetime) -> Comparison:
    """Every day of the parallel run up to as_of, tallied per (day, location, status) in SQL."""
    first = first_day(conn, scope, as_of)
    now = to_epoch(as_of)
    last = now // SECONDS_PER_DAY
    if first is None or day_number(first) > last:
        return Comparison(scope, as_of, ())
    pairs = _pairs(scope, now, day_number(first), last)
    diff = func.abs(pairs.c.old_qty - pairs.c.new_qty)
    query = (
        select(
            pairs.c.day,
            pairs.c.location_id,
            pairs.c.status,
            func.count().label("compared"),
            integer_sum(flag(pairs.c.old_qty == pairs.c.new_qty)).label("equal"),
            integer_sum(diff).label("units_differing"),
            integer_sum(pairs.c.on_old).label("old_pairs"),
            integer_sum(pairs.c.on_new).label("new_pairs"),
        )
        .group_by(pairs.c.day, pairs.c.location_id, pairs.c.status)
        .order_by(pairs.c.day, pairs.c.location_id, pairs.c.status)
    )
    cells = tuple(
        Cell(
            day_of(row.day),
            row.location_id,
            row.status,
            Tally(row.compared, row.equal, row.units_differing, row.old_pairs, row.new_pairs),
        )
        for row in conn.execute(query)
    )
    days = tuple(day_of(d) for d in range(day_number(first), last + 1))
    return Comparison(scope, as_of, days, cells)


def pairs_of_day(
    conn: Connection, scope: Scope, as_of: datetime, day: date, *, differing_only: bool = True
) -> list[Pair]:
    """The pairs of one day (the differing ones by default), largest difference first."""
    now = min(to_epoch(as_of), day_number(day) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1)
    first = first_day(conn, scope, as_of)
    if first is None or day < first or day_number(day) > to_epoch(as_of) // SECONDS_PER_DAY:
        return []
    pairs = _pairs(scope, now, day_number(day), day_number(day))
    diff = func.abs(pairs.c.old_qty - pairs.c.new_qty)
    query = select(pairs).order_by(diff.desc(), pairs.c.location_id, pairs.c.sku, pairs.c.status)
    if differing_only:
        query = query.where(pairs.c.old_qty != pairs.c.new_qty)
    return [
        Pair(day, r.location_id, r.sku, r.status, r.old_qty, r.new_qty, r.on_old > 0, r.on_new > 0)
        for r in conn.execute(query)
    ]


def locations_seen(conn: Connection, scope: Scope, as_of: datetime) -> list[str]:
    """The locations either system holds stock rows at by as_of (the scope's own, when it names some)."""
    if scope.locations:
        return sorted(scope.locations)
    stock = StockLevel.__table__
    query = (
        select(stock.c.location_id)
        .where(*_in_scope(scope, to_epoch(as_of)))
        .distinct()
        .order_by(stock.c.location_id)
    )
    return list(conn.scalars(query))


def locations_held(conn: Connection, system: str, as_of: datetime) -> list[str]:
    """The locations a system holds stock rows at by as_of."""
    stock = StockLevel.__table__
    query = (
        select(stock.c.location_id)
        .where(stock.c.system == system, happened(stock.c.as_of, to_epoch(as_of)))
        .distinct()
        .order_by(stock.c.location_id)
    )
    return list(conn.scalars(query))


def systems_with_stock(conn: Connection) -> list[str]:
    """Every system with stock rows (the candidates of a migration), sorted."""
    stock = StockLevel.__table__
    return list(conn.scalars(select(stock.c.system).distinct().order_by(stock.c.system)))


def locations_known(conn: Connection) -> list[str]:
    """Every location in locations or in stock rows, sorted."""
    stock, locations = StockLevel.__table__, Location.__table__
    known = set(conn.scalars(select(locations.c.location_id)))
    return sorted(known | set(conn.scalars(select(stock.c.location_id).distinct())))

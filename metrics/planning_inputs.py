"""The inputs of the planning snapshots the aggregates keep: book units and the window's demand days.

Book units (metric_book_units) are the book's sellable units per (location, sku); they change only
with stock, mappings and items, so a refresh recomputes them when it recomputes the stock metrics.
Demand days (metric_demand_days) are the d_k of the safety-stock window ending at the state's
as_of. Moving the state from T to T' less than a day later changes the day of only the orders
placed in (T − j·24 h, T' − j·24 h] for j = 0…W (an edge of a day passes them; j = 0 are the orders
placed in between, j = W those leaving the window); the orders cancelled in (T, T'] and those an
import writes change their part too. Those orders' parts at T are taken out and their parts at T'
put in (an import's orders are looked up at T before it applies its rows, DemandBefore). After a
day or more, without a state or with too many orders, the days are recomputed from raw rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, insert, or_, select

from core.engines import capabilities
from core.schema import BookUnit, DemandDay, Order
from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, to_epoch
from metrics.lookup import KeyList, add_selected, drop_keys, key_list, put_keys
from metrics.model import Context, make_context
from metrics.safety_stock import demand_day_query
from metrics.sql import epoch, number
from metrics.stock import book_units

BOOK, DAYS = BookUnit.__table__, DemandDay.__table__
DayKey = tuple[str, str, int]  # channel, sku, day k


def store_book_units(conn: Connection, ctx: Context) -> None:
    """Recompute the kept book units at the context's instant from raw rows."""
    conn.execute(delete(BOOK))
    raw = book_units(make_context(ctx.as_of, ctx.settings))
    conn.execute(insert(BOOK).from_select(["location_id", "sku", "units"], select(raw)))


def rebuild_demand_days(conn: Connection, ctx: Context) -> None:
    """Recompute the kept demand days of the window ending at the context's instant."""
    conn.execute(delete(DAYS))
    raw = demand_day_query(make_context(ctx.as_of, ctx.settings))
    conn.execute(insert(DAYS).from_select(["channel", "sku", "day", "units"], raw))
    conn.execute(delete(DAYS).where(DAYS.c.units == number(0)))  # only non-zero days are kept


def contributions(
    conn: Connection, at: datetime, settings: Settings, orders: Select[Any]
) -> Counter[DayKey]:
    """The demand days the selected orders make up in the window ending at `at`."""
    ctx = make_context(at, settings, orders=orders)
    return Counter({(c, s, int(k)): int(u) for c, s, k, u in conn.execute(demand_day_query(ctx))})


@dataclass(frozen=True)
class DemandBefore:
    """The demand days an import's orders made up at the state's instant, before it applied."""

    at: datetime
    order_ids: frozenset[str]
    units: Counter[DayKey] = field(default_factory=Counter)


def demand_before(
    conn: Connection,
    at: datetime,
    settings: Settings,
    order_ids: set[str],
    earlier: DemandBefore | None = None,
) -> DemandBefore:
    """Look up the parts of the orders an import is about to write (run before it applies).

    `earlier`: the parts a batch's earlier files looked up at the same instant. Their orders are
    not looked up again: an order's part changes only with its own rows (orders, lines), so the
    first file of the batch to name it saw it as the aggregates last did."""
    known = earlier.order_ids if earlier is not None else frozenset()
    units = Counter(earlier.units) if earlier is not None else Counter()
    new = set(order_ids) - known
    if new:
        with key_list(conn, new) as listed:
            units.update(contributions(conn, at, settings, listed.keys()))
    return DemandBefore(at, known | new, units)


def _moved_orders(conn: Connection, start: int, end: int, days: int, written: KeyList) -> KeyList:
    """Orders not written whose day or cancellation changes between start and end."""
    orders = Order.__table__
    moved = put_keys(conn, ())
    unwritten = orders.c.order_id.not_in(written.keys())
    placed, cancelled = epoch(orders.c.placed_at), epoch(orders.c.cancelled_at)
    edges = or_(
        *(
            and_(
                placed > number(start - j * SECONDS_PER_DAY),
                placed <= number(end - j * SECONDS_PER_DAY),
            )
            for j in range(days + 1)
        )
    )
    add_selected(conn, moved, orders.c.order_id, edges, unwritten)
    add_selected(
        conn,
        moved,
        orders.c.order_id,
        cancelled > number(start),
        cancelled <= number(end),
        unwritten,
    )
    return moved


def shift_demand_days(
    conn: Connection,
    start: datetime,
    end: datetime,
    settings: Settings,
    before: DemandBefore | None,
    written: Iterable[str],
) -> bool:
    """Move the kept demand days from `start` (the state's as_of) to `end` in place; False when
    that cannot be done incrementally (the caller then rebuilds them)."""
    ids = set(written) | (before.order_ids if before is not None else set())
    s, e = to_epoch(start), to_epoch(end)
    if e - s >= SECONDS_PER_DAY or (ids and (before is None or before.at != start)):
        return False
    written_list = put_keys(conn, ids)
    moved = _moved_orders(conn, s, e, settings.safety_stock_window_days, written_list)
    delta = contributions(conn, end, settings, moved.keys())
    delta.update(contributions(conn, end, settings, written_list.keys()))
    delta.subtract(contributions(conn, start, settings, moved.keys()))
    if before is not None:
        delta.subtract(before.units)
    drop_keys(conn, moved)
    drop_keys(conn, written_list)
    _apply(conn, {key: change for key, change in delta.items() if change})
    return True


def _apply(conn: Connection, delta: dict[DayKey, int]) -> None:
    """Add the changes to the kept days (upserts; a day summing to 0 is removed)."""
    if not delta:
        return
    upsert = capabilities(conn).insert(DAYS)  # the engine's INSERT … ON CONFLICT form
    upsert = upsert.on_conflict_do_update(
        index_elements=["channel", "sku", "day"],
        set_={"units": DAYS.c.units + upsert.excluded.units},
    )
    rows = [{"channel": c, "sku": s, "day": k, "units": d} for (c, s, k), d in delta.items()]
    conn.execute(upsert, rows)
    conn.execute(delete(DAYS).where(DAYS.c.units == number(0)))


def move_demand_days(
    conn: Connection,
    start: datetime,
    end: datetime,
    settings: Settings,
    before: DemandBefore | None,
    written: Iterable[str] | None,
) -> None:
    """Bring the kept demand days from the state's as_of to `end`: in place when possible, else
    recomputed (`written` None: too many orders were written to name them)."""
    if written is None or not shift_demand_days(conn, start, end, settings, before, written):
        rebuild_demand_days(conn, make_context(end, settings))

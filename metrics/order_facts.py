"""Per-order facts behind the order metrics, so a refresh recomputes only the orders that changed.

Each order placed by the state's as_of keeps one row of `metric_order_facts`, built from the very
record queries the order metrics sum (split and multi-location per order, reroutes summed over its
shipment rows, ordered and shipped units of orders not cancelled). An order's facts depend only on
the order, its lines and its shipments, so an import recomputes the facts of the orders it writes
(and of those whose events happened since), then regroups the weeks those orders sit in, before
and after. The weekly rows are the facts grouped by week and channel, finished by the same roll-up
as a computation from raw rows; stalled orders are counted from the unfilled ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    and_,
    cast,
    delete,
    func,
    insert,
    literal,
    null,
    select,
    union_all,
)

from core.schema import MetricState, Order, OrderFact, Shipment
from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, to_epoch
from metrics.facts import SHAPES, Fact
from metrics.families import SNAPSHOT_FROM_ORDERS, Family, weekly_metrics
from metrics.fulfilment import order_unit_records
from metrics.lookup import KeyList, add_selected, put_keys
from metrics.model import Context, MetricRow, Window
from metrics.registry import metric
from metrics.routing import allocated_shipment_records, shipped_order_records
from metrics.sql import epoch, flag, integer_sum, number

FACTS = OrderFact.__table__
SECONDS_PER_HOUR = 3600
COLUMNS = (
    "order_id", "wd", "channel", "placed_at", "has_shipment", "split", "multi_location",
    "alloc_rows", "rerouted", "counted", "ordered", "shipped_units", "unfilled",
)  # fmt: skip


def fact_query(ctx: Context) -> Select[Any]:
    """One row per order (of the context's scope): its parts of every order metric at as_of."""
    shipped = shipped_order_records(ctx).subquery("shipped")
    alloc = allocated_shipment_records(ctx).subquery("alloc")
    units = order_unit_records(ctx).subquery("units")
    zero, one, no_time = number(0), number(1), cast(null(), BigInteger)
    s, a, u = shipped.c, alloc.c, units.c
    sides = (
        (s.order_id, s.wd, s.channel, s.placed_at, one, s.split, s.multi_location,
         zero, zero, zero, zero, zero, zero),
        (a.order_id, a.wd, a.channel, no_time, zero, zero, zero,
         one, a.rerouted, zero, zero, zero, zero),
        (u.order_id, u.wd, u.channel, u.placed_at, zero, zero, zero,
         zero, zero, one, u.ordered, u.shipped, flag(u.shipped < u.ordered)),
    )  # fmt: skip
    parts = union_all(
        *(select(*(c.label(n) for c, n in zip(side, COLUMNS, strict=True))) for side in sides)
    ).subquery("parts")
    p = parts.c
    return select(
        p.order_id,
        func.max(p.wd),
        func.max(p.channel),
        func.max(p.placed_at),
        *(integer_sum(p[name]) for name in COLUMNS[4:]),
    ).group_by(p.order_id)


def _fact_weeks(conn: Connection, scope: KeyList) -> set[int]:
    """Weeks of the scoped orders' facts (looked up by primary key; no DISTINCT, which would
    tempt SQLite into scanning every fact in week order)."""
    scoped = select(FACTS.c.wd).where(FACTS.c.order_id.in_(scope.keys()))
    return {int(w) for w in conn.execute(scoped).scalars()}


def replace_facts(conn: Connection, ctx: Context, scope: KeyList | None) -> set[int] | None:
    """Recompute the facts of every order (no scope) or of the listed orders; the weeks touched.

    Returns None when every week must be regrouped (no scope).
    """
    if scope is None:
        conn.execute(delete(FACTS))
        conn.execute(insert(FACTS).from_select(list(COLUMNS), fact_query(ctx)))
        return None
    weeks = _fact_weeks(conn, scope)
    conn.execute(delete(FACTS).where(FACTS.c.order_id.in_(scope.keys())))
    scoped = Context(ctx.as_of, ctx.settings, None, scope.keys())
    conn.execute(insert(FACTS).from_select(list(COLUMNS), fact_query(scoped)))
    return weeks | _fact_weeks(conn, scope)


def order_scope(
    conn: Connection,
    order_ids: Iterable[str],
    event_ranges: Iterable[tuple[int, int]] = (),
    windows: Iterable[Window] = (),
) -> tuple[KeyList, int]:
    """List the orders to recompute: given ids, those with an event in a range (start, end], and
    those placed in a window [start, end); the list and how many it holds."""
    scope = put_keys(conn, order_ids)
    orders, ships = Order.__table__, Shipment.__table__
    for start, end in event_ranges:
        for column in (orders.c.placed_at, orders.c.cancelled_at, ships.c.shipped_at):
            between = (epoch(column) > number(start), epoch(column) <= number(end))
            add_selected(conn, scope, column.table.c.order_id, *between)
    for start, end in windows:
        placed = epoch(orders.c.placed_at)
        add_selected(conn, scope, orders.c.order_id, placed >= number(start), placed < number(end))
    count = select(func.count()).select_from(scope.keys().subquery())
    return scope, int(conn.execute(count).scalar_one())


def _grouped(
    conn: Connection, window: Window | None, only: Any, parts: dict[str, Any]
) -> list[Fact]:
    keys = (FACTS.c.wd, FACTS.c.channel)
    query = select(*keys, *(value.label(name) for name, value in parts.items())).where(only)
    if window is not None:
        first, end = (edge // SECONDS_PER_DAY for edge in window)
        query = query.where(FACTS.c.wd >= first, FACTS.c.wd < end)
    return [
        {"wd": int(row.wd), "channel": row.channel, **{n: int(row._mapping[n]) for n in parts}}
        for row in conn.execute(query.group_by(*keys))
    ]


f = FACTS.c
# Per record source of the order metrics: how its facts are regrouped from the per-order rows.
SOURCE_FACTS: dict[str, Callable[[Connection, Window | None], list[Fact]]] = {
    "shipped_orders": lambda conn, w: _grouped(conn, w, f.has_shipment > 0, {
        "records": integer_sum(f.has_shipment), "split": integer_sum(f.split),
        "multi_location": integer_sum(f.multi_location)}),
    "allocated_shipments": lambda conn, w: _grouped(conn, w, f.alloc_rows > 0, {
        "records": integer_sum(f.alloc_rows), "rerouted": integer_sum(f.rerouted)}),
    "order_units": lambda conn, w: _grouped(conn, w, f.counted > 0, {
        "records": integer_sum(f.counted), "ordered": integer_sum(f.ordered),
        "shipped": integer_sum(f.shipped_units), "stalled": literal(0, BigInteger)}),
}  # fmt: skip


def order_rows(conn: Connection, window: Window | None) -> list[MetricRow]:
    """The weekly rows of the order metrics in a window (None: every week), from the facts."""
    facts: dict[str, list[Fact]] = {}
    rows: list[MetricRow] = []
    for definition in weekly_metrics(Family.ORDERS):
        name = definition.source.name
        if name not in facts:
            facts[name] = SOURCE_FACTS[name](conn, window)
        rows.extend(SHAPES[definition.shape](definition, facts[name]))
    return rows


def unfilled_candidates(conn: Connection, now: int) -> Select[Any] | None:
    """Orders that may be unfilled at `now`: a superset read from the facts, or None (use all).

    Valid when the facts hold an instant T ≤ now: an order unfilled at now was either unfilled at
    T (shipments only fill, cancellations only remove) or placed after T. Imports refresh the facts
    of the orders they write inside their own transaction, so no other change escapes them.
    """
    # The state has one row; read directly (metrics.aggregates.load_state imports this module).
    held = conn.execute(select(MetricState.__table__.c.as_of)).scalar_one_or_none()
    if held is None or to_epoch(held) > now:
        return None
    orders = Order.__table__
    return union_all(
        select(FACTS.c.order_id).where(FACTS.c.unfilled == 1),
        select(orders.c.order_id).where(epoch(orders.c.placed_at) > number(to_epoch(held))),
    )


def stalled_condition(as_of: datetime, settings: Settings) -> ColumnElement[bool]:
    """The facts of the orders stalled at as_of: unfilled, placed ≤ as_of − the SLA hours."""
    cutoff = to_epoch(as_of) - settings.stalled_order_sla_hours * SECONDS_PER_HOUR
    return and_(FACTS.c.unfilled == 1, epoch(FACTS.c.placed_at) <= number(cutoff))


def stalled_rows(conn: Connection, as_of: datetime, settings: Settings) -> list[MetricRow]:
    """stalled_orders at as_of from the unfilled orders (valid while nothing happened since)."""
    query = (
        select(FACTS.c.channel, func.count().label("stalled"))
        .where(stalled_condition(as_of, settings))
        .group_by(FACTS.c.channel)
    )
    facts = [
        {
            "wd": None,
            "channel": row.channel,
            "records": int(row.stalled),
            "stalled": int(row.stalled),
        }
        for row in conn.execute(query)
    ]
    return [row for m in SNAPSHOT_FROM_ORDERS for row in SHAPES[metric(m).shape](metric(m), facts)]

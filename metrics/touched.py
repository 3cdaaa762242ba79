"""What a change touches: the weeks of each family (and whether stock) an import or elapsed time changes.

Two ways in. By rows: the records an import writes, looked up before and after it is applied (an
order moved to another week touches both weeks; a shipment follows its order, old and new). By
time: the events whose timestamp lies between two instants (they "happen" in between).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    and_,
    exists,
    func,
    select,
    type_coerce,
)

from core.schema import (
    AuditEntry,
    CycleCount,
    ImportRun,
    IntegrationEvent,
    Item,
    Order,
    OrderLine,
    Return,
    Shipment,
    StockLevel,
)
from core.timeutil import to_epoch
from metrics.families import Family
from metrics.lookup import key_list
from metrics.sql import epoch, monday_day, number

LOOKUP_LIMIT = 200_000  # more keys than this: recompute the family's every week instead
STOCK_ENTITIES = frozenset({"stock_levels", "sku_mappings", "items", "bundle_components"})
NEUTRAL_ENTITIES = frozenset({"locations"})  # read only by snapshots computed at every refresh


@dataclass
class Touched:
    """Weeks (Monday day numbers) to recompute per family, families to recompute whole, stock."""

    weeks: dict[Family, set[int]] = field(default_factory=dict)
    whole: set[Family] = field(default_factory=set)
    stock: bool = False
    order_ids: set[str] = field(default_factory=set)  # orders whose facts to recompute
    order_events: list[tuple[int, int]] = field(default_factory=list)  # (start, end] epochs

    def add(self, family: Family, weeks: Iterable[int]) -> None:
        """Mark weeks of a family."""
        self.weeks.setdefault(family, set()).update(int(w) for w in weeks)

    def merge(self, other: Touched) -> Touched:
        """Everything either touches (in place; returns self)."""
        for family, weeks in other.weeks.items():
            self.add(family, weeks)
        self.whole |= other.whole
        self.stock = self.stock or other.stock
        self.order_ids |= other.order_ids
        self.order_events += other.order_events
        return self

    def everything(self) -> Touched:
        """Mark every family whole and stock (in place; returns self)."""
        self.whole = set(Family)
        self.stock = True
        return self

    def weeks_of(self, family: Family) -> set[int] | None:
        """The weeks to recompute (None: all of them)."""
        return None if family in self.whole else self.weeks.get(family, set())

    @property
    def empty(self) -> bool:
        """Whether nothing is touched."""
        return not (
            self.whole
            or self.stock
            or self.order_ids
            or self.order_events
            or any(self.weeks.values())
        )


@dataclass
class RowKeys:
    """The record keys an import writes, per family, gathered before it is applied."""

    count_ids: set[str] = field(default_factory=set)
    order_ids: set[str] = field(default_factory=set)
    return_ids: set[str] = field(default_factory=set)
    event_ids: set[str] = field(default_factory=set)
    skus: set[str] = field(default_factory=set)
    stock: bool = False
    unknown: bool = False
    whole: set[Family] = field(default_factory=set)  # too many keys to look up: every week


class Written(NamedTuple):
    """The keys of an import's rows as read from them, and its shipments' ids."""

    keys: RowKeys
    shipment_ids: set[str]


# Per entity: the RowKeys set its rows add to, and the column holding that key.
KEY_COLUMNS: dict[str, tuple[str, str]] = {
    "cycle_counts": ("count_ids", "count_id"),
    "orders": ("order_ids", "order_id"),
    "order_lines": ("order_ids", "order_id"),
    "shipments": ("order_ids", "order_id"),  # and the order each shipment belonged to before
    "returns": ("return_ids", "return_id"),
    "integration_events": ("event_ids", "event_id"),
    "items": ("skus", "sku"),
}


def _values(rows: list[dict[str, Any]], name: str) -> set[str]:
    return {str(row[name]) for row in rows if row.get(name) is not None}


def written_keys(rows_by_entity: dict[str, list[dict[str, Any]]]) -> Written:
    """The keys of the rows to write, read from the rows alone (so before any transaction)."""
    keys, shipment_ids = RowKeys(), set()
    for entity, rows in rows_by_entity.items():
        keys.stock = keys.stock or entity in STOCK_ENTITIES
        if entity in KEY_COLUMNS:
            name, column = KEY_COLUMNS[entity]
            getattr(keys, name).update(_values(rows, column))
        elif entity not in STOCK_ENTITIES | NEUTRAL_ENTITIES:
            keys.unknown = True
        if entity == "shipments":
            shipment_ids = _values(rows, "shipment_id")
    return Written(keys, shipment_ids)


def row_keys(
    conn: Connection,
    rows_by_entity: dict[str, list[dict[str, Any]]],
    written: Written | None = None,
) -> RowKeys:
    """The keys of the written rows; a shipment also names the order it belonged to before
    (`written`: the rows' own keys, when read beforehand; they are used up here)."""
    keys, shipment_ids = written or written_keys(rows_by_entity)
    if len(shipment_ids) > LOOKUP_LIMIT:
        keys.whole.add(Family.ORDERS)
    elif shipment_ids:
        keys.order_ids |= _old_shipment_orders(conn, shipment_ids)
    return keys


def _old_shipment_orders(conn: Connection, shipment_ids: set[str]) -> set[str]:
    table = Shipment.__table__
    with key_list(conn, shipment_ids) as listed:
        query = select(table.c.order_id).where(table.c.shipment_id.in_(listed.keys()))
        return set(conn.execute(query).scalars())


def _weeks(conn: Connection, key: ColumnElement[Any], anchor: Any, ids: set[str]) -> set[int]:
    """Monday day numbers of `anchor` for the rows whose key is in ids (deduplicated here: a
    DISTINCT tempts SQLite into scanning the anchor's index instead of looking keys up)."""
    with key_list(conn, ids) as listed:
        query = select(monday_day(anchor)).where(key.in_(listed.keys()), anchor.is_not(None))
        return {int(w) for w in conn.execute(query).scalars()}


def touched_by_keys(conn: Connection, keys: RowKeys) -> Touched:
    """The weeks the keyed records sit in now (run before and after applying the rows)."""
    touched = Touched(stock=keys.stock, whole=set(keys.whole))
    if keys.unknown:
        return touched.everything()
    if len(keys.order_ids) > LOOKUP_LIMIT or Family.ORDERS in keys.whole:
        touched.whole |= {Family.ORDERS, Family.ORDER_WEEKS}
    else:
        touched.order_ids = set(keys.order_ids)  # their facts hold the weeks they sit in
    lookups = (
        (Family.COUNTS, keys.count_ids, CycleCount.__table__.c.count_id, "counted_at"),
        (Family.RETURNS, keys.return_ids, Return.__table__.c.return_id, "received_at"),
        (Family.DISPOSITIONS, keys.return_ids, Return.__table__.c.return_id, "disposition_at"),
        (Family.EVENTS, keys.event_ids, IntegrationEvent.__table__.c.event_id, "occurred_at"),
        (Family.ORDER_WEEKS, keys.order_ids, Order.__table__.c.order_id, "placed_at"),
    )
    for family, ids, key, anchor in lookups:
        if len(ids) > LOOKUP_LIMIT:
            touched.whole.add(family)
        elif ids:
            touched.add(family, _weeks(conn, key, key.table.c[anchor], ids))
    if keys.skus:
        touched.whole.add(Family.ITEMS)  # barcode uniqueness links items across weeks
    return touched


ItemState = tuple[str | None, int | None]  # (abc_class, created_at epoch) of an existing item


def item_states(conn: Connection, skus: set[str]) -> dict[str, ItemState]:
    """abc_class and created_at of the items that exist among skus (a missing SKU is absent)."""
    table = Item.__table__
    with key_list(conn, skus) as listed:
        query = select(table.c.sku, table.c.abc_class, epoch(table.c.created_at)).where(
            table.c.sku.in_(listed.keys())
        )
        return {row[0]: (row[1], row[2]) for row in conn.execute(query)}


def count_weeks_of_skus(conn: Connection, skus: set[str]) -> set[int]:
    """Weeks of the cycle counts of these SKUs (their accuracy follows the item's ABC class)."""
    return _weeks(conn, CycleCount.__table__.c.sku, CycleCount.__table__.c.counted_at, skus)


def demand_weeks_of_skus(conn: Connection, skus: set[str]) -> set[int]:
    """Weeks (placed_at) of the orders with a line of these SKUs (fulfillable if the item exists)."""
    orders, lines = Order.__table__, OrderLine.__table__
    with key_list(conn, skus) as listed:
        query = (
            select(monday_day(orders.c.placed_at))
            .select_from(lines.join(orders, orders.c.order_id == lines.c.order_id))
            .where(lines.c.sku.in_(listed.keys()))
        )
        return {int(w) for w in conn.execute(query).scalars()}


def item_changes(before: dict[str, ItemState], after: dict[str, ItemState]) -> set[str]:
    """SKUs whose ABC class or created_at changed, or whose item appeared or disappeared."""
    return {sku for sku in before.keys() | after.keys() if before.get(sku) != after.get(sku)}


def weeks_of_skus(conn: Connection, skus: set[str]) -> Touched:
    """What a change to these items touches by SKU: the weeks of their counts (ABC class, and an
    item created after as_of is unknown) and of the orders with lines of them (fulfillable)."""
    touched = Touched()
    if len(skus) > LOOKUP_LIMIT:
        touched.whole |= {Family.COUNTS, Family.ORDER_WEEKS}
    elif skus:
        touched.add(Family.COUNTS, count_weeks_of_skus(conn, skus))
        touched.add(Family.ORDER_WEEKS, demand_weeks_of_skus(conn, skus))
    return touched


def _between(column: Any, start: int, end: int) -> ColumnElement[bool]:
    return and_(epoch(column) > number(start), epoch(column) <= number(end))


def touched_between(conn: Connection, start: datetime, end: datetime) -> Touched:
    """What the events with a timestamp in (start, end] touch: they happen in between."""
    s, e = to_epoch(start), to_epoch(end)
    touched = Touched()
    if e <= s:
        return touched
    touched.order_events.append((s, e))  # orders placed, cancelled or shipped in between
    counts, orders, ships = CycleCount.__table__, Order.__table__, Shipment.__table__
    returns, events = Return.__table__, IntegrationEvent.__table__
    week_queries = (
        (Family.COUNTS, select(monday_day(counts.c.counted_at)).where(_between(counts.c.counted_at, s, e))),
        *((Family.RETURNS, select(monday_day(returns.c.received_at)).where(returns.c.received_at.is_not(None), _between(returns.c[c], s, e))) for c in ("received_at", "disposition_at", "refunded_at")),
        (Family.EVENTS, select(monday_day(events.c.occurred_at)).where(_between(events.c.occurred_at, s, e))),
        *((Family.ORDER_WEEKS, select(monday_day(orders.c.placed_at)).where(_between(orders.c[c], s, e))) for c in ("placed_at", "cancelled_at")),
        (Family.DISPOSITIONS, select(monday_day(returns.c.disposition_at)).where(_between(returns.c.disposition_at, s, e))),
        (Family.ORDER_WEEKS, select(monday_day(orders.c.placed_at)).select_from(ships.join(orders, orders.c.order_id == ships.c.order_id)).where(_between(ships.c.shipped_at, s, e))),
    )  # fmt: skip
    for family, query in week_queries:
        touched.add(family, conn.execute(query.distinct()).scalars())
    items = Item.__table__
    if _any(conn, _between(items.c.created_at, s, e), _between(items.c.approved_at, s, e)):
        touched.whole.add(Family.ITEMS)
        touched.stock = True
        created = select(items.c.sku).where(_between(items.c.created_at, s, e))
        touched.merge(weeks_of_skus(conn, set(conn.execute(created).scalars())))
    touched.stock = touched.stock or _any(conn, _between(StockLevel.__table__.c.as_of, s, e))
    return touched


def _any(conn: Connection, *conditions: ColumnElement[bool]) -> bool:
    return any(conn.execute(select(exists().where(c))).scalar() for c in conditions)


def anything_between(conn: Connection, start: datetime, end: datetime) -> bool:
    """Whether any event a metric reads has a timestamp in (start, end] (cheap: indexed probes)."""
    s, e = to_epoch(start), to_epoch(end)
    if e <= s:
        return False
    columns = (
        CycleCount.__table__.c.counted_at,
        Order.__table__.c.placed_at,
        Order.__table__.c.cancelled_at,
        Shipment.__table__.c.shipped_at,
        Return.__table__.c.received_at,
        Return.__table__.c.disposition_at,
        Return.__table__.c.refunded_at,
        Item.__table__.c.created_at,
        Item.__table__.c.approved_at,
        IntegrationEvent.__table__.c.occurred_at,
        StockLevel.__table__.c.as_of,
    )
    return _any(conn, *(_between(column, s, e) for column in columns))


# Changes made outside imports (stewards' item edits and approvals, confirmed mappings, book systems
# set by a steward or a cutover) are audited in their own transaction; a refresh takes in those
# audited since it last looked.
AUDITED_ITEM, AUDITED_MAPPING, AUDITED_BOOK = "item", "sku_mapping", "book_system"


def audit_mark(conn: Connection) -> int:
    """The newest audit row's id (0 without any)."""
    return int(conn.execute(select(func.max(AuditEntry.__table__.c.id))).scalar() or 0)


def import_mark(conn: Connection) -> tuple[int, int, int, int]:
    """What moves with every import committed, undone or reset: the number of runs, the newest
    run's id, the newest finish and the newest undo (epoch integers)."""
    runs = ImportRun.__table__
    finished = type_coerce(runs.c.finished_at, BigInteger)
    undone = type_coerce(runs.c.undone_at, BigInteger)
    row = conn.execute(
        select(
            func.count(),
            func.coalesce(func.max(runs.c.id), 0),
            func.coalesce(func.max(finished), 0),
            func.coalesce(func.max(undone), 0),
        ).select_from(runs)
    ).one()
    return int(row[0]), int(row[1]), int(row[2]), int(row[3])


def _audited(after_id: int) -> Select[Any]:
    audit = AuditEntry.__table__
    return select(audit.c.object_type, audit.c.object_id).where(
        audit.c.id > after_id,
        audit.c.object_type.in_([AUDITED_ITEM, AUDITED_MAPPING, AUDITED_BOOK]),
    )


def audited_since(conn: Connection, after_id: int | None) -> bool:
    """Whether an item, a mapping or a book system was changed outside an import since that row."""
    return conn.execute(_audited(after_id or 0).limit(1)).first() is not None


def audited_changes(conn: Connection, after_id: int | None) -> Touched:
    """What the item, mapping and book-system changes audited since that row touch."""
    touched = Touched()
    skus = set()
    for object_type, object_id in conn.execute(_audited(after_id or 0)):
        touched.stock = True
        if object_type == AUDITED_ITEM:
            touched.whole.add(Family.ITEMS)
            skus.add(str(object_id))
    return touched.merge(weeks_of_skus(conn, skus))  # the ABC class or created_at may differ

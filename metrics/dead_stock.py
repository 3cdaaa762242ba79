"""Dead and stranded stock at as_of: book sellable units that do not sell, or should not be sold.

Book sellable units of (location, sku): the book system's newest sellable snapshot of that
location and SKU, as in stock_discrepancies (metrics.stock.book_units); only pairs with units > 0
count, and n is every such pair. A SKU is dead when its item is active, was created ≤ as_of − 90
days (setting `dead_stock_days`, inclusive) and no shipment of it (the sku of its line) has
shipped_at in (as_of − 90 days, as_of]; it is stranded when its item is draft or retired (created_at
not consulted). A SKU without an item is neither. num is money: Σ units × unit_cost, exactly, over
the dead (stranded) pairs whose item has a unit cost; null when none has one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Connection,
    Select,
    and_,
    case,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)

from core.schema import Item, OrderLine, Shipment
from core.timeutil import SECONDS_PER_DAY
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import MONEY_SCALE, Context, Keeping, MetricDef, Source, UnitsWithValue
from metrics.sql import epoch, flag, happened, number
from metrics.stock import book_units

ACTIVE = "active"
NOT_ACTIVE = ("draft", "retired")


def dead_cutoff(ctx: Context) -> int:
    """as_of − the dead-stock window, in epoch seconds."""
    return ctx.now - ctx.settings.dead_stock_days * SECONDS_PER_DAY


def shipped_in_window(ctx: Context, sku: Any) -> Any:
    """Whether a shipment of the SKU (its line's sku) has shipped_at in (as_of − window, as_of]
    (probed per SKU through the lines' sku index: a SKU that sells is found at once)."""
    ships, lines = Shipment.__table__, OrderLine.__table__
    return exists().where(
        lines.c.sku == sku,
        ships.c.order_id == lines.c.order_id,
        ships.c.line_id == lines.c.line_id,
        epoch(ships.c.shipped_at) > number(dead_cutoff(ctx)),
        epoch(ships.c.shipped_at) <= number(ctx.now),
    )


def _when(condition: Any, value: Any) -> Any:
    return case((condition, value), else_=number(0))


def position_records(ctx: Context) -> Select[Any]:
    """Every (location, sku) with book sellable units > 0, whether dead or stranded, and value."""
    book, items = book_units(ctx), Item.__table__
    old_active = and_(
        items.c.lifecycle_status == ACTIVE, happened(items.c.created_at, dead_cutoff(ctx))
    )
    flagged = (
        select(
            book.c.location_id.label("location"),
            book.c.sku,
            book.c.units,
            items.c.lifecycle_status,
            items.c.created_at,
            items.c.unit_cost,
            flag(and_(old_active, ~shipped_in_window(ctx, book.c.sku))).label("dead"),
            flag(items.c.lifecycle_status.in_(NOT_ACTIVE)).label("stranded"),
            cast(func.round(items.c.unit_cost * literal(10**MONEY_SCALE)), BigInteger).label(
                "cost"
            ),
        )
        .select_from(book.outerjoin(items, items.c.sku == book.c.sku))
        .where(book.c.units > number(0))
        .subquery("flagged")
    )
    f = flagged.c
    valued = f.cost.is_not(None)
    return select(
        f.location,
        f.sku,
        f.units,
        f.lifecycle_status,
        f.created_at,
        f.unit_cost,
        f.dead,
        f.stranded,
        (f.dead * f.units).label("dead_units"),
        _when(and_(f.dead == 1, valued), number(1)).label("dead_valued"),
        _when(and_(f.dead == 1, valued), f.units * f.cost).label("dead_value"),
        (f.stranded * f.units).label("stranded_units"),
        _when(and_(f.stranded == 1, valued), number(1)).label("stranded_valued"),
        _when(and_(f.stranded == 1, valued), f.units * f.cost).label("stranded_value"),
    )


@dataclass(frozen=True)
class StockPosition:
    """Book sellable units of a SKU at a location, their value and the SKU's last shipment."""

    location: str
    sku: str
    units: int
    lifecycle_status: str | None
    created_at: datetime | None
    unit_cost: Decimal | None
    value: Decimal | None  # units × unit_cost, exact
    last_shipped_at: datetime | None  # the SKU's newest shipment ≤ as_of from any location
    dead: bool
    stranded: bool


def stock_positions(
    conn: Connection, ctx: Context, *, idle_only: bool = True
) -> list[StockPosition]:
    """The (location, sku) positions with book sellable units > 0 (only dead or stranded ones
    by default), sorted by location and sku."""
    records = position_records(ctx).subquery("positions")
    chosen = or_(records.c.dead == 1, records.c.stranded == 1) if idle_only else true()
    rows = conn.execute(select(records).where(chosen)).mappings().all()
    last = last_shipments(conn, ctx, select(records.c.sku).where(chosen))
    positions = [
        StockPosition(
            location=row["location"],
            sku=row["sku"],
            units=int(row["units"]),
            lifecycle_status=row["lifecycle_status"],
            created_at=row["created_at"],
            unit_cost=row["unit_cost"],
            value=None if row["unit_cost"] is None else int(row["units"]) * row["unit_cost"],
            last_shipped_at=last.get(row["sku"]),
            dead=bool(row["dead"]),
            stranded=bool(row["stranded"]),
        )
        for row in rows
    ]
    return sorted(positions, key=lambda p: (p.location, p.sku))


def last_shipments(conn: Connection, ctx: Context, skus: Select[Any]) -> dict[str, datetime]:
    """The newest shipped_at ≤ as_of of each of the selected SKUs (by its line's sku)."""
    ships, lines = Shipment.__table__, OrderLine.__table__
    same_line = and_(lines.c.order_id == ships.c.order_id, lines.c.line_id == ships.c.line_id)
    query = (
        select(lines.c.sku, func.max(ships.c.shipped_at))
        .select_from(ships.join(lines, same_line))
        .where(happened(ships.c.shipped_at, ctx.now), lines.c.sku.in_(skus))
        .group_by(lines.c.sku)
    )
    return {sku: shipped for sku, shipped in conn.execute(query)}


def position_drill(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """Drill-down records: the dead and stranded positions, as dicts with their parts."""
    return [
        asdict(p) | {"dead": int(p.dead), "stranded": int(p.stranded)}
        for p in stock_positions(conn, ctx)
    ]


POSITIONS = Source(
    "book_positions",
    dims=("location",),
    parts=(
        "dead_units", "dead_valued", "dead_value",
        "stranded_units", "stranded_valued", "stranded_value",
    ),
    records=position_records,
    weekly=False,
    order_by=("location", "sku"),
    drill_load=position_drill,
)  # fmt: skip

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "dead_stock_units",
        "Book sellable units of dead SKUs (active, created ≤ as_of − 90 days, no shipment in the "
        "last 90 days); n: (location, sku) pairs with book sellable units > 0; num: their value.",
        POSITIONS,
        None,
        ("location",),
        UnitsWithValue("dead_units", "dead_valued", "dead_value"),
        always_all=True,
        drill_part="dead",
        kpi=KpiSpec(
            "Dead stock value",
            F.PLANNING,
            U.MONEY,
            C.AT_MOST,
            0,
            1000,
            "inventory control",
            reads_num=True,
        ),
        family=Keeping.EVERY_REFRESH,
        section="3.1",
    ),
    MetricDef(
        "stranded_units",
        "Book sellable units of SKUs whose item is not active (draft, retired); n: (location, "
        "sku) pairs with book sellable units > 0; num: their value.",
        POSITIONS,
        None,
        ("location",),
        UnitsWithValue("stranded_units", "stranded_valued", "stranded_value"),
        always_all=True,
        drill_part="stranded",
        family=Keeping.EVERY_REFRESH,
        section="3.1",
    ),
)

"""Warehouse stock at as_of: each system's sellable stock against the book's, and unmapped system SKUs.

The book of a location is the system owning warehouse stock (setting `book_system`, default `wms`,
overridable per location by setting, and by a steward's `book_systems` row, which a cutover writes). A system is compared at a location only when both it and the book have
a sellable row there with as_of ≤ as_of. Per (system, location, sku) the newest as_of among the
sellable rows resolving to that sku counts, its rows summed (a SKU missing from a newer snapshot
keeps its older value); the book side is resolved the same way. Pairs are the union of both sides'
SKUs, a missing side counting 0. A system SKU resolves through sku_mappings first, else by exact,
case-sensitive equality with the sku of an item created ≤ as_of; unresolved ones are left out here
and counted by unmapped_system_skus over every stock row with as_of ≤ as_of, any status.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    FromClause,
    Select,
    Subquery,
    and_,
    case,
    exists,
    func,
    select,
    union_all,
)

from core.schema import BookSystem, BookUnit, Item, SkuMapping, StockLevel
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, CountOf, Keeping, MetricDef, Source
from metrics.sql import epoch, flag, happened, integer_sum, number, text_by_key

SELLABLE = "sellable"


def book_of(location: ColumnElement[Any], ctx: Context) -> ColumnElement[str]:
    """The book system of a location column: a steward's stored row (a cutover writes one), else
    the per-location setting, else the default book."""
    books = BookSystem.__table__
    stored = (
        select(func.max(books.c.system))  # one row per location; aggregated, as Spark asks
        .where(books.c.location_id == location)
        .correlate_except(books)  # the location's table, however deep the enclosing query
        .scalar_subquery()
    )
    settings = ctx.settings
    configured = text_by_key(location, settings.book_system_by_location, settings.book_system)
    return func.coalesce(stored, configured)


def resolve_by(
    rows: FromClause, instant: ColumnElement[int]
) -> tuple[FromClause, ColumnElement[Any]]:
    """`rows` (with system, system_sku) joined to what resolves them at an instant (epoch seconds,
    a constant or a column of `rows`), and the resolved sku (or NULL)."""
    maps, items = SkuMapping.__table__, Item.__table__
    joined = rows.outerjoin(
        maps, and_(maps.c.system == rows.c.system, maps.c.system_sku == rows.c.system_sku)
    ).outerjoin(items, items.c.sku == rows.c.system_sku)  # by primary key, whatever the instant
    created = and_(items.c.created_at.is_not(None), epoch(items.c.created_at) <= instant)
    return joined, func.coalesce(maps.c.sku, case((created, items.c.sku)))


def resolve(rows: FromClause, ctx: Context) -> tuple[FromClause, ColumnElement[Any]]:
    """`rows` (with system, system_sku) joined to what resolves them, and the resolved sku (or NULL)."""
    return resolve_by(rows, number(ctx.now))


def newest_rows(resolved: Subquery, group: tuple[str, ...], name: str) -> Subquery:
    """The rows of `resolved` (with as_of and the group's columns) that count by the latest-snapshot
    rule: per group, those of the group's newest as_of."""
    keys = [resolved.c[column] for column in group]
    newest = func.max(resolved.c.as_of).over(partition_by=keys).label("newest")
    ranked = select(resolved, newest).subquery(f"{name}_ranked")
    return select(ranked).where(ranked.c.as_of == ranked.c.newest).subquery(f"{name}_newest")


def newest_summed(resolved: Subquery, group: tuple[str, ...], name: str) -> Select[Any]:
    """Per group of `resolved` rows (with as_of, quantity and the group's columns): the summed
    quantity (`qty`) of the rows of the group's newest as_of."""
    counted = newest_rows(resolved, group, name)
    keys = [counted.c[column] for column in group]
    return select(*keys, integer_sum(counted.c.quantity).label("qty")).group_by(*keys)


def latest_sellable(ctx: Context, book_only: bool = False) -> CTE:
    """Per (system, location, sku): the summed sellable quantity of its newest as_of ≤ as_of
    (with book_only, only each location's book system: its book sellable units)."""
    stock = StockLevel.__table__
    joined, sku = resolve(stock, ctx)
    book = [stock.c.system == book_of(stock.c.location_id, ctx)] if book_only else []
    resolved = (
        select(
            stock.c.system, stock.c.location_id, sku.label("sku"), stock.c.as_of, stock.c.quantity
        )
        .select_from(joined)
        .where(
            stock.c.status == SELLABLE, happened(stock.c.as_of, ctx.now), sku.is_not(None), *book
        )
        .subquery("book_resolved" if book_only else "resolved")
    )
    name = "book_latest" if book_only else "latest"
    return newest_summed(resolved, ("system", "location_id", "sku"), name).cte(name)


def book_units(ctx: Context) -> CTE:
    """Book sellable units of every (location, sku) the book has a sellable row of: location_id,
    sku, units (any sign; dead, stranded and available stock count only units > 0). Read from
    the aggregates (metric_book_units) when the context says they hold as_of."""
    if ctx.held:
        kept = BookUnit.__table__
        return select(kept.c.location_id, kept.c.sku, kept.c.units).cte("book_units")
    latest = latest_sellable(ctx, book_only=True)
    return select(latest.c.location_id, latest.c.sku, latest.c.qty.label("units")).cte("book_units")


def compared_systems(ctx: Context) -> CTE:
    """(system, location, book) where both the system and the location's book have sellable rows."""
    stock = StockLevel.__table__
    present = (
        select(stock.c.system, stock.c.location_id)
        .where(stock.c.status == SELLABLE, happened(stock.c.as_of, ctx.now))
        .distinct()
        .cte("present")
    )
    booked = select(
        present.c.system, present.c.location_id, book_of(present.c.location_id, ctx).label("book")
    ).cte("present_book")
    book_rows = present.alias("book_present")
    book_present = exists().where(
        book_rows.c.location_id == booked.c.location_id, book_rows.c.system == booked.c.book
    )
    return (
        select(booked.c.system, booked.c.location_id, booked.c.book)
        .where(booked.c.system != booked.c.book, book_present)
        .cte("compared")
    )


def pair_records(ctx: Context) -> Select[Any]:
    """Every compared (system, location, sku) with the system's and the book's sellable quantity."""
    latest, compared = latest_sellable(ctx), compared_systems(ctx)
    zero = number(0)
    same_location = latest.c.location_id == compared.c.location_id
    system_side = select(
        compared.c.system,
        compared.c.location_id,
        compared.c.book,
        latest.c.sku,
        latest.c.qty.label("system_qty"),
        zero.label("book_qty"),
    ).select_from(compared.join(latest, and_(latest.c.system == compared.c.system, same_location)))
    book_side = select(
        compared.c.system, compared.c.location_id, compared.c.book, latest.c.sku,
        zero.label("system_qty"), latest.c.qty.label("book_qty"),
    ).select_from(compared.join(latest, and_(latest.c.system == compared.c.book, same_location)))  # fmt: skip
    sides = union_all(system_side, book_side).subquery("sides")
    keys = (sides.c.system, sides.c.location_id, sides.c.sku, sides.c.book)
    pairs = (
        select(
            *keys,
            integer_sum(sides.c.system_qty).label("system_qty"),
            integer_sum(sides.c.book_qty).label("book_qty"),
        )
        .group_by(*keys)
        .subquery("pairs")
    )
    excess = pairs.c.system_qty - pairs.c.book_qty
    items = Item.__table__
    return select(
        pairs.c.system,
        pairs.c.location_id.label("location"),
        pairs.c.sku,
        pairs.c.system_qty,
        pairs.c.book.label("book_system"),
        pairs.c.book_qty,
        flag(pairs.c.system_qty != pairs.c.book_qty).label("differs"),
        case((excess > zero, excess), else_=zero).label("overstated"),
        items.c.unit_cost,
    ).select_from(pairs.outerjoin(items, items.c.sku == pairs.c.sku))


def oversell_exposure(overstated: int, unit_cost: Decimal | None) -> Decimal | None:
    """The money at risk of overselling: units overstated × unit_cost (None without a cost)."""
    return None if unit_cost is None else overstated * unit_cost


def pair_drill(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """The compared pairs as drill-down records, each with its oversell exposure in money."""
    return [
        dict(row)
        | {"oversell_exposure": oversell_exposure(int(row["overstated"]), row["unit_cost"])}
        for row in conn.execute(pair_records(ctx)).mappings()
    ]


def system_sku_records(ctx: Context) -> Select[Any]:
    """Every distinct (system, system_sku) of stock rows with as_of ≤ as_of, flagged when unresolved."""
    stock = StockLevel.__table__
    seen = (
        select(
            stock.c.system,
            stock.c.system_sku,
            func.count().label("stock_rows"),
            func.max(stock.c.as_of).label("last_as_of"),
        )
        .where(happened(stock.c.as_of, ctx.now))
        .group_by(stock.c.system, stock.c.system_sku)
        .subquery("seen")
    )
    joined, sku = resolve(seen, ctx)
    return select(
        seen.c.system,
        seen.c.system_sku,
        sku.label("sku"),
        seen.c.stock_rows,
        seen.c.last_as_of,
        flag(sku.is_(None)).label("unmapped"),
    ).select_from(joined)


PAIRS = Source(
    "stock_pairs",
    dims=("system",),
    parts=("differs", "overstated"),
    records=pair_records,
    weekly=False,
    order_by=("system", "location", "sku"),
    drill_load=pair_drill,
)
SYSTEM_SKUS = Source(
    "system_skus",
    dims=("system",),
    parts=("unmapped",),
    records=system_sku_records,
    weekly=False,
    order_by=("system", "system_sku"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "stock_discrepancies",
        "Compared (location, sku) pairs where the system's sellable ≠ the book's; "
        "num: units overstated, Σ max(0, system − book).",
        PAIRS,
        None,
        ("system",),
        CountOf("differs", "records", num="overstated"),
        drill_part="differs",
        kpi=KpiSpec("Stock discrepancies", F.STOCK, U.COUNT, C.EQUAL, 0, 10, "inventory control"),
        family=Keeping.STOCK,
    ),
    MetricDef(
        "unmapped_system_skus",
        "Distinct system SKUs resolving to no sku, of those seen in stock rows "
        "(for `all`: distinct (system, system_sku) pairs).",
        SYSTEM_SKUS,
        None,
        ("system",),
        CountOf("unmapped", "records"),
        drill_part="unmapped",
        kpi=KpiSpec("Unmapped system SKUs", F.SKU_QUALITY, U.COUNT, C.EQUAL, 0, 5, "merchandising"),
        family=Keeping.STOCK,
    ),
)

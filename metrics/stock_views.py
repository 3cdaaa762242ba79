"""What the Stock truth page shows, as typed values: stock discrepancies by location and system,
the snapshot history, the money overstated, unmapped system SKUs and one SKU's stock over time.

Pairs come from metrics.stock.pair_records (grouped here, its SQL not repeated), joined to items
by sku for the ABC class and category filters (a pair whose sku has no item matches no class or
category). The metric rows (stock_discrepancies, unmapped_system_skus) are read from the kept
snapshot of the aggregates when they hold as_of, else computed from raw rows. Money is
reports.exposures.stock_overstated, as the founder report values it. Records come from
metrics.drilldown.records_behind.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, FromClause, and_, func, select

from core.schema import Item, MetricSnapshot, StockLevel
from core.settings import Settings
from metrics.compute import compute_rows
from metrics.current import holding_state
from metrics.drilldown import records_behind
from metrics.kpis import load_targets
from metrics.model import Context, MetricRow
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.snapshots import history_rows
from metrics.sql import happened, integer_sum
from metrics.stock import SELLABLE, book_of, pair_records, resolve
from reports.exposures import Exposure, stock_overstated

DISCREPANCIES = "stock_discrepancies"
UNMAPPED = "unmapped_system_skus"
STOCK_VIEW_METRICS = (DISCREPANCIES, UNMAPPED)
BOOK_LINE = "book"
PAIR_COLUMNS = (
    "location",
    "sku",
    "system",
    "system_qty",
    "book_system",
    "book_qty",
    "difference",
    "overstated",
    "unit_cost",
    "oversell_exposure",
)
UNMAPPED_COLUMNS = ("system", "system_sku", "stock_rows", "last_as_of")
HISTORY_COLUMNS = ("line", "as_of", "units")


@dataclass(frozen=True)
class Scope:
    """The filters that apply to the pairs: locations, ABC classes, categories (empty: all)."""

    locations: tuple[str, ...] = ()
    abc_classes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()

    @property
    def by_item(self) -> bool:
        """Whether the scope keeps pairs by their item's ABC class or category."""
        return bool(self.abc_classes or self.categories)


def current_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow]:
    """The rows of the two stock metrics at as_of: the aggregates' kept stock snapshot when they
    hold as_of, else computed from raw rows."""
    chosen = settings or effective_settings(conn)
    state = holding_state(conn, as_of, chosen)
    if state is not None and state.stock_as_of is not None:
        return history_rows(conn, state.stock_as_of, STOCK_VIEW_METRICS)
    return compute_rows(conn, as_of, [metric(m) for m in STOCK_VIEW_METRICS], chosen)


def targets(conn: Connection) -> tuple[float, float]:
    """The KPI targets (counts) of stock discrepancies and unmapped system SKUs."""
    found = load_targets(conn)
    return float(found[DISCREPANCIES].target), float(found[UNMAPPED].target)


@dataclass(frozen=True)
class PairGroup:
    """The compared pairs of one system at one location: how many, how many differ, units over."""

    location: str
    system: str
    book_system: str
    pairs: int
    differing: int
    overstated: int


def _item_conditions(items: FromClause, scope: Scope) -> list[ColumnElement[bool]]:
    """The scope's ABC class and category conditions on an items table (or alias)."""
    conditions: list[ColumnElement[bool]] = []
    if scope.abc_classes:
        conditions.append(items.c.abc_class.in_(list(scope.abc_classes)))
    if scope.categories:
        conditions.append(items.c.category.in_(list(scope.categories)))
    return conditions


@dataclass(frozen=True)
class PairRow:
    """One compared (system, location, sku): whether it differs, units overstated, |system − book|."""

    location: str
    system: str
    book_system: str
    sku: str
    differs: int
    overstated: int
    gap: int


def pair_rows(conn: Connection, ctx: Context, scope: Scope = Scope()) -> list[PairRow]:
    """Every compared pair within the scope (metrics.stock.pair_records, joined to items by sku)."""
    pairs = pair_records(ctx).subquery("stock_pairs")
    items = Item.__table__.alias("scope_items")
    conditions = _item_conditions(items, scope)
    if scope.locations:
        conditions.append(pairs.c.location.in_(list(scope.locations)))
    query = (
        select(
            pairs.c.location, pairs.c.system, pairs.c.book_system, pairs.c.sku, pairs.c.differs,
            pairs.c.overstated, func.abs(pairs.c.system_qty - pairs.c.book_qty).label("gap"),
        )
        .select_from(pairs.outerjoin(items, items.c.sku == pairs.c.sku))
        .where(*conditions)
    )  # fmt: skip
    return [
        PairRow(str(r.location), str(r.system), str(r.book_system), str(r.sku), int(r.differs),
                int(r.overstated), int(r.gap))
        for r in conn.execute(query)
    ]  # fmt: skip


def pair_groups(rows: Iterable[PairRow]) -> list[PairGroup]:
    """The compared pairs per (location, system), by location then system."""
    summed: dict[tuple[str, str, str], list[int]] = defaultdict(lambda: [0, 0, 0])
    for row in rows:
        total = summed[(row.location, row.system, row.book_system)]
        total[0] += 1
        total[1] += row.differs
        total[2] += row.overstated
    return [PairGroup(*key, *values) for key, values in sorted(summed.items())]


@dataclass(frozen=True)
class Total:
    """Compared pairs, the pairs that differ and the units overstated of one bar (or all)."""

    key: str
    pairs: int
    differing: int
    overstated: int


def totals_by(groups: Iterable[PairGroup], by: str) -> list[Total]:
    """The groups summed by "location" or "system" (Σ pairs, Σ differing, Σ units), by key."""
    summed: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for group in groups:
        total = summed[getattr(group, by)]
        total[0] += group.pairs
        total[1] += group.differing
        total[2] += group.overstated
    return [Total(key, *values) for key, values in sorted(summed.items())]


def overall(groups: Iterable[PairGroup]) -> Total:
    """Every group summed: the metric's `all` row over the chosen keys."""
    groups = list(groups)
    return Total(
        "all",
        sum(g.pairs for g in groups),
        sum(g.differing for g in groups),
        sum(g.overstated for g in groups),
    )


def skus_in_scope(conn: Connection, skus: Iterable[str], scope: Scope) -> set[str]:
    """Those of `skus` whose item matches the scope's ABC classes and categories."""
    wanted = sorted(set(skus))
    if not scope.by_item:
        return set(wanted)
    items = Item.__table__
    kept: set[str] = set()
    for start in range(0, len(wanted), 500):  # bounded IN lists
        chunk = wanted[start : start + 500]
        query = select(items.c.sku).where(items.c.sku.in_(chunk), *_item_conditions(items, scope))
        kept.update(str(sku) for sku in conn.execute(query).scalars())
    return kept


@dataclass(frozen=True)
class Money:
    """The units overstated and their value at unit cost (the founder report's exposures)."""

    exposures: tuple[Exposure, ...]
    units: int
    value: Decimal
    uncosted: int

    def value_of(self, location: str | None = None, system: str | None = None) -> Decimal:
        """The costed value of the exposures of one location and/or system."""
        return sum(
            (
                e.value
                for e in self.exposures
                if e.value is not None
                and (location is None or e.location == location)
                and (system is None or e.system == system)
            ),
            Decimal(0),
        )


def overstated_money(conn: Connection, as_of: datetime, scope: Scope = Scope()) -> Money:
    """reports.exposures.stock_overstated kept to the scope: units, costed value, uncosted pairs."""
    found = [
        e
        for e in stock_overstated(conn, as_of)
        if not scope.locations or e.location in scope.locations
    ]
    if scope.by_item:
        kept = skus_in_scope(conn, (e.sku for e in found), scope)
        found = [e for e in found if e.sku in kept]
    costed = [e.value for e in found if e.value is not None]
    return Money(tuple(found), sum(e.units for e in found), sum(costed, Decimal(0)),
                 len(found) - len(costed))  # fmt: skip


@dataclass(frozen=True)
class UnmappedSystem:
    """Distinct system SKUs of one system resolving to no sku, of those seen in its stock rows."""

    system: str
    unmapped: int
    seen: int


def unmapped_by_system(rows: Sequence[MetricRow]) -> list[UnmappedSystem]:
    """The unmapped_system_skus rows by system (every system seen), by system."""
    found = [
        UnmappedSystem(str(r.key), int(r.value or 0), int(r.n))
        for r in rows
        if r.metric == UNMAPPED and r.dim == "system"
    ]
    return sorted(found, key=lambda u: u.system)


def metric_all(rows: Sequence[MetricRow], metric_id: str) -> MetricRow | None:
    """A metric's `all` row among rows (None when absent)."""
    return next((r for r in rows if r.metric == metric_id and r.dim == "all"), None)


def unmapped_list(
    engine: Engine, as_of: datetime, system: str | None = None, settings: Settings | None = None
) -> pd.DataFrame:
    """The unmapped system SKUs (of one system, or all) in UNMAPPED_COLUMNS order."""
    row = {"metric": UNMAPPED, "dim": "system" if system else "all", "key": system}
    found = records_behind(engine, row, as_of, settings)
    if found.empty:
        return pd.DataFrame(columns=list(UNMAPPED_COLUMNS))
    return found[list(UNMAPPED_COLUMNS)].reset_index(drop=True)


def pairs_behind(
    engine: Engine,
    as_of: datetime,
    system: str | None = None,
    location: str | None = None,
    scope: Scope = Scope(),
    settings: Settings | None = None,
) -> pd.DataFrame:
    """The differing pairs behind a bar or a trend point (records_behind of stock_discrepancies),
    kept to a location and the scope, in PAIR_COLUMNS order (difference = system − book)."""
    row = {"metric": DISCREPANCIES, "dim": "system" if system else "all", "key": system}
    found = records_behind(engine, row, as_of, settings)
    if found.empty:
        return pd.DataFrame(columns=list(PAIR_COLUMNS))
    wanted = [location] if location else list(scope.locations)
    if wanted:
        found = found[found["location"].isin(wanted)]
    if scope.by_item and not found.empty:
        with engine.connect() as conn:
            kept = skus_in_scope(conn, found["sku"], scope)
        found = found[found["sku"].isin(kept)]
    found = found.assign(difference=found["system_qty"] - found["book_qty"])
    ordered = found.sort_values(["location", "sku", "system"], kind="stable")
    return ordered[list(PAIR_COLUMNS)].reset_index(drop=True)


def worst_skus(rows: Iterable[PairRow]) -> list[str]:
    """Every compared sku, the largest |system − book| first (then units overstated, then sku)."""
    worst: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in rows:
        found = worst[row.sku]
        found[0] = max(found[0], row.gap)
        found[1] += row.overstated
    return sorted(worst, key=lambda sku: (-worst[sku][0], -worst[sku][1], sku))


@dataclass(frozen=True)
class SnapshotPoint:
    """One kept snapshot of a stock metric row: pairs that differ (or unmapped SKUs), n and num."""

    as_of: datetime
    metric: str
    dim: str
    key: str | None
    value: float
    n: int
    num: float | None


def _day_edges(start: date, end: date) -> tuple[datetime, datetime]:
    first = datetime.combine(start, time(), tzinfo=UTC)
    return first, datetime.combine(end + timedelta(days=1), time(), tzinfo=UTC)


def _aware(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def snapshot_history(conn: Connection, start: date, end: date) -> list[SnapshotPoint]:
    """The kept snapshot rows of the two stock metrics evaluated in the day range, oldest first."""
    history = MetricSnapshot.__table__
    first, after = _day_edges(start, end)
    query = select(
        history.c.as_of, history.c.metric, history.c.dim, history.c.key,
        history.c.value, history.c.n, history.c.num,
    ).where(
        history.c.metric.in_(list(STOCK_VIEW_METRICS)),
        history.c.as_of >= first,
        history.c.as_of < after,
    )  # fmt: skip
    found = [
        SnapshotPoint(_aware(r.as_of), str(r.metric), str(r.dim), r.key,
                      float(r.value or 0), int(r.n), None if r.num is None else float(r.num))
        for r in conn.execute(query)
    ]  # fmt: skip
    return sorted(found, key=lambda p: (p.as_of, p.metric, p.dim, p.key or ""))


def sku_history(
    conn: Connection, ctx: Context, sku: str, locations: Sequence[str] = (),
    start: date | None = None, end: date | None = None,
) -> pd.DataFrame:  # fmt: skip
    """One sku's sellable units over the stock snapshots (HISTORY_COLUMNS): a line per system and
    one for the book, each summed over `locations` (empty: all) with a location's newest snapshot
    ≤ that instant counting (a location not yet seen counts nothing); kept to the day range."""
    stock = StockLevel.__table__
    joined, resolved = resolve(stock, ctx)
    conditions = [stock.c.status == SELLABLE, happened(stock.c.as_of, ctx.now), resolved == sku]
    if locations:
        conditions.append(stock.c.location_id.in_(list(locations)))
    grouped = (
        select(stock.c.system, stock.c.location_id, stock.c.as_of,
               integer_sum(stock.c.quantity).label("units"))
        .select_from(joined)
        .where(and_(*conditions))
        .group_by(stock.c.system, stock.c.location_id, stock.c.as_of)
        .subquery("sku_stock")
    )  # fmt: skip
    query = select(grouped, book_of(grouped.c.location_id, ctx).label("book"))
    rows = pd.DataFrame(conn.execute(query).mappings().all())
    if rows.empty:
        return pd.DataFrame(columns=list(HISTORY_COLUMNS))
    rows["as_of"] = pd.to_datetime(rows["as_of"], utc=True)
    rows["line"] = rows["system"].where(rows["system"] != rows["book"], BOOK_LINE)
    lines = []
    for line, group in rows.groupby("line", sort=True):
        wide = group.pivot_table(
            index="as_of", columns="location_id", values="units", aggfunc="sum"
        )
        summed = wide.sort_index().ffill().sum(axis=1)
        lines.append(
            pd.DataFrame(
                {"line": line, "as_of": summed.index, "units": summed.astype(int).to_numpy()}
            )
        )
    found = pd.concat(lines, ignore_index=True)
    if start is not None and end is not None:
        first, after = _day_edges(start, end)
        found = found[(found["as_of"] >= first) & (found["as_of"] < after)]
    return found.sort_values(["line", "as_of"], kind="stable").reset_index(drop=True)


def book_systems(groups: Iterable[PairGroup]) -> tuple[str, ...]:
    """The book systems of the groups' locations, named once each."""
    return tuple(sorted({g.book_system for g in groups}))

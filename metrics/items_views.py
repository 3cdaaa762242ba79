"""What the Item master page shows, as typed values: the SKU quality rate per ISO week created,
failures per check, the failing items, duplicate and invalid barcodes and mapping coverage.

Weekly numbers are the metrics' own rows (sku_quality_rate by category, sku_check_failures by
check): read from the stored aggregates when they hold the instant, else computed. A filtered
value is the measure finished over the summed parts of the chosen categories (Σ passing / Σ
items), never an average of shares. Item-level lists come from the same item records the metrics
sum (metrics.sku_quality.item_records: every item created ≤ as_of, checked in Python; the item
master is small). Mapping coverage of a system: of the distinct system SKUs seen in its stock
rows (as_of ≤ as_of, any status; the population of unmapped_system_skus), the share that
resolves to a SKU, through a mapping or by being an item's SKU itself.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from sqlalchemy import Connection, func, select

from core.schema import SkuMapping, StockLevel
from core.settings import Settings
from core.timeutil import week_label_from_monday_day
from metrics.aggregates import stored_weekly_rows
from metrics.compute import compute_rows
from metrics.current import holding_state
from metrics.kpis import load_targets
from metrics.model import MetricRow, make_context
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.sku_checks import Check, missing_attributes
from metrics.sku_quality import item_records
from metrics.sql import flag, happened, integer_sum
from metrics.stock import resolve
from metrics.summed import summed_row

QUALITY = "sku_quality_rate"
FAILURES = "sku_check_failures"
ITEM_METRICS = (QUALITY, FAILURES)
# Columns of the item tables (failing items, invalid barcodes): see ItemCheck.
ITEM_COLUMNS = ("sku", "name", "category", "brand", "barcode", "lifecycle_status", "week",
                "created_at", "failed_checks", "missing")  # fmt: skip
# Columns of the duplicate-barcode table: each item of each shared barcode, grouped by barcode.
DUPLICATE_COLUMNS = ("barcode", "items_sharing", "sku", "name", "category", "week")


def quality_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow]:
    """Every weekly row of the two SKU metrics at as_of (aggregates when they hold it)."""
    chosen = settings or effective_settings(conn)
    if holding_state(conn, as_of, chosen) is not None:
        return stored_weekly_rows(conn, ITEM_METRICS)
    return compute_rows(conn, as_of, [metric(m) for m in ITEM_METRICS], chosen)


def quality_target(conn: Connection) -> float:
    """The KPI target (a share) of the SKU quality rate: the stored row, else the default."""
    return float(load_targets(conn)[QUALITY].target)


@dataclass(frozen=True)
class QualityWeek:
    """One ISO week of creation: items passing all five checks of items created."""

    week: str
    items: int
    passing: int
    rate: float | None


def quality_trend(
    rows: Sequence[MetricRow], weeks: Sequence[str], categories: Sequence[str] = ()
) -> list[QualityWeek]:
    """Per week of `weeks` with items created: the quality rate over `categories` (empty: all)."""
    chosen, wanted = set(categories), set(weeks)
    picked: dict[str, list[MetricRow]] = defaultdict(list)
    for row in rows:
        if row.metric != QUALITY or row.week not in wanted:
            continue
        if (not chosen and row.dim == "all") or (
            chosen and row.dim == "category" and row.key in chosen
        ):
            picked[str(row.week)].append(row)
    found = []
    for week in weeks:
        total = summed_row(picked.get(week, ()))
        if total is None or not total.n:
            continue
        rate = None if total.value is None else float(total.value)
        found.append(QualityWeek(week, total.n, int(total.num or 0), rate))
    return found


@dataclass(frozen=True)
class CategoryRate:
    """The quality rate of one category (None: items with no category) over the chosen weeks."""

    category: str | None
    items: int
    passing: int
    rate: float | None


def by_category(
    rows: Sequence[MetricRow], weeks: Sequence[str], categories: Sequence[str] = ()
) -> list[CategoryRate]:
    """The quality rate per category summed over `weeks` (only `categories` when given), by name,
    no category last."""
    wanted, chosen = set(weeks), set(categories)
    picked: dict[str | None, list[MetricRow]] = defaultdict(list)
    for row in rows:
        in_view = row.metric == QUALITY and row.dim == "category" and row.week in wanted
        if in_view and (not chosen or row.key in chosen):
            picked[row.key].append(row)
    found = []
    for key, group in picked.items():
        total = summed_row(group)
        if total is not None and total.n:
            rate = None if total.value is None else float(total.value)
            found.append(CategoryRate(key, total.n, int(total.num or 0), rate))
    return sorted(found, key=lambda c: (c.category is None, c.category or ""))


@dataclass(frozen=True)
class CheckCount:
    """Items failing one check, of the items created in the chosen weeks and categories."""

    check: Check
    failing: int
    items: int


def failures_from_rows(rows: Sequence[MetricRow], weeks: Sequence[str]) -> list[CheckCount]:
    """Failures per check over `weeks`, every category, from the sku_check_failures rows."""
    wanted = set(weeks)
    failing: dict[str, int] = defaultdict(int)
    items: dict[str, int] = defaultdict(int)
    for row in rows:
        if row.metric == FAILURES and row.week in wanted and row.dim == "check":
            failing[str(row.key)] += int(row.value or 0)
            items[str(row.key)] += row.n
    return [CheckCount(c, failing[c.value], items[c.value]) for c in Check if items[c.value]]


@dataclass(frozen=True)
class ItemCheck:
    """One item created ≤ as_of and the checks it fails (`missing`: required fields it lacks)."""

    sku: str
    name: str | None
    category: str | None
    brand: str | None
    barcode: str | None
    lifecycle_status: str | None
    week: str
    created_at: datetime | None
    failed_checks: tuple[Check, ...]
    missing: tuple[str, ...]


def item_checks(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[ItemCheck]:
    """Every item created ≤ as_of with the checks it fails, by SKU (the metrics' own records)."""
    chosen = settings or effective_settings(conn)
    extras = chosen.required_attributes_by_category
    found = []
    for row in item_records(conn, make_context(as_of, chosen)):
        failed = tuple(c for c in Check if row[f"fail_{c.value}"])
        missing = (
            tuple(missing_attributes(row, extras)) if Check.REQUIRED_ATTRIBUTES in failed else ()
        )
        found.append(
            ItemCheck(row["sku"], row["name"], row["category"], row["brand"], row["barcode"],
                      row["lifecycle_status"], week_label_from_monday_day(row["wd"]),
                      row["created_at"], failed, missing)
        )  # fmt: skip
    return sorted(found, key=lambda i: i.sku)  # the same order on every collation


def in_view(
    items: Iterable[ItemCheck], weeks: Sequence[str], categories: Sequence[str] = ()
) -> list[ItemCheck]:
    """The items created in `weeks` and of `categories` (empty: every category)."""
    wanted, chosen = set(weeks), set(categories)
    return [i for i in items if i.week in wanted and (not chosen or i.category in chosen)]


def failures_from_items(items: Sequence[ItemCheck]) -> list[CheckCount]:
    """Failures per check over the given items (all five checks when there are items)."""
    if not items:
        return []
    return [CheckCount(c, sum(c in i.failed_checks for i in items), len(items)) for c in Check]


def failing(
    items: Iterable[ItemCheck], *, week: str | None = None, check: Check | None = None
) -> list[ItemCheck]:
    """The items failing at least one check (only `check` when given), of one week when given."""
    return [
        i
        for i in items
        if i.failed_checks
        and (week is None or i.week == week)
        and (check is None or check in i.failed_checks)
    ]


def items_frame(items: Iterable[ItemCheck]) -> pd.DataFrame:
    """Items as a table in ITEM_COLUMNS order (failed_checks and missing as tuples)."""
    rows = [{name: getattr(i, name) for name in ITEM_COLUMNS} for i in items]
    return pd.DataFrame(rows, columns=list(ITEM_COLUMNS))


def duplicate_barcodes(all_items: Sequence[ItemCheck], shown: Sequence[ItemCheck]) -> pd.DataFrame:
    """The barcodes shared by ≥ 2 items (every item created ≤ as_of, as unique_barcode reads them)
    that one of `shown` carries; every sharing item listed, in DUPLICATE_COLUMNS, biggest first."""
    groups: dict[str, list[ItemCheck]] = defaultdict(list)
    for item in all_items:
        if item.barcode is not None and str(item.barcode).strip():
            groups[item.barcode].append(item)
    wanted = {i.barcode for i in shown if Check.UNIQUE_BARCODE in i.failed_checks}
    kept = sorted(
        ((code, group) for code, group in groups.items() if len(group) > 1 and code in wanted),
        key=lambda pair: (-len(pair[1]), pair[0]),
    )
    rows = [
        {"barcode": code, "items_sharing": len(group), "sku": i.sku, "name": i.name,
         "category": i.category, "week": i.week}
        for code, group in kept
        for i in sorted(group, key=lambda i: i.sku)
    ]  # fmt: skip
    return pd.DataFrame(rows, columns=list(DUPLICATE_COLUMNS))


@dataclass(frozen=True)
class MappingCoverage:
    """One system's SKUs seen in stock rows: how many resolve through a mapping, how many are an
    item's SKU themselves, how many resolve to nothing; and its mappings on file."""

    system: str
    seen: int
    through_mapping: int
    same_sku: int
    unresolved: int
    mappings: int

    @property
    def coverage(self) -> float | None:
        """Resolved system SKUs / system SKUs seen (None when none was seen)."""
        return None if not self.seen else (self.through_mapping + self.same_sku) / self.seen


def mapping_coverage(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MappingCoverage]:
    """Per system, by name: its distinct stock system SKUs and how they resolve at as_of."""
    ctx = make_context(as_of, settings or effective_settings(conn))
    stock, maps = StockLevel.__table__, SkuMapping.__table__
    seen = (
        select(stock.c.system, stock.c.system_sku)
        .where(happened(stock.c.as_of, ctx.now))
        .distinct()
        .subquery("seen")
    )
    joined, sku = resolve(seen, ctx)
    mapped = maps.c.sku.is_not(None)
    query = (
        select(
            seen.c.system,
            func.count().label("seen"),
            integer_sum(flag(mapped)).label("through_mapping"),
            integer_sum(flag(sku.is_(None))).label("unresolved"),
        )
        .select_from(joined)
        .group_by(seen.c.system)
    )
    on_file = dict(conn.execute(select(maps.c.system, func.count()).group_by(maps.c.system)).all())
    found = []
    for system, total, through, unresolved in conn.execute(query).all():
        same = int(total) - int(through) - int(unresolved)
        found.append(MappingCoverage(str(system), int(total), int(through), same, int(unresolved),
                                     int(on_file.get(system, 0))))  # fmt: skip
    return sorted(found, key=lambda c: c.system)


def unresolved_system_skus(
    conn: Connection, as_of: datetime, system: str, limit: int = 5_000
) -> pd.DataFrame:
    """One system's stock system SKUs that resolve to nothing at as_of (at most `limit`), by
    system SKU: system_sku, stock_rows, last_as_of."""
    ctx = make_context(as_of, effective_settings(conn))
    stock = StockLevel.__table__
    seen = (
        select(
            stock.c.system,
            stock.c.system_sku,
            func.count().label("stock_rows"),
            func.max(stock.c.as_of).label("last_as_of"),
        )
        .where(happened(stock.c.as_of, ctx.now), stock.c.system == system)
        .group_by(stock.c.system, stock.c.system_sku)
        .subquery("seen")
    )
    joined, sku = resolve(seen, ctx)
    query = (
        select(seen.c.system_sku, seen.c.stock_rows, seen.c.last_as_of)
        .select_from(joined)
        .where(sku.is_(None))
        .order_by(seen.c.system_sku)
        .limit(limit)
    )
    result = conn.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))

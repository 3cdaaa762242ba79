"""Exception rules about warehouse stock and SKU resolution: discrepancies, unmapped SKUs, record accuracy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

from sqlalchemy import Connection, select

from core.schema import SkuSuggestion
from core.timeutil import week_label
from governance import not_tracked
from governance.rule_model import DetectContext, ExceptionRule, Found
from governance.targets import Rag
from governance.vocabulary import Domain, Severity
from metrics.compute import combine_weeks, compute_rows
from metrics.registry import BY_ID
from metrics.stock import pair_records, system_sku_records

IRA = "inventory_record_accuracy"
IRA_WEEKS = 4


def _discrepancies(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    pairs = pair_records(ctx.metrics).subquery("pairs")
    for row in conn.execute(select(pairs).where(pairs.c.differs == 1)).mappings():
        record = {**row, "difference": int(row["system_qty"]) - int(row["book_qty"])}
        oversell = record["difference"] > 0
        yield STOCK_DISCREPANCY.found(record, Severity.HIGH if oversell else Severity.MEDIUM)


def _suggestions(conn: Connection) -> dict[tuple[str, str], dict[str, object]]:
    table = SkuSuggestion.__table__
    query = select(table).where(table.c.status == "open", table.c.suggested_sku.is_not(None))
    return {(r["system"], r["system_sku"]): dict(r) for r in conn.execute(query).mappings()}


def _unmapped(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    seen = system_sku_records(ctx.metrics).subquery("seen")
    suggestions = _suggestions(conn)
    untracked = not_tracked.settings(conn)  # a steward's "not tracked" hides what it covers
    for row in conn.execute(select(seen).where(seen.c.unmapped == 1)).mappings():
        if untracked and not_tracked.covered(untracked, row["system"], row["system_sku"]):
            continue
        suggestion = suggestions.get((row["system"], row["system_sku"]), {})
        record = {
            **row,
            "suggested_sku": suggestion.get("suggested_sku"),
            "suggestion_method": suggestion.get("method"),
        }
        yield UNMAPPED_SYSTEM_SKU.found(record, Severity.MEDIUM)


def ira_weeks(ctx: DetectContext) -> list[str]:
    """The last IRA_WEEKS complete ISO weeks before the week holding as_of, oldest first."""
    return [week_label(ctx.as_of - timedelta(days=7 * back)) for back in range(IRA_WEEKS, 0, -1)]


def _accuracy(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    target = ctx.targets.get(IRA)
    if target is None:
        return
    weeks = ira_weeks(ctx)
    rows = [
        row
        for row in compute_rows(conn, ctx.as_of, [BY_ID[IRA]], ctx.settings)
        if row.dim == "location" and row.week in weeks
    ]
    for row in combine_weeks(rows):
        if row.value is None or target.status(row.value) is Rag.GREEN:
            continue
        record = {
            "location": row.key,
            "accuracy": round(row.value, 4),
            "accurate_counts": row.num,
            "counts": row.n,
            "target": target.target,
            "weeks": f"{weeks[0]}..{weeks[-1]}",
        }
        yield ACCURACY_BELOW_TARGET.found(record, Severity.HIGH)


STOCK_DISCREPANCY = ExceptionRule(
    "stock_discrepancy",
    Domain.WAREHOUSE_STOCK,
    "a compared (system, location, sku) differs from the book",
    ("system", "location", "sku"),
    ("system", "location", "sku", "system_qty", "book_system", "book_qty", "difference"),
    "high if the system shows more than the book (oversell), else medium",
    _discrepancies,
    reads=("stock_levels", "sku_mappings", "items"),
)
UNMAPPED_SYSTEM_SKU = ExceptionRule(
    "unmapped_system_sku",
    Domain.ITEM_MASTER,
    "a system SKU seen in stock rows resolves to no sku (and no steward marked it not tracked)",
    ("system", "system_sku"),
    ("system", "system_sku", "stock_rows", "last_as_of", "suggested_sku", "suggestion_method"),
    "medium",
    _unmapped,
    reads=("stock_levels", "sku_mappings", "items"),
)
ACCURACY_BELOW_TARGET = ExceptionRule(
    "accuracy_below_target",
    Domain.WAREHOUSE_STOCK,
    "a location's IRA over the last 4 complete weeks is below target",
    ("location",),
    ("location", "accuracy", "accurate_counts", "counts", "target", "weeks"),
    "high",
    _accuracy,
    reads=("cycle_counts", "items"),
)
RULES = (STOCK_DISCREPANCY, UNMAPPED_SYSTEM_SKU, ACCURACY_BELOW_TARGET)

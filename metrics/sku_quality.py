"""SKU quality metrics by ISO week of created_at: share of items passing all five checks, failures per check.

Covers items with created_at ≤ as_of (the item master is small: items are checked in Python).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from core.schema import Item
from core.timeutil import week_monday_day
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, CountOf, Family, MetricDef, Ratio, Shape, Source
from metrics.sku_checks import Check, failed_checks, make_check_context
from metrics.sql import epoch, happened

ITEM_COLUMNS = (
    "sku",
    "name",
    "category",
    "brand",
    "barcode",
    "abc_class",
    "lifecycle_status",
    "created_at",
    "approved_at",
    "approved_by",
    "parent_sku",
    "unit_cost",
    "attributes",
)


def fail_part(check: str) -> str:
    """The part counting the items that fail a check."""
    return f"fail_{check}"


def item_records(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """Every item created ≤ as_of with its week, category and the result of each check."""
    items = Item.__table__
    query = (
        select(
            *(items.c[name] for name in ITEM_COLUMNS),
            epoch(items.c.created_at).label("created_epoch"),
            epoch(items.c.approved_at).label("approved_epoch"),
        )
        .where(happened(items.c.created_at, ctx.now))
        .order_by(items.c.sku)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    check_ctx = make_check_context(ctx.settings, ctx.now, rows)  # barcodes of every item
    if ctx.window is not None:
        start, end = ctx.window
        rows = [row for row in rows if start <= row["created_epoch"] < end]
    for row in rows:
        failed = failed_checks(row, check_ctx)
        row["wd"] = week_monday_day(int(row["created_epoch"]))
        row["category"] = row["category"] or None
        row.update({fail_part(check): int(check in failed) for check in Check})
        row["passing"] = int(not failed)
        row["failed_checks"] = ", ".join(failed)
    return rows


ITEMS = Source(
    "items",
    dims=("category",),
    parts=("passing", *(fail_part(check) for check in Check)),
    load=item_records,
    order_by=("created_at", "sku"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "sku_quality_rate",
        "Items passing all five SKU checks / items created.",
        ITEMS,
        "created_at",
        ("category",),
        Ratio("passing"),
        kpi=KpiSpec(
            "SKU quality rate", F.SKU_QUALITY, U.SHARE, C.AT_LEAST, 0.95, 0.03, "merchandising"
        ),
        family=Family.ITEMS,
    ),
    MetricDef(
        "sku_check_failures",
        "Per check: items created that week failing it (n: items created that week).",
        ITEMS,
        "created_at",
        ("check",),
        CountOf("failing", "records"),
        shape=Shape.PIVOT,
        pivot=tuple((check.value, fail_part(check)) for check in Check),
        family=Family.ITEMS,
    ),
)

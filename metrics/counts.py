"""Cycle-count metrics: inventory record accuracy and unit accuracy, by ISO week of counted_at.

A count is accurate when abs(counted − system) ≤ tol × abs(system), tol by the item's ABC class
(settings; default A 0, B 0.02, C 0.05; no class or an unknown SKU 0), compared exactly in
integers: abs(counted − system) × den ≤ num × abs(system) with tol = num / den. An item created
after as_of is unknown at as_of (tolerance 0, abc_class key null), as in SKU resolution.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, select

from core.schema import CycleCount, Item
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, Family, MetricDef, Ratio, Source, UnitAccuracy
from metrics.sql import by_key, flag, fraction, happened, monday_day, within

ABC_CLASSES = ("A", "B", "C")


def tolerance(abc_class: ColumnElement[Any], ctx: Context) -> tuple[ColumnElement[int], ...]:
    """(num, den) of the count tolerance of an ABC class column, as integer SQL expressions."""
    ratios = {cls: fraction(ctx.settings.tolerance_for(cls)) for cls in ABC_CLASSES}
    unknown_num, unknown_den = fraction(ctx.settings.tolerance_for(None))
    num = by_key(abc_class, {cls: r[0] for cls, r in ratios.items()}, unknown_num)
    den = by_key(abc_class, {cls: r[1] for cls, r in ratios.items()}, unknown_den)
    return num, den


def count_records(ctx: Context) -> Select[Any]:
    """Every count with counted_at ≤ as_of, its item's ABC class (items created ≤ as_of only) and
    whether it is accurate."""
    counts, items = CycleCount.__table__, Item.__table__
    known = happened(items.c.created_at, ctx.now)
    num, den = tolerance(items.c.abc_class, ctx)
    difference = func.abs(counts.c.counted_qty - counts.c.system_qty)
    accurate = flag(difference * den <= num * func.abs(counts.c.system_qty))
    return (
        select(
            monday_day(counts.c.counted_at).label("wd"),
            counts.c.location_id.label("location"),
            items.c.abc_class,
            counts.c.count_id,
            counts.c.counted_at,
            counts.c.sku,
            counts.c.system_qty,
            counts.c.counted_qty,
            difference.label("abs_diff"),
            accurate.label("accurate"),
            counts.c.counted_by,
        )
        .select_from(counts.outerjoin(items, and_(items.c.sku == counts.c.sku, known)))
        .where(happened(counts.c.counted_at, ctx.now), *within(counts.c.counted_at, ctx.window))
    )


COUNTS = Source(
    "cycle_counts",
    dims=("location", "abc_class"),
    parts=("accurate", "abs_diff", "system_qty"),
    records=count_records,
    order_by=("counted_at", "count_id"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "inventory_record_accuracy",
        "Accurate cycle counts / cycle counts (the count within its ABC-class tolerance).",
        COUNTS,
        "counted_at",
        ("location", "abc_class"),
        Ratio("accurate"),
        kpi=KpiSpec(
            "Inventory record accuracy",
            F.ACCURACY,
            U.SHARE,
            C.AT_LEAST,
            0.98,
            0.02,
            "inventory control",
        ),
        family=Family.COUNTS,
    ),
    MetricDef(
        "unit_accuracy",
        "max(0, 1 − Σ abs(counted − system) / Σ system) over counts; null when Σ system = 0.",
        COUNTS,
        "counted_at",
        ("location",),
        UnitAccuracy(),
        kpi=KpiSpec(
            "Unit accuracy", F.ACCURACY, U.SHARE, C.AT_LEAST, 0.99, 0.01, "inventory control"
        ),
        family=Family.COUNTS,
    ),
)

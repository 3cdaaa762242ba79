"""Exception rules about the item master: SKU checks, records without a SKU, field-ownership conflicts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import Connection, select

from core.schema import HeldItemChange, Item, SystemRecord
from core.timeutil import parse_iso
from governance.rule_model import DetectContext, ExceptionRule, Found
from governance.vocabulary import Domain, Severity
from metrics.sku_checks import Check, missing_attributes
from metrics.sku_quality import fail_part, item_records


def checked_items(conn: Connection, ctx: DetectContext) -> list[dict[str, Any]]:
    """Items created ≤ as_of with the result of each SKU check (computed once per run)."""
    return ctx.once("items", lambda: item_records(conn, ctx.metrics))


def _failing(conn: Connection, ctx: DetectContext, check: Check) -> Iterator[dict[str, Any]]:
    return (item for item in checked_items(conn, ctx) if item[fail_part(check)])


def _duplicates(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    by_barcode: dict[str, list[str]] = defaultdict(list)
    for item in _failing(conn, ctx, Check.UNIQUE_BARCODE):
        by_barcode[item["barcode"]].append(item["sku"])
    for barcode, skus in sorted(by_barcode.items()):
        record = {"barcode": barcode, "skus": sorted(skus), "count": len(skus)}
        yield DUPLICATE_BARCODE.found(record, Severity.MEDIUM)


def _invalid(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for item in _failing(conn, ctx, Check.VALID_BARCODE):
        yield INVALID_BARCODE.found(item, Severity.LOW)


def _missing_attributes(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    extras = ctx.settings.required_attributes_by_category
    for item in _failing(conn, ctx, Check.REQUIRED_ATTRIBUTES):
        record = {**item, "missing": missing_attributes(item, extras)}
        yield MISSING_ATTRIBUTES.found(record, Severity.LOW)


def _unapproved(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for item in _failing(conn, ctx, Check.APPROVED):
        yield UNAPPROVED_ACTIVE_SKU.found(item, Severity.MEDIUM)


def _missing_sku(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    table = SystemRecord.__table__
    for row in conn.execute(select(table).order_by(table.c.system, table.c.source_key)).mappings():
        yield MISSING_SKU.found(row, Severity.MEDIUM)


def same_value(proposed: str | None, current: Any) -> bool:
    """Whether a held proposal (text) equals an item's current value (typed)."""
    if proposed is None or current is None:
        return proposed is None and current is None
    try:
        if isinstance(current, Decimal | int | float):
            return Decimal(proposed) == Decimal(str(current))
        if isinstance(current, datetime):
            return parse_iso(proposed) == current
    except (InvalidOperation, ValueError):
        return False
    return proposed == str(current)


def _ownership_conflicts(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    held, items = HeldItemChange.__table__, Item.__table__
    query = select(held, items).join(items, items.c.sku == held.c.sku).order_by(held.c.id)
    for row in conn.execute(query).mappings():
        field = row["field"]
        current = row[items.c[field]] if field in items.c else None
        if same_value(row["proposed_value"], current):
            continue
        record = {
            "sku": row[held.c.sku],
            "field": field,
            "system": row[held.c.system],
            "proposed_value": row["proposed_value"],
            "current_value": current,
            "owner_system": ctx.item_master_system,
            "held_since": row[held.c.first_seen_at],
        }
        yield FIELD_OWNERSHIP_CONFLICT.found(record, Severity.MEDIUM)


ITEM_FACTS = ("sku", "name", "category", "lifecycle_status")
MISSING_SKU = ExceptionRule(
    "missing_sku",
    Domain.ITEM_MASTER,
    "a source record (e.g. a Shopify variant) has no SKU at all",
    ("system", "source_key"),
    ("system", "source_key", "kind", "title", "barcode", "file_name", "last_seen_at"),
    "medium",
    _missing_sku,
    reads=("items", "stock_levels"),
)
DUPLICATE_BARCODE = ExceptionRule(
    "duplicate_barcode",
    Domain.ITEM_MASTER,
    "a barcode is shared by ≥2 items",
    ("barcode",),
    ("barcode", "skus", "count"),
    "medium",
    _duplicates,
    reads=("items",),
    material=("skus",),
)
INVALID_BARCODE = ExceptionRule(
    "invalid_barcode",
    Domain.ITEM_MASTER,
    "an item fails valid_barcode",
    ("sku",),
    (*ITEM_FACTS, "barcode"),
    "low",
    _invalid,
    reads=("items",),
    material=("barcode",),
)
MISSING_ATTRIBUTES = ExceptionRule(
    "missing_attributes",
    Domain.ITEM_MASTER,
    "an item fails required_attributes",
    ("sku",),
    (*ITEM_FACTS, "missing"),
    "low",
    _missing_attributes,
    reads=("items",),
    material=("missing",),
)
UNAPPROVED_ACTIVE_SKU = ExceptionRule(
    "unapproved_active_sku",
    Domain.ITEM_MASTER,
    "an active item has no approved_at",
    ("sku",),
    (*ITEM_FACTS, "created_at"),
    "medium",
    _unapproved,
    reads=("items",),
)
FIELD_OWNERSHIP_CONFLICT = ExceptionRule(
    "field_ownership_conflict",
    Domain.ITEM_MASTER,
    "a non-owning system's file carries a different value for an owned field",
    ("sku", "field", "system"),
    ("sku", "field", "system", "proposed_value", "current_value", "owner_system", "held_since"),
    "medium",
    _ownership_conflicts,
    reads=("items",),
    material=("proposed_value",),
)

"""sku_quality_rate and sku_check_failures (SPEC section 3), by week of created_at."""

from __future__ import annotations

import re

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Item
from tests.spec_oracle.rows import Row, Settings, group_rows, iso_week, ratio, row

CHECKS = ("required_attributes", "naming_convention", "valid_barcode", "unique_barcode", "approved")


def valid_gtin(barcode: str) -> bool:
    """GTIN-8/12/13/14 with a correct GS1 check digit (weights 3, 1, 3, … from the right)."""
    if len(barcode) not in (8, 12, 13, 14) or not all(c in "0123456789" for c in barcode):
        return False
    body = [int(c) for c in barcode[:-1]]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10 == int(barcode[-1])


def failed_checks(item: Item, items: list[Item], as_of: int, settings: Settings) -> set[str]:
    """The checks of SPEC section 3 an item fails, among the items created ≤ as_of."""
    failed = set()
    # `required_attributes` name, category, brand and barcode non-empty
    if not (item.name and item.category and item.brand and item.barcode):
        failed.add("required_attributes")
    # `naming_convention` sku matches `^[A-Z0-9]+(-[A-Z0-9]+)*$`
    if re.search(settings.naming_pattern, item.sku) is None:
        failed.add("naming_convention")
    # `valid_barcode` a non-empty barcode is a GTIN-8/12/13/14 with a correct check digit
    if item.barcode and not valid_gtin(item.barcode):
        failed.add("valid_barcode")
    # `unique_barcode` no other of those items has the same non-empty barcode string, whatever its status
    if item.barcode and any(o.sku != item.sku and o.barcode == item.barcode for o in items):
        failed.add("unique_barcode")
    # `approved` an active item has approved_at ≤ as_of
    if item.lifecycle_status == "active" and not (
        item.approved_at is not None and item.approved_at <= as_of
    ):
        failed.add("approved")
    return failed


def _created(data: Data, as_of: int) -> list[Item]:
    """SPEC: "SKU checks cover items with created_at ≤ as_of"."""
    return [i for i in data.all("items") if i.created_at <= as_of]


def sku_quality_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "passing all five checks / items created"; dims category; n items created, num passing."""
    items = _created(data, as_of)
    facts = [
        (
            iso_week(i.created_at),
            {"category": i.category},
            not failed_checks(i, items, as_of, settings),
        )
        for i in items
    ]

    def finish(group: list[bool]) -> tuple[float, int, int]:
        passing = sum(1 for g in group if g)
        return ratio(passing, len(group)), len(group), passing

    return group_rows("sku_quality_rate", facts, ("category",), finish)


def sku_check_failures(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """Per check, items created that week failing it; n items created that week; "lists all five
    checks for every week in which an item was created"."""
    items = _created(data, as_of)
    by_week: dict[str, list[Item]] = {}
    for item in items:
        by_week.setdefault(iso_week(item.created_at), []).append(item)
    rows = []
    for week, week_items in by_week.items():
        failures = [failed_checks(i, items, as_of, settings) for i in week_items]
        for check in CHECKS:
            failing = sum(1 for f in failures if check in f)
            rows.append(
                row("sku_check_failures", week, "check", check, failing, len(week_items), None)
            )
    return rows

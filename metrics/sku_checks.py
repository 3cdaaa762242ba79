"""The five SKU checks of SPEC section 3, evaluated in Python on item records.

required_attributes: name, category, brand and barcode non-empty, plus the per-category extras of
the settings; naming_convention: the SKU fully matches the naming pattern (setting);
valid_barcode: a non-empty barcode is a GTIN-8/12/13/14 (digits only) with a correct check digit;
unique_barcode: no other checked item has the same non-empty barcode string, whatever its status;
approved: an active item has approved_at ≤ as_of.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from stdnum import ean

from core.settings import Settings


class Check(StrEnum):
    """Check names, as used for the `key` of sku_check_failures (listed in key order)."""

    APPROVED = "approved"
    NAMING_CONVENTION = "naming_convention"
    REQUIRED_ATTRIBUTES = "required_attributes"
    UNIQUE_BARCODE = "unique_barcode"
    VALID_BARCODE = "valid_barcode"


BASE_REQUIRED = ("name", "category", "brand", "barcode")
GTIN_LENGTHS = frozenset({8, 12, 13, 14})
_DIGITS = re.compile(r"[0-9]+")
Item = Mapping[str, Any]


def filled(value: Any) -> bool:
    """A value counts as given: not null and not blank."""
    return value is not None and str(value).strip() != ""


def is_gtin(barcode: str) -> bool:
    """A GTIN-8/12/13/14: ASCII digits only, one of those lengths, correct check digit."""
    if len(barcode) not in GTIN_LENGTHS or not _DIGITS.fullmatch(barcode):
        return False
    return ean.calc_check_digit(barcode[:-1]) == barcode[-1]


def missing_attributes(item: Item, extras_by_category: Mapping[str, list[str]]) -> list[str]:
    """Required attributes the item lacks: the base four, then its category's extras."""
    attributes = item.get("attributes") or {}
    extras = extras_by_category.get(item.get("category") or "", [])
    missing = [name for name in BASE_REQUIRED if not filled(item.get(name))]
    for name in extras:
        value = item[name] if name in item and name != "attributes" else attributes.get(name)
        if not filled(value) and name not in missing:
            missing.append(name)
    return missing


@dataclass(frozen=True)
class CheckContext:
    """What the checks need besides the item: settings, as_of and the barcodes of all items."""

    extras_by_category: Mapping[str, list[str]]
    naming: re.Pattern[str]
    now: int
    barcode_counts: Counter[str]


def make_check_context(settings: Settings, now: int, items: Iterable[Item]) -> CheckContext:
    """A check context over the items checked together (those created ≤ as_of)."""
    barcodes = Counter(item["barcode"] for item in items if filled(item.get("barcode")))
    return CheckContext(
        settings.required_attributes_by_category,
        re.compile(settings.sku_naming_pattern),
        now,
        barcodes,
    )


def _approved(item: Item, ctx: CheckContext) -> bool:
    if item.get("lifecycle_status") != "active":
        return True
    approved_at = item.get("approved_epoch")
    return approved_at is not None and approved_at <= ctx.now


CHECKS: dict[Check, Callable[[Item, CheckContext], bool]] = {
    Check.APPROVED: _approved,
    Check.NAMING_CONVENTION: lambda item, ctx: ctx.naming.fullmatch(item["sku"]) is not None,
    Check.REQUIRED_ATTRIBUTES: lambda item, ctx: (
        not missing_attributes(item, ctx.extras_by_category)
    ),
    Check.UNIQUE_BARCODE: lambda item, ctx: (
        not filled(item.get("barcode")) or ctx.barcode_counts[item["barcode"]] < 2
    ),
    Check.VALID_BARCODE: lambda item, ctx: (
        not filled(item.get("barcode")) or is_gtin(item["barcode"])
    ),
}


def failed_checks(item: Item, ctx: CheckContext) -> list[Check]:
    """The checks an item fails, in key order."""
    return [check for check, passes in CHECKS.items() if not passes(item, ctx)]

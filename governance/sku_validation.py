"""Live validation of SKU requests: required attributes, naming pattern, GTIN check digit, duplicate barcode.

Validators return every issue rather than stopping at the first. An issue is blocking when the
request cannot be submitted or approved with it; an edit reports problems it did not cause (an
attribute already missing) as non-blocking, so fixing one field is never held up by another.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import Item, SkuRequest
from core.settings import get_settings
from governance.labels import naming_rule_text
from metrics.sku_checks import filled, is_gtin, missing_attributes

ITEM_FIELDS = (
    "name",
    "category",
    "brand",
    "barcode",
    "abc_class",
    "lifecycle_status",
    "parent_sku",
    "unit_cost",
)
LIFECYCLE = ("draft", "active", "retired")
ABC = ("A", "B", "C")
PENDING = "pending"


@dataclass(frozen=True)
class Issue:
    """One problem with a request: the field, a short code, a message a person reads."""

    field: str
    code: str
    message: str
    blocking: bool = True

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return asdict(self)


def clean_fields(raw: Mapping[str, Any]) -> dict[str, Any]:
    """Trimmed values (blank means None); names outside the item columns go to `attributes`."""
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = dict(raw.get("attributes") or {})
    for name, value in raw.items():
        if name == "attributes":
            continue
        text = value.strip() if isinstance(value, str) else value
        text = None if text == "" else text
        key = name.strip().lower()
        if key in ITEM_FIELDS:
            fields[key] = text
        else:
            attributes[key] = text
    if fields.get("abc_class"):
        fields["abc_class"] = str(fields["abc_class"]).upper()
    if fields.get("lifecycle_status"):
        fields["lifecycle_status"] = str(fields["lifecycle_status"]).lower()
    if attributes:
        fields["attributes"] = attributes
    return fields


def _value_issues(fields: Mapping[str, Any]) -> list[Issue]:
    issues = []
    status = fields.get("lifecycle_status")
    if "lifecycle_status" in fields and status not in LIFECYCLE:
        issues.append(
            Issue(
                "lifecycle_status",
                "vocabulary",
                f"lifecycle_status must be one of {', '.join(LIFECYCLE)}",
            )
        )
    if fields.get("abc_class") is not None and fields["abc_class"] not in ABC:
        issues.append(Issue("abc_class", "vocabulary", "abc_class must be A, B, C or empty"))
    if fields.get("unit_cost") is not None:
        try:
            if Decimal(str(fields["unit_cost"])) < 0:
                raise InvalidOperation
        except InvalidOperation:
            issues.append(Issue("unit_cost", "number", "unit_cost must be a decimal ≥ 0"))
    return issues


def _barcode_issues(session: Session, sku: str, barcode: Any) -> list[Issue]:
    if not filled(barcode):
        return []
    code = str(barcode)
    issues = []
    if not is_gtin(code):
        issues.append(
            Issue(
                "barcode",
                "valid_barcode",
                f"barcode {code} is not a GTIN-8/12/13/14 with a correct check digit",
            )
        )
    others = session.scalars(select(Item.sku).where(Item.barcode == code, Item.sku != sku)).all()
    if others:
        issues.append(
            Issue(
                "barcode",
                "unique_barcode",
                f"barcode {code} is already used by {', '.join(sorted(others))}",
            )
        )
    return issues


def _missing(fields: Mapping[str, Any], blocking_for: set[str] | None) -> list[Issue]:
    extras = get_settings().required_attributes_by_category
    return [
        Issue(
            name,
            "required_attributes",
            f"{name} is required",
            blocking=blocking_for is None or name in blocking_for,
        )
        for name in missing_attributes(fields, extras)
    ]


def _pending(session: Session, sku: str, kind: str) -> bool:
    query = select(SkuRequest.id).where(
        SkuRequest.sku == sku, SkuRequest.kind == kind, SkuRequest.status == PENDING
    )
    return session.execute(query.limit(1)).first() is not None


def validate_new_sku(session: Session, sku: str, raw: Mapping[str, Any]) -> list[Issue]:
    """Every issue of a new SKU request (all of them blocking)."""
    fields = {"lifecycle_status": "active", **clean_fields(raw)}
    issues: list[Issue] = []
    pattern = get_settings().sku_naming_pattern
    if not sku:
        issues.append(Issue("sku", "required", "the SKU is required"))
    elif not re.fullmatch(pattern, sku):
        issues.append(
            Issue(
                "sku",
                "naming_convention",
                f"SKU {sku!r} does not follow the SKU naming rule: {naming_rule_text(pattern)}",
            )
        )
    if sku and session.get(Item, sku) is not None:
        issues.append(
            Issue("sku", "exists", f"SKU {sku} already exists: request an item edit instead")
        )
    if sku and _pending(session, sku, "new_sku"):
        issues.append(
            Issue("sku", "pending", f"a request for SKU {sku} is already waiting for approval")
        )
    issues += _missing(fields, None)
    issues += _value_issues(fields)
    issues += _barcode_issues(session, sku, fields.get("barcode"))
    return issues


def item_fields(item: Item) -> dict[str, Any]:
    """The item-master fields of an item as a request compares them."""
    values = {name: getattr(item, name) for name in ITEM_FIELDS}
    values["attributes"] = dict(item.attributes or {})
    return values


def validate_item_edit(session: Session, sku: str, raw: Mapping[str, Any]) -> list[Issue]:
    """Every issue of an edit request; only problems in the fields it touches block it."""
    item = session.get(Item, sku)
    if item is None:
        return [Issue("sku", "unknown", f"no item {sku}: request a new SKU instead")]
    changes = clean_fields(raw)
    current = item_fields(item)
    touched = {k for k, v in changes.items() if k != "attributes" and current.get(k) != v}
    touched |= {
        k for k, v in changes.get("attributes", {}).items() if current["attributes"].get(k) != v
    }
    if not touched:
        return [Issue("fields", "no_change", "the edit changes nothing")]
    after = {**current, **{k: v for k, v in changes.items() if k != "attributes"}}
    after["attributes"] = {**current["attributes"], **changes.get("attributes", {})}
    issues = _missing(after, touched) + _value_issues(changes)
    if "barcode" in touched:
        issues += _barcode_issues(session, sku, changes.get("barcode"))
    if _pending(session, sku, "item_edit"):
        issues.append(
            Issue(
                "sku", "pending", f"another edit of {sku} is waiting for approval", blocking=False
            )
        )
    return issues


def blocking(issues: list[Issue]) -> list[Issue]:
    """The issues that stop a request."""
    return [issue for issue in issues if issue.blocking]

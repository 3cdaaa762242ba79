"""Writes to the item master made in the product (after approval): the item, its change log, the audit log."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from core.schema import Item, ItemChange
from core.timeutil import utcnow
from governance.audit import as_text, record
from governance.permissions import Actor
from governance.sku_validation import ITEM_FIELDS


def _typed(name: str, value: Any) -> Any:
    return Decimal(str(value)) if name == "unit_cost" and value is not None else value


def _log(
    session: Session, me: Actor, sku: str, field: str, old: Any, new: Any, at: datetime, detail: str
) -> None:
    """One item_changes row (by user) and its audit row."""
    session.add(
        ItemChange(
            sku=sku,
            field=field,
            old_value=as_text(old),
            new_value=as_text(new),
            changed_at=at,
            system=None,
            import_run_id=None,
            actor=me.name,
        )
    )
    record(
        session,
        actor=me,
        action="item.edit" if field != "(created)" else "item.create",
        object_type="item",
        object_id=sku,
        field=field,
        old=old,
        new=new,
        detail=detail,
    )


def create_item(session: Session, me: Actor, sku: str, fields: dict[str, Any], detail: str) -> Item:
    """Create an approved item from a request's fields (approved now, by the approver)."""
    now = utcnow()
    values = {name: _typed(name, fields.get(name)) for name in ITEM_FIELDS}
    values["lifecycle_status"] = values["lifecycle_status"] or "active"
    item = Item(
        sku=sku,
        **values,
        attributes=dict(fields.get("attributes") or {}),
        created_at=now,
        approved_at=now,
        approved_by=me.name,
    )
    session.add(item)
    session.flush()
    _log(session, me, sku, "(created)", None, None, now, detail)
    for name in ("approved_at", "approved_by"):
        record(
            session,
            actor=me,
            action="item.approve",
            object_type="item",
            object_id=sku,
            field=name,
            new=getattr(item, name),
            detail=detail,
        )
    return item


def apply_edit(session: Session, me: Actor, sku: str, changes: dict[str, Any], detail: str) -> Item:
    """Apply an approved edit field by field; each change goes to item_changes and the audit log."""
    item = session.get_one(Item, sku)
    now = utcnow()
    for name in ITEM_FIELDS:
        if name in changes:
            new = _typed(name, changes[name])
            old = getattr(item, name)
            if old != new:
                setattr(item, name, new)
                _log(session, me, sku, name, old, new, now, detail)
    attributes = dict(item.attributes or {})
    for name, new in (changes.get("attributes") or {}).items():
        if attributes.get(name) != new:
            _log(session, me, sku, f"attributes.{name}", attributes.get(name), new, now, detail)
            attributes[name] = new
    item.attributes = attributes
    session.flush()
    return item


def approve_item(session: Session, me: Actor, item: Item, at: datetime) -> None:
    """Approve an imported item (approved_at, approved_by), logged and audited."""
    for name, new in (("approved_at", at), ("approved_by", me.name)):
        old = getattr(item, name)
        setattr(item, name, new)
        session.add(
            ItemChange(
                sku=item.sku,
                field=name,
                old_value=as_text(old),
                new_value=as_text(new),
                changed_at=at,
                system=None,
                import_run_id=None,
                actor=me.name,
            )
        )
        record(
            session,
            actor=me,
            action="item.approve",
            object_type="item",
            object_id=item.sku,
            field=name,
            old=old,
            new=new,
            detail="bulk approval of an imported SKU",
        )
    session.flush()

"""The item-master freeze: while on, even the owning system's item changes are held for review.

A steward turns it on or off with a reason (audited, version-checked). While it is on, an import of
the item-master system's items holds each differing field value in `held_item_changes` like a
non-owner's (a field-ownership exception), and each new SKU it carries becomes a pending SKU
request that a steward approves or rejects; lifting the freeze lets the next file apply.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import Item, ItemMasterFreeze, SkuRequest
from core.timeutil import iso_z, utcnow
from governance.audit import SYSTEM_ACTOR, record
from governance.errors import ConflictError, GovernanceError
from governance.ownership import Reader
from governance.permissions import Action, Actor, authorize
from governance.sku_validation import PENDING, clean_fields, validate_new_sku

FREEZE_ID = 1
# Columns of an items file that are not request fields (the approval sets created and approved).
NOT_REQUESTED = (
    "sku",
    "created_at",
    "approved_at",
    "approved_by",
    "source_system",
    "import_run_id",
)


@dataclass(frozen=True)
class FreezeState:
    """Whether the freeze is on, why, who set it and when (version 0: never set)."""

    active: bool
    reason: str | None = None
    by: str | None = None
    since: datetime | None = None
    version: int = 0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        since = iso_z(self.since) if self.since else None
        return {"active": self.active, "reason": self.reason, "by": self.by, "since": since,
                "version": self.version}  # fmt: skip


def freeze_state(session: Reader) -> FreezeState:
    """The freeze as stored now."""
    row = session.execute(
        select(ItemMasterFreeze).where(ItemMasterFreeze.id == FREEZE_ID)
    ).scalar_one_or_none()
    if row is None:
        return FreezeState(active=False)
    return FreezeState(row.active, row.reason, row.updated_by, row.updated_at, row.version)


def set_freeze(
    *,
    session: Session,
    actor: Actor,
    active: bool,
    reason: str,
    seen_version: int | None = None,
) -> FreezeState:
    """Turn the freeze on or off with a reason (stewards, admins); refused when already so."""
    me = authorize(session, actor, Action.MANAGE_MIGRATION)
    why = (reason or "").strip()
    if not why:
        raise GovernanceError("a freeze change needs a reason (--reason TEXT)")
    current = freeze_state(session)
    if seen_version is not None and seen_version != current.version:
        raise ConflictError(
            f"the freeze changed under you (now version {current.version})", current.as_dict()
        )
    if current.active == active:
        state = f"on since {iso_z(current.since)}, set by {current.by}" if active else "off"
        raise GovernanceError(f"the item-master freeze is already {state}")
    now = utcnow()
    values = {"active": active, "reason": why, "updated_at": now, "updated_by": me.name}
    if current.version == 0:
        session.add(ItemMasterFreeze(id=FREEZE_ID, version=1, **values))
    else:
        session.execute(
            update(ItemMasterFreeze)
            .where(ItemMasterFreeze.id == FREEZE_ID, ItemMasterFreeze.version == current.version)
            .values(version=current.version + 1, **values)
        )
    session.flush()
    record(session, actor=me, action="freeze.on" if active else "freeze.off",
           object_type="item_master_freeze", object_id=FREEZE_ID, field="active",
           old=current.active, new=active, detail=why)  # fmt: skip
    return freeze_state(session)


def import_requester(system: str) -> str:
    """Who a SKU request filed by a frozen import is from (no user name can contain ':')."""
    return f"import:{system}"


def request_held_skus(
    session: Session,
    *,
    system: str,
    rows: Sequence[Mapping[str, Any]],
    file_name: str,
    run_id: int,
    actor: str | None,
) -> list[str]:
    """File each new SKU of a frozen item-master file as a pending SKU request; import notes.

    Part of the import's transaction (the import was authorized); a SKU already waiting for
    approval is left as it is, so importing the same file twice files nothing new.
    """
    filed, waiting = [], []
    for row in rows:
        sku = str(row["sku"])
        if _pending(session, sku):
            waiting.append(sku)
            continue
        fields = clean_fields({k: v for k, v in row.items() if k not in NOT_REQUESTED})
        issues = validate_new_sku(session, sku, fields)
        request = SkuRequest(
            kind="new_sku", sku=sku, fields=_plain(fields),
            note=f"held by the item-master freeze: {file_name} (import run {run_id})",
            requester=import_requester(system), requested_at=utcnow(), status=PENDING,
            validation={"issues": [i.as_dict() for i in issues]}, version=1,
        )  # fmt: skip
        session.add(request)
        session.flush()
        record(session, actor=actor or SYSTEM_ACTOR, action="sku_request.create",
               object_type="sku_request", object_id=request.id, field="status", new=PENDING,
               detail=f"new_sku {sku} from {system}'s file during the item-master freeze")  # fmt: skip
        filed.append(sku)
    notes = []
    if filed:
        notes.append(f"item-master freeze: {len(filed)} new SKU(s) filed as SKU requests")
    if waiting:
        notes.append(f"item-master freeze: {len(waiting)} new SKU(s) already wait for approval")
    return notes


def settle_held_skus(
    session: Session, *, system: str, skus: Sequence[str], file_name: str, actor: str | None
) -> list[str]:
    """After the freeze: requests filed from `system`'s frozen files for SKUs its file has now
    created are closed (rejected as settled by the file), audited; import notes."""
    if not skus:
        return []
    query = select(SkuRequest).where(
        SkuRequest.requester == import_requester(system),
        SkuRequest.status == PENDING,
        SkuRequest.kind == "new_sku",
    )
    wanted, items = set(skus), Item.__table__
    pending = [r for r in session.scalars(query) if r.sku in wanted]
    created = set(
        session.scalars(
            select(items.c.sku).where(items.c.sku.in_(sorted({r.sku for r in pending})))
        )
    )
    why = f"created by {system}'s file {file_name} after the item-master freeze was lifted"
    settled = [r for r in pending if r.sku in created]
    for request in settled:
        request.status, request.decided_by, request.decided_at = "rejected", SYSTEM_ACTOR, utcnow()
        request.reason, request.version = why, request.version + 1
        record(session, actor=actor or SYSTEM_ACTOR, action="sku_request.rejected",
               object_type="sku_request", object_id=request.id, field="status", old=PENDING,
               new="rejected", detail=why)  # fmt: skip
    session.flush()
    return (
        [f"{len(settled)} SKU request(s) from the freeze settled by this file"] if settled else []
    )


def _pending(session: Session, sku: str) -> bool:
    query = select(SkuRequest.id).where(
        SkuRequest.sku == sku, SkuRequest.kind == "new_sku", SkuRequest.status == PENDING
    )
    return session.execute(query.limit(1)).first() is not None


def _plain(fields: Mapping[str, Any]) -> dict[str, Any]:
    """JSON-safe request fields (decimals and times as text, as a person would have typed them)."""

    def text(value: Any) -> Any:
        if value is None or isinstance(value, str | int | float | bool | dict):
            return value
        return iso_z(value) if isinstance(value, datetime) else str(value)

    return {name: text(value) for name, value in fields.items()}

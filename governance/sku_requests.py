"""SKU approval: requests for new SKUs and item-master edits, approved or rejected by another steward.

Nothing goes live unapproved: a request stores the proposed fields; only approval writes the
item (with approved_at/approved_by for a new SKU), its change log (item_changes) and audit rows.
Owners, stewards and admins request; stewards and admins other than the requester decide.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import Item, SkuRequest
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError, NotFound
from governance.item_writes import apply_edit, approve_item, create_item
from governance.permissions import Action, Actor, authorize
from governance.sku_validation import (
    Issue,
    blocking,
    clean_fields,
    validate_item_edit,
    validate_new_sku,
)


class RequestKind(StrEnum):
    """What a request asks for."""

    NEW_SKU = "new_sku"
    ITEM_EDIT = "item_edit"


class RequestStatus(StrEnum):
    """Pending until a steward decides."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ValidationFailed(GovernanceError):
    """A request has blocking issues; `issues` lists every one."""

    def __init__(self, issues: list[Issue]) -> None:
        text = "; ".join(f"{i.field}: {i.message}" for i in issues)
        super().__init__(f"the request has {len(issues)} problem(s): {text}")
        self.issues = issues


VALIDATORS = {RequestKind.NEW_SKU: validate_new_sku, RequestKind.ITEM_EDIT: validate_item_edit}
REQUEST_ACTIONS = {
    RequestKind.NEW_SKU: Action.REQUEST_SKU,
    RequestKind.ITEM_EDIT: Action.REQUEST_ITEM_EDIT,
}


def check_request(
    session: Session, kind: RequestKind | str, sku: str, fields: Mapping[str, Any]
) -> list[Issue]:
    """Live validation while a person types: every issue, blocking or not (nothing is written)."""
    return VALIDATORS[RequestKind(kind)](session, sku.strip(), fields)


def request_view(request: SkuRequest) -> dict[str, Any]:
    """A request as plain data."""
    return {
        "id": request.id,
        "kind": request.kind,
        "sku": request.sku,
        "fields": dict(request.fields or {}),
        "note": request.note,
        "requester": request.requester,
        "requested_at": iso_z(request.requested_at),
        "status": request.status,
        "issues": list((request.validation or {}).get("issues", [])),
        "decided_by": request.decided_by,
        "decided_at": iso_z(request.decided_at) if request.decided_at else None,
        "reason": request.reason,
        "version": request.version,
    }


def _submit(
    session: Session,
    actor: Actor,
    kind: RequestKind,
    sku: str,
    fields: Mapping[str, Any],
    note: str | None,
) -> dict[str, Any]:
    me = authorize(session, actor, REQUEST_ACTIONS[kind])
    issues = check_request(session, kind, sku, fields)
    if blocking(issues):
        raise ValidationFailed(blocking(issues))
    request = SkuRequest(
        kind=kind.value,
        sku=sku.strip(),
        fields=clean_fields(fields),
        note=(note or "").strip() or None,
        requester=me.name,
        requested_at=utcnow(),
        status=RequestStatus.PENDING.value,
        validation={"issues": [i.as_dict() for i in issues]},
        version=1,
    )
    session.add(request)
    session.flush()
    record(
        session,
        actor=me,
        action="sku_request.create",
        object_type="sku_request",
        object_id=request.id,
        field="status",
        new=request.status,
        detail=f"{kind.value} {request.sku}: {request.fields}",
    )
    return request_view(request)


def request_sku(
    *, session: Session, actor: Actor, sku: str, fields: Mapping[str, Any], note: str | None = None
) -> dict[str, Any]:
    """Ask for a new SKU (ValidationFailed lists blocking issues); nothing is live until approved."""
    return _submit(session, actor, RequestKind.NEW_SKU, sku, fields, note)


def request_item_edit(
    *, session: Session, actor: Actor, sku: str, changes: Mapping[str, Any], note: str | None = None
) -> dict[str, Any]:
    """Ask for an item-master edit of an existing SKU; nothing changes until approved."""
    return _submit(session, actor, RequestKind.ITEM_EDIT, sku, changes, note)


def _request(session: Session, request_id: int) -> SkuRequest:
    request = session.get(SkuRequest, int(request_id))
    if request is None:
        raise NotFound(f"no SKU request {request_id}")
    return request


def _decide(
    session: Session,
    request: SkuRequest,
    me: Actor,
    status: RequestStatus,
    reason: str | None,
    seen_version: int | None,
) -> None:
    """Record the decision under the optimistic lock (ConflictError if the request moved on)."""
    based_on = request.version if seen_version is None else int(seen_version)
    if request.status != RequestStatus.PENDING or based_on != request.version:
        raise ConflictError(
            f"SKU request {request.id} changed under you: it is {request.status} "
            f"(version {request.version}{f', decided by {request.decided_by}' if request.decided_by else ''})",
            request_view(request),
        )
    result = session.execute(
        update(SkuRequest.__table__)
        .where(SkuRequest.id == request.id, SkuRequest.version == based_on)
        .values(
            status=status.value,
            decided_by=me.name,
            decided_at=utcnow(),
            reason=reason,
            version=based_on + 1,
        )
    )
    if result.rowcount != 1:
        session.refresh(request)
        raise ConflictError(
            f"SKU request {request.id} changed under you: reload it", request_view(request)
        )
    record(
        session,
        actor=me,
        action=f"sku_request.{status.value}",
        object_type="sku_request",
        object_id=request.id,
        field="status",
        old=RequestStatus.PENDING.value,
        new=status.value,
        detail=reason,
    )
    session.refresh(request)


def approve(
    *, session: Session, actor: Actor, request_id: int, seen_version: int | None = None
) -> dict[str, Any]:
    """Approve someone else's request: the item is created or edited now, and audited."""
    request = _request(session, request_id)
    me = authorize(session, actor, Action.APPROVE_SKU_REQUEST, requester=request.requester)
    if request.status == RequestStatus.PENDING:
        found = check_request(session, request.kind, request.sku, request.fields)
        issues = [i for i in blocking(found) if i.code != "pending"]  # itself is pending
        if issues:
            raise ValidationFailed(issues)
    _decide(session, request, me, RequestStatus.APPROVED, None, seen_version)
    detail = f"request {request.id} by {request.requester}"
    if request.kind == RequestKind.NEW_SKU:
        create_item(session, me, request.sku, request.fields, detail)
    else:
        apply_edit(session, me, request.sku, request.fields, detail)
    return request_view(request)


def reject(
    *, session: Session, actor: Actor, request_id: int, reason: str, seen_version: int | None = None
) -> dict[str, Any]:
    """Reject someone else's request with a reason (nothing changes in the item master)."""
    request = _request(session, request_id)
    me = authorize(session, actor, Action.REJECT_SKU_REQUEST, requester=request.requester)
    text = (reason or "").strip()
    if not text:
        raise GovernanceError("a rejection needs a reason the requester can act on")
    _decide(session, request, me, RequestStatus.REJECTED, text, seen_version)
    return request_view(request)


def bulk_approve_imported(
    *, session: Session, actor: Actor, skus: Iterable[str] | None = None
) -> list[str]:
    """Approve imported active items that lack approval (all of them, or the SKUs given)."""
    me = authorize(session, actor, Action.APPROVE_SKU_REQUEST)
    query = select(Item).where(Item.lifecycle_status == "active", Item.approved_at.is_(None))
    wanted = None if skus is None else {s.strip() for s in skus if s.strip()}
    if wanted is not None:
        query = query.where(Item.sku.in_(sorted(wanted)))
    items = list(session.scalars(query.order_by(Item.sku)))
    now: datetime = utcnow()
    for item in items:
        approve_item(session, me, item, now)
    return [item.sku for item in items]


def list_requests(session: Session, status: str | None = None) -> list[dict[str, Any]]:
    """SKU requests, newest first (optionally of one status)."""
    query = select(SkuRequest)
    if status:
        query = query.where(SkuRequest.status == RequestStatus(status.strip().lower()).value)
    return [request_view(r) for r in session.scalars(query.order_by(SkuRequest.id.desc()))]

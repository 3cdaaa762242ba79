"""Stewards decide SKU mapping suggestions: confirm (a steward mapping files never overwrite) or reject.

A confirmation writes sku_mappings with origin "steward"; the unmapped_system_sku exception of
that system SKU then clears by data at the next detection.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from core.schema import Item, SkuMapping, SkuSuggestion
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError, NotFound
from governance.permissions import Action, Actor, authorize

STEWARD_ORIGIN = "steward"


def suggestion_view(row: SkuSuggestion) -> dict[str, Any]:
    """A suggestion as plain data."""
    return {
        "system": row.system,
        "system_sku": row.system_sku,
        "suggested_sku": row.suggested_sku,
        "method": row.method,
        "score": row.score,
        "evidence": row.evidence,
        "status": row.status,
        "decided_by": row.decided_by,
        "decided_at": iso_z(row.decided_at) if row.decided_at else None,
        "reason": row.reason,
        "version": row.version,
    }


def list_suggestions(session: Session, status: str | None = "open") -> list[dict[str, Any]]:
    """Suggestions (open ones by default), by system and system SKU."""
    query = select(SkuSuggestion)
    if status:
        query = query.where(SkuSuggestion.status == status)
    query = query.order_by(SkuSuggestion.system, SkuSuggestion.system_sku)
    return [suggestion_view(row) for row in session.scalars(query)]


def _decide(
    session: Session,
    suggestion: SkuSuggestion,
    me: Actor,
    values: dict[str, Any],
    seen_version: int | None,
) -> None:
    based_on = suggestion.version if seen_version is None else int(seen_version)
    table = SkuSuggestion.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.system == suggestion.system,
            table.c.system_sku == suggestion.system_sku,
            table.c.version == based_on,
        )
        .values(
            **values,
            decided_by=me.name,
            decided_at=utcnow(),
            updated_at=utcnow(),
            version=based_on + 1,
        )
    )
    if result.rowcount != 1:
        session.refresh(suggestion)
        raise ConflictError(
            f"the suggestion for {suggestion.system} {suggestion.system_sku} changed under you "
            f"(now {suggestion.status}, version {suggestion.version}): reload it",
            suggestion_view(suggestion),
        )
    for name, new in values.items():
        record(
            session,
            actor=me,
            action="mapping.decide",
            object_type="sku_suggestion",
            object_id=f"{suggestion.system}:{suggestion.system_sku}",
            field=name,
            old=getattr(suggestion, name),
            new=new,
        )
    session.refresh(suggestion)


def _write_mapping(session: Session, me: Actor, system: str, system_sku: str, sku: str) -> None:
    table = SkuMapping.__table__
    key = (table.c.system == system, table.c.system_sku == system_sku)
    old = session.execute(select(table.c.sku, table.c.origin).where(*key)).first()
    if old is None:
        session.execute(
            insert(table).values(
                system=system,
                system_sku=system_sku,
                sku=sku,
                origin=STEWARD_ORIGIN,
                source_system=system,
            )
        )
    else:
        session.execute(update(table).where(*key).values(sku=sku, origin=STEWARD_ORIGIN))
    record(
        session,
        actor=me,
        action="mapping.confirm",
        object_type="sku_mapping",
        object_id=f"{system}:{system_sku}",
        field="sku",
        old=old.sku if old else None,
        new=sku,
    )


def confirm_mapping(
    *,
    session: Session,
    actor: Actor,
    system: str,
    system_sku: str,
    sku: str | None = None,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Map a system SKU to a canonical SKU (the suggestion's, or another one given)."""
    me = authorize(session, actor, Action.CONFIRM_MAPPING)
    suggestion = session.get(SkuSuggestion, (system, system_sku))
    chosen = (sku or (suggestion.suggested_sku if suggestion else None) or "").strip()
    if not chosen:
        raise GovernanceError(f"no SKU to map {system} {system_sku} to: name one")
    if session.get(Item, chosen) is None:
        raise GovernanceError(f"no item {chosen}: map to an existing SKU")
    if suggestion is not None:
        values = {"status": "confirmed", "suggested_sku": chosen}
        _decide(session, suggestion, me, values, seen_version)
    _write_mapping(session, me, system, system_sku, chosen)
    return {"system": system, "system_sku": system_sku, "sku": chosen, "origin": STEWARD_ORIGIN}


def reject_mapping(
    *,
    session: Session,
    actor: Actor,
    system: str,
    system_sku: str,
    reason: str,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Reject a suggestion with a reason (the system SKU stays unmapped)."""
    me = authorize(session, actor, Action.CONFIRM_MAPPING)
    suggestion = session.get(SkuSuggestion, (system, system_sku))
    if suggestion is None:
        raise NotFound(f"no suggestion for {system} {system_sku}")
    text = (reason or "").strip()
    if not text:
        raise GovernanceError("a rejection needs a reason")
    _decide(session, suggestion, me, {"status": "rejected", "reason": text}, seen_version)
    return suggestion_view(suggestion)

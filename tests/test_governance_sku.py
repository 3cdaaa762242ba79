"""SKU approval: live validation, nothing live before approval, not by the requester, all audited; mappings."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select

from core.db import read_session, write_session
from core.schema import Item, ItemChange, SkuMapping, SkuSuggestion
from governance import mappings, sku_requests
from governance.detection import detect
from governance.errors import ConflictError, GovernanceError, PermissionDenied
from governance.permissions import Actor
from tests.governance_support import (
    AS_OF,
    add,
    audit_after,
    exceptions,
    gtin,
    item,
    last_audit_id,
    make_people,
    stock,
)

GOOD = {"name": "Linen Shirt", "category": "Tops", "brand": "Acme", "barcode": gtin(900)}


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


def _item(engine: Engine, sku: str) -> Item | None:
    with read_session(engine) as session:
        return session.get(Item, sku)


def _issues(
    engine: Engine, kind: str, sku: str, fields: dict[str, Any]
) -> set[tuple[str, str, bool]]:
    with read_session(engine) as session:
        return {
            (i.field, i.code, i.blocking)
            for i in sku_requests.check_request(session, kind, sku, fields)
        }


def test_live_validation_reports_every_issue(engine: Engine) -> None:
    add(engine, item("OLD-1", 1, barcode=gtin(5)))
    bad_digit = gtin(7)[:-1] + str((int(gtin(7)[-1]) + 1) % 10)
    assert _issues(engine, "new_sku", "bad sku", {"name": "x", "barcode": bad_digit}) == {
        ("sku", "naming_convention", True),
        ("category", "required_attributes", True),
        ("brand", "required_attributes", True),
        ("barcode", "valid_barcode", True),
    }
    assert _issues(engine, "new_sku", "OLD-1", GOOD) == {("sku", "exists", True)}
    assert _issues(engine, "new_sku", "NEW-9", {**GOOD, "barcode": gtin(5)}) == {
        ("barcode", "unique_barcode", True)
    }
    assert _issues(engine, "new_sku", "NEW-1", GOOD) == set()
    assert _issues(engine, "item_edit", "OLD-1", {"name": "Item OLD-1"}) == {
        ("fields", "no_change", True)
    }
    assert _issues(engine, "item_edit", "NOPE", {"name": "x"}) == {("sku", "unknown", True)}


def test_new_sku_goes_live_only_when_another_steward_approves(
    engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(engine) as session:
        made = sku_requests.request_sku(
            session=session, actor=people["steward1"], sku="NEW-1", fields=GOOD
        )
    assert made["status"] == "pending" and _item(engine, "NEW-1") is None
    with (
        pytest.raises(PermissionDenied, match="it is their own request"),
        write_session(engine) as session,
    ):
        sku_requests.approve(session=session, actor=people["steward1"], request_id=made["id"])
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        sku_requests.approve(session=session, actor=people["owner.merch"], request_id=made["id"])
    assert _item(engine, "NEW-1") is None
    audit_id = last_audit_id(engine)
    with write_session(engine) as session:
        done = sku_requests.approve(
            session=session, actor=people["steward2"], request_id=made["id"]
        )
    live = _item(engine, "NEW-1")
    assert live is not None and done["status"] == "approved"
    assert (live.name, live.barcode, live.lifecycle_status, live.approved_by) == (
        "Linen Shirt",
        gtin(900),
        "active",
        "steward2",
    )
    assert live.approved_at is not None
    audit = audit_after(engine, audit_id)
    assert {a[0] for a in audit} == {"steward2"}
    assert (
        "steward2",
        "sku_request.approved",
        "sku_request",
        str(made["id"]),
        "status",
        "pending",
        "approved",
    ) in audit
    assert ("steward2", "item.create", "item", "NEW-1", "(created)", None, None) in audit
    with pytest.raises(ConflictError), write_session(engine) as session:
        sku_requests.reject(
            session=session, actor=people["admin1"], request_id=made["id"], reason="late"
        )


def test_requests_with_blocking_issues_are_refused(
    engine: Engine, people: dict[str, Actor]
) -> None:
    with pytest.raises(sku_requests.ValidationFailed) as refused, write_session(engine) as session:
        sku_requests.request_sku(
            session=session, actor=people["owner.merch"], sku="x y", fields={"name": "x"}
        )
    assert {i.code for i in refused.value.issues} >= {"naming_convention", "required_attributes"}
    assert "problem(s): sku: SKU 'x y' does not follow the SKU naming rule" in str(refused.value)
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        sku_requests.request_sku(session=session, actor=people["viewer1"], sku="NEW-2", fields=GOOD)


def test_item_edit_and_rejection(engine: Engine, people: dict[str, Actor]) -> None:
    add(engine, item("OLD-1", 1))
    with write_session(engine) as session:
        edit = sku_requests.request_item_edit(
            session=session,
            actor=people["owner.merch"],
            sku="OLD-1",
            changes={"name": "Renamed", "colour": "navy"},
        )
        other = sku_requests.request_item_edit(
            session=session, actor=people["owner.merch"], sku="OLD-1", changes={"brand": "Other"}
        )
    assert _item(engine, "OLD-1").name == "Item OLD-1"  # nothing live yet
    with pytest.raises(GovernanceError, match="needs a reason"), write_session(engine) as session:
        sku_requests.reject(
            session=session, actor=people["steward1"], request_id=other["id"], reason=" "
        )
    with write_session(engine) as session:
        sku_requests.reject(
            session=session,
            actor=people["steward1"],
            request_id=other["id"],
            reason="brand is right",
        )
        sku_requests.approve(session=session, actor=people["steward1"], request_id=edit["id"])
    edited = _item(engine, "OLD-1")
    assert (edited.name, edited.brand, edited.attributes) == ("Renamed", "Acme", {"colour": "navy"})
    with read_session(engine) as session:
        changes = session.execute(
            select(
                ItemChange.field, ItemChange.old_value, ItemChange.new_value, ItemChange.actor
            ).order_by(ItemChange.id)
        ).all()
    assert [tuple(c) for c in changes] == [
        ("name", "Item OLD-1", "Renamed", "steward1"),
        ("attributes.colour", None, "navy", "steward1"),
    ]


def test_bulk_approval_of_imported_active_skus(engine: Engine, people: dict[str, Actor]) -> None:
    add(
        engine,
        item("IMP-1", 1, approved_at=None, approved_by=None),
        item("IMP-2", 2, approved_at=None, approved_by=None),
        item("DRAFT-1", 3, approved_at=None, approved_by=None, lifecycle_status="draft"),
    )
    detect(engine, as_of=AS_OF)
    assert len(exceptions(engine, "unapproved_active_sku")) == 2
    with write_session(engine) as session:
        done = sku_requests.bulk_approve_imported(session=session, actor=people["steward1"])
    assert done == ["IMP-1", "IMP-2"]
    assert (
        _item(engine, "IMP-1").approved_by == "steward1"
        and _item(engine, "DRAFT-1").approved_at is None
    )
    detect(engine)  # approved now: judged now
    assert {r["status"] for r in exceptions(engine, "unapproved_active_sku")} == {"resolved"}


def test_confirmed_mapping_clears_the_unmapped_exception(
    engine: Engine, people: dict[str, Actor]
) -> None:
    add(
        engine,
        item("SKU-A", 1),
        stock("amazon", "FC-1", "amz-a", 4),
        SkuSuggestion(
            system="amazon",
            system_sku="amz-a",
            suggested_sku="SKU-A",
            method="normalised_sku",
            score=1.0,
            status="open",
            created_at=AS_OF,
            updated_at=AS_OF,
            version=1,
        ),
    )
    detect(engine, as_of=AS_OF)
    assert exceptions(engine, "unmapped_system_sku")[0]["facts"]["suggested_sku"] == "SKU-A"
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        mappings.confirm_mapping(
            session=session, actor=people["owner.merch"], system="amazon", system_sku="amz-a"
        )
    with write_session(engine) as session:
        mappings.confirm_mapping(
            session=session, actor=people["steward1"], system="amazon", system_sku="amz-a"
        )
    with read_session(engine) as session:
        mapping = session.get(SkuMapping, ("amazon", "amz-a"))
        suggestion = session.get(SkuSuggestion, ("amazon", "amz-a"))
    assert (mapping.sku, mapping.origin) == ("SKU-A", "steward")
    assert (suggestion.status, suggestion.decided_by) == ("confirmed", "steward1")
    detect(engine, as_of=AS_OF)
    assert exceptions(engine, "unmapped_system_sku")[0]["cleared_by_data"] is True

"""Floods become one decision: bulk actions on a line of exceptions, on mapping suggestions, and "not tracked".

The brand below, by hand: items SKU-1, SKU-2; stock rows of amazon for AMZ-1, AMZ-2, AMZ-3, X-9
and SKU-1 (resolves to the item), of shopify for SH-1. Unmapped: amazon AMZ-1, AMZ-2, AMZ-3,
X-9 and shopify SH-1, so detection opens 5 unmapped_system_sku exceptions, routed to
merchandising (the item master's team). Suggestions: amazon AMZ-1 -> SKU-1 (1.0), AMZ-2 -> SKU-2
(1.0), AMZ-3 -> SKU-1 (0.5), AMZ-4 -> GONE (1.0, no such item), X-9 -> nothing; shopify SH-1 ->
SKU-2 (1.0).
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from core.db import read_session, write_session
from core.schema import ExceptionResolution, SkuMapping, SkuSuggestion
from governance import bulk_exceptions, bulk_mappings, not_tracked
from governance.detection import run_detection
from governance.errors import ConflictError, GovernanceError, PermissionDenied
from governance.permissions import Actor
from tests.governance_support import (
    AS_OF,
    add,
    audit_after,
    exceptions,
    item,
    last_audit_id,
    make_people,
    stock,
)

UNMAPPED, TEAM = "unmapped_system_sku", "merchandising"
SUGGESTED = {  # (system, system_sku) -> (suggested sku, score)
    ("amazon", "AMZ-1"): ("SKU-1", 1.0),
    ("amazon", "AMZ-2"): ("SKU-2", 1.0),
    ("amazon", "AMZ-3"): ("SKU-1", 0.5),
    ("amazon", "AMZ-4"): ("GONE", 1.0),
    ("amazon", "X-9"): (None, None),
    ("shopify", "SH-1"): ("SKU-2", 1.0),
}


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    return make_people(engine)


@pytest.fixture
def brand(engine: Engine, people: dict[str, Actor]) -> None:
    """The brand of the module docstring, detected once at AS_OF."""
    rows: list[object] = [item("SKU-1", 1), item("SKU-2", 2)]
    rows += [stock("amazon", "FC1", sku, 5) for sku in ("AMZ-1", "AMZ-2", "AMZ-3", "X-9", "SKU-1")]
    rows.append(stock("shopify", "WEB", "SH-1", 2))
    for (system, system_sku), (sku, score) in SUGGESTED.items():
        rows.append(
            SkuSuggestion(
                system=system,
                system_sku=system_sku,
                suggested_sku=sku,
                score=score,
                method="barcode" if sku else None,
                evidence="by hand",
                created_at=AS_OF,
                updated_at=AS_OF,
            )
        )
    add(engine, *rows)
    detect(engine, people)


def detect(engine: Engine, people: dict[str, Actor]) -> Any:
    with write_session(engine) as session:
        return run_detection(session=session, actor=people["steward1"], as_of=AS_OF)


def active_unmapped(engine: Engine) -> list[str]:
    return sorted(
        row["entity"]
        for row in exceptions(engine, UNMAPPED)
        if row["status"] in ("open", "acknowledged", "in_progress")
    )


def state(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """What a refused or failed bulk action must leave untouched."""
    with read_session(engine) as session:
        suggestions = session.execute(
            select(SkuSuggestion.system_sku, SkuSuggestion.status, SkuSuggestion.version)
        ).all()
        maps = session.execute(select(SkuMapping.system, SkuMapping.system_sku)).all()
        closings = session.execute(select(ExceptionResolution.id)).all()
    rows = [(r["id"], r["status"], r["assignee"], r["version"]) for r in exceptions(engine)]
    return {"exceptions": rows, "suggestions": sorted(suggestions), "mappings": sorted(maps),
            "closings": list(closings)}  # fmt: skip


def test_the_brand_has_five_unmapped_exceptions(engine: Engine, brand: None) -> None:
    assert active_unmapped(engine) == [
        "amazon / AMZ-1", "amazon / AMZ-2", "amazon / AMZ-3", "amazon / X-9", "shopify / SH-1",
    ]  # fmt: skip
    assert {row["team"] for row in exceptions(engine, UNMAPPED)} == {TEAM}


def test_acknowledge_a_line_skips_those_already_acknowledged(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    first = exceptions(engine, UNMAPPED)[0]["id"]
    with write_session(engine) as session:
        bulk_exceptions.act_on_exceptions(
            session=session, actor=people["steward1"], verb="acknowledge", seen=[first]
        )
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        done = bulk_exceptions.act_on_line(session=session, actor=people["steward2"],
                                           verb="acknowledge", type=UNMAPPED, team=TEAM)  # fmt: skip
    assert (done.changed, done.skipped) == (4, 1)  # 5 in the line, 1 acknowledged before
    rows = audit_after(engine, mark, "exception")
    assert len(rows) == 4 and len({r[3] for r in rows}) == 4  # one row per exception changed
    assert {r[1:2] + r[4:] for r in rows} == {
        ("exception.bulk_acknowledge", "status", "open", "acknowledged")
    }
    assert {r["status"] for r in exceptions(engine, UNMAPPED)} == {"acknowledged"}
    assert all(r["acknowledged_at"] is not None for r in exceptions(engine, UNMAPPED))


def test_resolve_a_line_with_one_reason_and_note(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        done = bulk_exceptions.act_on_line(session=session, actor=people["admin1"], verb="resolve",
                                           type=UNMAPPED, team=TEAM, reason="duplicate",
                                           note="one listing per SKU")  # fmt: skip
    assert (done.changed, done.skipped) == (5, 0)
    found = exceptions(engine, UNMAPPED)
    assert {(r["status"], r["resolution_reason"], r["resolution_note"], r["verification"],
             r["resolved_by"]) for r in found} == {
        ("resolved", "duplicate", "one listing per SKU", "awaiting", "admin1")
    }  # fmt: skip
    assert len(audit_after(engine, mark, "exception")) == 5
    with read_session(engine) as session:
        closings = session.execute(select(ExceptionResolution.outcome)).scalars().all()
    assert closings == ["awaiting"] * 5
    # The data judges a person's resolution: no new import, so detection leaves them waiting.
    assert detect(engine, people).reopened == 0


def test_wont_fix_needs_a_reason_and_note_and_changes_nothing_without(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    before = state(engine)
    with pytest.raises(GovernanceError, match="note is required"), write_session(engine) as s:
        bulk_exceptions.act_on_line(session=s, actor=people["steward1"], verb="wont_fix",
                                    type=UNMAPPED, team=TEAM, reason="accepted_risk", note=" ")  # fmt: skip
    assert state(engine) == before
    with write_session(engine) as session:
        done = bulk_exceptions.act_on_line(session=session, actor=people["steward1"],
                                           verb="wont_fix", type=UNMAPPED, team=TEAM,
                                           reason="accepted_risk", note="marketplace only")  # fmt: skip
    assert done.changed == 5
    assert {r["status"] for r in exceptions(engine, UNMAPPED)} == {"wont_fix"}


def test_assign_a_line_to_a_person(engine: Engine, brand: None, people: dict[str, Actor]) -> None:
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        done = bulk_exceptions.act_on_line(session=session, actor=people["steward1"],
                                           verb="assign", type=UNMAPPED, team=TEAM,
                                           assignee="owner.merch")  # fmt: skip
    assert done.changed == 5
    rows = audit_after(engine, mark, "exception")
    assert {r[4:] for r in rows} == {("assignee", None, "owner.merch")} and len(rows) == 5
    with write_session(engine) as session:  # the same again changes nothing
        again = bulk_exceptions.act_on_line(session=session, actor=people["steward1"],
                                            verb="assign", type=UNMAPPED, team=TEAM,
                                            assignee="owner.merch")  # fmt: skip
    assert (again.changed, again.skipped) == (0, 5)


@pytest.mark.parametrize("who", ["owner.merch", "viewer1"])
def test_non_stewards_are_refused_and_nothing_changes(
    engine: Engine, brand: None, people: dict[str, Actor], who: str
) -> None:
    before = state(engine)
    mark = last_audit_id(engine)
    attempts = [
        lambda s: bulk_exceptions.act_on_line(
            session=s, actor=people[who], verb="acknowledge", type=UNMAPPED, team=TEAM
        ),
        lambda s: bulk_mappings.confirm_exact(session=s, actor=people[who]),
        lambda s: bulk_mappings.reject_matching(
            session=s, actor=people[who], system="amazon", reason="not ours"
        ),
        lambda s: not_tracked.mark_not_tracked(session=s, actor=people[who], system="amazon"),
    ]
    for attempt in attempts:
        with pytest.raises(PermissionDenied), write_session(engine) as session:
            attempt(session)
    assert state(engine) == before
    assert audit_after(engine, mark) == []


def test_a_conflict_midway_through_a_line_changes_nothing(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    drawn = {r["id"]: r["version"] for r in exceptions(engine, UNMAPPED)}
    last = max(drawn)
    with write_session(engine) as session:  # someone else acts on the last one meanwhile
        bulk_exceptions.act_on_exceptions(session=session, actor=people["steward2"],
                                          verb="acknowledge", seen=[last])  # fmt: skip
    before, mark = state(engine), last_audit_id(engine)
    with pytest.raises(ConflictError), write_session(engine) as session:
        # the first four are updated, then the fifth's version has moved on: all rolled back
        bulk_exceptions.act_on_exceptions(session=session, actor=people["steward1"],
                                          verb="resolve", seen=drawn, reason="other", note="n")  # fmt: skip
    assert state(engine) == before
    assert audit_after(engine, mark) == []


def test_confirm_every_exact_suggestion(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        done = bulk_mappings.confirm_exact(session=session, actor=people["steward1"],
                                           system="amazon")  # fmt: skip
    # amazon's score-1.0 suggestions: AMZ-1, AMZ-2 and AMZ-4, whose item GONE does not exist
    assert (done.changed, done.skipped) == (2, 1)
    assert sorted(r[3] for r in audit_after(engine, mark, "sku_suggestion")) == [
        "amazon:AMZ-1", "amazon:AMZ-2",
    ]  # fmt: skip
    assert sorted(r[3:] for r in audit_after(engine, mark, "sku_mapping")) == [
        ("amazon:AMZ-1", "sku", None, "SKU-1"), ("amazon:AMZ-2", "sku", None, "SKU-2"),
    ]  # fmt: skip
    with read_session(engine) as session:
        maps = session.execute(select(SkuMapping.system_sku, SkuMapping.sku, SkuMapping.origin))
        assert sorted(maps.all()) == [("AMZ-1", "SKU-1", "steward"), ("AMZ-2", "SKU-2", "steward")]
    with write_session(engine) as session:  # every system: shopify SH-1 is left, AMZ-4 again
        rest = bulk_mappings.confirm_exact(session=session, actor=people["admin1"])
    assert (rest.changed, rest.skipped) == (1, 1)
    # the mapped SKUs clear by data: AMZ-1, AMZ-2 and SH-1 go, AMZ-3 and X-9 stay
    assert detect(engine, people).cleared == 3
    assert active_unmapped(engine) == ["amazon / AMZ-3", "amazon / X-9"]


def test_reject_by_system_and_by_sku_glob(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        done = bulk_mappings.reject_matching(session=session, actor=people["steward1"],
                                             system="amazon", pattern="AMZ-*", reason="not ours")  # fmt: skip
    assert done.changed == 4  # AMZ-1 .. AMZ-4; X-9 does not match the glob
    rows = audit_after(engine, mark, "sku_suggestion")
    assert len(rows) == 4 and {r[4:] for r in rows} == {("status", "open", "rejected")}
    with write_session(engine) as session:  # the rest of amazon: X-9 only
        rest = bulk_mappings.reject_matching(session=session, actor=people["steward1"],
                                             system="AMAZON", reason="not ours")  # fmt: skip
    assert rest.changed == 1
    with read_session(engine) as session:
        still = session.execute(
            select(SkuSuggestion.system_sku).where(SkuSuggestion.status == "open")
        )
        assert still.scalars().all() == ["SH-1"]


def test_a_conflict_midway_through_suggestions_changes_nothing(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    with read_session(engine) as session:
        drawn = {c.key: c.version for c in bulk_mappings.open_candidates(session, exact=True)}
    with write_session(engine) as session:  # an import refreshes shopify SH-1 meanwhile
        session.execute(
            update(SkuSuggestion)
            .where(SkuSuggestion.system_sku == "SH-1")
            .values(version=SkuSuggestion.version + 1, evidence="refreshed")
        )
    before, mark = state(engine), last_audit_id(engine)
    with pytest.raises(ConflictError), write_session(engine) as session:
        # AMZ-1 and AMZ-2 are confirmed and mapped, then SH-1 (last by key) has moved on
        bulk_mappings.confirm_exact(session=session, actor=people["steward1"], seen=drawn)
    assert state(engine) == before
    assert audit_after(engine, mark) == []


def test_not_tracked_clears_by_data_and_lifting_brings_them_back(
    engine: Engine, brand: None, people: dict[str, Actor]
) -> None:
    mark = last_audit_id(engine)
    with write_session(engine) as session:
        made = not_tracked.mark_not_tracked(session=session, actor=people["steward1"],
                                            system="Amazon", pattern="AMZ-?", note="FBA only")  # fmt: skip
    assert made.covered_exceptions == 3  # AMZ-1, AMZ-2, AMZ-3 (X-9 does not match AMZ-?)
    assert audit_after(engine, mark, "not_tracked_skus") == [
        (
            "steward1",
            "not_tracked.mark",
            "not_tracked_skus",
            "amazon:AMZ-?",
            "tracked",
            "true",
            "false",
        )
    ]
    report = detect(engine, people)
    assert report.cleared == 3 and report.found[UNMAPPED] == 2
    assert active_unmapped(engine) == ["amazon / X-9", "shopify / SH-1"]
    cleared = [r for r in exceptions(engine, UNMAPPED) if r["status"] == "resolved"]
    assert {r["cleared_by_data"] for r in cleared} == {True}
    with pytest.raises(GovernanceError, match="already not tracked"), write_session(engine) as s:
        not_tracked.mark_not_tracked(session=s, actor=people["admin1"], system="amazon",
                                     pattern="AMZ-?")  # fmt: skip
    with write_session(engine) as session:
        lifted = not_tracked.lift_not_tracked(session=session, actor=people["admin1"],
                                              system="amazon", pattern="AMZ-?")  # fmt: skip
    assert lifted.lifted
    again = detect(engine, people)
    assert again.reopened == 3
    assert len(active_unmapped(engine)) == 5
    with pytest.raises(GovernanceError, match="not marked not tracked"), write_session(engine) as s:
        not_tracked.lift_not_tracked(session=s, actor=people["admin1"], system="amazon")


def test_every_sku_of_a_system(engine: Engine, brand: None, people: dict[str, Actor]) -> None:
    with write_session(engine) as session:
        made = not_tracked.mark_not_tracked(session=session, actor=people["steward1"],
                                            system="amazon")  # fmt: skip
    assert (made.setting.pattern, made.covered_exceptions) == ("*", 4)
    detect(engine, people)
    assert active_unmapped(engine) == ["shopify / SH-1"]
    with read_session(engine) as session:
        standing = not_tracked.settings(session)
    assert [(s.system, s.pattern, s.created_by) for s in standing] == [("amazon", "*", "steward1")]

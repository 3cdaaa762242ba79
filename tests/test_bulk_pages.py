"""The page controls of bulk decisions: a whole queue line, exact and glob decisions on suggestions, not tracked.

The brand is tests.test_bulk_decisions' (5 unmapped exceptions in merchandising; open suggestions
amazon AMZ-1, AMZ-2, AMZ-4 and shopify SH-1 with score 1.0, AMZ-3 0.5, X-9 none).
"""

from __future__ import annotations

from sqlalchemy import Engine, select

from core.db import read_session, write_session
from core.schema import NotTrackedSkus, SkuSuggestion
from core.timeutil import utcnow, week_label
from governance import review
from governance.permissions import Actor
from tests.governance_support import exceptions
from tests.test_bulk_decisions import UNMAPPED, brand, people  # noqa: F401 (fixtures)
from tests.test_governance_pages import button, labelled, page

REJECT = "approvals.mappings.bulk.reject"


def statuses(engine: Engine) -> dict[str, str]:
    with read_session(engine) as session:
        rows = session.execute(select(SkuSuggestion.system_sku, SkuSuggestion.status))
        return dict(rows.all())


def test_a_steward_resolves_a_whole_queue_line(engine: Engine, brand: None) -> None:  # noqa: F811
    at = page("steward1", "queue")
    assert not at.exception
    labelled(at.selectbox, "Action").set_value("resolve")
    labelled(at.selectbox, "Reason (resolve, won't fix)").set_value("duplicate")
    labelled(at.text_input, "Note (resolve, won't fix)").input("listed twice")
    at = button(at, "Apply to all 5").click().run()
    assert [s.value for s in at.success] == [
        "5 exception(s) resolved.",
        "Nothing to do: no active exception.",  # the line closed, so the queue is empty
    ]
    assert {(e["status"], e["resolution_note"]) for e in exceptions(engine, UNMAPPED)} == {
        ("resolved", "listed twice")
    }


def test_a_bulk_close_without_a_note_says_so_and_changes_nothing(
    engine: Engine,
    brand: None,  # noqa: F811
) -> None:
    at = page("steward1", "queue")
    labelled(at.selectbox, "Action").set_value("wont_fix")
    at = button(at, "Apply to all 5").click().run()
    assert [e.value for e in at.error] == [
        "Choose a reason: Fixed at source, Data corrected, False positive, Duplicate, Accepted "
        "risk or Other. Write a note: say what was done, or why it stays."
    ]
    assert {e["status"] for e in exceptions(engine, UNMAPPED)} == {"open"}


def test_a_steward_confirms_every_exact_suggestion_then_rejects_by_glob(
    engine: Engine,
    brand: None,  # noqa: F811
) -> None:
    at = page("steward1", "approvals")
    at = button(at, "Confirm all 4 with score 1.0").click().run()
    assert "3 suggestion(s) confirmed; 1 left open (their suggested item does not exist)." in [
        s.value for s in at.success
    ]
    at.text_input(key=f"{REJECT}.pattern").input("AMZ-*")
    at.text_input(key=f"{REJECT}.reason").input("not our listings")
    at.run()
    at = button(at, "Reject 2 open suggestion(s)").click().run()  # AMZ-3 and AMZ-4 are left
    assert "2 suggestion(s) rejected." in [s.value for s in at.success]
    assert statuses(engine) == {
        "AMZ-1": "confirmed", "AMZ-2": "confirmed", "AMZ-3": "rejected", "AMZ-4": "rejected",
        "X-9": "open", "SH-1": "confirmed",
    }  # fmt: skip


def test_a_steward_marks_amazon_not_tracked_and_lifts_it(
    engine: Engine,
    brand: None,  # noqa: F811
) -> None:
    at = page("steward1", "approvals")
    at.selectbox(key="approvals.not_tracked.system").set_value("amazon")
    at = button(at, "Mark not tracked").click().run()
    assert (
        "amazon SKUs matching '*' are not tracked: 4 active unmapped-SKU exception(s) clear by "
        "data at the next detection."
    ) in [s.value for s in at.success]
    at = button(at, "Lift").click().run()
    assert "amazon SKUs matching '*' are tracked again: detection reports them when unmapped." in [
        s.value for s in at.success
    ]
    with read_session(engine) as session:
        assert session.scalars(select(NotTrackedSkus)).all() == []


def test_an_owner_sees_none_of_the_bulk_controls(engine: Engine, brand: None) -> None:  # noqa: F811
    for name in ("queue", "approvals"):
        at = page("owner.merch", name)
        assert not at.exception
        labels = {b.label for b in at.button}
        bulk = ("Confirm all", "Reject ", "Apply to all", "Mark not tracked", "Lift")
        assert not [label for label in labels if label.startswith(bulk)], labels


def test_a_steward_assigns_a_whole_line_from_all_exceptions(
    engine: Engine,
    brand: None,  # noqa: F811
) -> None:
    at = page("steward1", "exceptions")
    assert not at.exception
    labelled(at.selectbox, "Action").set_value("assign")
    labelled(at.selectbox, "Assign to person").set_value("owner.merch")
    at = button(at, "Apply to all 5").click().run()
    assert "5 exception(s) assigned." in [s.value for s in at.success]
    assert {e["assignee"] for e in exceptions(engine, UNMAPPED)} == {"owner.merch"}


def test_the_review_meeting_acts_on_an_exception_line(
    engine: Engine,
    brand: None,  # noqa: F811
    people: dict[str, Actor],  # noqa: F811
) -> None:
    with write_session(engine) as session:
        review.open_review(session=session, actor=people["steward1"], week=week_label(utcnow()))
    at = page("steward1", "review")
    assert not at.exception
    at = button(at, "Apply to all 5").click().run()  # the default action: acknowledge
    assert "5 exception(s) acknowledged." in [s.value for s in at.success]
    assert {e["status"] for e in exceptions(engine, UNMAPPED)} == {"acknowledged"}

"""The governance pages: every role can read them, only those allowed act, and every act goes through governance."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.db import read_session, write_session
from core.schema import Item, KpiTarget, SkuSuggestion
from core.timeutil import utcnow, week_label
from governance import lifecycle, review, review_read, sku_requests
from governance.detection import detect
from governance.errors import PermissionDenied
from governance.permissions import Actor
from tests.governance_support import (
    AS_OF,
    add,
    audit_after,
    exceptions,
    gtin,
    insert_exception,
    item,
    last_audit_id,
    make_people,
    session_token,
    stock,
)
from ui.auth import TOKEN_KEY
from ui.exception_drill import weeks_of

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "app.py")
GOVERNANCE_PAGES = ("queue", "exceptions", "review", "ownership", "approvals")
ROLES = {"viewer": "viewer1", "owner": "owner.inv", "steward": "steward1", "admin": "admin1"}
NEW_SKU_FIELDS = {"name": "Linen shirt", "category": "Tops", "brand": "Acme", "barcode": gtin(77)}


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role (owner.inv in inventory control, owner.merch in merchandising)."""
    return make_people(engine)


@pytest.fixture
def seeded(engine: Engine, people: dict[str, Actor]) -> Engine:
    """Detected exceptions of two teams, an open review, a pending request and a mapping suggestion.

    wms is the book: shopify shows 12 of SKU-A at DC-1 against 10 (high) and 4 of SKU-B against
    5 (medium): two stock discrepancies for inventory control. SKU-C is active and unapproved:
    an unapproved_active_sku for merchandising.
    """
    add(
        engine,
        item("SKU-A", 1),
        item("SKU-B", 2),
        item("SKU-C", 3, approved_at=None, approved_by=None),
        stock("wms", "DC-1", "SKU-A", 10),
        stock("shopify", "DC-1", "SKU-A", 12),
        stock("wms", "DC-1", "SKU-B", 5),
        stock("shopify", "DC-1", "SKU-B", 4),
    )
    detect(engine, as_of=AS_OF)
    now = utcnow()
    with write_session(engine) as session:
        review.open_review(session=session, actor=people["steward1"], week=week_label(now))
        sku_requests.request_sku(
            session=session, actor=people["owner.merch"], sku="NEW-1", fields=NEW_SKU_FIELDS
        )
        session.add(
            SkuSuggestion(
                system="amazon",
                system_sku="AMZ-9",
                suggested_sku="SKU-A",
                method="normalised_sku",
                score=0.9,
                evidence="same SKU",
                status="open",
                created_at=now,
                updated_at=now,
                version=1,
            )
        )
    return engine


def page(user: str, name: str) -> AppTest:
    """The app signed in as `user`, switched to a governance page."""
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    return at.switch_page(f"pages/{name}.py").run()


def button(at: AppTest, label: str) -> object:
    """The one button with this label."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def labelled(elements: object, label: str) -> object:
    """The one widget with this label among `at.selectbox`, `at.text_area`, …"""
    found = [e for e in elements if e.label == label]  # type: ignore[attr-defined]
    assert len(found) == 1, [e.label for e in elements]  # type: ignore[attr-defined]
    return found[0]


def of_type(engine: Engine, type_: str, team: str | None = None) -> list[dict[str, object]]:
    """Stored exceptions of a type (and team), by id."""
    return [e for e in exceptions(engine, type_) if team is None or e["team"] == team]


NAVIGATION = {"Sign out", "Next team"}  # buttons that change nothing stored


def action_labels(at: AppTest) -> set[str]:
    """Every button on the page that would change something."""
    return {b.label for b in at.button} - NAVIGATION


@pytest.mark.parametrize("name", GOVERNANCE_PAGES)
def test_every_page_renders_for_every_role_on_an_empty_database(
    people: dict[str, Actor], name: str
) -> None:
    for role, user in ROLES.items():
        at = page(user, name)
        assert not at.exception, (role, at.exception)
        assert at.title[0].value in {"My queue", "All exceptions", "Weekly review", "Ownership",
                                     "SKU approvals"}  # fmt: skip


@pytest.mark.parametrize("name", GOVERNANCE_PAGES)
def test_every_page_renders_for_every_role_with_exceptions(seeded: Engine, name: str) -> None:
    for role, user in ROLES.items():
        at = page(user, name)
        assert not at.exception, (role, at.exception)
        assert not at.error, (role, [e.value for e in at.error])


def test_a_viewer_sees_no_action_button_nor_form(seeded: Engine) -> None:
    for name in GOVERNANCE_PAGES:
        at = page("viewer1", name)
        assert not at.exception
        assert action_labels(at) == set(), (name, action_labels(at))
        assert not at.text_area, name
    queue_page = page("viewer1", "queue")  # a viewer still reads the queue and its facts
    assert [t.value for t in queue_page.text if "Stock discrepancy" in t.value]
    # why there is no action, said with what a viewer may do instead
    assert any(
        c.value.startswith("As a viewer you can read every page and download what it shows; "
                           "owners, stewards and admins can resolve an exception.")
        for c in queue_page.caption
    )  # fmt: skip


def test_an_owner_acknowledges_then_resolves_an_own_team_exception(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    first = of_type(seeded, "stock_discrepancy")[0]  # SKU-A, high: the queue's first line and row
    assert (first["severity"], first["entity"]) == ("high", "shopify / DC-1 / SKU-A")
    before = last_audit_id(seeded)
    at = page("owner.inv", "queue")
    assert action_labels(at) >= {"Acknowledge", "Start work", "Resolve", "Won't fix"}
    button(at, "Acknowledge").click().run()
    assert [s.value for s in at.success] == [f"Exception {first['id']} is now acknowledged."]
    labelled(at.selectbox, "Reason").select("fixed_at_source")
    labelled(at.text_area, "Note (required): what was done, or why it stays").input(
        "Recounted DC-1; shopify sync fixed"
    )
    button(at, "Resolve").click().run()
    assert not at.exception
    assert [s.value for s in at.success] == [
        f"Exception {first['id']} is now resolved, awaiting verification."
    ]
    # the panel stays on the exception acted on and shows its new state
    assert labelled(at.selectbox, "Open an exception").value == first["id"]
    assert any("Status: Resolved, awaiting verification" in t.value for t in at.text), [
        t.value for t in at.text
    ]
    key = str(first["id"])
    assert audit_after(seeded, before, "exception") == [
        ("owner.inv", "exception.acknowledge", "exception", key, "status", "open", "acknowledged"),
        ("owner.inv", "exception.resolve", "exception", key, "status", "acknowledged", "resolved"),
        ("owner.inv", "exception.resolve", "exception", key, "resolution_reason", None,
         "fixed_at_source"),
        ("owner.inv", "exception.resolve", "exception", key, "resolution_note", None,
         "Recounted DC-1; shopify sync fixed"),
        ("owner.inv", "exception.resolve", "exception", key, "verification", None, "awaiting"),
    ]  # fmt: skip
    stored = of_type(seeded, "stock_discrepancy")[0]
    assert (stored["status"], stored["resolved_by"], stored["version"]) == (
        "resolved",
        "owner.inv",
        3,
    )


def test_an_owner_cannot_act_on_another_teams_exception(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    [other] = of_type(seeded, "unapproved_active_sku")
    assert other["team"] == "merchandising"
    at = page("owner.inv", "exceptions")
    labelled(at.selectbox, "Team").select("merchandising").run()
    assert labelled(at.selectbox, "Open an exception").value == other["id"]
    assert action_labels(at) & {"Acknowledge", "Start work", "Resolve", "Won't fix",
                                "Add comment", "Acknowledge selected"} == set()  # fmt: skip
    assert any(
        c.value.startswith("You can resolve an exception only for your own team (inventory "
                           "control); this one belongs to merchandising.")
        for c in at.caption
    )  # fmt: skip
    before = last_audit_id(seeded)
    forged = pytest.raises(PermissionDenied, match="only their own team's")  # a forged click
    with forged, write_session(seeded) as session:
        lifecycle.acknowledge(session=session, actor=people["owner.inv"], exception_id=other["id"])
    assert of_type(seeded, "unapproved_active_sku")[0]["status"] == "open"
    assert audit_after(seeded, before) == []


def test_resolving_without_a_reason_or_note_says_what_is_missing(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    first = of_type(seeded, "stock_discrepancy")[0]
    at = page("owner.inv", "queue")
    before = last_audit_id(seeded)
    button(at, "Resolve").click().run()
    assert [e.value for e in at.error] == [
        "Choose a reason: Fixed at source, Data corrected, False positive, Duplicate, Accepted "
        "risk or Other. Write a note: say what was done, or why it stays."
    ]
    assert of_type(seeded, "stock_discrepancy")[0]["status"] == "open"
    assert audit_after(seeded, before) == []
    assert labelled(at.selectbox, "Open an exception").value == first["id"]


def test_an_owner_acknowledges_a_whole_line(seeded: Engine) -> None:
    ids = sorted(e["id"] for e in of_type(seeded, "stock_discrepancy"))
    at = page("owner.inv", "queue")
    button(at, "Acknowledge all 2 open").click().run()
    assert [s.value for s in at.success] == ["Acknowledged 2 exception(s)."]
    assert [e["status"] for e in of_type(seeded, "stock_discrepancy")] == ["acknowledged"] * 2
    assert sorted(e["id"] for e in of_type(seeded, "stock_discrepancy")) == ids
    assert of_type(seeded, "unapproved_active_sku")[0]["status"] == "open"  # another team's


def test_a_change_made_meanwhile_shows_the_conflict_and_overwrites_nothing(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    first = of_type(seeded, "stock_discrepancy")[0]
    at = page("owner.inv", "queue")  # the owner sees version 1, open
    with write_session(seeded) as session:  # meanwhile a steward acknowledges it
        lifecycle.acknowledge(session=session, actor=people["steward1"], exception_id=first["id"])
    labelled(at.selectbox, "Reason").select("false_positive")
    labelled(at.text_area, "Note (required): what was done, or why it stays").input("not real")
    button(at, "Won't fix").click().run()
    assert not at.exception and not at.success
    warning = [w.value for w in at.warning]
    assert len(warning) == 1 and warning[0].startswith(
        "This exception changed while you were looking at it."
    )
    assert any("it is now acknowledged" in t.value and "last changed by steward1" in t.value
               for t in at.text)  # fmt: skip
    stored = of_type(seeded, "stock_discrepancy")[0]
    assert (stored["status"], stored["resolution_note"], stored["version"]) == (
        "acknowledged", None, 2,
    )  # fmt: skip


def test_a_steward_assigns_selected_exceptions_to_a_person(seeded: Engine) -> None:
    at = page("steward1", "exceptions")
    labelled(at.selectbox, "Type").select("stock_discrepancy").run()
    assert action_labels(at) >= {"Assign selected"}
    # AppTest cannot tick table rows: an empty selection is refused with a message.
    button(at, "Assign selected").click().run()
    assert [e.value for e in at.error] == ["Select the exceptions to assign first."]
    assert {e["assignee"] for e in of_type(seeded, "stock_discrepancy")} == {None}


def test_an_owner_requests_a_sku_and_another_steward_approves_it(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    at = page("owner.inv", "approvals")
    labelled(at.text_input, "SKU").input("bad sku").run()
    assert button(at, "Submit request").disabled
    [issues] = [d.value for d in at.dataframe if "problem" in d.value.columns]  # live validation
    problems = issues["problem"].tolist()
    assert (
        "SKU 'bad sku' does not follow the SKU naming rule: capital letters and digits, in groups "
        "joined by single dashes, with no spaces (for example TEE-RED-M or 10042)"
    ) in problems
    assert not any("^[" in problem for problem in problems)  # the rule in words, never a regex
    assert "name is required" in problems
    labelled(at.text_input, "SKU").input("NEW-2")
    for name, value in {**NEW_SKU_FIELDS, "barcode": gtin(78)}.items():
        labelled(at.text_input, name.capitalize()).input(value)
    at.run()
    assert "No problem found: ready to submit." in [s.value for s in at.success]
    button(at, "Submit request").click().run()
    assert not at.exception
    [made] = [r for r in sku_list(seeded) if r["sku"] == "NEW-2"]
    assert (made["status"], made["requester"]) == ("pending", "owner.inv")

    steward = page("steward1", "approvals")
    labelled(steward.selectbox, "Request to decide on").select(made["id"]).run()
    button(steward, "Approve").click().run()
    assert [s.value for s in steward.success] == [f"Request {made['id']} approved: NEW-2 is live."]
    with read_session(seeded) as session:
        live = session.get(Item, "NEW-2")
        assert live is not None and (live.approved_by, live.name) == ("steward1", "Linen shirt")


def sku_list(engine: Engine) -> list[dict[str, object]]:
    """Every SKU request."""
    with read_session(engine) as session:
        return sku_requests.list_requests(session)


def test_a_steward_cannot_approve_their_own_request(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    with write_session(seeded) as session:
        own = sku_requests.request_sku(
            session=session, actor=people["steward1"], sku="NEW-3",
            fields={**NEW_SKU_FIELDS, "barcode": gtin(79)},
        )  # fmt: skip
    at = page("steward1", "approvals")
    labelled(at.selectbox, "Request to decide on").select(own["id"]).run()
    assert "Approve" not in action_labels(at)
    assert any(
        i.value == "You cannot approve a SKU request that you made yourself: another steward or "
        "an admin decides it."
        for i in at.info
    )


def test_review_decisions_are_recorded_by_the_owning_team_only(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    week = week_label(utcnow())
    at = page("owner.inv", "review")
    labelled(at.selectbox, "Team").select("inventory control").run()
    records = [b for b in at.button if b.label == "Record"]
    # inventory control's lines: its stock_discrepancy exceptions and the stock_discrepancies KPI
    assert len(records) == 2
    base = f"review.{week}.exceptions:stock_discrepancy:inventory control"
    assert at.checkbox(key=f"{base}.v1.reviewed").value is False  # nothing is ticked for people
    at.text_input(key=f"{base}.v1.decision").input("Recount DC-1 on Monday")
    records[0].click().run()
    assert [s.value for s in at.success] == ["Recorded on line 1; it is not marked reviewed yet."]
    at.checkbox(key=f"{base}.v2.reviewed").check()
    next(b for b in at.button if b.label == "Record").click().run()
    assert [s.value for s in at.success] == ["Recorded on line 1: reviewed."]
    with read_session(seeded) as session:
        view = review_read.get_review(session, week)
    assert view is not None
    items = {i["key"]: i for i in view["items"]}
    line = items["exceptions:stock_discrepancy:inventory control"]
    assert (line["decision"], line["recorded_by"], line["reviewed"]) == (
        "Recount DC-1 on Monday", "owner.inv", True,
    )  # fmt: skip
    progress = at.dataframe[0].value  # the team table counts the new state at once
    mine = progress[progress["team"] == "inventory control"].iloc[0]
    assert (mine["lines"], mine["reviewed"], mine["left"]) == (2, 1, 1)
    labelled(at.selectbox, "Team").select("merchandising").run()
    assert not [b for b in at.button if b.label == "Record"]  # another team's line: read only


def test_a_steward_closes_the_review_and_the_minutes_freeze(seeded: Engine) -> None:
    week = week_label(utcnow())
    at = page("steward1", "review")
    button(at, "Close the review (freezes the minutes)").click().run()
    # nothing is reviewed yet: closing asks first and names the lines left
    with read_session(seeded) as session:
        items = review_read.get_review(session, week)["items"]  # type: ignore[index]
    assert any(f"{len(items)} of {len(items)} agenda lines are not reviewed" in w.value
               for w in at.warning)  # fmt: skip
    named = [t.value for t in at.text if t.value.startswith("#1 ")]
    assert named == ["\n".join(f"#{i['position']} {i['title']}" for i in items)]
    with read_session(seeded) as session:
        assert review_read.get_review(session, week)["status"] == "open"  # type: ignore[index]
    button(at, f"Close with {len(items)} unreviewed").click().run()
    lines = sum(1 for i in items if i["kind"] == "exceptions")
    assert [s.value for s in at.success] == [
        f"Closed the review of {week}; minutes frozen (0 of {lines} exception lines reviewed "
        f"(0 %); KPI lines: 0 of {len(items) - lines} reviewed)."
    ]
    assert "Record" not in action_labels(at)
    with read_session(seeded) as session:
        closed = review_read.get_review(session, week)
        frozen = review_read.minutes(session, week, "md")
    assert closed is not None and closed["status"] == "closed"
    assert frozen.startswith(f"# Weekly exception review {week}")
    assert any(frozen.rstrip() in c.value.rstrip() for c in at.code)


def test_next_team_moves_to_the_next_team_with_lines_left(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    week = week_label(utcnow())
    with write_session(seeded) as session:  # a third team on the agenda: operations
        insert_exception(session, team="operations", type_="stalled_order", key="O-9")
        review.refresh_agenda(session=session, actor=people["steward1"], week=week)
    with read_session(seeded) as session:
        items = review_read.get_review(session, week)["items"]  # type: ignore[index]
    teams = list(dict.fromkeys(i["team"] for i in items))
    assert teams == ["inventory control", "merchandising", "operations"]
    with write_session(seeded) as session:  # the second team's lines are all reviewed already
        for item in (i for i in items if i["team"] == teams[1]):
            review.record_decision(session=session, actor=people["steward1"], week=week,
                                   key=item["key"], decision="done")  # fmt: skip
    at = page("steward1", "review")
    assert labelled(at.selectbox, "Team").value == teams[0]
    button(at, "Next team").click().run()
    assert labelled(at.selectbox, "Team").value == teams[2]  # the second has nothing left
    button(at, "Next team").click().run()
    assert labelled(at.selectbox, "Team").value == teams[0]  # round again, past the done one


def test_a_steward_changes_a_kpi_target_and_a_stale_form_conflicts(
    seeded: Engine, people: dict[str, Actor]
) -> None:
    at = page("steward1", "ownership")
    labelled(at.selectbox, "Change the target of").select("stalled_orders").run()
    labelled(at.number_input, "Target").set_value(2.0)
    button(at, "Save target").click().run()
    assert [s.value for s in at.success] == ["Saved the target of Stalled orders."]
    with read_session(seeded) as session:
        row = session.get(KpiTarget, "stalled_orders")
        assert row is not None and (row.target, row.updated_by) == (2.0, "steward1")
    seen = row.version
    with write_session(seeded) as session:  # someone else edits after the page was drawn
        target = session.get(KpiTarget, "stalled_orders")
        assert target is not None
        target.target, target.version = 3.0, seen + 1
    labelled(at.number_input, "Target").set_value(5.0)
    button(at, "Save target").click().run()
    assert at.warning[0].value.startswith("This KPI target changed while you were looking at it.")
    with read_session(seeded) as session:
        assert (
            session.scalar(select(KpiTarget.target).where(KpiTarget.metric == "stalled_orders"))
            == 3.0
        )


def test_a_steward_reroutes_a_domain_from_the_ownership_page(seeded: Engine) -> None:
    at = page("steward1", "ownership")
    labelled(at.selectbox, "Change the owning team of").select("warehouse_stock").run()
    labelled(at.selectbox, "Owning team").select("operations")
    button(at, "Save owning team").click().run()
    assert [s.value for s in at.success] == [
        "Warehouse stock now routes to operations; 2 open exception(s) moved."
    ]
    assert {e["team"] for e in of_type(seeded, "stock_discrepancy")} == {"operations"}


def test_a_steward_confirms_a_mapping_suggestion(seeded: Engine) -> None:
    at = page("steward1", "approvals")
    button(at, "Confirm mapping").click().run()
    assert [s.value for s in at.success] == ["amazon AMZ-9 now maps to SKU-A."]
    with read_session(seeded) as session:
        suggestion = session.get(SkuSuggestion, ("amazon", "AMZ-9"))
        assert suggestion is not None and suggestion.status == "confirmed"


def test_the_records_behind_an_exception_are_its_metric_records(seeded: Engine) -> None:
    first = of_type(seeded, "stock_discrepancy")[0]
    at = page("viewer1", "exceptions")
    assert labelled(at.selectbox, "Open an exception").value == first["id"]
    toggle = [t for t in at.toggle if t.label.startswith("Show the records behind it")]
    toggle[0].set_value(True).run()
    [records] = [d.value for d in at.dataframe if "book_qty" in d.value.columns]
    assert records[["system", "location", "sku", "system_qty", "book_qty"]].values.tolist() == [
        ["shopify", "DC-1", "SKU-A", 12, 10]
    ]


def test_a_week_range_lists_every_iso_week_in_it() -> None:
    # 2026 has 53 ISO weeks (1 January 2026 is a Thursday).
    assert weeks_of("2026-W52..2027-W01") == ["2026-W52", "2026-W53", "2027-W01"]
    assert weeks_of("2026-W05") == ["2026-W05"]

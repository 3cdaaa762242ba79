"""The Migration page: every role reads it, stewards act through governance, the Overview shows the freeze."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.db import read_session, write_session
from core.schema import BookSystem, MigrationExplanation
from governance import cutover, migration
from governance.permissions import Actor
from tests.governance_support import audit_after, last_audit_id, make_people, session_token
from tests.migration_support import D1, two_wms
from ui.auth import TOKEN_KEY
from ui.migration_views import TAB_KEY

__all__ = ["two_wms"]  # the fixture
PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "app.py")
ROLES = ("viewer1", "owner.inv", "steward1", "admin1")
PAYLOAD = "<script>alert(1)</script>"
NAVIGATION = {"Sign out"}
TABS = ["Parallel run", "Checklist", "Item-master freeze", "All migrations"]


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


@pytest.fixture
def running(two_wms: str, engine: Engine, people: dict[str, Actor]) -> int:
    """The five days of tests/migration_support.py under an open migration (threshold 4 units).

    Judged today, every day from 7 March carries 6 March's snapshots plus the new WMS's 40 of
    SKU-D at DC1 (taken at 01:00 on 7 March): 7 pairs, 5 equal; the two left, DC1's SKU-D (0 vs
    40) and DC2's SKU-A (5 units only the old WMS holds), both differ by more than 4 units.
    """
    with write_session(engine) as session:
        made = migration.open_migration(session=session, actor=people["steward1"], old="wms",
                                        new="wms2", start=D1, units_threshold=4)  # fmt: skip
    return made.id


def page(user: str, name: str = "migration") -> AppTest:
    """The app signed in as `user`, switched to a page."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    at.switch_page(f"pages/{name}.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def on_tab(at: AppTest, label: str) -> AppTest:
    """Choose a tab of the page (only the chosen tab is computed) and run it."""
    at.session_state[TAB_KEY] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def button(at: AppTest, label: str) -> object:
    """The one button with this label."""
    found = [b for b in at.button if b.label == label]
    assert len(found) == 1, [b.label for b in at.button]
    return found[0]


def actions(at: AppTest) -> set[str]:
    """Buttons that would change something."""
    return {b.label for b in at.button} - NAVIGATION


def tiles(at: AppTest) -> dict[str, str]:
    """Metric tiles by label."""
    return {m.label: m.value for m in at.metric}


def test_every_role_reads_the_page_on_an_empty_database(people: dict[str, Actor]) -> None:
    for user in ROLES:
        at = page(user)
        assert [t.value for t in at.title] == ["Migration"]
        assert [t.label for t in at.tabs] == TABS
        assert "No migration is open." in [i.value for i in at.info]
        steward = user in ("steward1", "admin1")
        assert actions(at) == ({"Open the migration"} if steward else set())
        assert not [m for m in at.markdown if m.value.startswith("**1. ")]  # the checklist waits
        assert actions(on_tab(at, "Item-master freeze")) == (
            {"Turn the freeze on"} if steward else set()
        )
        assert "No migration is open." not in [i.value for i in at.info]
        assert [m.value for m in on_tab(at, "Checklist").markdown][:1] == [
            "**1. Freeze uncontrolled item master changes**"
        ]


def test_the_running_migration_shows_its_verdict_rows_pairs_and_checklist(running: int) -> None:
    at = page("viewer1")
    assert tiles(at) == {
        "Ready for cutover": "no",
        "Days at target": "0 / 14",
        "Latest match rate": "71.43%",  # 5 of 7 pairs equal
        "Unexplained pairs": "2",
    }
    blockers = [t.value for t in at.text if t.value.startswith("• ")]
    assert blockers[0].startswith("• 0 of 14 consecutive complete days at a match rate ≥ 99.5 %")
    assert blockers[1].startswith("• 2 pair(s) differing by more than 4 unit(s) on ")
    days = at.dataframe[0].value
    assert list(days["day"][:5]) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05", "2026-03-06"]  # fmt: skip
    assert list(days["units differing"][:5]) == [17, 16, 18, 8, 5]  # tests/migration_support.py
    pairs = at.dataframe[3].value  # after the day table, by location, by status
    assert pairs[
        ["location", "sku", "status", "old qty", "new qty", "only in"]
    ].values.tolist() == [
        ["DC1", "SKU-D", "sellable", 0, 40, ""],  # old sends 0 (a row): both sides have it
        ["DC2", "SKU-A", "sellable", 5, 0, "old"],
    ]
    assert [b.label for b in at.download_button][:2] == ["Download the daily rows (CSV)", "XLSX"]
    assert actions(at) == set()  # a viewer reads, and is told who acts
    assert "Stewards and admins decide the cutover." in [c.value for c in at.caption]
    steps = [m.value for m in on_tab(at, "Checklist").markdown if m.value.startswith("**")]
    assert steps == [
        "**1. Freeze uncontrolled item master changes**",
        "**2. Define system ownership by field**",
        "**3. Map every channel's product structure**",
        "**4. Document allocation logic before go-live**",
        "**5. Create returns workflows by channel pair**",
        "**6. Test edge cases first**",
        "**7. Run parallel reporting for a period**",
        "**8. Train store and support teams on operational behavior**",
    ]


def test_a_steward_explains_a_pair_and_then_cuts_over(
    running: int, engine: Engine, people: dict[str, Actor]
) -> None:
    at = page("steward1")
    before = last_audit_id(engine)
    labelled(at.selectbox, "Pair").select_index(1)  # DC2 / SKU-A, the second largest
    labelled(at.text_area, "Why the systems differ").input("DC2 is not migrated: closes in March")
    button(at, "Mark explained").click().run()
    assert [s.value for s in at.success] == ["DC2 / SKU-A / sellable explained."]
    assert tiles(at)["Unexplained pairs"] == "1"
    with read_session(engine) as session:
        (stored,) = session.scalars(select(MigrationExplanation)).all()
    assert (stored.location_id, stored.sku, stored.old_qty, stored.new_qty, stored.explained_by) == (
        "DC2", "SKU-A", 5, 0, "steward1"
    )  # fmt: skip
    assert at.dataframe[3].value["explained"].tolist() == [
        "",
        "DC2 is not migrated: closes in March",
    ]
    # Not ready: cutting over needs the blockers accepted; refused, nothing changes.
    labelled(at.text_area, "Decision (recorded with the readiness)").input("deadline: go")
    button(at, "Cut over to wms2").click().run()
    (refusal,) = [e.value for e in at.error]
    assert refusal.startswith(
        f"Migration {running} is not ready: 0 of 14 consecutive complete days"
    )
    labelled(at.checkbox, "Cut over although something blocks (the blockers are recorded)").check()
    labelled(at.text_area, "Decision (recorded with the readiness)").input("deadline: go")
    button(at, "Cut over to wms2").click().run()
    assert [s.value for s in at.success] == ["Cut over: the book of DC1 is now wms2."]
    with read_session(engine) as session:
        books = [(b.location_id, b.system) for b in session.scalars(select(BookSystem))]
    assert books == [("DC1", "wms2")]  # DC2: the new WMS holds no stock there
    done = [row[1] for row in audit_after(engine, before)]
    assert done == ["migration.explain", "book_system.edit", "migration.cutover"]
    assert "Open the migration" in actions(at)  # closed: a new one may be opened


def labelled(elements: object, label: str) -> object:
    """The one widget with this label among `at.selectbox`, `at.text_area`, …"""
    found = [e for e in elements if e.label == label]  # type: ignore[attr-defined]
    assert len(found) == 1, [e.label for e in elements]  # type: ignore[attr-defined]
    return found[0]


def test_a_cutover_drawn_before_someone_abandoned_conflicts(
    running: int, engine: Engine, people: dict[str, Actor]
) -> None:
    at = page("steward1")
    with write_session(engine) as session:
        cutover.abandon_migration(session=session, actor=people["steward2"],
                                    migration_id=running, note="vendor dropped")  # fmt: skip
    labelled(at.checkbox, "Cut over although something blocks (the blockers are recorded)").check()
    labelled(at.text_area, "Decision (recorded with the readiness)").input("go")
    button(at, "Cut over to wms2").click().run()
    warning = [w.value for w in at.warning]
    assert any(
        w.startswith("This migration changed while you were looking at it.") for w in warning
    )
    assert any("it is abandoned" in t.value for t in at.text)
    with read_session(engine) as session:
        assert session.scalars(select(BookSystem)).all() == []


def test_the_freeze_set_on_the_page_shows_on_the_overview_as_text(
    engine: Engine, people: dict[str, Actor]
) -> None:
    at = on_tab(page("steward1"), "Item-master freeze")
    labelled(at.text_input, "Reason").input(f"WMS move {PAYLOAD}")
    button(at, "Turn the freeze on").click().run()
    assert [s.value for s in at.success][:1] == ["Item-master freeze on."]
    overview = page("viewer1", "overview")
    assert overview.warning[0].value == "Item-master freeze is on"
    (line,) = [t.value for t in overview.text if t.value.startswith("Set by steward1 on ")]
    assert line.endswith(f"Reason: WMS move {PAYLOAD}")  # plain text, never Markdown or HTML
    for element in overview.main:
        if element.type not in {"text", "dataframe", "arrow_data_frame", "code"}:
            assert PAYLOAD not in str(element.proto), element.type

"""The Sources page's drop folders: everyone sees them and their failures; stewards declare and edit them."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

from cadence import folders
from cadence.folders import FolderSpec
from cadence.watch import watch_once
from core.db import read_session, write_session
from governance.permissions import Actor
from tests.governance_support import audit_after, last_audit_id, make_people
from tests.test_sources_page import APP, PAGE
from ui.auth import USER_KEY


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    return make_people(engine)


def page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[USER_KEY] = user
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _table(at: AppTest, column: str):  # type: ignore[no-untyped-def]
    return next(d.value for d in at.dataframe if column in d.value.columns)


def test_a_viewer_sees_each_folders_last_run_waiting_files_and_failures(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    tmp_path = tmp_path / "drop"  # not the test's own folder, which holds its database
    tmp_path.mkdir()
    with write_session(engine) as session:
        folders.add_folder(
            session=session, actor=people["steward1"], spec=FolderSpec(str(tmp_path))
        )
    (tmp_path / "orders.csv").write_bytes(b"\x00binary")
    (tmp_path / "stock.csv.part").write_text("half", encoding="utf-8")
    watch_once(engine, settle=0.05)
    at = page("viewer1")
    table = _table(at, "waiting files")
    row = table.iloc[0].to_dict()
    assert (row["folder"], row["format"], row["failed"], row["waiting"], row["waiting files"]) == (
        str(tmp_path.resolve()), "auto", 1, 1, "stock.csv.part"
    )  # fmt: skip
    failures = _table(at, "reason")
    assert failures.iloc[0]["file"] == "orders.csv"
    assert "binary content" in failures.iloc[0]["reason"]
    assert not [b for b in at.button if b.label in ("Declare", "Save", "Stop watching")]


def test_a_steward_declares_edits_and_removes_a_folder_from_the_page(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    before = last_audit_id(engine)
    at = page("steward1")
    at.text_input(key="sources.folder_add.path").set_value(str(tmp_path))
    at.text_input(key="sources.folder_add.pattern").set_value("*.csv")
    next(b for b in at.button if b.label == "Declare").click().run()
    assert not at.exception and [s.value for s in at.success]
    with read_session(engine) as session:
        (declared,) = folders.list_folders(session)
    assert (declared.path, declared.pattern, declared.updated_by) == (
        str(tmp_path.resolve()), "*.csv", "steward1"
    )  # fmt: skip
    prefix = f"sources.folder_edit.{declared.id}.1"
    at.text_input(key=f"{prefix}.location").set_value("DC-01")
    with write_session(engine) as session:  # someone else edits it meanwhile
        folders.edit_folder(session=session, actor=people["steward2"],
                            spec=FolderSpec(str(tmp_path), pattern="*.txt"))  # fmt: skip
    next(b for b in at.button if b.label == "Save").click().run()
    assert any("changed under you" in e.value for e in at.error)
    prefix = f"sources.folder_edit.{declared.id}.2"
    at.text_input(key=f"{prefix}.location").set_value("DC-01")
    next(b for b in at.button if b.label == "Save").click().run()
    with read_session(engine) as session:
        (edited,) = folders.list_folders(session)
    assert (edited.pattern, edited.location, edited.version) == ("*.txt", "DC-01", 3)
    next(b for b in at.button if b.label == "Stop watching").click().run()
    assert not at.exception
    actions = [(r[0], r[1], r[4]) for r in audit_after(engine, before, "watch_folder")]
    assert actions == [
        ("steward1", "watch_folder.add", None),
        ("steward2", "watch_folder.edit", "pattern"),
        ("steward1", "watch_folder.edit", "location"),
        ("steward1", "watch_folder.remove", None),
    ]

"""Drop folders: declared as audited, version-checked settings; `watch --once` imports what is complete."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from cadence import folders
from cadence.folders import FolderSpec
from cadence.watch import watch_once
from cli.main import main
from core.db import read_session, write_session
from core.schema import ImportRun, Location, WatchFile
from core.settings import get_settings
from governance.errors import ConflictError, GovernanceError, PermissionDenied
from governance.permissions import Actor
from tests.conftest import FIXTURES
from tests.governance_support import audit_after, last_audit_id, make_people

LOCATIONS = FIXTURES / "canonical" / "locations.csv"  # 3 locations (hand-counted from the file)


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    return make_people(engine)


@pytest.fixture
def drop(
    tmp_path: Path, engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A declared drop folder (auto, every file) and a short settle time."""
    monkeypatch.setenv("INVGOV_WATCH_SETTLE_SECONDS", "0.4")
    get_settings.cache_clear()
    folder = tmp_path / "drop"
    folder.mkdir()
    with write_session(engine) as session:
        folders.add_folder(session=session, actor=people["steward1"], spec=FolderSpec(str(folder)))
    return folder


def _grow(path: Path, stop: threading.Event) -> None:
    """Keep appending to a file, as a slow transfer does, until told to stop."""
    with path.open("a", encoding="utf-8") as handle:
        while not stop.is_set():
            handle.write("DC-09,Growing,dc,\n")
            handle.flush()
            time.sleep(0.02)


def test_once_imports_the_good_fails_the_malformed_waits_for_the_half_written_skips_the_repeat(
    engine: Engine, drop: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The repeat: a copy of the good file's content under another name, imported beforehand.
    earlier = drop.parent / "earlier" / "locations.csv"
    earlier.parent.mkdir()
    shutil.copy(LOCATIONS, earlier)
    assert main(["import", "canonical", str(earlier)]) == 0
    shutil.copy(LOCATIONS, drop / "again-locations.csv")
    (drop / "items.csv").write_text(
        "sku,name,category,brand,barcode,abc_class,lifecycle_status\n"
        "TEE-1,Tee,tops,Acme,4006381333931,A,active\n", encoding="utf-8"
    )  # fmt: skip
    (drop / "orders.csv").write_bytes(b"\x00\x01\x02 not a text export")
    (drop / "stock_levels.csv.part").write_text("as_of,system\n", encoding="utf-8")
    growing = drop / "locations.csv"
    growing.write_text("location_id,name,type,channel\n", encoding="utf-8")
    stop = threading.Event()
    writer = threading.Thread(target=_grow, args=(growing, stop))
    writer.start()
    try:
        code = main(["watch", "--once"])
    finally:
        stop.set()
        writer.join()
    out = capsys.readouterr().out
    assert code == 0, out
    # One import (items.csv), one failed with its reason, two waiting (growing, .part), one skipped.
    assert f"{drop}: 1 imported, 1 failed, 1 skipped, 0 error, 2 waiting" in out
    done = sorted(p.name for p in (drop / "done").iterdir())
    failed = sorted(p.name for p in (drop / "failed").iterdir())
    assert [n.split("-", 1)[1] for n in done] == [
        "again-locations.csv", "again-locations.csv.report.txt", "items.csv", "items.csv.report.txt"
    ]  # fmt: skip
    assert [n.split("-", 1)[1] for n in failed] == ["orders.csv", "orders.csv.report.txt"]
    report = next((drop / "failed").glob("*.report.txt")).read_text(encoding="utf-8")
    assert "status: failed" in report and "binary content" in report
    skipped = next((drop / "done").glob("*again-locations.csv.report.txt")).read_text("utf-8")
    assert "status: skipped" in skipped and "same content as locations.csv" in skipped
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == [
        "locations.csv", "stock_levels.csv.part"
    ]  # fmt: skip
    with read_session(engine) as session:
        runs = session.execute(select(ImportRun.file_name).order_by(ImportRun.id)).scalars().all()
        statuses = dict(session.execute(select(WatchFile.file_name, WatchFile.status)).all())
        folder = folders.require_folder(session, str(drop))
    assert runs == ["locations.csv", "items.csv"]  # the CLI's import, then the folder's one
    assert statuses == {"items.csv": "imported", "orders.csv": "failed",
                        "again-locations.csv": "skipped"}  # fmt: skip
    assert folder.last_run["counts"] == {"imported": 1, "failed": 1, "skipped": 1, "error": 0,
                                         "waiting": 2}  # fmt: skip
    assert folder.last_run["waiting"] == ["locations.csv", "stock_levels.csv.part"]


def test_a_file_complete_at_the_next_pass_is_imported_then(engine: Engine, drop: Path) -> None:
    (drop / "locations.csv.part").write_bytes(LOCATIONS.read_bytes())
    (first,) = watch_once(engine, settle=0)
    assert [(o.file, o.status) for o in first.outcomes] == [("locations.csv.part", "waiting")]
    (drop / "locations.csv.part").rename(drop / "locations.csv")  # the transfer finished
    (second,) = watch_once(engine, settle=0.05)
    assert [(o.file, o.status) for o in second.outcomes] == [("locations.csv", "imported")]
    with read_session(engine) as session:
        assert session.execute(select(func.count()).select_from(Location)).scalar_one() == 3


def test_pattern_and_hidden_files(engine: Engine, drop: Path, people: dict[str, Actor]) -> None:
    with write_session(engine) as session:
        folders.edit_folder(session=session, actor=people["steward1"],
                            spec=FolderSpec(str(drop), pattern="loc*.csv"))  # fmt: skip
    shutil.copy(LOCATIONS, drop / "locations.csv")
    shutil.copy(LOCATIONS, drop / ".locations.csv")
    (drop / "notes.txt").write_text("not for us", encoding="utf-8")
    (run,) = watch_once(engine, settle=0.05)
    assert [(o.file, o.status) for o in run.outcomes] == [("locations.csv", "imported")]
    assert sorted(p.name for p in drop.iterdir() if p.is_file()) == [".locations.csv", "notes.txt"]


def test_folder_settings_are_checked_audited_and_version_checked(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    spec = FolderSpec(str(tmp_path), source="shopify-inventory", system="Shopify", location="DC-01")
    before = last_audit_id(engine)
    with write_session(engine) as session, pytest.raises(PermissionDenied, match="import files"):
        folders.add_folder(session=session, actor=people["owner.inv"], spec=spec)
    with write_session(engine) as session:
        added = folders.add_folder(session=session, actor=people["steward1"], spec=spec)
    assert (added.source, added.system, added.location, added.version) == (
        "shopify-inventory", "shopify", "DC-01", 1
    )  # fmt: skip
    with write_session(engine) as session:
        folders.edit_folder(session=session, actor=people["admin1"],
                            spec=FolderSpec(str(tmp_path), source="auto"), seen_version=1)  # fmt: skip
    with write_session(engine) as session, pytest.raises(ConflictError, match="changed under you"):
        folders.edit_folder(session=session, actor=people["steward2"],
                            spec=FolderSpec(str(tmp_path), pattern="*.csv"), seen_version=1)  # fmt: skip
    rows = audit_after(engine, before, "watch_folder")
    path = str(tmp_path.resolve())
    assert rows == [
        ("steward1", "watch_folder.add", "watch_folder", path, None, None, None),
        (
            "admin1",
            "watch_folder.edit",
            "watch_folder",
            path,
            "source",
            "shopify-inventory",
            "auto",
        ),
        ("admin1", "watch_folder.edit", "watch_folder", path, "system", "shopify", None),
        ("admin1", "watch_folder.edit", "watch_folder", path, "location", "DC-01", None),
    ]
    with write_session(engine) as session:
        folders.remove_folder(session=session, actor=people["steward2"], path=str(tmp_path))
        assert folders.list_folders(session) == []


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (FolderSpec("/no/such/folder"), "is not a folder on this machine"),
        (FolderSpec("{tmp}", source="sql"), "unknown source 'sql' for a drop folder"),
        (FolderSpec("{tmp}", source="mapped"), "needs a mapping file"),
        (FolderSpec("{tmp}", mapping="/no/such.toml"), "does not exist"),
        (FolderSpec("{tmp}", system="bad system"), "is not valid"),
        (FolderSpec("{tmp}", pattern="sub/*.csv"), "file names only"),
    ],
)
def test_bad_declarations_are_refused_with_the_reason(
    engine: Engine, people: dict[str, Actor], tmp_path: Path, spec: FolderSpec, message: str
) -> None:
    spec = FolderSpec(spec.path.replace("{tmp}", str(tmp_path)), spec.source, spec.system,
                      spec.location, spec.mapping, spec.pattern)  # fmt: skip
    with write_session(engine) as session, pytest.raises(GovernanceError, match=message):
        folders.add_folder(session=session, actor=people["steward1"], spec=spec)


def test_cli_add_list_remove(
    engine: Engine, people: dict[str, Actor], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["watch", "add", str(tmp_path), "--source", "canonical", "--user", "steward1"]) == 0
    assert main(["watch", "add", str(tmp_path), "--user", "steward1"]) == 1
    assert main(["watch", "list"]) == 0
    assert main(["watch", "remove", str(tmp_path), "--user", "owner.inv"]) == 1
    assert main(["watch", "remove", str(tmp_path), "--user", "steward1"]) == 0
    out, err = capsys.readouterr()
    assert f"watching {tmp_path.resolve()} (canonical, pattern *)" in out
    assert f"{tmp_path.resolve()}  canonical *  (never run)" in out
    assert "is already a drop folder" in err
    assert "owner.inv (owner) may not import files" in err

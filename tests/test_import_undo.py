"""Undoing an import: its rows taken back to what they were before it, refused over a later run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, select, text

import pipeline
from cli.main import main
from connectors.canonical import ENTITIES
from core.db import read_session, write_session
from core.engines import EngineKind, kind_of_url
from core.schema import (
    CANONICAL_TABLES,
    AuditEntry,
    HeldItemChange,
    ImportRun,
    ItemChange,
    QuarantinedRow,
    SkuRequest,
    SkuSuggestion,
    SystemRecord,
)
from core.settings import get_settings
from core.status import entity_counts
from governance import freeze, sku_requests
from governance.errors import GovernanceError, PermissionDenied
from governance.import_restore import KEYS
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.governance_support import exceptions, make_people
from tests.test_metrics_aggregates import assert_current
from ui.queries import data_version

# The tables an import writes; the undo must leave each exactly as it was, row by row.
COMPARED = [
    *(m.__table__ for m in CANONICAL_TABLES.values()),
    *(m.__table__ for m in (SystemRecord, SkuSuggestion, QuarantinedRow)),
]

FILES_A = {
    "locations.csv": "location_id,name,type,channel\nDC1,Main DC,dc,\n",
    "items.csv": (
        "sku,name,lifecycle_status,created_at,unit_cost,barcode,abc_class\n"
        "SKU-A,Tee A,active,2026-10-01T00:00:00Z,12.50,4006381333931,A\n"
        "SKU-B,Tee B,active,2026-10-01T00:00:00Z,8.00,,B\n"
        "SKU-C,Mug,active,2026-10-02T00:00:00Z,,,\n"
    ),
    "sku_mappings.csv": "system,system_sku,sku\nshopify,SHOP-A,SKU-A\n",
    "stock_levels.csv": (
        "as_of,system,location_id,system_sku,status,quantity\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-A,sellable,10\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-B,sellable,5\n"
        "2026-11-30T00:00:00Z,wms,DC1,UNKNOWN-1,sellable,3\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-C,sellable,x\n"  # line 5: quarantined
    ),
    "orders.csv": (
        "order_id,channel,placed_at,cancelled_at\n"
        "O1,shopify,2026-11-20T10:00:00Z,\nO2,shopify,2026-11-24T10:00:00Z,\n"
    ),
    "order_lines.csv": "order_id,line_id,sku,quantity\nO1,1,SKU-A,2\nO2,1,SKU-B,1\n",
    "shipments.csv": (
        "shipment_id,order_id,line_id,location_id,shipped_at,quantity\n"
        "S1,O1,1,DC1,2026-11-21T10:00:00Z,2\n"
    ),
}
# B changes some of A's rows (a name and cost, a quantity, a shipment's order, a cancellation)
# and adds rows of its own (an item, an unmapped system SKU, a shipment).
FILES_B = {
    "items.csv": (
        "sku,name,lifecycle_status,unit_cost\n"
        "SKU-A,Tee A renamed,active,13.00\nSKU-B,Tee B,active,8.00\nSKU-D,Cap,draft,3.10\n"
    ),
    "stock_levels.csv": (
        "as_of,system,location_id,system_sku,status,quantity\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-A,sellable,7\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-B,sellable,5\n"
        "2026-11-30T00:00:00Z,wms,DC1,NEW-9,sellable,4\n"
        "2026-11-30T00:00:00Z,wms,DC1,SKU-D,sellable,-\n"  # quarantined
    ),
    "orders.csv": (
        "order_id,channel,placed_at,cancelled_at\n"
        "O1,shopify,2026-11-20T10:00:00Z,2026-11-22T08:00:00Z\n"
    ),
    "shipments.csv": (
        "shipment_id,order_id,line_id,location_id,shipped_at,quantity\n"
        "S1,O2,1,DC1,2026-11-25T10:00:00Z,1\nS2,O1,1,DC1,2026-11-21T12:00:00Z,2\n"
    ),
}


def write_folder(folder: Path, files: dict[str, str]) -> Path:
    """The files as a folder of canonical CSVs."""
    folder.mkdir()
    for name, content in files.items():
        (folder / name).write_text(content)
    return folder


def import_folder(folder: Path, **kwargs: Any) -> dict[str, int]:
    """Import a folder; the run id of each file, by file name."""
    reports = pipeline.import_paths([folder], "canonical", **kwargs)
    assert all(r.ok for r in reports), [r.reason for r in reports]
    return {r.file: r.run_id for r in reports if r.run_id is not None}


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the tables an import writes, ordered by key (quarantine without its id)."""
    out = {}
    with engine.connect() as conn:
        for table in COMPARED:
            columns = [c for c in table.c if c.name != "id"]
            rows = conn.execute(select(*columns)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def held(engine: Engine) -> list[tuple[Any, ...]]:
    """The held item changes without their surrogate id."""
    table = HeldItemChange.__table__
    with engine.connect() as conn:
        return sorted(
            tuple(r) for r in conn.execute(select(*(c for c in table.c if c.name != "id")))
        )


def undo(run_id: int, user: str = "steward1") -> int:
    """`imports undo RUN_ID --user NAME` through the CLI; its exit status."""
    return main(["imports", "undo", str(run_id), "--user", user])


def run_states(capsys: pytest.CaptureFixture[str]) -> dict[int, str]:
    """`imports list --json`: each run's state by id."""
    capsys.readouterr()
    assert main(["imports", "list", "--json"]) == 0
    return {run["id"]: run["state"] for run in json.loads(capsys.readouterr().out)}


def test_keys_of_the_change_log_are_the_entities_natural_keys() -> None:
    # The change log names a row by its entity's key in the file's order; the undo by the table's.
    for name, spec in ENTITIES.items():
        assert KEYS[spec.table.name] == spec.key, name


def test_undo_b_gives_back_the_database_after_a(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_people(engine)
    import_folder(write_folder(tmp_path / "a", FILES_A))
    after_a = snapshot(engine)
    unknown = [e for e in exceptions(engine, "unmapped_system_sku") if e["status"] == "open"]
    runs_b = import_folder(write_folder(tmp_path / "b", FILES_B))
    assert snapshot(engine) != after_a
    opened_by_b = [e for e in exceptions(engine, "unmapped_system_sku") if e["status"] == "open"]
    assert len(opened_by_b) == len(unknown) + 1  # NEW-9

    for run_id in sorted(runs_b.values(), reverse=True):  # the latest first
        assert undo(run_id) == 0, capsys.readouterr().err
    assert snapshot(engine) == after_a
    assert_current(engine)  # the aggregates equal a computation from the raw rows again
    still_open = [e for e in exceptions(engine, "unmapped_system_sku") if e["status"] == "open"]
    assert [e["id"] for e in still_open] == [e["id"] for e in unknown]
    cleared = [e for e in opened_by_b if e["id"] not in {u["id"] for u in unknown}]
    assert [e["cleared_by_data"] for e in exceptions(engine) if e["id"] == cleared[0]["id"]] == [
        True
    ]
    states = run_states(capsys)
    assert {states[r] for r in runs_b.values()} == {"undone"}
    assert sum(1 for s in states.values() if s == "committed") == len(FILES_A)


def test_undo_refused_while_a_later_run_changed_the_same_rows(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_people(engine)
    runs_a = import_folder(write_folder(tmp_path / "a", FILES_A))
    runs_b = import_folder(write_folder(tmp_path / "b", FILES_B))
    before = snapshot(engine)
    for name in ("items.csv", "stock_levels.csv", "shipments.csv", "orders.csv"):
        capsys.readouterr()
        assert undo(runs_a[name]) == 1
        later = runs_b[name]
        assert f"undo run {later} first" in capsys.readouterr().err
    assert snapshot(engine) == before
    # A run nobody changed after it (order lines) can be undone while B stands.
    assert undo(runs_a["order_lines.csv"]) == 0
    with engine.connect() as conn:
        assert conn.execute(select(CANONICAL_TABLES["order_lines"].__table__)).all() == []


def test_undo_twice_is_refused_and_audited_once(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    make_people(engine)
    runs = import_folder(write_folder(tmp_path / "a", FILES_A))
    run_id = runs["stock_levels.csv"]
    with engine.connect() as conn:
        assert len(conn.execute(select(QuarantinedRow.id)).all()) == 1
    assert undo(run_id) == 0
    # 3 stock rows and the SKU suggestion of UNKNOWN-1 deleted; 1 quarantined row (line 5) removed.
    assert capsys.readouterr().out.strip() == (
        f"import run {run_id} (stock_levels.csv) undone by steward1: 4 row(s) it inserted "
        "deleted, 0 row(s) it changed given their previous values, 0 row(s) it removed put "
        "back, 1 quarantined row(s) removed"
    )
    assert undo(run_id, "steward2") == 1
    assert f"import run {run_id} was already undone by steward1 at" in capsys.readouterr().err
    with read_session(engine) as session:
        audited = session.scalars(
            select(AuditEntry).where(AuditEntry.action == "import.undo")
        ).all()
        run = session.get_one(ImportRun, run_id)
        assert (run.status, run.undone_by) == ("undone", "steward1")
        assert session.scalars(select(QuarantinedRow)).all() == []
    assert [(a.actor, a.object_id, a.old_value, a.new_value) for a in audited] == [
        ("steward1", str(run_id), "committed", "undone")
    ]


@pytest.mark.parametrize("user", ["owner.inv", "viewer1"])
def test_only_stewards_and_admins_undo(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str], user: str
) -> None:
    people = make_people(engine)
    runs = import_folder(write_folder(tmp_path / "a", FILES_A))
    before = snapshot(engine)
    assert undo(runs["items.csv"], user) == 1
    assert "may not undo an import" in capsys.readouterr().err
    with pytest.raises(PermissionDenied):
        pipeline.undo_import_as(people[user], runs["items.csv"])
    assert snapshot(engine) == before
    assert undo(runs["items.csv"], "admin1") == 0


def test_undo_of_an_unknown_run_is_refused(engine: Engine) -> None:
    people = make_people(engine)
    with pytest.raises(GovernanceError, match="no import run 99"):
        pipeline.undo_import_as(people["steward1"], 99)


def test_undo_restores_item_fields_and_logs_them(engine: Engine, tmp_path: Path) -> None:
    people = make_people(engine)
    import_folder(write_folder(tmp_path / "a", {"items.csv": FILES_A["items.csv"]}))
    (b,) = import_folder(write_folder(tmp_path / "b", {"items.csv": FILES_B["items.csv"]})).values()
    pipeline.undo_import_as(people["steward1"], b)
    with read_session(engine) as session:
        logged = session.scalars(
            select(ItemChange).where(ItemChange.actor == "steward1").order_by(ItemChange.id)
        ).all()
    # B renamed SKU-A and changed its cost, and created SKU-D: three lines give that back.
    assert sorted((c.sku, c.field, c.old_value, c.new_value) for c in logged) == [
        ("SKU-A", "name", "Tee A renamed", "Tee A"),
        ("SKU-A", "unit_cost", "13.0000", "12.5000"),
        ("SKU-D", "(deleted)", None, None),
    ]


def test_undo_takes_back_a_non_owners_mappings_and_held_values(
    engine: Engine, tmp_path: Path
) -> None:
    people = make_people(engine)
    import_folder(write_folder(tmp_path / "a", {"items.csv": FILES_A["items.csv"]}))
    before, held_before = snapshot(engine), held(engine)
    first = tmp_path / "shop1" / "items.csv"
    first.parent.mkdir()
    first.write_text("sku,name,lifecycle_status\nSKU-A,Shop tee,active\nSKU-B,Tee B,active\n")
    (r1,) = import_folder(first.parent, system="shopify").values()
    after_first, held_first = snapshot(engine), held(engine)
    # A second file proposes another name: the held value is updated (its previous kept).
    second = tmp_path / "shop2" / "items.csv"
    second.parent.mkdir()
    second.write_text("sku,name,lifecycle_status\nSKU-A,Shop tee v2,active\n")
    (r2,) = import_folder(second.parent, system="shopify").values()
    assert held(engine) != held_first
    pipeline.undo_import_as(people["steward1"], r2)
    assert (snapshot(engine), held(engine)) == (after_first, held_first)
    pipeline.undo_import_as(people["steward1"], r1)
    assert (snapshot(engine), held(engine)) == (before, held_before)


def test_undo_of_a_shopify_products_file_removes_its_mappings_and_system_records(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "shopify")  # its items, mappings, records
    get_settings.cache_clear()
    people = make_people(engine)
    before = snapshot(engine)
    source = FIXTURES / "shopify-products"
    path = sorted(p for p in source.iterdir() if p.suffix == ".csv")[0]
    (report,) = pipeline.import_paths([path], "shopify-products")
    assert report.ok
    written = {w.entity: w.rows for w in report.written if w.outcome in ("inserted", "kept")}
    assert written == {"items": 3, "sku_mappings": 3}  # the fixture's three SKUs
    assert len(snapshot(engine)["system_records"]) == 1  # its variant without a SKU
    pipeline.undo_import_as(people["admin1"], report.run_id or 0)
    assert snapshot(engine) == before


def _undo_writing(engine: Engine, db_url: str) -> Callable[[], bool]:
    """A probe that turns true once the undo holds its write transaction and has written."""
    if kind_of_url(engine.url) is EngineKind.SQLITE:
        wal = Path(str(engine.url.database) + "-wal")
        with engine.connect() as conn:  # start from an empty WAL: what grows is the undo's
            conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
        return lambda: wal.exists() and wal.stat().st_size > 2_000_000
    watcher = create_engine(db_url)

    def written() -> bool:
        with watcher.connect() as conn:
            return bool(conn.execute(text(
                "SELECT count(*) FROM pg_stat_activity WHERE backend_xid IS NOT NULL "
                "AND pid <> pg_backend_pid() AND datname = current_database()"
            )).scalar())  # fmt: skip

    return written


@pytest.mark.slow
def test_sigkill_during_an_undo_leaves_the_database_unchanged(
    engine: Engine, db_url: str, tmp_path: Path
) -> None:
    make_people(engine)
    import_folder(write_folder(tmp_path / "a", FILES_A))
    after_a = snapshot(engine)
    big = tmp_path / "big" / "order_lines.csv"
    big.parent.mkdir()
    with big.open("w") as handle:
        handle.write("order_id,line_id,sku,quantity\n")
        handle.writelines(f"BIG-{i // 3},{i % 3},SKU-A,{1 + i % 4}\n" for i in range(LINES))
    (run_id,) = import_folder(big.parent).values()
    before, states = entity_counts(engine), _runs_and_audit(engine)

    env = {**os.environ, "INVGOV_DATABASE_URL": db_url}
    probe = _undo_writing(engine, db_url)
    proc = subprocess.Popen(
        [sys.executable, "manage.py", "imports", "undo", str(run_id), "--user", "steward1"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    deadline = time.monotonic() + 120
    while not probe():
        assert proc.poll() is None, "the undo finished before it could be killed"
        assert time.monotonic() < deadline, "the undo never started writing"
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert entity_counts(engine) == before
    assert _runs_and_audit(engine) == states  # still committed, no undo audited
    # The undo completes afterwards, back to the database after A.
    assert undo(run_id) == 0
    assert snapshot(engine) == after_a


LINES = 300_000


def _runs_and_audit(engine: Engine) -> tuple[list[tuple[Any, ...]], int]:
    with engine.connect() as conn:
        runs = conn.execute(select(ImportRun.id, ImportRun.status).order_by(ImportRun.id)).all()
        audit = conn.execute(select(AuditEntry.id)).all()
    return [tuple(r) for r in runs], len(audit)


def test_undo_of_a_frozen_owners_file_withdraws_its_sku_requests(
    engine: Engine, tmp_path: Path
) -> None:
    people = make_people(engine)
    import_folder(write_folder(tmp_path / "a", {"items.csv": FILES_A["items.csv"]}))
    with write_session(engine) as session:
        freeze.set_freeze(session=session, actor=people["steward1"], active=True, reason="move")
    before, held_before = snapshot(engine), held(engine)
    # During the freeze B's rename of SKU-A is held and its new SKU-D becomes a SKU request.
    (run_id,) = import_folder(write_folder(tmp_path / "b", {"items.csv": FILES_B["items.csv"]})).values()  # fmt: skip
    assert held(engine) != held_before
    pipeline.undo_import_as(people["steward2"], run_id)
    assert (snapshot(engine), held(engine)) == (before, held_before)
    with read_session(engine) as session:
        requests = session.scalars(select(SkuRequest)).all()
    assert [(r.sku, r.status, r.decided_by) for r in requests] == [
        ("SKU-D", "rejected", "steward2")
    ]
    assert requests[0].reason == f"its import run {run_id} (items.csv) was undone"


def test_undo_refused_when_a_person_changed_what_the_import_wrote(
    engine: Engine, tmp_path: Path
) -> None:
    people = make_people(engine)
    (run_id,) = import_folder(write_folder(tmp_path / "a", {"items.csv": FILES_A["items.csv"]})).values()  # fmt: skip
    with write_session(engine) as session:
        approved = sku_requests.bulk_approve_imported(
            session=session, actor=people["steward2"], skus=["SKU-B"]
        )
    assert approved == ["SKU-B"]
    before = snapshot(engine)
    with pytest.raises(GovernanceError, match=f"import run {run_id} cannot be undone: steward2 changed item SKU-B at"):  # fmt: skip
        pipeline.undo_import_as(people["steward1"], run_id)
    assert snapshot(engine) == before


def test_an_undo_moves_the_pages_data_version(
    engine: Engine, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The pages key their caches by the data version: an undo (from any process) must move it,
    though it adds no import run."""
    make_people(engine)
    runs = import_folder(write_folder(tmp_path / "a", FILES_A))
    before = data_version(engine)
    assert undo(runs["order_lines.csv"]) == 0, capsys.readouterr().err
    after = data_version(engine)
    assert after != before and after[:3] == before[:3]  # the same runs: only the undo moved

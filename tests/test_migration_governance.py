"""A migration's readiness, explanations and cutover, and the item-master freeze, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

import pipeline
from core.db import read_session, write_session
from core.schema import BookSystem, HeldItemChange, Item, SkuRequest, SystemMigration
from core.settings import get_settings
from core.timeutil import utcnow
from governance import book_systems, cutover, freeze, migration
from governance.detection import detect
from governance.errors import ConflictError, GovernanceError
from governance.permissions import Actor
from metrics import compute_metrics
from metrics.current import rows_now
from tests.conftest import FIXTURES
from tests.governance_support import audit_after, exceptions, last_audit_id, make_people
from tests.test_metrics_common import load

STOCK_HEADER = "as_of,system,location_id,system_sku,status,quantity"
D1 = date(2026, 3, 2)
DAYS = [D1 + timedelta(days=i) for i in range(8)]
SKUS = [f"SKU-{n:02d}" for n in range(1, 11)]  # ten pairs a day: each wrong pair costs 10 points
# Pairs the new WMS gets wrong (by one unit) per day; at a 0.9 target: ✗ ✓ ✓ ✗ ✓ ✓ ✓ (0.9 is enough).
WRONG = [3, 1, 0, 2, 1, 0, 1]


def end_of(day: date) -> datetime:
    """The last second of a day."""
    return datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=UTC)


def load_stock(db_url: str, tmp_path: Path, rows: list[tuple[object, ...]]) -> None:
    """Import the SKUs as items (created long before) and the stock rows."""
    items = [(sku, f"Item {sku}", "active", "2026-01-01T00:00:00Z") for sku in SKUS]
    load(db_url, tmp_path / "drop", items=("sku,name,lifecycle_status,created_at", items),
         stock_levels=(STOCK_HEADER, rows))  # fmt: skip


def daily_rows(wrong: list[int], big_on: dict[int, int] | None = None) -> list[tuple[object, ...]]:
    """Old and new WMS at DC1: 10 units of each SKU; on day i the first wrong[i] SKUs are off by
    one on the new side, and `big_on[i]` units more on SKU-10."""
    rows: list[tuple[object, ...]] = []
    for i, count in enumerate(wrong):
        when = f"{DAYS[i].isoformat()}T06:00:00Z"
        for n, sku in enumerate(SKUS):
            new = (
                10 + (1 if n < count else 0) + ((big_on or {}).get(i, 0) if sku == "SKU-10" else 0)
            )
            rows += [
                (when, "wms", "DC1", sku, "sellable", 10),
                (when, "wms2", "DC1", sku, "sellable", new),
            ]
    return rows


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


def open_run(engine: Engine, actor: Actor, **rules: object) -> int:
    """Open wms -> wms2 from D1 with a 0.9 target over 3 days (unless `rules` say otherwise)."""
    with write_session(engine) as session:
        made = migration.open_migration(session=session, actor=actor, old="wms", new="wms2",
                                        start=D1, **{"target": Decimal("0.9"), "required_days": 3,
                                                     "units_threshold": 5, **rules})  # fmt: skip
    return made.id


def verdict(engine: Engine, migration_id: int, as_of: datetime) -> migration.Readiness:
    """The readiness of a migration at as_of."""
    with read_session(engine) as session:
        chosen = migration.current_migration(session, migration_id)
        assert chosen is not None
        return migration.readiness(session, chosen, as_of)


def test_readiness_turns_on_only_after_the_required_consecutive_days(
    engine: Engine, people: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    load_stock(db_url, tmp_path, daily_rows(WRONG))
    run = open_run(engine, people["steward1"])
    # Streak by day end: D1 0 (0.7), D2 1, D3 2, D4 0 (0.8), D5 1, D6 2, D7 3 = the 3 required.
    ready = [verdict(engine, run, end_of(day)).ready for day in DAYS[:7]]
    assert ready == [False] * 6 + [True]
    judged = verdict(engine, run, end_of(DAYS[6]))
    assert [d.streak for d in judged.days] == [0, 1, 2, 0, 1, 2, 3]
    assert [d.tally.equal for d in judged.days] == [7, 9, 10, 8, 9, 10, 9]
    assert judged.unexplained == ()  # D7's one-unit difference is under the 5-unit threshold
    # Mid-D7 (not over): D7 is shown but not judged; the streak is D6's 2 and something blocks.
    midday = verdict(engine, run, datetime(2026, 3, 8, 12, 0, tzinfo=UTC))
    assert (midday.judged_day, midday.streak, midday.ready) == (DAYS[5], 2, False)
    assert midday.blockers == (
        "2 of 3 consecutive complete days at a match rate ≥ 90 % (100.00% on 2026-03-07)",
    )


def test_a_pair_above_the_threshold_blocks_until_a_steward_explains_it(
    engine: Engine, people: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    # Eight days; on D8 SKU-10 is off by 6 on the new side (> 5): 9 of 10 equal, streak 4.
    load_stock(db_url, tmp_path, daily_rows([*WRONG, 0], {7: 6}))
    run = open_run(engine, people["steward1"])
    at = end_of(DAYS[7])
    blocked = verdict(engine, run, at)
    assert blocked.streak == 4
    assert [(p.sku, p.old_qty, p.new_qty) for p in blocked.unexplained] == [("SKU-10", 10, 16)]
    assert blocked.blockers == (
        "1 pair(s) differing by more than 5 unit(s) on 2026-03-09 not explained",
    )
    with (
        pytest.raises(GovernanceError, match="SKU-01/sellable is not a differing pair"),
        write_session(engine) as session,
    ):
        migration.explain_pair(session=session, actor=people["steward1"], migration_id=run,
                               location="DC1", sku="SKU-01", status="sellable",
                               note="x", now=at)  # fmt: skip
    before = last_audit_id(engine)
    with write_session(engine) as session:
        migration.explain_pair(session=session, actor=people["steward1"], migration_id=run,
                               location="DC1", sku="SKU-10", status="sellable",
                               note="receipt posted in wms2 only", now=at)  # fmt: skip
    assert audit_after(engine, before) == [
        ("steward1", "migration.explain", "migration_pair", f"{run}:DC1/SKU-10/sellable", "note",
         None, "receipt posted in wms2 only"),
    ]  # fmt: skip
    explained = verdict(engine, run, at)
    assert explained.ready and explained.unexplained == ()
    assert explained.explanations[("DC1", "SKU-10", "sellable")].new_qty == 16


def test_cutover_switches_the_book_of_migrated_locations_and_the_stock_comparison_follows(
    engine: Engine, people: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    rows = daily_rows([0, 0, 0])
    rows += [("2026-03-04T06:00:00Z", "shopify", "DC1", "SKU-01", "sellable", 12)]
    rows += [("2026-03-04T06:00:00Z", "pos", "STORE1", "SKU-01", "sellable", 1)]  # another book
    load_stock(db_url, tmp_path, rows)
    with write_session(engine) as session:  # STORE1's book is pos: the cutover must leave it
        book_systems.set_book_system(session=session, actor=people["steward1"], location="STORE1", system="pos")  # fmt: skip
    run = open_run(engine, people["steward1"], locations=["DC1", "STORE1"])
    at = end_of(DAYS[2])
    compared = {r["key"] for r in _disc(engine, at)}
    assert compared == {"shopify", "wms2"}  # wms is DC1's book: shopify and wms2 compared with it
    assert _stored_disc(engine) == {"shopify", "wms2"}  # the aggregates say the same
    with pytest.raises(ConflictError), write_session(engine) as session:  # a stale version refuses
        cutover.close_migration(session=session, actor=people["steward1"], migration_id=run,
                                  note="go", seen_version=7, now=at)  # fmt: skip
    before = last_audit_id(engine)
    with write_session(engine) as session:
        done = cutover.close_migration(session=session, actor=people["steward2"],
                                         migration_id=run, note="ready for 3 days", now=at)  # fmt: skip
    assert (done.switched, done.left) == (("DC1",), (("STORE1", "its book is pos, not wms"),))
    assert (done.migration.status, done.migration.closed_by) == (
        migration.MigrationStatus.CUTOVER,
        "steward2",
    )
    assert done.migration.readiness_at_close["ready"] is True
    assert [r[:7] for r in audit_after(engine, before)] == [
        ("steward2", "book_system.edit", "book_system", "DC1", "system", "wms", "wms2"),
        ("steward2", "migration.cutover", "migration", str(run), "status", "open", "cutover"),
    ]
    with read_session(engine) as session:
        assert session.get_one(BookSystem, "DC1").system == "wms2"
    # Now wms2 is DC1's book: the old WMS and shopify are compared with it.
    assert {r["key"] for r in _disc(engine, at)} == {"shopify", "wms"}
    assert _stored_disc(engine) == {
        "shopify",
        "wms",
    }  # the audited change made the refresh redo stock


def _stored_disc(engine: Engine) -> set[object]:
    """The systems compared by stock_discrepancies now, read from the refreshed aggregates."""
    rows, source = rows_now(engine, utcnow())
    assert source == "aggregates"
    return {r["key"] for r in rows if r["metric"] == "stock_discrepancies" and r["dim"] == "system"}


def _disc(engine: Engine, at: datetime) -> list[dict[str, object]]:
    rows = compute_metrics(engine, at)
    return [r for r in rows if r["metric"] == "stock_discrepancies" and r["dim"] == "system"]


def test_a_cutover_while_blocked_needs_the_blockers_accepted(
    engine: Engine, people: dict[str, Actor], db_url: str, tmp_path: Path
) -> None:
    load_stock(db_url, tmp_path, daily_rows([3, 3]))
    run = open_run(engine, people["steward1"])
    at = end_of(DAYS[1])
    with (
        pytest.raises(GovernanceError, match=r"migration \d+ is not ready: 0 of 3 consecutive"),
        write_session(engine) as session,
    ):
        cutover.close_migration(session=session, actor=people["admin1"], migration_id=run,
                                  note="go", now=at)  # fmt: skip
    with write_session(engine) as session:
        done = cutover.close_migration(session=session, actor=people["admin1"],
                                         migration_id=run, note="deadline", accept_blockers=True,
                                         now=at)  # fmt: skip
    state = done.migration.readiness_at_close
    assert (state["ready"], state["accepted_blockers"], len(state["blockers"])) == (False, True, 1)
    with (
        pytest.raises(ConflictError, match="it is cutover"),
        write_session(engine) as session,
    ):  # closed: nothing more to explain
        migration.explain_pair(session=session, actor=people["admin1"], migration_id=run,
                               location="DC1", sku="SKU-01", status="sellable", note="x")  # fmt: skip


def test_one_migration_is_open_at_a_time_and_abandoning_changes_no_book(
    engine: Engine, people: dict[str, Actor]
) -> None:
    run = open_run(engine, people["steward1"])
    with pytest.raises(GovernanceError, match="is still open"):
        open_run(engine, people["steward1"])
    with pytest.raises(GovernanceError, match="must differ"), write_session(engine) as session:
        migration.open_migration(session=session, actor=people["steward1"], old="wms",
                                 new="WMS", start=D1)  # fmt: skip
    with write_session(engine) as session:
        cutover.abandon_migration(session=session, actor=people["steward1"], migration_id=run,
                                    note="vendor dropped")  # fmt: skip
    with read_session(engine) as session:
        assert session.get_one(SystemMigration, run).status == "abandoned"
        assert session.scalars(select(BookSystem)).all() == []
    assert open_run(engine, people["steward1"]) == run + 1


# ---- the item-master freeze ------------------------------------------------------------------

ITEMS_HEADER = "sku,name,category,brand,lifecycle_status"


def import_items(
    engine: Engine, tmp_path: Path, name: str, rows: list[str]
) -> pipeline.ImportReport:
    """Import an items.csv of the item-master system (erp: canonical items default to it)."""
    folder = tmp_path / name
    folder.mkdir()
    (folder / "items.csv").write_text("\n".join([ITEMS_HEADER, *rows]) + "\n", encoding="utf-8")
    report = pipeline.import_file(folder / "items.csv", "items", engine=engine)
    assert report.ok and report.system == "erp", report
    return report


def set_freeze(engine: Engine, actor: Actor, active: bool, reason: str) -> None:
    """Turn the freeze on or off."""
    with write_session(engine) as session:
        freeze.set_freeze(session=session, actor=actor, active=active, reason=reason)


def item_name(engine: Engine, sku: str) -> str | None:
    """An item's name (None when there is no such item)."""
    with read_session(engine) as session:
        item = session.get(Item, sku)
        return None if item is None else item.name


def test_the_freeze_holds_the_owners_change_and_lifting_it_lets_the_next_file_apply(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    import_items(engine, tmp_path, "first", ["SKU-A,Tee,Tops,Acme,active"])
    set_freeze(engine, people["steward1"], True, "WMS migration")
    changed = ["SKU-A,Tee v2,Tops,Acme,active", "SKU-NEW,Linen shirt,Tops,Acme,active"]
    frozen = import_items(engine, tmp_path, "frozen", changed)
    assert (frozen.inserted, frozen.updated, frozen.unchanged) == (0, 0, 2)
    assert "item-master freeze is on" in " ".join(frozen.notes)
    assert item_name(engine, "SKU-A") == "Tee" and item_name(engine, "SKU-NEW") is None
    detect(engine)
    (conflict,) = exceptions(engine, "field_ownership_conflict")
    assert (conflict["entity"], conflict["status"]) == ("SKU-A / name / erp", "open")
    assert conflict["facts"]["proposed_value"] == "Tee v2"
    with read_session(engine) as session:
        (request,) = session.scalars(select(SkuRequest)).all()
    assert (request.sku, request.status, request.requester) == ("SKU-NEW", "pending", "import:erp")
    assert request.fields["name"] == "Linen shirt"
    again = import_items(engine, tmp_path, "again", changed)  # the same file: nothing new
    assert "already wait for approval" in " ".join(again.notes)
    with read_session(engine) as session:
        assert len(session.scalars(select(SkuRequest)).all()) == 1
        assert len(session.scalars(select(HeldItemChange)).all()) == 1

    set_freeze(engine, people["steward1"], False, "cutover done")
    after = import_items(engine, tmp_path, "after", changed)
    assert (after.inserted, after.updated) == (1, 1)
    assert item_name(engine, "SKU-A") == "Tee v2" and item_name(engine, "SKU-NEW") == "Linen shirt"
    with read_session(engine) as session:
        assert session.scalars(select(HeldItemChange)).all() == []
        (request,) = session.scalars(select(SkuRequest)).all()
        assert (request.status, request.decided_by) == ("rejected", "system")
    detect(engine)
    (conflict,) = exceptions(engine, "field_ownership_conflict")
    assert (conflict["status"], conflict["cleared_by_data"]) == ("resolved", True)


def test_a_held_change_the_owner_takes_back_during_the_freeze_is_no_longer_held(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    import_items(engine, tmp_path, "first", ["SKU-A,Tee,Tops,Acme,active"])
    set_freeze(engine, people["steward1"], True, "WMS migration")
    import_items(engine, tmp_path, "change", ["SKU-A,Tee v2,Tops,Acme,active"])
    import_items(engine, tmp_path, "back", ["SKU-A,Tee,Tops,Acme,active"])
    with read_session(engine) as session:
        assert session.scalars(select(HeldItemChange)).all() == []


def test_the_freeze_is_audited_and_refused_when_already_so(
    engine: Engine, people: dict[str, Actor]
) -> None:
    before = last_audit_id(engine)
    set_freeze(engine, people["steward1"], True, "WMS migration")
    with pytest.raises(GovernanceError, match=r"already on since .* set by steward1"):
        set_freeze(engine, people["steward2"], True, "again")
    with pytest.raises(GovernanceError, match="needs a reason"):
        set_freeze(engine, people["steward2"], False, "  ")
    set_freeze(engine, people["steward2"], False, "done")
    with pytest.raises(GovernanceError, match="already off"):
        set_freeze(engine, people["steward2"], False, "done")
    assert audit_after(engine, before, "item_master_freeze") == [
        ("steward1", "freeze.on", "item_master_freeze", "1", "active", "false", "true"),
        ("steward2", "freeze.off", "item_master_freeze", "1", "active", "true", "false"),
    ]
    with read_session(engine) as session:
        state = freeze.freeze_state(session)
    assert (state.active, state.by, state.reason, state.version) == (False, "steward2", "done", 2)


def test_during_the_freeze_a_shop_owners_stock_file_creates_no_draft_items(
    engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "shopify")
    get_settings.cache_clear()
    inventory = FIXTURES / "shopify-inventory" / "inventory_export.csv"
    set_freeze(engine, people["steward1"], True, "WMS migration")
    frozen = pipeline.import_file(inventory, "shopify-inventory", engine=engine)
    assert frozen.ok and frozen.inserted > 0  # its stock rows load
    assert "new SKU(s) not created" in " ".join(frozen.notes)
    with read_session(engine) as session:
        assert session.scalars(select(Item)).all() == []
        assert session.scalars(select(SkuRequest)).all() == []  # drafts are not filed either
    set_freeze(engine, people["steward1"], False, "done")
    after = pipeline.import_file(inventory, "shopify-inventory", engine=engine)
    with read_session(engine) as session:
        assert after.ok and len(session.scalars(select(Item)).all()) > 0

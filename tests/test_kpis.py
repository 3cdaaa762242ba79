"""KPI targets and owners: defaults, red/amber/green, tiles with week-over-week change, edits by stewards."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cli.main import main
from core.db import get_engine, read_session, write_session
from core.schema import AuditEntry, KpiTarget
from core.timeutil import iso_z, utcnow, week_label, week_start
from governance import accounts
from governance.errors import ConflictError, GovernanceError, PermissionDenied
from governance.kpi_targets import update_kpi_target
from governance.permissions import Actor
from metrics.compute import reading
from metrics.kpi_board import kpi_tiles, kpi_trends
from metrics.kpis import (
    DEFAULT_TARGETS,
    KPIS,
    Rag,
    Target,
    ensure_default_targets,
    load_targets,
)
from metrics.refresh import rebuild, refresh
from tests.test_metrics_common import load

# The issue's defaults, copied by hand: metric -> (comparator, target).
ISSUE_TARGETS = {
    "inventory_record_accuracy": (">=", 0.98),
    "unit_accuracy": (">=", 0.99),
    "split_order_rate": ("<=", 0.10),
    "reroute_rate": ("<=", 0.05),
    "fill_rate": (">=", 0.97),
    "stalled_orders": ("=", 0),
    "return_lag_p90_hours": ("<=", 72),
    "black_hole_returns": ("=", 0),
    "sku_quality_rate": (">=", 0.95),
    "integration_failure_rate": ("<=", 0.01),
    "stock_discrepancies": ("=", 0),
    "unmapped_system_skus": ("=", 0),
    # issue 12: dead stock (its value in money, none wanted), safety stock and bundles = 0
    "dead_stock_units": ("<=", 0),
    "safety_stock_shortfalls": ("=", 0),
    "bundle_availability_breaches": ("=", 0),
}
# SPEC section 4's routing teams by domain.
OWNERS = {
    "inventory_record_accuracy": "inventory control",
    "unit_accuracy": "inventory control",
    "stock_discrepancies": "inventory control",
    "split_order_rate": "operations",
    "reroute_rate": "operations",
    "fill_rate": "operations",
    "stalled_orders": "operations",
    "return_lag_p90_hours": "store operations",
    "black_hole_returns": "store operations",
    "sku_quality_rate": "merchandising",
    "unmapped_system_skus": "merchandising",
    "integration_failure_rate": "systems / IT",
    "dead_stock_units": "inventory control",  # warehouse stock
    "safety_stock_shortfalls": "operations",  # order routing
    "bundle_availability_breaches": "inventory control",  # warehouse stock
}
PASSWORD = "correct horse battery"


@pytest.mark.parametrize(
    ("comparator", "target", "margin", "value", "status"),
    [
        (">=", 0.98, 0.02, 0.98, Rag.GREEN),
        (">=", 0.98, 0.02, 0.99, Rag.GREEN),
        (">=", 0.98, 0.02, 0.96, Rag.AMBER),  # misses by exactly the margin
        (">=", 0.98, 0.02, 0.9599, Rag.RED),
        ("<=", 0.10, 0.05, 0.15, Rag.AMBER),
        ("<=", 0.10, 0.05, 0.1501, Rag.RED),
        ("<=", 72, 24, 72, Rag.GREEN),
        ("=", 0, 10, 0, Rag.GREEN),
        ("=", 0, 10, 10, Rag.AMBER),
        ("=", 0, 10, 11, Rag.RED),
        ("=", 0, 0, 1, Rag.RED),
        (">=", 0.98, 0.02, None, Rag.NO_DATA),
    ],
)
def test_red_amber_green(
    comparator: str, target: float, margin: float, value: float | None, status: Rag
) -> None:
    assert Target("m", comparator, target, margin).status(value) is status


def test_defaults_are_the_issue_targets_owned_by_spec_teams(engine: Engine) -> None:
    assert [kpi.metric for kpi in KPIS] == list(ISSUE_TARGETS)
    with reading(engine) as conn:
        targets = load_targets(conn)
    for metric, (comparator, target) in ISSUE_TARGETS.items():
        got = targets[metric]
        assert (got.comparator, got.target, got.owner_team) == (comparator, target, OWNERS[metric])
        assert got.amber_margin >= 0
        assert DEFAULT_TARGETS[metric].target == target


def test_seeding_is_idempotent(engine: Engine) -> None:
    with write_session(engine) as session:
        ensure_default_targets(session)
        assert ensure_default_targets(session) == 0
        rows = session.scalars(select(KpiTarget)).all()
    assert {r.metric for r in rows} == set(ISSUE_TARGETS)
    assert all(r.version == 1 for r in rows)


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """An admin, a steward and a viewer."""
    with write_session(engine) as session:
        root = accounts.create_first_admin(session=session, name="root", password=PASSWORD)
        made = {"root": root}
        for name, role in (("stew", "steward"), ("view", "viewer")):
            made[name] = accounts.add_user(
                session=session, actor=root, name=name, role=role, password=PASSWORD
            )
    return made


def test_a_steward_edits_a_target_with_an_audit_trail(
    engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(engine) as session:
        changed = update_kpi_target(
            session=session,
            actor=people["stew"],
            metric="fill_rate",
            target=0.95,
            amber_margin=0.01,
            owner_team="Finance",
            seen_version=load_targets(session.connection())["fill_rate"].version,
        )
    assert (changed.target, changed.amber_margin, changed.owner_team) == (0.95, 0.01, "finance")
    assert changed.version == 2 and changed.updated_by == "stew"
    with read_session(engine) as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.object_type == "kpi_target"))
        fields = {(a.field, a.old_value, a.new_value, a.actor) for a in audit}
    assert fields == {
        ("target", "0.97", "0.95", "stew"),
        ("amber_margin", "0.02", "0.01", "stew"),
        ("owner_team", "operations", "finance", "stew"),
    }


def test_edits_are_refused_when_stale_invalid_or_not_allowed(
    engine: Engine, people: dict[str, Actor]
) -> None:
    with write_session(engine) as session:
        update_kpi_target(session=session, actor=people["root"], metric="reroute_rate", target=0.04, seen_version=1)  # fmt: skip
    refusals = [
        (ConflictError, dict(metric="reroute_rate", target=0.03, seen_version=1)),
        (GovernanceError, dict(metric="reroute_rate", comparator=">", seen_version=2)),
        (GovernanceError, dict(metric="reroute_rate", amber_margin=-1, seen_version=2)),
        (GovernanceError, dict(metric="reroute_rate", owner_team="nobody", seen_version=2)),
        (GovernanceError, dict(metric="multi_location_rate", target=0.2, seen_version=1)),
    ]
    for error, fields in refusals:
        with pytest.raises(error), write_session(engine) as session:
            update_kpi_target(session=session, actor=people["stew"], **fields)  # type: ignore[arg-type]
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        update_kpi_target(session=session, actor=people["view"], metric="reroute_rate", target=0.5, seen_version=2)  # fmt: skip
    with reading(engine) as conn:
        kept = load_targets(conn)["reroute_rate"]
    assert (kept.target, kept.version, kept.updated_by) == (0.04, 2, "root")


def _monday(weeks_back: int, now: datetime) -> datetime:
    """Monday 00:00 UTC of the ISO week `weeks_back` weeks before the one holding now."""
    return week_start(week_label(now)) - timedelta(days=7 * weeks_back)


def test_tiles_and_trends_read_the_aggregates(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    # A Friday noon in the past week: the order placed 3 days before it lies in now's own week
    # (on a Monday or Tuesday no order 48 h old could), whatever day the suite runs.
    now = _monday(0, utcnow()) + timedelta(days=4, hours=12)
    now = now if now <= utcnow() else now - timedelta(days=7)
    last, before = _monday(1, now), _monday(2, now)  # latest complete week and the one before
    t = iso_z
    # Latest complete week: 4 counts of an A item, 3 exact (IRA 0.75); the week before: 2 of 2.
    # Unit accuracy that week: 1 − (0+0+0+5)/(4·10) = 0.875. One order placed 3 days ago, unshipped.
    load(
        db_url,
        tmp_path / "kpi",
        items=("sku,abc_class,lifecycle_status,created_at", [("A1", "A", "active", t(before))]),
        cycle_counts=(
            "count_id,counted_at,location_id,sku,system_qty,counted_qty",
            [(f"K{i}", t(last + timedelta(days=1)), "DC1", "A1", 10, 10 + 5 * (i == 3)) for i in range(4)]
            + [(f"P{i}", t(before + timedelta(days=2)), "DC1", "A1", 10, 10) for i in range(2)],
        ),
        orders=("order_id,channel,placed_at", [("O1", "shopify", t(now - timedelta(days=3)))]),
        order_lines=("order_id,line_id,quantity", [("O1", "L1", 2)]),
    )  # fmt: skip
    with write_session(engine) as session:  # a snapshot 8 days ago (before the order), then now
        rebuild(session, now=now - timedelta(days=8))
    with write_session(engine) as session:
        refresh(session, now=now)
    with reading(engine) as conn:
        tiles = {tile.kpi.metric: tile for tile in kpi_tiles(conn, now)}
        trends = kpi_trends(conn, now)
    ira = tiles["inventory_record_accuracy"]
    assert (ira.period, ira.value, ira.previous, ira.change) == (week_label(last), 0.75, 1.0, -0.25)
    assert ira.status is Rag.RED and ira.target.owner_team == "inventory control"
    units = tiles["unit_accuracy"]
    assert (units.value, units.previous, units.status) == (0.875, 1.0, Rag.RED)
    stalled = tiles["stalled_orders"]
    assert (stalled.value, stalled.previous, stalled.change, stalled.status) == (1, 0, 1, Rag.AMBER)
    assert tiles["fill_rate"].value is None and tiles["fill_rate"].status is Rag.NO_DATA
    ira_points = {
        (p["week"], p["value"]) for p in trends if p["metric"] == "inventory_record_accuracy"
    }
    assert ira_points == {(week_label(last), 0.75), (week_label(before), 1.0)}
    stalled_points = [p for p in trends if p["metric"] == "stalled_orders"]
    assert {(p["week"], p["value"]) for p in stalled_points} == {
        (week_label(now - timedelta(days=8)), 0),
        (week_label(now), 1),
    }


def test_kpis_command(
    db_url: str, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["kpis", "set", "split_order_rate", "--target", "0.2", "--user", "stew"]) == 0
    assert "split_order_rate: <= 0.2" in capsys.readouterr().out
    assert main(["kpis", "set", "split_order_rate", "--target", "0.3", "--version", "1", "--user", "stew"]) == 1  # fmt: skip
    assert "changed by stew" in capsys.readouterr().err
    assert main(["kpis", "--json"]) == 0
    tiles = {t["metric"]: t for t in json.loads(capsys.readouterr().out)}
    assert list(tiles) == list(ISSUE_TARGETS)
    assert (tiles["split_order_rate"]["target"], tiles["split_order_rate"]["version"]) == (0.2, 2)
    assert {t["status"] for t in tiles.values()} == {"no_data"}


def test_planning_tiles_read_their_declared_value(db_url: str, tmp_path: Path) -> None:
    engine = get_engine(db_url)
    base, t = utcnow(), iso_z
    # OLD is active, 100 days old, never shipped: 20 book units × 12.50 = 250.00 of dead stock,
    # which misses the "≤ 0" target by 250, within the 1,000 amber margin. S1 sells 56 units on
    # shopify over the window with none available: 1 pair short; no bundles: 0 breaches.
    load(
        db_url,
        tmp_path / "planning",
        items=(
            "sku,lifecycle_status,created_at,unit_cost",
            [("OLD", "active", t(base - timedelta(days=100)), "12.50")],
        ),
        stock_levels=(
            "as_of,system,location_id,system_sku,status,quantity",
            [(t(base - timedelta(days=1)), "wms", "DC1", "OLD", "sellable", 20)],
        ),
        orders=("order_id,channel,placed_at", [("O1", "shopify", t(base - timedelta(days=2)))]),
        order_lines=("order_id,line_id,sku,quantity", [("O1", "L1", "S1", 56)]),
    )
    now = utcnow().replace(microsecond=0)  # after the imports: the snapshot kept at now is read
    with write_session(engine) as session:
        refresh(session, now=now)
    with reading(engine) as conn:
        tiles = {tile.kpi.metric: tile for tile in kpi_tiles(conn, now)}
    dead = tiles["dead_stock_units"]
    assert (dead.kpi.label, dead.value, dead.status) == ("Dead stock value", 250.0, Rag.AMBER)
    short = tiles["safety_stock_shortfalls"]
    assert (short.value, short.status, short.target.owner_team) == (1, Rag.AMBER, "operations")
    bundles = tiles["bundle_availability_breaches"]
    assert (bundles.value, bundles.status) == (0, Rag.GREEN)


def test_migrations_seed_every_default_target(sqlite_url: str) -> None:
    # A freshly migrated database (the PostgreSQL test database is truncated between tests, seeds
    # included, so only the SQLite copy of the migrated template still holds what migrations wrote).
    with reading(get_engine(sqlite_url)) as conn:
        stored = {row.metric: row for row in conn.execute(select(KpiTarget.__table__))}
    assert set(stored) == set(DEFAULT_TARGETS)
    for metric, default in DEFAULT_TARGETS.items():
        row = stored[metric]
        assert (row.comparator, row.target, row.amber_margin, row.owner_team) == (
            default.comparator,
            default.target,
            default.amber_margin,
            default.owner_team,
        )

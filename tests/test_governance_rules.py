"""Every rule of SPEC section 4's table finds exactly the planted problems of a hand-built brand."""

from __future__ import annotations

import ast
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from core.db import write_session
from core.schema import (
    CANONICAL_TABLES,
    CycleCount,
    HeldItemChange,
    ImportRun,
    IntegrationEvent,
    Order,
    OrderLine,
    QuarantinedRow,
    Return,
    Shipment,
    SystemRecord,
)
from governance import labels
from governance.detection import detect, find_all
from governance.rules import RULES
from governance.rules_flow import STALLED_ORDER
from governance.vocabulary import DEFAULT_ROUTING, Domain
from metrics.order_facts import unfilled_candidates
from metrics.refresh import rebuild
from tests.governance_support import AS_OF, add, exceptions, gtin, item, stock

DAY = timedelta(days=1)

# SPEC section 4's rule table: type -> (fingerprint fields, domain), copied by hand.
SPEC_RULES = {
    "stock_discrepancy": (("system", "location", "sku"), "warehouse_stock"),
    "unmapped_system_sku": (("system", "system_sku"), "item_master"),
    "missing_sku": (("system", "source_key"), "item_master"),
    "duplicate_barcode": (("barcode",), "item_master"),
    "invalid_barcode": (("sku",), "item_master"),
    "missing_attributes": (("sku",), "item_master"),
    "unapproved_active_sku": (("sku",), "item_master"),
    "accuracy_below_target": (("location",), "warehouse_stock"),
    "stalled_order": (("order_id",), "order_routing"),
    "return_lag_breach": (("return_id",), "returns_intake"),
    "black_hole_return": (("return_id",), "returns_intake"),
    "integration_failure_spike": (("integration", "week"), "integrations"),
    "quarantined_rows": (("file_sha256",), "integrations"),
    "field_ownership_conflict": (("sku", "field", "system"), "item_master"),
    "safety_stock_shortfall": (("channel", "sku"), "order_routing"),
    "bundle_availability_breach": (("system", "location", "bundle_sku"), "warehouse_stock"),
    "dead_stock": (("location", "sku"), "warehouse_stock"),
    "stranded_stock": (("location", "sku"), "item_master"),
}


def test_rules_follow_the_spec_table() -> None:
    assert {r.type: (r.fingerprint, r.domain.value) for r in RULES} == SPEC_RULES
    assert [r.type for r in RULES] == list(SPEC_RULES)
    assert {d.value for d in DEFAULT_ROUTING} == {d.value for d in Domain}


def test_every_rule_declares_what_it_reads_and_what_it_folds() -> None:
    by_type = {r.type: r for r in RULES}
    for rule in RULES:
        assert rule.reads, f"{rule.type} reads nothing: no import could verify a resolution"
        assert set(rule.reads) <= set(CANONICAL_TABLES), rule.type
        for folded in rule.folds:  # the same entity: the same fingerprint fields
            assert by_type[folded].fingerprint == rule.fingerprint, (rule.type, folded)
            assert set(by_type[folded].reads) <= set(rule.reads), (rule.type, folded)
    assert {r.type: r.folds for r in RULES if r.folds} == {
        "black_hole_return": ("return_lag_breach",)
    }


def hand_worked_rules() -> dict[str, list[str]]:
    """rule type -> the tests marked @pytest.mark.hand_worked_rule(...) in tests/ (read with ast)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and ast.unparse(decorator.func) == "pytest.mark.hand_worked_rule"
                ):
                    for name in _marked_types(tree, decorator.args):
                        found.setdefault(name, []).append(f"{path.name}::{node.name}")
    return found


def _marked_types(tree: ast.Module, args: list[ast.expr]) -> list[str]:
    """The rule types a mark names: literal strings, or `*NAME` of a module-level dict keyed by
    them (EXPECTED here)."""
    names: list[str] = []
    for arg in args:
        if isinstance(arg, ast.Starred) and isinstance(arg.value, ast.Name):
            names += _module_value(tree, arg.value.id)
        else:
            names.append(ast.literal_eval(arg))
    return names


def _module_value(tree: ast.Module, name: str) -> list[str]:
    for node in tree.body:
        if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict)):
            continue
        if any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return [ast.literal_eval(k) for k in node.value.keys if k is not None]
    raise AssertionError(f"cannot read the rule types of {name}: not a module-level dict")


def test_every_rule_is_labelled_documented_and_has_a_hand_worked_test() -> None:
    marked = hand_worked_rules()
    types = [r.type for r in RULES]
    assert set(marked) <= set(types), set(marked) - set(types)  # no stale marks
    missing = [t for t in types if t not in marked]
    assert not missing, f"rules without a @pytest.mark.hand_worked_rule test: {missing}"
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    for rule in RULES:
        assert rule.type in labels.TYPE_LABELS and rule.type in labels.TYPE_MEANINGS, rule.type
        assert f"\n| {rule.type} |" in readme, f"{rule.type} has no row in the README rules table"


def _items() -> list[object]:
    bad = gtin(60)
    return [
        item("SKU-A", 1),
        item("SKU-B", 2),
        item("DUP-1", 3, barcode=gtin(50)),
        item("DUP-2", 4, barcode=gtin(50)),
        item("BADBAR", 5, barcode=bad[:-1] + str((int(bad[-1]) + 1) % 10)),
        item("NOBRAND", 6, brand=None),
        item("UNAPPR", 7, approved_at=None, approved_by=None),
        item("HELD", 8),
        HeldItemChange(
            sku="HELD",
            field="name",
            system="shopify",
            proposed_value="Other name",
            current_value="Item HELD",
            first_seen_at=AS_OF,
            last_seen_at=AS_OF,
        ),
        HeldItemChange(
            sku="HELD",
            field="brand",
            system="shopify",
            proposed_value="Acme",
            current_value="Old",
            first_seen_at=AS_OF,
            last_seen_at=AS_OF,
        ),
        SystemRecord(
            system="shopify",
            source_key="tee/M",
            kind="variant",
            title="Tee M",
            details={},
            first_seen_at=AS_OF,
            last_seen_at=AS_OF,
        ),
    ]


def _stock_and_counts() -> list[object]:
    rows: list[object] = [
        stock("wms", "DC-1", "SKU-A", 10),
        stock("shopify", "DC-1", "SKU-A", 12),
        stock("wms", "DC-1", "SKU-B", 3),
        stock("shopify", "DC-1", "SKU-B", 3),
        stock("amazon", "FC-1", "AMZ-X", 5),
    ]
    counted = datetime(2026, 1, 14, 10, tzinfo=UTC)  # 2026-W03, the last complete week
    for n in range(10):  # DC-1: 5 of 10 accurate; STORE-1: 4 of 4
        rows.append(
            CycleCount(
                count_id=f"C{n}",
                counted_at=counted,
                location_id="DC-1",
                sku="SKU-A",
                system_qty=10,
                counted_qty=10 if n < 5 else 9,
            )
        )
    for n in range(4):
        rows.append(
            CycleCount(
                count_id=f"S{n}",
                counted_at=counted,
                location_id="STORE-1",
                sku="SKU-B",
                system_qty=3,
                counted_qty=3,
            )
        )
    return rows


def _shipment(order_id: str, shipped_at: datetime, quantity: int) -> Shipment:
    """The one shipment of an order's line 1, from DC-1."""
    return Shipment(
        shipment_id=f"S-{order_id}",
        line_id="1",
        order_id=order_id,
        location_id="DC-1",
        shipped_at=shipped_at,
        quantity=quantity,
    )


def _orders_and_returns() -> list[object]:
    rows: list[object] = []
    for order_id, days, quantity, shipped in (
        ("O-1", 3, 2, 0),
        ("O-2", 10, 1, 0),
        ("O-3", 3, 1, 1),
        ("O-4", 1, 1, 0),
    ):
        placed = AS_OF - days * DAY
        rows += [
            Order(order_id=order_id, channel="shopify", placed_at=placed),
            OrderLine(order_id=order_id, line_id="1", sku="SKU-A", quantity=quantity),
        ]
        if shipped:
            rows.append(_shipment(order_id, placed + DAY, shipped))
    for return_id, received, refunded, disposition in (
        ("R-1", 4, None, None),
        ("R-2", 8, 7, None),
        ("R-3", 1, None, None),
        ("R-4", 10, 10, 9),
    ):
        rows.append(
            Return(
                return_id=return_id,
                quantity=1,
                sku="SKU-A",
                receiving_location_id="STORE-1",
                received_at=AS_OF - received * DAY,
                refunded_at=AS_OF - refunded * DAY if refunded else None,
                disposition_at=AS_OF - disposition * DAY if disposition else None,
            )
        )
    return rows


def _events_and_files() -> list[object]:
    rows: list[object] = []
    spike_week = datetime(2026, 1, 14, 12, tzinfo=UTC)
    for n in range(10):
        rows.append(
            IntegrationEvent(
                event_id=f"E{n}",
                occurred_at=spike_week,
                integration="sync",
                status="failed" if n < 5 else "success",
            )
        )
        rows.append(
            IntegrationEvent(
                event_id=f"P{n}", occurred_at=spike_week, integration="pos", status="success"
            )
        )
    for week in range(4):  # 2025-W51 .. 2026-W02: 100 events, 1 failed
        when = datetime(2026, 1, 7, 12, tzinfo=UTC) - timedelta(days=7 * week)
        for n in range(25):
            rows.append(
                IntegrationEvent(
                    event_id=f"B{week}-{n}",
                    occurred_at=when,
                    integration="sync",
                    status="failed" if (week, n) == (0, 0) else "success",
                )
            )
    rows.append(
        ImportRun(
            id=1,
            source="orders",
            entity="orders",
            system="oms",
            file_name="o.csv",
            sha256="abc",
            status="committed",
            started_at=AS_OF - DAY,
            quarantined=2,
        )
    )
    rows += [
        QuarantinedRow(
            import_run_id=1,
            entity="orders",
            file_name="o.csv",
            file_sha256="abc",
            line_number=n,
            raw_text="x",
            reason="bad date",
            created_at=AS_OF - DAY,
        )
        for n in (4, 7)
    ]
    return rows


EXPECTED = {
    "stock_discrepancy": {"shopify / DC-1 / SKU-A"},
    "unmapped_system_sku": {"amazon / AMZ-X"},
    "missing_sku": {"shopify / tee/M"},
    "duplicate_barcode": {gtin(50)},
    "invalid_barcode": {"BADBAR"},
    "missing_attributes": {"NOBRAND"},
    "unapproved_active_sku": {"UNAPPR"},
    "accuracy_below_target": {"DC-1"},
    "stalled_order": {"O-1", "O-2"},
    "return_lag_breach": {"R-1"},  # R-2 waits too long too, but is a black hole: one exception
    "black_hole_return": {"R-2"},
    "integration_failure_spike": {"sync / 2026-W03"},
    "quarantined_rows": {"abc"},
    "field_ownership_conflict": {"HELD / name / shopify"},
}


@pytest.mark.hand_worked_rule(*EXPECTED)
def test_each_rule_finds_its_planted_problems(engine: Engine) -> None:
    add(engine, *_items(), *_stock_and_counts(), *_orders_and_returns(), *_events_and_files())
    report = detect(engine, as_of=AS_OF)
    found: dict[str, set[str]] = {}
    for row in exceptions(engine):
        found.setdefault(row["type"], set()).add(row["entity"])
    assert found == EXPECTED
    # the planning rules find nothing here (tests/test_governance_rules_planning.py plants them)
    assert report.found == {kind: len(EXPECTED.get(kind, ())) for kind in SPEC_RULES}
    by_entity = {(r["type"], r["entity"]): r for r in exceptions(engine)}
    assert by_entity[("stalled_order", "O-1")]["severity"] == "medium"
    assert by_entity[("stalled_order", "O-2")]["severity"] == "high"  # placed 10 days ago
    assert by_entity[("missing_attributes", "NOBRAND")]["facts"]["missing"] == ["brand"]
    assert by_entity[("duplicate_barcode", gtin(50))]["facts"]["skus"] == ["DUP-1", "DUP-2"]
    spike = by_entity[("integration_failure_spike", "sync / 2026-W03")]["facts"]
    assert (spike["failure_rate"], spike["failed"], spike["events"], spike["baseline_rate"]) == (
        0.5,
        5,
        10,
        0.01,
    )
    accuracy = by_entity[("accuracy_below_target", "DC-1")]["facts"]
    assert (accuracy["accuracy"], accuracy["counts"], accuracy["weeks"]) == (
        0.5,
        10,
        "2025-W52..2026-W03",
    )
    black_hole = by_entity[("black_hole_return", "R-2")]
    assert black_hole["severity"] == "high"
    # the folded lag breach's facts: the 72 h target it breaches, and which rule was folded in
    assert (black_hole["facts"]["limit_hours"], black_hole["facts"]["also"]) == (
        72.0, ["return_lag_breach"],
    )  # fmt: skip
    teams = {r["type"]: r["team"] for r in exceptions(engine)}
    assert teams["stalled_order"] == "operations"
    assert teams["black_hole_return"] == "store operations"
    assert teams["integration_failure_spike"] == "systems / IT"
    assert teams["field_ownership_conflict"] == "merchandising"


def _stalled_scenario(held: datetime) -> list[object]:
    """Orders whose stalled state changes after `held`, the instant the order facts hold."""
    rows: list[object] = []
    plan = {  # order -> (placed, shipped_at of its whole quantity or None, cancelled_at or None)
        "STILL": (held - 10 * DAY, None, None),  # unfilled then and now: stalled
        "FILLED-SINCE": (held - 10 * DAY, held + DAY, None),  # unfilled then, shipped since
        "PLACED-SINCE": (held + DAY, None, None),  # placed after the facts, 4 days ago at AS_OF
        "CANCELLED-SINCE": (held - 10 * DAY, None, held + DAY),
        "FILLED-BEFORE": (held - 10 * DAY, held - 9 * DAY, None),
        "TOO-NEW": (AS_OF - timedelta(hours=47), None, None),  # inside the 48 h SLA
    }
    for order_id, (placed, shipped_at, cancelled_at) in plan.items():
        rows += [
            Order(order_id=order_id, channel="pos", placed_at=placed, cancelled_at=cancelled_at),
            OrderLine(order_id=order_id, line_id="1", sku="SKU-A", quantity=2),
        ]
        if shipped_at is not None:
            rows.append(_shipment(order_id, shipped_at, 2))
    return rows


def test_stalled_orders_narrowed_by_the_order_facts_equal_the_raw_reading(engine: Engine) -> None:
    held = AS_OF - 5 * DAY
    add(engine, *_stalled_scenario(held))
    with write_session(engine) as session:
        rebuild(session, now=held)  # the facts hold `held`; the later events are in the tables
    with engine.connect() as conn:
        assert unfilled_candidates(conn, int(AS_OF.timestamp())) is not None
        assert unfilled_candidates(conn, int((held - DAY).timestamp())) is None  # facts too new
    detect(engine, as_of=AS_OF)
    stalled = {r["entity"] for r in exceptions(engine) if r["type"] == "stalled_order"}
    assert stalled == {"STILL", "PLACED-SINCE"}
    before = AS_OF - 7 * DAY + timedelta(hours=1)  # earlier than the facts: read from raw rows
    with engine.connect() as conn:
        found = find_all(conn, before, [STALLED_ORDER])[STALLED_ORDER]
    assert {f.key[0] for f in found} == {"STILL", "FILLED-SINCE", "CANCELLED-SINCE"}

"""The four planning rules of SPEC section 4 on a hand-built brand: findings, severities, facts, evidence.

safety_stock_shortfall, bundle_availability_breach, dead_stock and stranded_stock read the same
drill-downs as their metrics; every expected number below is worked out by hand in the comments.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from core.db import write_session
from core.schema import BundleComponent, ImportRun, Order, OrderLine, Shipment
from core.timeutil import iso_z
from governance import lifecycle
from governance.detection import detect
from governance.permissions import Actor
from governance.rules_planning import RULES
from tests.governance_support import AS_OF, add, exceptions, item, make_people, set_stock, stock

DAY = timedelta(days=1)
OLD = AS_OF - 200 * DAY  # created long before the 90-day line
PLANNING = {rule.type for rule in RULES}


def _order(order_id: str, channel: str, sku: str, quantity: int, placed: datetime) -> list[object]:
    return [
        Order(order_id=order_id, channel=channel, placed_at=placed),
        OrderLine(order_id=order_id, line_id="1", sku=sku, quantity=quantity),
    ]


def _shipment(order_id: str, sku: str, shipped_at: datetime) -> list[object]:
    """An order of one unit of a SKU (placed a day before) and its shipment from DC-1."""
    return [
        *_order(order_id, "pos", sku, 1, shipped_at - DAY),
        Shipment(shipment_id=f"S-{order_id}", order_id=order_id, line_id="1", location_id="DC-1",
                 shipped_at=shipped_at, quantity=1),
    ]  # fmt: skip


def _brand() -> list[object]:
    rows: list[object] = [
        # Safety stock: one order of 4 units an hour before as_of (day 0) on shopify and on amazon.
        item("SS-A", 1),
        item("SS-B", 2),
        *_order("O-A", "shopify", "SS-A", 4, AS_OF - timedelta(hours=1)),
        *_order("O-B", "amazon", "SS-B", 4, AS_OF - timedelta(hours=1)),
        stock("wms", "DC-1", "SS-A", 3),  # DC-1 is in no locations row: an empty channel
        stock("wms", "DC-1", "SS-B", 0),  # units 0: available 0
        # Bundles at DC-2: the book holds C1 5 and C2 3; shopify offers 2 KIT and 5 KIT2.
        item("KIT", 3),
        item("KIT2", 4),
        item("C1", 5),
        item("C2", 6),
        BundleComponent(bundle_sku="KIT", component_sku="C1", quantity=1),
        BundleComponent(bundle_sku="KIT", component_sku="C2", quantity=2),
        BundleComponent(bundle_sku="KIT2", component_sku="C1", quantity=1),
        stock("wms", "DC-2", "C1", 5),
        stock("wms", "DC-2", "C2", 3),
        stock("shopify", "DC-2", "KIT", 2),
        stock("shopify", "DC-2", "KIT2", 5),
        # Dead stock at DC-1: active items created 200 days ago.
        item("DEAD-1", 7, created_at=OLD, unit_cost=Decimal("100")),
        item("DEAD-2", 8, created_at=OLD, unit_cost=Decimal("111.1111")),
        item("DEAD-3", 9, created_at=OLD, unit_cost=None),
        item("LIVE", 10, created_at=OLD, unit_cost=Decimal("50")),
        stock("wms", "DC-1", "DEAD-1", 10),
        stock("wms", "DC-1", "DEAD-2", 9),
        stock("wms", "DC-1", "DEAD-3", 4),
        stock("wms", "DC-1", "LIVE", 6),
        *_shipment("O-D1", "DEAD-1", AS_OF - 90 * DAY),  # exactly at the line: outside the window
        *_shipment("O-L", "LIVE", AS_OF - 90 * DAY + timedelta(seconds=1)),  # just inside
        # Stranded: a retired and a draft item on the shelf of STORE-1.
        item("RET-1", 11, created_at=OLD, lifecycle_status="retired", unit_cost=Decimal("5")),
        item("DRAFT-1", 12, lifecycle_status="draft", approved_at=None, unit_cost=None),
        stock("wms", "STORE-1", "RET-1", 2),
        stock("wms", "STORE-1", "DRAFT-1", 1),
    ]
    return rows


def _planning(engine: Engine) -> dict[tuple[str, str], dict[str, Any]]:
    return {(r["type"], r["entity"]): r for r in exceptions(engine) if r["type"] in PLANNING}


@pytest.mark.hand_worked_rule(
    "safety_stock_shortfall", "bundle_availability_breach", "dead_stock", "stranded_stock"
)
def test_planning_rules_find_their_planted_problems(engine: Engine) -> None:
    add(engine, *_brand())
    detect(engine, as_of=AS_OF)
    found = _planning(engine)
    assert {key: row["severity"] for key, row in found.items()} == {
        # available 3 of a safety stock of 3.28: medium; available 0: high
        ("safety_stock_shortfall", "shopify / SS-A"): "medium",
        ("safety_stock_shortfall", "amazon / SS-B"): "high",
        # KIT: 2 offered, min(5 // 1, 3 // 2) = 1 buildable; KIT2: 5 offered, 5 // 1 = 5 (equal)
        ("bundle_availability_breach", "shopify / DC-2 / KIT"): "high",
        # 10 × 100 = 1,000 exactly: medium; 9 × 111.1111 = 999.9999: low; no unit cost: low.
        # LIVE shipped 1 s inside the 90 days: not dead; the SS-, C- and KIT items are 60 days old.
        ("dead_stock", "DC-1 / DEAD-1"): "medium",
        ("dead_stock", "DC-1 / DEAD-2"): "low",
        ("dead_stock", "DC-1 / DEAD-3"): "low",
        # RET-1 is old but retired: stranded, not dead
        ("stranded_stock", "STORE-1 / RET-1"): "medium",
        ("stranded_stock", "STORE-1 / DRAFT-1"): "medium",
    }
    teams = {key[0]: row["team"] for key, row in found.items()}
    assert teams == {
        "safety_stock_shortfall": "operations",  # order routing
        "bundle_availability_breach": "inventory control",  # warehouse stock
        "dead_stock": "inventory control",
        "stranded_stock": "merchandising",  # item master
    }


def test_safety_stock_facts_show_the_formula(engine: Engine) -> None:
    add(engine, *_brand())
    detect(engine, as_of=AS_OF)
    found = _planning(engine)
    shopify = found[("safety_stock_shortfall", "shopify / SS-A")]["facts"]
    # S = 4 in day 0, zeros on the 55 other days: d̄ = 4/56 = 1/14, σd² = 16/56 − 1/196 = 55/196.
    # shopify: p 0.95 (z 1.6448536), L 14, σL 3: radicand 14·55/196 + 9/196 = 779/196, so
    # safety stock = 1.6448536 · √(779/196) = 1.6448536 · 1.9936122 = 3.2792003; available 3.
    assert {k: shopify[k] for k in ("channel", "sku", "demand_units", "available")} == {
        "channel": "shopify", "sku": "SS-A", "demand_units": 4, "available": 3,
    }  # fmt: skip
    assert (shopify["lead_time_days"], shopify["lead_time_sd_days"]) == (14, 3)
    assert shopify["service_level"] == 0.95
    assert shopify["mean_daily"] == pytest.approx(1 / 14)
    assert shopify["sd_daily"] == pytest.approx(0.5297285, rel=1e-7)  # √(55/196)
    assert shopify["z"] == pytest.approx(1.6448536, rel=1e-7)
    assert shopify["safety_stock"] == pytest.approx(3.2792003, rel=1e-7)
    assert shopify["shortfall"] == pytest.approx(0.2792003, rel=1e-6)
    amazon = found[("safety_stock_shortfall", "amazon / SS-B")]["facts"]
    # amazon: p 0.98 (z 2.0537489), L 21, σL 7: radicand 21·55/196 + 49/196 = 1204/196 = 43/7,
    # safety stock = 2.0537489 · 2.4784788 = 5.0901731, all of it short (available 0).
    assert (amazon["lead_time_days"], amazon["lead_time_sd_days"], amazon["available"]) == (
        21,
        7,
        0,
    )
    assert amazon["safety_stock"] == pytest.approx(5.0901731, rel=1e-7)
    assert amazon["shortfall"] == amazon["safety_stock"]


def test_bundle_dead_and_stranded_facts(engine: Engine) -> None:
    add(engine, *_brand())
    detect(engine, as_of=AS_OF)
    found = _planning(engine)
    kit = found[("bundle_availability_breach", "shopify / DC-2 / KIT")]["facts"]
    assert kit == {
        "system": "shopify", "location": "DC-2", "bundle_sku": "KIT", "book_system": "wms",
        "system_units": 2, "buildable": 1, "excess": 1, "limiting": ["C2"],
        "components": ["C1: 5 book units / 1 = 5", "C2: 3 book units / 2 = 1"],
    }  # fmt: skip
    dead = found[("dead_stock", "DC-1 / DEAD-1")]["facts"]
    assert dead == {
        "location": "DC-1", "sku": "DEAD-1", "units": 10, "unit_cost": 100.0, "value": 1000.0,
        "created_at": iso_z(OLD), "last_shipped_at": iso_z(AS_OF - 90 * DAY),
    }  # fmt: skip
    assert found[("dead_stock", "DC-1 / DEAD-2")]["facts"]["value"] == 999.9999
    assert found[("dead_stock", "DC-1 / DEAD-3")]["facts"]["value"] is None
    stranded = found[("stranded_stock", "STORE-1 / RET-1")]["facts"]
    assert stranded == {
        "location": "STORE-1", "sku": "RET-1", "units": 2, "lifecycle_status": "retired",
        "unit_cost": 5.0, "value": 10.0,
    }  # fmt: skip


def _imported(engine: Engine, run_id: int, entity: str) -> None:
    """A committed import run of `entity` (new evidence for resolutions made before it)."""
    add(
        engine,
        ImportRun(id=run_id, source=entity, entity=entity, system="wms", file_name=f"{entity}.csv",
                  sha256=f"sha{run_id}", status="committed", started_at=AS_OF, finished_at=AS_OF),
    )  # fmt: skip


def _fix_dead(engine: Engine) -> None:
    add(engine, *_shipment("O-FIX", "DEAD-1", AS_OF - DAY))  # it sold yesterday


# type, entity, who resolves, an import the rule does not read, one it reads, a fix of the data
EVIDENCE: list[tuple[str, str, str, str, str, Callable[[Engine], None]]] = [
    ("safety_stock_shortfall", "shopify / SS-A", "steward1", "cycle_counts", "stock_levels",
     lambda e: set_stock(e, "wms", "DC-1", "SS-A", 10)),
    ("bundle_availability_breach", "shopify / DC-2 / KIT", "owner.inv", "returns",
     "bundle_components", lambda e: set_stock(e, "wms", "DC-2", "C2", 4)),
    ("dead_stock", "DC-1 / DEAD-1", "owner.inv", "cycle_counts", "shipments", _fix_dead),
    ("stranded_stock", "STORE-1 / RET-1", "owner.merch", "orders", "items",
     lambda e: set_stock(e, "wms", "STORE-1", "RET-1", 0)),
]  # fmt: skip


@pytest.mark.parametrize(("type_", "entity", "resolver", "unrelated", "evidence", "fix"), EVIDENCE)
def test_a_resolution_waits_for_new_evidence_of_what_the_rule_reads(
    engine: Engine,
    type_: str,
    entity: str,
    resolver: str,
    unrelated: str,
    evidence: str,
    fix: Callable[[Engine], None],
) -> None:
    people: dict[str, Actor] = make_people(engine)
    add(engine, *_brand())
    detect(engine, as_of=AS_OF)

    def state() -> tuple[str, str | None, int]:
        row = _planning(engine)[(type_, entity)]
        return row["status"], row["verification"], row["reopen_count"]

    def resolve() -> None:
        with write_session(engine) as session:
            lifecycle.resolve(session=session, actor=people[resolver],
                              exception_id=_planning(engine)[(type_, entity)]["id"],
                              reason="fixed_at_source", note="dealt with")  # fmt: skip

    assert state() == ("open", None, 0)
    resolve()
    detect(engine, as_of=AS_OF)  # no import at all: the problem is still found, yet it waits
    assert state() == ("resolved", "awaiting", 0)
    _imported(engine, 1, unrelated)  # an import of nothing the rule reads
    detect(engine, as_of=AS_OF)
    assert state() == ("resolved", "awaiting", 0)
    _imported(engine, 2, evidence)  # new evidence, and it still shows the problem
    detect(engine, as_of=AS_OF)
    assert state() == ("open", None, 1)
    resolve()
    fix(engine)
    detect(engine, as_of=AS_OF)  # fixed, but no file has shown it yet
    assert state() == ("resolved", "awaiting", 1)
    _imported(engine, 3, evidence)
    detect(engine, as_of=AS_OF)
    assert state() == ("resolved", "verified", 1)

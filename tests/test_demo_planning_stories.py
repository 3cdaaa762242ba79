"""The planning stories planted in the demo brand are visible in the numbers (issue 12's acceptance).

The demo is loaded once per database kind (reduced order volume, fixed seed and end date, as in
test_metrics_demo). Seen through `metrics --json` at the end of the last day, the drill-down behind
each story's row, the Planning page's data calls, and the planning rules after detection. What was
planted is read from demo.planning's constants and from the generator (its catalog, orders and
returns rows), an independent path from the metrics that read the database.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pandas as pd
import pytest
from sqlalchemy.engine import make_url

from cli.main import main
from core.db import get_engine
from core.timeutil import iso_z
from demo import load_demo
from demo.generate import Generated, generate
from demo.plan import DC, STORE_IDS, STUCK_RETURN_STORES, DemoPlan
from demo.planning import (
    GIFT_SET_LISTED,
    SHORT_CHANNEL,
    SLOW_COST,
    SLOW_PARENT,
    SLOW_UNITS,
    STRANDED_UNITS,
)
from governance.detection import detect
from governance.rules_planning import RULES
from governance.vocabulary import ACTIVE
from metrics import planning_board as board
from metrics.compute import reading
from metrics.drilldown import records_behind
from tests.governance_support import exceptions

END = date(2026, 3, 1)
SEED = 7
ORDERS = 1500
DAY_SECONDS = 86_400
WINDOW_DAYS = 56  # SPEC's safety-stock window default
AMAZON = (0.98, 21, 7)  # SPEC's amazon parameters: service level, lead time, its deviation (days)
PLANNING_RULES = {rule.type for rule in RULES}
Row = dict[str, Any]


@dataclass(frozen=True)
class Seen:
    """Everything the tests look at, read once per database kind while its database exists."""

    generated: Generated
    rows: list[Row]  # metrics --json at the cutoff
    drills: dict[str, pd.DataFrame]  # the records behind each story's row
    idle: list[board.IdleStock]
    positions: list[Any]
    safety: list[Any]
    breaches: list[Any]
    handoff: board.Handoff
    opened: dict[tuple[str, str], Row]  # active planning exceptions after detection, by entity


_seen: dict[str, Seen] = {}


def _one(rows: list[Row], name: str, dim: str, key: str | None = None) -> Row:
    found = [r for r in rows if r["metric"] == name and r["dim"] == dim and r["key"] == key]
    assert len(found) == 1, (name, dim, key, found)
    return found[0]


@pytest.fixture
def seen(db_url: str, capsys: pytest.CaptureFixture[str]) -> Seen:
    """Load the demo (once per database kind) and read every view of its planning stories."""
    kind = make_url(db_url).get_backend_name()
    if kind in _seen:
        return _seen[kind]
    plan = DemoPlan(SEED, END, ORDERS)
    engine = get_engine(db_url)
    load_demo(orders=ORDERS, seed=SEED, end=END, engine=engine)
    capsys.readouterr()
    assert main(["metrics", "--json", "--as-of", iso_z(plan.cutoff)]) == 0
    rows = json.loads(capsys.readouterr().out)["metrics"]
    stories_rows = {
        "dead": _one(rows, "dead_stock_units", "location", DC),
        "stranded": _one(rows, "stranded_units", "location", "STORE-02"),
        "short": _one(rows, "safety_stock_shortfalls", "channel", SHORT_CHANNEL),
        "bundle": _one(rows, "bundle_availability_breaches", "system", "shopify"),
        "inspection": _one(rows, "returns_waiting", "step", "inspection"),
    }
    drills = {k: records_behind(engine, r, plan.cutoff) for k, r in stories_rows.items()}
    with reading(engine) as conn:
        idle = board.idle_stock(board.planning_rows(conn, plan.cutoff))
        positions = board.idle_positions(conn, plan.cutoff)
        safety = board.safety_stock_table(conn, plan.cutoff)
        breaches = board.bundle_breaches(conn, plan.cutoff)
        handoff = board.handoff(conn, plan.cutoff)
    detect(engine, as_of=plan.cutoff)
    opened = {
        (r["type"], r["entity"]): r
        for r in exceptions(engine)
        if r["type"] in PLANNING_RULES and r["status"] in ACTIVE
    }
    _seen[kind] = Seen(
        generate(plan), rows, drills, idle, positions, safety, breaches, handoff, opened
    )
    return _seen[kind]


def test_slow_coat_is_dead_stock_at_the_dc(seen: Seen) -> None:
    coat = seen.generated.stories.slow_style
    expected = {item.sku: units for item, units in zip(coat, SLOW_UNITS, strict=True)}
    drill = seen.drills["dead"]
    ours = drill[drill.sku.str.startswith(f"{SLOW_PARENT}-")]
    assert dict(zip(ours.sku, ours.units.astype(int), strict=True)) == expected
    assert set(ours.location) == {DC} and ours.last_shipped_at.isna().all()
    # Each SKU's value is units × 84.00; the style's 184 units (18+26+30+22+16+24+28+20) are
    # worth 184 × 84.00 = 15,456.00.
    cost = Decimal(SLOW_COST)
    for sku, value in zip(ours.sku, ours.value, strict=True):
        assert Decimal(str(value)) == expected[sku] * cost
    assert sum(SLOW_UNITS) == 184 and sum(SLOW_UNITS) * cost == Decimal("15456.00")
    # The DC row counts the coat among its other dead SKUs, and equals its drill-down.
    row = _one(seen.rows, "dead_stock_units", "location", DC)
    assert row["value"] == int(drill.units.sum()) >= 184
    assert row["num"] == pytest.approx(float(sum(Decimal(str(v)) for v in drill.value)))
    assert row["num"] >= 15456.00
    # The Planning page: the DC's dead stock by location, and the coat among the SKU list.
    (at_dc,) = [p for p in seen.idle if p.location == DC]
    assert (at_dc.dead_units, at_dc.dead_value) == (row["value"], pytest.approx(row["num"]))
    listed = {p.sku: p.units for p in seen.positions if p.location == DC and p.dead}
    assert {sku: listed.get(sku) for sku in expected} == expected


def test_retired_sku_is_stranded_at_store_02(seen: Seen) -> None:
    stories = seen.generated.stories
    retired = stories.stranded
    assert retired.lifecycle_status == "retired" and stories.stranded_store == "STORE-02"
    # Listings carry active items only, so the planted 3 units are the brand's only stranded
    # stock: STORE-02 and `all` both show 3 units worth 3 × unit_cost (seed 7: TOP-1218-CML-L
    # at 11.32, 33.96).
    value = float(STRANDED_UNITS * Decimal(retired.unit_cost))
    for dim, key in (("location", "STORE-02"), ("all", None)):
        row = _one(seen.rows, "stranded_units", dim, key)
        assert (row["value"], row["num"]) == (STRANDED_UNITS, pytest.approx(value))
    drill = seen.drills["stranded"]
    assert list(zip(drill.sku, drill.units, drill.lifecycle_status, strict=True)) == [
        (retired.sku, STRANDED_UNITS, "retired")
    ]
    (store,) = [p for p in seen.idle if p.location == "STORE-02"]
    assert (store.stranded_units, store.stranded_value) == (STRANDED_UNITS, pytest.approx(value))


def _amazon_days(generated: Generated, sku: str) -> list[int]:
    """Daily units of the SKU in Amazon orders not cancelled, day k = ⌊(cutoff − placed) / 1 d⌋."""
    cutoff = generated.plan.cutoff
    live: dict[str, datetime] = {
        order_id: placed
        for order_id, channel, placed, cancelled in generated.tables["orders"]
        if channel == SHORT_CHANNEL and (cancelled is None or cancelled > cutoff)
    }
    days = [0] * WINDOW_DAYS
    for order_id, _line, line_sku, quantity, _alloc in generated.tables["order_lines"]:
        if order_id in live and line_sku == sku:
            elapsed = int((cutoff - live[order_id]).total_seconds())
            if 0 <= elapsed < WINDOW_DAYS * DAY_SECONDS:
                days[elapsed // DAY_SECONDS] += quantity
    return days


def test_amazon_best_seller_is_short_of_its_buffer(seen: Seen) -> None:
    short = seen.generated.stories.short_sku
    # Safety stock from the generated orders with SPEC's amazon parameters (0.98, 21 d, 7 d):
    # d̄ = S/56, σd² = Σd²/56 − d̄², safety stock = z·√(L·σd² + d̄²·σL²).
    days = _amazon_days(seen.generated, short)
    total, squares = sum(days), sum(d * d for d in days)
    p, lead, lead_sd = AMAZON
    mean = Fraction(total, WINDOW_DAYS)
    variance = Fraction(squares, WINDOW_DAYS) - mean**2
    expected = statistics.NormalDist().inv_cdf(p) * math.sqrt(
        lead * variance + mean**2 * lead_sd**2
    )
    # Available: book units at the places with no channel or amazon's: DC-01 is down to 1 and
    # 3PL-01 to 0 (units 0 do not count); the Amazon FC has no WMS book rows; stores sell for pos.
    drill = seen.drills["short"]
    (record,) = drill[drill.sku == short].to_dict("records")
    assert (record["demand_units"], record["available"]) == (total, 1)
    assert record["safety_stock"] == pytest.approx(expected, rel=1e-12)
    assert expected > 1 and record["shortfall"] == pytest.approx(expected - 1, rel=1e-12)
    row = _one(seen.rows, "safety_stock_shortfalls", "channel", SHORT_CHANNEL)
    assert row["value"] == len(drill) >= 1
    # The Planning page's table lists the pair with the formula's inputs.
    (pair,) = [s for s in seen.safety if (s.channel, s.sku) == (SHORT_CHANNEL, short)]
    assert (pair.short, pair.available, pair.demand_units) == (True, 1, total)
    assert (float(pair.lead_time_days), float(pair.lead_time_sd_days)) == (lead, lead_sd)


def test_gift_set_breaches_for_want_of_its_gloves(seen: Seen) -> None:
    stories = seen.generated.stories
    # The only bundle any system stocks is Shopify's listing of the gift set at the DC: one triple
    # compared, 6 sets against a book with 0 of the gloves, so buildable 0 and 6 − 0 = 6 over.
    for dim, key in (("all", None), ("system", "shopify")):
        row = _one(seen.rows, "bundle_availability_breaches", dim, key)
        assert (row["value"], row["n"], row["num"]) == (1, 1, GIFT_SET_LISTED)
    (record,) = seen.drills["bundle"].to_dict("records")
    assert (record["location"], record["bundle_sku"]) == (DC, stories.gift_set)
    assert (record["system_units"], record["buildable"]) == (GIFT_SET_LISTED, 0)
    assert record["limiting"] == stories.missing_component
    assert f"{stories.missing_component}: 0 book units / 1 = 0" in record["components"]
    (check,) = seen.breaches
    assert check.limiting == (stories.missing_component,)
    assert len(check.components) == 3  # beanie, scarf and gloves, one of each


def test_returns_pile_up_at_inspection_in_stores(seen: Seen) -> None:
    cutoff = seen.generated.plan.cutoff
    # From the generated rows: received by the cutoff, no condition noted, not dispositioned.
    waiting = [
        (r[0], r[4], r[7], r[8])
        for r in seen.generated.tables["returns"]
        if r[7] is not None and r[7] <= cutoff and r[9] is None and r[11] is None
    ]
    assert waiting and {location for *_, location in waiting} <= set(STUCK_RETURN_STORES)
    row = _one(seen.rows, "returns_waiting", "step", "inspection")
    assert (row["value"], row["num"]) == (len(waiting), sum(q for _, q, _, _ in waiting))
    drill = seen.drills["inspection"]
    assert sorted(drill.return_id) == sorted(r for r, *_ in waiting)
    assert set(drill.location) <= set(STORE_IDS) and drill.channel_pair.str.endswith("→store").all()
    ages = sorted(
        (cutoff - received).total_seconds() / DAY_SECONDS for _, _, received, _ in waiting
    )
    assert sorted(drill.age_days) == pytest.approx(ages)
    # The Planning page's funnel: the step, its owners and the median age of what waits there.
    (step,) = [s for s in seen.handoff.steps if s.step == "inspection"]
    assert (step.count, step.team) == (len(waiting), "store operations")
    assert step.median_age_days == pytest.approx(statistics.median(ages))
    assert step.median_age_days > 7  # left for weeks, not a day's backlog


def test_planning_rules_open_exceptions_for_the_stories(seen: Seen) -> None:
    stories = seen.generated.stories
    retired, gloves = stories.stranded.sku, stories.missing_component
    severities = {
        # Each coat SKU is worth at least 16 × 84.00 = 1,344.00 ≥ 1,000: medium.
        **{("dead_stock", f"{DC} / {item.sku}"): "medium" for item in stories.slow_style},
        ("stranded_stock", f"STORE-02 / {retired}"): "medium",
        # Available 1, not 0: medium.
        ("safety_stock_shortfall", f"{SHORT_CHANNEL} / {stories.short_sku}"): "medium",
        ("bundle_availability_breach", f"shopify / {DC} / {stories.gift_set}"): "high",
    }
    assert {key: seen.opened[key]["severity"] for key in severities if key in seen.opened} == (
        severities
    )
    breach = seen.opened[("bundle_availability_breach", f"shopify / {DC} / {stories.gift_set}")]
    assert breach["facts"]["limiting"] == [gloves]

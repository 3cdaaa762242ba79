"""Every problem the demo brand was built with is visible in `metrics --json`.

The demo is loaded once per database kind (reduced order volume, fixed seed and end date); the
rows are those the CLI prints at the end of the last day. What was planted is read from the
generator (demo.plan constants and the generated catalog and listings), not from the metrics.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from cli.main import main
from core.db import get_engine
from core.timeutil import iso_z
from demo import load_demo
from demo.generate import Generated, generate
from demo.plan import (
    DRIFTING_STORE,
    OVERSTATING_SYSTEM,
    SPIKING_INTEGRATION,
    SPLIT_CHANNEL,
    STORE_IDS,
    STUCK_RETURN_STORES,
    DemoPlan,
    iso_week,
)
from metrics import combine_weeks
from metrics.model import MetricRow
from metrics.registry import metric

END = date(2026, 3, 1)
SEED = 7
ORDERS = 1500
Row = dict[str, Any]
_loaded: dict[str, tuple[list[Row], Generated]] = {}


@pytest.fixture
def demo_rows(db_url: str, capsys: pytest.CaptureFixture[str]) -> tuple[list[Row], Generated]:
    """`metrics --json` at the end of the demo's last day, and what the generator planted."""
    kind = make_url(db_url).get_backend_name()
    if kind not in _loaded:
        plan = DemoPlan(SEED, END, ORDERS)
        load_demo(orders=ORDERS, seed=SEED, end=END, engine=get_engine(db_url))
        capsys.readouterr()
        assert main(["metrics", "--json", "--as-of", iso_z(plan.cutoff)]) == 0
        document = json.loads(capsys.readouterr().out)
        _loaded[kind] = (document["metrics"], generate(plan))
    return _loaded[kind]


def pick(rows: list[Row], name: str, **match: Any) -> list[Row]:
    """The rows of a metric matching some fields."""
    return [r for r in rows if r["metric"] == name and all(r[k] == v for k, v in match.items())]


def over_weeks(rows: list[Row], name: str, dim: str) -> dict[str | None, float | None]:
    """A ratio metric summed over every week, per key (Σ num / Σ n)."""
    weekly = [
        MetricRow(
            r["metric"], r["week"], r["dim"], r["key"], r["value"], r["n"], r["num"], _parts(r)
        )
        for r in pick(rows, name, dim=dim)
    ]
    return {row.key: row.value for row in combine_weeks(weekly)}


def _parts(row: Row) -> dict[str, int]:
    measure = metric(row["metric"]).measure
    num_part, den_part = measure.parts  # type: ignore[misc]
    return {num_part: row["num"], den_part: row["n"]}


def test_accuracy_drifts_down_at_one_store(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, _ = demo_rows
    weekly = [
        r["value"]
        for r in sorted(pick(rows, "inventory_record_accuracy", dim="location", key=DRIFTING_STORE), key=lambda r: r["week"])
    ]  # fmt: skip
    assert len(weekly) >= 10
    assert sum(weekly[:3]) / 3 > sum(weekly[-3:]) / 3 + 0.05
    overall = over_weeks(rows, "inventory_record_accuracy", "location")
    others = [v for k, v in overall.items() if k != DRIFTING_STORE and v is not None]
    assert overall[DRIFTING_STORE] < min(others)


def test_split_orders_concentrate_in_one_channel(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, _ = demo_rows
    split = over_weeks(rows, "split_order_rate", "channel")
    assert max(split, key=lambda k: split[k] or 0) == SPLIT_CHANNEL
    assert split[SPLIT_CHANNEL] > 2 * max(v or 0 for k, v in split.items() if k != SPLIT_CHANNEL)


def test_returns_stuck_at_stores(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, _ = demo_rows
    for name in ("open_returns", "black_hole_returns"):
        by_place = {r["key"]: r["value"] for r in pick(rows, name, dim="location")}
        stuck = sum(by_place.get(store, 0) for store in STUCK_RETURN_STORES)
        assert stuck > 0, (name, by_place)
        assert max(by_place, key=lambda k: by_place[k]) in STUCK_RETURN_STORES
        assert pick(rows, name, dim="all")[0]["value"] == sum(by_place.values())
    black_holes = {r["key"] for r in pick(rows, "black_hole_returns", dim="location")}
    assert black_holes <= set(STORE_IDS)


def test_sku_batch_without_barcode_or_approval(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, generated = demo_rows
    planted = generated.catalog.planted
    week = planted.bad_batch_week
    for check in ("approved", "required_attributes"):
        (row,) = pick(rows, "sku_check_failures", week=week, key=check)
        assert row["value"] >= len(planted.bad_batch) > 0
    (quality,) = pick(rows, "sku_quality_rate", week=week, dim="all")
    assert quality["value"] < 1 - len(planted.bad_batch) / quality["n"] + 1e-9


def test_duplicate_and_invalid_barcodes(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, generated = demo_rows
    planted = generated.catalog.planted
    failing = {
        check: sum(r["value"] for r in pick(rows, "sku_check_failures", key=check))
        for check in ("unique_barcode", "valid_barcode", "naming_convention")
    }
    assert failing["unique_barcode"] >= 2 * len(planted.duplicate_barcodes) > 0
    assert failing["valid_barcode"] >= len(planted.invalid_barcodes) > 0
    assert failing["naming_convention"] >= len(planted.misnamed) > 0


def test_one_integration_spikes_in_one_week(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, generated = demo_rows
    spike = iso_week(generated.plan.spike_week)
    ours = {r["week"]: r["value"] for r in pick(rows, "integration_failure_rate", dim="integration", key=SPIKING_INTEGRATION)}  # fmt: skip
    usual = max(v for w, v in ours.items() if w != spike)
    assert ours[spike] > 3 * usual
    that_week = {r["key"]: r["value"] for r in pick(rows, "integration_failure_rate", week=spike, dim="integration")}  # fmt: skip
    assert max(that_week, key=lambda k: that_week[k]) == SPIKING_INTEGRATION
    assert pick(rows, "integration_failures", week=spike)


def test_a_system_overstates_stock(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, _ = demo_rows
    (row,) = pick(rows, "stock_discrepancies", dim="system", key=OVERSTATING_SYSTEM)
    assert row["value"] > 0 and row["num"] > 0


def test_unmapped_channel_skus(demo_rows: tuple[list[Row], Generated]) -> None:
    rows, generated = demo_rows
    for system, skus in generated.listings.unmapped.items():
        if skus:
            (row,) = pick(rows, "unmapped_system_skus", dim="system", key=system)
            assert row["value"] >= len(skus), system
    assert pick(rows, "unmapped_system_skus", dim="system", key="amazon")[0]["value"] > 0


def test_the_last_complete_week_is_the_spike_week(demo_rows: tuple[list[Row], Generated]) -> None:
    _, generated = demo_rows
    plan = generated.plan
    assert iso_week(plan.spike_week) == iso_week(plan.cutoff.date() - timedelta(days=7))

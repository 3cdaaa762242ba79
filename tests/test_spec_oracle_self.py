"""The SPEC oracle tested on its own: hand-worked cases, its import rules, its CLI, the dataset generator."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from tests.spec_oracle import METRIC_ORDER, compute, load_folders, load_texts, parse_as_of
from tests.spec_oracle.__main__ import main as oracle_main
from tests.spec_oracle.datasets import SHAPES, generate, update
from tests.spec_oracle.hand_cases import CASES, WINDOW, Z95, HandCase, csv_text
from tests.spec_oracle.rows import Settings
from tests.spec_oracle.safety import daily_demand, safety_stock

SEEDS = range(len(SHAPES))


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_hand_worked_case(case: HandCase) -> None:
    rows = compute(load_texts([case.files]), parse_as_of(case.as_of), case.settings)
    for metric, expected in case.expected.items():
        assert [r for r in rows if r["metric"] == metric] == expected, metric


def test_window_safety_stock_of_shopify_is_the_hand_worked_radicand() -> None:
    # WINDOW's shopify W1: d_0 2, d_1 1, d_4 2, d_55 1, radicand 1915/784 (see hand_cases).
    data = load_texts([WINDOW.files])
    days = daily_demand(data, parse_as_of(WINDOW.as_of), Settings())[("shopify", "W1")]
    assert [(k, d) for k, d in enumerate(days) if d] == [(0, 2), (1, 1), (4, 2), (55, 1)]
    assert safety_stock(days, "shopify", Settings()) == Z95 * math.sqrt(1915 / 784)


def test_import_rules_case_truncation_quarantine_and_later_row_wins() -> None:
    data = load_texts(
        [
            {
                "orders": csv_text(
                    "order_id,channel,placed_at,cancelled_at",
                    ("O1", "AMAZON", "2026-01-21T15:00:00.999+05:30", None),
                    ("O2", "TikTok", "2026-01-21", None),
                    ("O3", "shopify", "not a date", None),
                    ("O1", "Shopify", "2026-01-21T09:30:00.5Z", "2026-01-22T00:00:00-05:00"),
                ),
                "returns": csv_text(
                    "return_id,quantity,received_at,disposition_at",
                    ("R1", 1, "2026-01-02T00:00:00Z", "2026-01-01T00:00:00Z"),  # received after
                    ("R2", 1, "2026-01-01T00:00:00.999Z", "2026-01-01T00:00:00Z"),  # same second
                ),
            }
        ]
    )
    orders = {o.order_id: o for o in data.all("orders")}
    # The later O1 wins; 09:30:00.5Z truncates to 2026-01-21T09:30:00Z = 1768987800.
    assert (orders["O1"].channel, orders["O1"].placed_at) == ("shopify", 1768987800)
    assert orders["O1"].cancelled_at == 1769058000  # 2026-01-22T05:00:00Z
    assert orders["O2"].channel == "tiktok" and orders["O2"].placed_at == 1768953600  # midnight
    assert [r.return_id for r in data.all("returns")] == ["R2"]
    assert data.quarantined == {"orders": 1, "returns": 1}


def test_a_second_import_replaces_only_the_fields_its_file_carries() -> None:
    first = {
        "orders": csv_text(
            "order_id,channel,placed_at,cancelled_at",
            ("O1", "shopify", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
            ("O2", "shopify", "2026-01-01T00:00:00Z", "2026-01-02T00:00:00Z"),
        )
    }
    second = {
        "orders": csv_text("order_id,channel,placed_at", ("O1", "amazon", "2026-01-01T00:00:00Z")),
        "returns": csv_text("return_id,quantity", ("R1", 2)),
    }
    third = {
        "orders": csv_text(
            "order_id,channel,placed_at,cancelled_at", ("O2", "pos", "2026-01-01", None)
        )
    }
    orders = {o.order_id: o for o in load_texts([first, second, third]).all("orders")}
    assert (orders["O1"].channel, orders["O1"].cancelled_at) == ("amazon", 1767312000)  # kept
    assert (orders["O2"].channel, orders["O2"].cancelled_at) == ("pos", None)  # emptied


def test_cli_prints_the_metrics_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    for entity, text in CASES[-1].files.items():
        (folder / f"{entity}.csv").write_text(text, encoding="utf-8")
    assert oracle_main([str(folder), "--as-of", "2026-01-21T15:00:00.750+05:30"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["as_of"] == "2026-01-21T09:30:00Z"  # 15:00:00.750 at +05:30, truncated
    assert document["metrics"] == compute(load_folders(folder), parse_as_of("2026-01-21T09:30:00Z"))


def test_rows_come_in_spec_order_with_the_always_present_rows() -> None:
    rows = compute(load_texts([{}]), parse_as_of("2026-01-21T09:30:00Z"))
    # An empty folder: the `all` rows of stalled/open/black-hole returns and of the five 3.1 snapshots.
    assert [(r["metric"], r["value"], r["n"], r["num"]) for r in rows] == [
        ("stalled_orders", 0, 0, None),
        ("open_returns", 0, 0, None),
        ("black_hole_returns", 0, 0, None),
        ("dead_stock_units", 0, 0, None),
        ("stranded_units", 0, 0, None),
        ("safety_stock_shortfalls", 0, 0, 0),
        ("bundle_availability_breaches", 0, 0, 0),
        ("returns_waiting", 0, 0, 0),
    ]


def test_datasets_are_deterministic_small_and_of_different_shapes(tmp_path: Path) -> None:
    assert len({s.as_of for s in SHAPES}) == len(SHAPES) >= 8
    for seed in SEEDS:
        dataset = generate(seed)
        assert dataset.files == generate(seed).files, seed
        folder = dataset.write(tmp_path / str(seed))
        assert 300 <= dataset.row_count() <= 1500, seed
        assert sum(p.stat().st_size for p in folder.iterdir()) < 100_000, seed


def test_datasets_quarantine_exactly_their_unreadable_rows() -> None:
    # Each dataset carries one unreadable row in five files (dataset_edges): nothing else is lost.
    expected = {
        "bundle_components": 1,
        "cycle_counts": 1,
        "orders": 1,
        "returns": 1,
        "stock_levels": 1,
    }
    for seed in SEEDS:
        dataset = generate(seed)
        texts = {
            e: csv_text(",".join(h), *map(tuple, rows)) for e, (h, rows) in dataset.files.items()
        }
        quarantined = {k: v for k, v in load_texts([texts]).quarantined.items() if v}
        assert quarantined == expected, seed


def test_datasets_give_every_metric_rows_beyond_all(tmp_path: Path) -> None:
    # Stress coverage: over the seeds, every metric has a row with n > 0 in a named dimension.
    covered: set[str] = set()
    for seed in SEEDS:
        dataset = generate(seed)
        base = dataset.write(tmp_path / f"{seed}a")
        changed = update(seed, dataset).write(tmp_path / f"{seed}b")
        rows = compute(load_folders(base, changed), parse_as_of(dataset.as_of))
        covered |= {r["metric"] for r in rows if r["dim"] != "all" and r["n"] > 0}
    assert covered == set(METRIC_ORDER)

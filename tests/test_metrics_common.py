"""Metrics as a whole: shared test helpers, the metric list, row existence, ordering, the CLI."""

from __future__ import annotations

import ast
import csv
import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import pipeline
from cli.main import main
from core.db import get_engine
from core.settings import Settings, get_settings
from metrics import METRIC_IDS, compute_metrics

AS_OF = datetime(2026, 1, 21, 9, 30, tzinfo=UTC)  # a Wednesday of 2026-W04
Table = tuple[str, list[tuple[Any, ...]]]

SPEC_METRIC_IDS = [
    "inventory_record_accuracy",
    "unit_accuracy",
    "split_order_rate",
    "multi_location_rate",
    "reroute_rate",
    "fill_rate",
    "stalled_orders",
    "return_lag_p50_hours",
    "return_lag_p90_hours",
    "open_returns",
    "black_hole_returns",
    "sku_quality_rate",
    "sku_check_failures",
    "integration_failure_rate",
    "integration_failures",
    "stock_discrepancies",
    "unmapped_system_skus",
]
SPEC_31_METRIC_IDS = [
    "raw_demand_units",
    "fulfillable_demand_units",
    "recovered_units",
    "dead_stock_units",
    "stranded_units",
    "safety_stock_shortfalls",
    "bundle_availability_breaches",
    "returns_waiting",
]
# SPEC section 3.1: the snapshot metrics' `all` rows always exist (0, money null, else num 0).
EMPTY_31_ROWS = [
    {"metric": m, "week": None, "dim": "all", "key": None, "value": 0, "n": 0, "num": num}
    for m, num in (
        ("dead_stock_units", None),
        ("stranded_units", None),
        ("safety_stock_shortfalls", 0),
        ("bundle_availability_breaches", 0),
        ("returns_waiting", 0),
    )
]


def load(db_url: str, folder: Path, **tables: Table) -> None:
    """Write canonical CSVs (entity=(header, rows)) into a folder and import it; nothing quarantined."""
    folder.mkdir(parents=True, exist_ok=True)
    for entity, (header, rows) in tables.items():
        with (folder / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(header.split(","))
            writer.writerows(rows)
    reports = pipeline.import_paths([folder], "canonical", engine=get_engine(db_url))
    assert [r.status for r in reports] == ["committed"] * len(tables)
    assert [r.quarantined for r in reports] == [0] * len(tables)


def rows_of(db_url: str, *metric_ids: str, as_of: datetime = AS_OF) -> list[dict[str, Any]]:
    """The rows of some metrics, in output order."""
    rows = compute_metrics(get_engine(db_url), as_of)
    return [r for r in rows if r["metric"] in metric_ids]


def row(
    metric: str, week: str | None, dim: str, key: str | None, value: Any, n: int, num: Any
) -> dict[str, Any]:
    """An expected output row."""
    return {
        "metric": metric,
        "week": week,
        "dim": dim,
        "key": key,
        "value": value,
        "n": n,
        "num": num,
    }


def test_metric_ids_are_the_spec_table_in_order() -> None:
    assert list(METRIC_IDS) == SPEC_METRIC_IDS + SPEC_31_METRIC_IDS


def hand_worked_metrics() -> dict[str, list[str]]:
    """metric id -> the tests marked @pytest.mark.hand_worked(id, ...) in tests/ (read with ast)."""
    found: dict[str, list[str]] = {}
    for path in sorted(Path(__file__).parent.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef):
                continue
            for decorator in node.decorator_list:
                if (
                    isinstance(decorator, ast.Call)
                    and ast.unparse(decorator.func) == "pytest.mark.hand_worked"
                ):
                    for arg in decorator.args:
                        found.setdefault(ast.literal_eval(arg), []).append(
                            f"{path.name}::{node.name}"
                        )
    return found


def test_every_metric_is_documented_and_has_a_hand_worked_test() -> None:
    from metrics import METRICS

    marked = hand_worked_metrics()
    assert set(marked) <= set(METRIC_IDS), set(marked) - set(METRIC_IDS)  # no stale marks
    missing = [m.id for m in METRICS if m.id not in marked]
    assert not missing, f"declared metrics without a @pytest.mark.hand_worked test: {missing}"
    for definition in METRICS:
        assert definition.definition.strip(), definition.id


def test_order_fact_metrics_have_their_facts() -> None:
    # A metric kept in the per-order facts needs its source's columns there (metrics.order_facts);
    # a new order metric declares Family.ORDER_WEEKS instead and needs nothing else.
    from metrics import METRICS
    from metrics.model import Family
    from metrics.order_facts import SOURCE_FACTS

    in_facts = {m.source.name for m in METRICS if m.family is Family.ORDERS}
    assert in_facts <= set(SOURCE_FACTS)


def test_empty_database_has_only_the_always_present_rows(db_url: str) -> None:
    # stalled_orders, open_returns and black_hole_returns always have their `all` row, 0 included,
    # and so do the snapshot metrics of section 3.1.
    assert compute_metrics(get_engine(db_url), AS_OF) == [
        row("stalled_orders", None, "all", None, 0, 0, None),
        row("open_returns", None, "all", None, 0, 0, None),
        row("black_hole_returns", None, "all", None, 0, 0, None),
        *EMPTY_31_ROWS,
    ]


def _mixed_data(db_url: str, folder: Path) -> None:
    load(
        db_url,
        folder,
        cycle_counts=(
            "count_id,counted_at,location_id,sku,system_qty,counted_qty",
            [
                ("K1", "2026-01-13T10:00:00Z", "ZZ", "S1", 10, 10),
                ("K2", "2026-01-06T10:00:00Z", "AA", "S1", 10, 9),
                ("K3", "2026-01-13T11:00:00Z", "AA", "S1", 10, 10),
            ],
        ),
        integration_events=(
            "event_id,occurred_at,integration,status,error_type",
            [("E1", "2026-01-14T00:00:00Z", "shopify", "failed", "timeout")],
        ),
    )


def test_rows_are_sorted_by_metric_week_all_dim_and_key(db_url: str, tmp_path: Path) -> None:
    _mixed_data(db_url, tmp_path / "data")
    rows = compute_metrics(get_engine(db_url), AS_OF)
    ira, ua, ifr, ifs = (
        SPEC_METRIC_IDS[0],
        SPEC_METRIC_IDS[1],
        SPEC_METRIC_IDS[13],
        SPEC_METRIC_IDS[14],
    )
    # W02: K2 (AA, unknown item: tol 0, 9 vs 10 inaccurate); W03: K1 (ZZ) and K3 (AA), both exact.
    # Unit accuracy W02: 1 - 1/10 = 0.9.
    assert rows == [
        row(ira, "2026-W02", "all", None, 0.0, 1, 0),
        row(ira, "2026-W02", "abc_class", None, 0.0, 1, 0),
        row(ira, "2026-W02", "location", "AA", 0.0, 1, 0),
        row(ira, "2026-W03", "all", None, 1.0, 2, 2),
        row(ira, "2026-W03", "abc_class", None, 1.0, 2, 2),
        row(ira, "2026-W03", "location", "AA", 1.0, 1, 1),
        row(ira, "2026-W03", "location", "ZZ", 1.0, 1, 1),
        row(ua, "2026-W02", "all", None, 1 - 1 / 10, 1, None),
        row(ua, "2026-W02", "location", "AA", 1 - 1 / 10, 1, None),
        row(ua, "2026-W03", "all", None, 1.0, 2, None),
        row(ua, "2026-W03", "location", "AA", 1.0, 1, None),
        row(ua, "2026-W03", "location", "ZZ", 1.0, 1, None),
        row("stalled_orders", None, "all", None, 0, 0, None),
        row("open_returns", None, "all", None, 0, 0, None),
        row("black_hole_returns", None, "all", None, 0, 0, None),
        row(ifr, "2026-W03", "all", None, 1.0, 1, 1),
        row(ifr, "2026-W03", "integration", "shopify", 1.0, 1, 1),
        row(ifs, "2026-W03", "error_type", "timeout", 1, 1, None),
        *EMPTY_31_ROWS,
    ]


def test_cli_prints_the_json_document(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _mixed_data(db_url, tmp_path / "data")
    assert main(["metrics", "--json", "--as-of", "2026-01-21T15:00:00.750+05:30"]) == 0
    document = json.loads(capsys.readouterr().out)
    # 15:00:00.750 at +05:30 is 09:30:00.750 UTC, written to the second with Z.
    assert document["as_of"] == "2026-01-21T09:30:00Z"
    assert document["metrics"] == compute_metrics(get_engine(db_url), AS_OF)


def test_cli_table_shows_the_latest_complete_week_and_snapshots(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _mixed_data(db_url, tmp_path / "data")
    assert main(["metrics", "--as-of", "2026-01-21T09:30:00Z"]) == 0
    out = capsys.readouterr().out
    assert "week 2026-W03 (latest complete)" in out  # as_of is in W04
    table_lines = [line.split() for line in out.splitlines()]
    assert ["inventory_record_accuracy", "location", "ZZ", "1.0000", "1", "1"] in table_lines
    assert ["stalled_orders", "all", "-", "0", "0", "-"] in table_lines
    assert not any(line[:1] == ["split_order_rate"] for line in table_lines)


def test_settings_from_the_environment_and_empty_means_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INVGOV_STALLED_ORDER_SLA_HOURS", "36")
    monkeypatch.setenv("INVGOV_BLACK_HOLE_DAYS", "")  # e.g. `INVGOV_BLACK_HOLE_DAYS=` in .env
    chosen = Settings()
    assert (chosen.stalled_order_sla_hours, chosen.black_hole_days) == (36, 7)


def test_planning_settings_default_to_spec_and_merge_over_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    chosen = Settings()
    assert (chosen.dead_stock_days, chosen.safety_stock_window_days) == (90, 56)
    spec = {  # SPEC section 3.1: channel -> (p, L, σL); "*" any other
        "amazon": ("0.98", 21, 7),
        "pos": ("0.90", 7, 2),
        "shopify": ("0.95", 14, 3),
        "wholesale": ("0.99", 28, 5),
        "ebay": ("0.95", 14, 3),
    }
    for channel, (p, lead, sd) in spec.items():
        got = chosen.channel_parameters(channel)
        assert (got.service_level, got.lead_time_days, got.lead_time_sd_days) == (
            Decimal(p),
            lead,
            sd,
        )
    monkeypatch.setenv(
        "INVGOV_SAFETY_STOCK_PARAMETERS",
        '{"amazon": {"service_level": 0.9, "lead_time_days": 10, "lead_time_sd_days": 1},'
        ' "*": {"service_level": 0.8, "lead_time_days": 5, "lead_time_sd_days": 0}}',
    )
    merged = Settings()
    assert merged.channel_parameters("amazon").service_level == Decimal("0.9")
    assert merged.channel_parameters("pos").lead_time_days == 7  # kept from SPEC
    assert merged.channel_parameters("ebay").service_level == Decimal("0.8")  # the new "*"


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("INVGOV_DEAD_STOCK_DAYS", "0", "INVGOV_DEAD_STOCK_DAYS: Input should be greater than"),
        ("INVGOV_SAFETY_STOCK_WINDOW_DAYS", "x", "INVGOV_SAFETY_STOCK_WINDOW_DAYS: Input should"),
        (
            "INVGOV_SAFETY_STOCK_PARAMETERS",
            '{"pos": {"service_level": 1, "lead_time_days": 7, "lead_time_sd_days": 2}}',
            "INVGOV_SAFETY_STOCK_PARAMETERS (pos.service_level): Input should be less than 1",
        ),
        (
            "INVGOV_SAFETY_STOCK_PARAMETERS",
            '{"pos": {"service_level": 0.9}}',
            "INVGOV_SAFETY_STOCK_PARAMETERS (pos.lead_time_days): Field required",
        ),
    ],
)
def test_a_bad_planning_setting_stops_the_command_with_its_name(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    value: str,
    says: str,
) -> None:
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        assert main(["metrics", "--json"]) == 1
    finally:
        get_settings.cache_clear()
    error = capsys.readouterr().err
    assert error.startswith("error: invalid settings: ") and says in error
    assert len(error.strip().splitlines()) == 1

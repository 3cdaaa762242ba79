"""An independent test oracle of SPEC sections 3 and 3.1: every metric row from canonical CSV files.

Written from /work/shared/SPEC.md and the lead's READINGS-3.1.md only (no product code), in plain
loops over parsed rows so each definition can be checked against its SPEC sentence.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.spec_oracle import (
    bundles,
    counts,
    demand,
    handoff,
    integrations,
    orders,
    returns,
    safety,
    skus,
    stock,
    stock_value,
)
from tests.spec_oracle.data import Data, load_folders, load_texts, parse_timestamp
from tests.spec_oracle.rows import (
    METRIC_ORDER,
    SECTION3_METRICS,
    SECTION31_METRICS,
    ChannelPlanning,
    Row,
    Settings,
    iso_z,
    sort_key,
)

MetricFunction = Callable[[Data, int, Settings], list[Row]]

# Every metric id of SPEC section 3 and 3.1, in table order, with the function computing its rows.
METRICS: dict[str, MetricFunction] = {
    "inventory_record_accuracy": counts.inventory_record_accuracy,
    "unit_accuracy": counts.unit_accuracy,
    "split_order_rate": orders.split_order_rate,
    "multi_location_rate": orders.multi_location_rate,
    "reroute_rate": orders.reroute_rate,
    "fill_rate": orders.fill_rate,
    "stalled_orders": orders.stalled_orders,
    "return_lag_p50_hours": returns.return_lag_p50_hours,
    "return_lag_p90_hours": returns.return_lag_p90_hours,
    "open_returns": returns.open_returns,
    "black_hole_returns": returns.black_hole_returns,
    "sku_quality_rate": skus.sku_quality_rate,
    "sku_check_failures": skus.sku_check_failures,
    "integration_failure_rate": integrations.integration_failure_rate,
    "integration_failures": integrations.integration_failures,
    "stock_discrepancies": stock.stock_discrepancies,
    "unmapped_system_skus": stock.unmapped_system_skus,
    "raw_demand_units": demand.raw_demand_units,
    "fulfillable_demand_units": demand.fulfillable_demand_units,
    "recovered_units": demand.recovered_units,
    "dead_stock_units": stock_value.dead_stock_units,
    "stranded_units": stock_value.stranded_units,
    "safety_stock_shortfalls": safety.safety_stock_shortfalls,
    "bundle_availability_breaches": bundles.bundle_availability_breaches,
    "returns_waiting": handoff.returns_waiting,
}
assert tuple(METRICS) == METRIC_ORDER


def parse_as_of(text: str) -> int:
    """The evaluation instant of `--as-of ISO` in epoch seconds (no offset = UTC, fraction truncated)."""
    return parse_timestamp(text.strip())


def compute(data: Data, as_of: int, settings: Settings | None = None) -> list[Row]:
    """Every metric row at as_of, sorted as SPEC section 3 says."""
    chosen = settings or Settings()
    rows = [r for function in METRICS.values() for r in function(data, as_of, chosen)]
    return sorted(rows, key=sort_key)


def compute_folders(*folders: Path, as_of: str, settings: Settings | None = None) -> list[Row]:
    """Every metric row of folders of canonical CSVs imported in order, at an ISO as_of."""
    return compute(load_folders(*folders), parse_as_of(as_of), settings)


def document(data: Data, as_of: int, settings: Settings | None = None) -> dict[str, object]:
    """`{"as_of": "…Z", "metrics": [...]}` as `metrics --json` prints it."""
    return {"as_of": iso_z(as_of), "metrics": compute(data, as_of, settings)}


__all__ = [
    "METRICS",
    "METRIC_ORDER",
    "SECTION3_METRICS",
    "SECTION31_METRICS",
    "ChannelPlanning",
    "Data",
    "Settings",
    "compute",
    "compute_folders",
    "document",
    "load_folders",
    "load_texts",
    "parse_as_of",
]

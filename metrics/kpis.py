"""KPIs: the metrics founders watch, their targets and owners, red/amber/green, week-over-week change.

Targets live in `kpi_targets` (seeded by migration 0004 with DEFAULT_TARGETS; stewards edit them
through governance.kpi_targets); a KPI without a row uses its default. Green when the target
holds; amber when it misses by no more than the amber margin (in the KPI's own unit); red
otherwise; no_data without a value. Comparisons are decimal, on the values as printed (so 0.96
misses 0.98 by exactly 0.02). The tiles and trends are in metrics.kpi_board.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Connection, insert, select
from sqlalchemy.orm import Session

from core.schema import KpiTarget
from metrics.registry import BY_ID

TARGETS = KpiTarget.__table__


class Rag(StrEnum):
    """Red, amber, green, or no value to judge."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_DATA = "no_data"


class Comparator(StrEnum):
    """How a value meets its target."""

    AT_LEAST = ">="
    AT_MOST = "<="
    EQUAL = "="


class KpiFamily(StrEnum):
    """The groups of the Overview's trend charts."""

    ACCURACY = "Accuracy"
    FULFILMENT = "Routing and fulfilment"
    RETURNS = "Returns"
    SKU_QUALITY = "SKU quality"
    INTEGRATIONS = "Integrations"
    STOCK = "Stock"


class Unit(StrEnum):
    """What a KPI's value counts (how it is shown)."""

    SHARE = "share"
    COUNT = "count"
    HOURS = "hours"


@dataclass(frozen=True)
class Kpi:
    """A KPI: its metric, label, trend family and unit."""

    metric: str
    label: str
    family: KpiFamily
    unit: Unit

    @property
    def weekly(self) -> bool:
        """Whether the metric has weekly rows (else it is a snapshot)."""
        return BY_ID[self.metric].weekly


F, U = KpiFamily, Unit
KPIS: tuple[Kpi, ...] = (
    Kpi("inventory_record_accuracy", "Inventory record accuracy", F.ACCURACY, U.SHARE),
    Kpi("unit_accuracy", "Unit accuracy", F.ACCURACY, U.SHARE),
    Kpi("split_order_rate", "Split order rate", F.FULFILMENT, U.SHARE),
    Kpi("reroute_rate", "Reroute rate", F.FULFILMENT, U.SHARE),
    Kpi("fill_rate", "Fill rate", F.FULFILMENT, U.SHARE),
    Kpi("stalled_orders", "Stalled orders", F.FULFILMENT, U.COUNT),
    Kpi("return_lag_p90_hours", "Return lag p90", F.RETURNS, U.HOURS),
    Kpi("black_hole_returns", "Black-hole returns", F.RETURNS, U.COUNT),
    Kpi("sku_quality_rate", "SKU quality rate", F.SKU_QUALITY, U.SHARE),
    Kpi("integration_failure_rate", "Integration failure rate", F.INTEGRATIONS, U.SHARE),
    Kpi("stock_discrepancies", "Stock discrepancies", F.STOCK, U.COUNT),
    Kpi("unmapped_system_skus", "Unmapped system SKUs", F.SKU_QUALITY, U.COUNT),
)
KPI_BY_METRIC: dict[str, Kpi] = {kpi.metric: kpi for kpi in KPIS}


@dataclass(frozen=True)
class Target:
    """A KPI's target: value comparator target, amber within `amber_margin`, an owning team."""

    metric: str
    comparator: str
    target: float
    amber_margin: float = 0.0
    owner_team: str | None = None
    version: int = 1
    updated_at: datetime | None = None
    updated_by: str | None = None

    def status(self, value: float | None) -> Rag:
        """Red, amber or green of a value (no_data when there is none)."""
        if value is None:
            return Rag.NO_DATA
        miss = _miss(Comparator(self.comparator), decimal_of(value), decimal_of(self.target))
        if miss <= 0:
            return Rag.GREEN
        return Rag.AMBER if miss <= decimal_of(self.amber_margin) else Rag.RED


def decimal_of(value: float) -> Decimal:
    """A float as the decimal it prints as (exact arithmetic on shown values)."""
    return Decimal(repr(float(value)))


def _miss(comparator: Comparator, value: Decimal, target: Decimal) -> Decimal:
    """How far a value is on the wrong side of its target (≤ 0: the target holds)."""
    return {
        Comparator.AT_LEAST: target - value,
        Comparator.AT_MOST: value - target,
        Comparator.EQUAL: abs(value - target),
    }[comparator]


T = Target
DEFAULT_TARGETS: dict[str, Target] = {
    target.metric: target
    for target in (
        T("inventory_record_accuracy", ">=", 0.98, 0.02, "inventory control"),
        T("unit_accuracy", ">=", 0.99, 0.01, "inventory control"),
        T("split_order_rate", "<=", 0.10, 0.05, "operations"),
        T("reroute_rate", "<=", 0.05, 0.03, "operations"),
        T("fill_rate", ">=", 0.97, 0.02, "operations"),
        T("stalled_orders", "=", 0, 10, "operations"),
        T("return_lag_p90_hours", "<=", 72, 24, "store operations"),
        T("black_hole_returns", "=", 0, 2, "store operations"),
        T("sku_quality_rate", ">=", 0.95, 0.03, "merchandising"),
        T("integration_failure_rate", "<=", 0.01, 0.01, "systems / IT"),
        T("stock_discrepancies", "=", 0, 10, "inventory control"),
        T("unmapped_system_skus", "=", 0, 5, "merchandising"),
    )
}


def load_targets(conn: Connection) -> dict[str, Target]:
    """Every KPI's target in KPI order: its stored row, else its default."""
    stored = {row["metric"]: row for row in conn.execute(select(TARGETS)).mappings()}
    targets: dict[str, Target] = {}
    for kpi in KPIS:
        row = stored.get(kpi.metric)
        if row is None:
            targets[kpi.metric] = DEFAULT_TARGETS[kpi.metric]
            continue
        targets[kpi.metric] = Target(
            kpi.metric,
            row["comparator"],
            float(row["target"]),
            float(row["amber_margin"] or 0.0),
            row["owner_team"],
            int(row["version"]),
            row["updated_at"],
            row["updated_by"],
        )
    return targets


def default_target_row(metric: str) -> dict[str, object]:
    """The kpi_targets row of a KPI's default target."""
    target = DEFAULT_TARGETS[metric]
    return {
        "metric": metric,
        "comparator": target.comparator,
        "target": float(target.target),
        "amber_margin": float(target.amber_margin),
        "owner_team": target.owner_team,
        "version": 1,
    }


def ensure_default_targets(session: Session) -> int:
    """Insert the default target of every KPI without a row (idempotent); rows inserted."""
    present = set(session.scalars(select(TARGETS.c.metric)))
    missing = [default_target_row(kpi.metric) for kpi in KPIS if kpi.metric not in present]
    if missing:
        session.execute(insert(TARGETS), missing)
    return len(missing)

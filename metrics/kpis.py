"""KPIs: the metrics founders watch, their targets and owners, red/amber/green, week-over-week change.

A KPI is a metric declared with KPI metadata (metrics.model.KpiSpec: label, trend family, unit,
default target and owner). Targets live in `kpi_targets` (seeded by migrations 0004 and
0007_planning with the defaults; stewards edit them through governance.kpi_targets); a KPI
without a row uses its default. Green when the target
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
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import MetricDef, MetricRow
from metrics.registry import BY_ID, METRICS

__all__ = [
    "DEFAULT_TARGETS",
    "KPIS",
    "KPI_BY_METRIC",
    "Comparator",
    "Kpi",
    "KpiFamily",
    "Rag",
    "Target",
    "Unit",
    "load_targets",
]

TARGETS = KpiTarget.__table__


class Rag(StrEnum):
    """Red, amber, green, or no value to judge."""

    GREEN = "green"
    AMBER = "amber"
    RED = "red"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class Kpi:
    """A KPI: its metric, label, trend family and unit, and whether it reads the row's num."""

    metric: str
    label: str
    family: KpiFamily
    unit: Unit
    reads_num: bool = False

    @property
    def weekly(self) -> bool:
        """Whether the metric has weekly rows (else it is a snapshot)."""
        return BY_ID[self.metric].weekly

    def value_of(self, row: MetricRow) -> float | None:
        """The KPI's value in a metric row (its value, or its num for a money KPI)."""
        value = row.num if self.reads_num else row.value
        return None if value is None else float(value)


def _kpi(definition: MetricDef, spec: KpiSpec) -> Kpi:
    return Kpi(definition.id, spec.label, spec.family, spec.unit, spec.reads_num)


# Every metric declared with KPI metadata, in table order.
KPIS: tuple[Kpi, ...] = tuple(_kpi(m, m.kpi) for m in METRICS if m.kpi is not None)
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


DEFAULT_TARGETS: dict[str, Target] = {
    m.id: Target(m.id, m.kpi.comparator, m.kpi.target, m.kpi.amber_margin, m.kpi.owner_team)
    for m in METRICS
    if m.kpi is not None
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

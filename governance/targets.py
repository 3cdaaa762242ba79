"""KPIs against their targets at any instant, for exception rules and the weekly review agenda.

Targets, red/amber/green and the defaults are metrics.kpis' (stored kpi_targets rows over the
defaults). Here a KPI's status is judged at a given as_of on its `all` row: the latest complete
ISO week before as_of for a weekly metric, the snapshot at as_of otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection

from core.timeutil import week_label
from metrics.compute import compute_rows
from metrics.kpis import KPI_BY_METRIC, Rag, Target, load_targets
from metrics.registry import BY_ID

__all__ = ["KpiStatus", "Rag", "Target", "kpi_statuses", "latest_complete_week", "load_targets"]


def latest_complete_week(as_of: datetime) -> str:
    """The ISO week before the one holding as_of."""
    return week_label(as_of - timedelta(days=7))


@dataclass(frozen=True)
class KpiStatus:
    """A KPI's value where it is judged, against its target."""

    metric: str
    week: str | None
    value: float | None
    target: Target
    status: Rag


def kpi_statuses(
    conn: Connection, as_of: datetime, targets: Mapping[str, Target]
) -> list[KpiStatus]:
    """The status of every KPI with a target (known metrics only), in target order."""
    definitions = [BY_ID[m] for m in targets if m in BY_ID]
    rows = compute_rows(conn, as_of, definitions)
    week = latest_complete_week(as_of)
    statuses = []
    for definition in definitions:
        wanted = week if definition.weekly else None
        row = next(
            (r for r in rows if r.metric == definition.id and r.dim == "all" and r.week == wanted),
            None,
        )
        kpi = KPI_BY_METRIC.get(definition.id)
        if row is None:
            numeric = None
        elif kpi is not None:
            numeric = kpi.value_of(row)  # the row's num for a KPI that reads it (money)
        else:
            numeric = None if row.value is None else float(row.value)
        target = targets[definition.id]
        statuses.append(KpiStatus(definition.id, wanted, numeric, target, target.status(numeric)))
    return statuses

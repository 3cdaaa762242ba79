"""Every metric of SPEC sections 3 and 3.1 in table order (the order of `metrics --json`)."""

from __future__ import annotations

from metrics import (
    bundles,
    counts,
    dead_stock,
    demand,
    fulfilment,
    handoff,
    integrations,
    returns,
    routing,
    safety_stock,
    sku_quality,
    stock,
)
from metrics.errors import MetricError
from metrics.model import MetricDef

METRICS: tuple[MetricDef, ...] = (
    *counts.METRICS,
    *routing.METRICS,
    *fulfilment.METRICS,
    *returns.METRICS,
    *sku_quality.METRICS,
    *integrations.METRICS,
    *stock.METRICS,
    # SPEC section 3.1
    *demand.METRICS,
    *dead_stock.METRICS,
    *safety_stock.METRICS,
    *bundles.METRICS,
    *handoff.METRICS,
)
METRIC_IDS: tuple[str, ...] = tuple(metric.id for metric in METRICS)
SECTION_3_1_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if m.section == "3.1")
BY_ID: dict[str, MetricDef] = {metric.id: metric for metric in METRICS}


def metric(metric_id: str) -> MetricDef:
    """The definition of a metric id; MetricError for an unknown one."""
    try:
        return BY_ID[metric_id]
    except KeyError:
        raise MetricError(f"unknown metric {metric_id!r}") from None

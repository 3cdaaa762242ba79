"""Metrics of SPEC section 3: declared once, computed in the database, drillable to their records."""

from metrics.compute import combine_weeks, compute_metrics, compute_rows
from metrics.drilldown import records_behind
from metrics.errors import MetricError
from metrics.model import MetricDef, MetricRow
from metrics.registry import METRIC_IDS, METRICS

__all__ = [
    "METRICS",
    "METRIC_IDS",
    "MetricDef",
    "MetricError",
    "MetricRow",
    "combine_weeks",
    "compute_metrics",
    "compute_rows",
    "records_behind",
]

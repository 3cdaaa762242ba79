"""Rows of one metric and week summed into one: Σ of each additive part, finished by the metric."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from metrics.model import MetricRow, Part
from metrics.registry import metric


def summed_row(rows: Iterable[MetricRow]) -> MetricRow | None:
    """One `all` row finished from the summed parts of rows of one metric and week (a filtered
    value is Σ num / Σ n of the chosen keys); None without rows."""
    rows = list(rows)
    if not rows:
        return None
    parts: dict[str, Part] = defaultdict(int)
    for row in rows:
        for name, value in row.parts.items():
            parts[name] += value
    value, n, num = metric(rows[0].metric).measure.finish(parts)
    return MetricRow(rows[0].metric, rows[0].week, "all", None, value, n, num, dict(parts))

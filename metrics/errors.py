"""Errors of the metrics package."""

from __future__ import annotations


class MetricError(Exception):
    """A metric cannot be computed or drilled into as asked (unknown metric, malformed row)."""

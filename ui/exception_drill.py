"""The records behind an exception: for metric-based types, the metric's own records filtered to it.

Declared per exception type: which metric counts the problem, which dimension and fact select its
row (and which week or weeks), and which facts narrow the records to this one exception. Types
without a declaration show their facts, which already are the record.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pandas as pd
from sqlalchemy import Engine

from core.timeutil import utcnow, week_label, week_start
from metrics.drilldown import records_behind
from metrics.errors import MetricError

log = logging.getLogger(__name__)
MAX_RECORDS = 2_000


@dataclass(frozen=True)
class Drill:
    """Where an exception's records come from."""

    metric: str
    dim: str = "all"
    key_fact: str | None = None  # the fact holding the dimension's key
    week_fact: str | None = None  # a fact holding one ISO week, or a range "W1..W2"
    narrow: tuple[str, ...] = ()  # facts that must equal the record's column of the same name


DRILLS: dict[str, Drill] = {
    "stock_discrepancy": Drill("stock_discrepancies", "system", "system", None, ("location", "sku")),
    "unmapped_system_sku": Drill("unmapped_system_skus", "system", "system", None, ("system_sku",)),
    "accuracy_below_target": Drill("inventory_record_accuracy", "location", "location", "weeks"),
    "stalled_order": Drill("stalled_orders", narrow=("order_id",)),
    "black_hole_return": Drill("black_hole_returns", "location", "location", None, ("return_id",)),
    "integration_failure_spike": Drill(
        "integration_failure_rate", "integration", "integration", "week"
    ),
}  # fmt: skip


def weeks_of(text: str) -> list[str]:
    """The ISO weeks of "2026-W44" or of an inclusive range "2026-W44..2026-W47"."""
    first, _, last = str(text).partition("..")
    start, end = week_start(first.strip()), week_start((last or first).strip())
    weeks = []
    while start <= end:
        weeks.append(week_label(start))
        start += timedelta(days=7)
    return weeks


def metric_rows(drill: Drill, facts: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The metric rows whose records are behind an exception with these facts."""
    base: dict[str, Any] = {"metric": drill.metric, "dim": drill.dim}
    if drill.key_fact is not None:
        base["key"] = facts.get(drill.key_fact)
    if drill.week_fact is None:
        return [base]
    return [{**base, "week": week} for week in weeks_of(str(facts.get(drill.week_fact)))]


def records(
    engine: Engine, exception_type: str, facts: Mapping[str, Any], as_of: datetime | None = None
) -> pd.DataFrame | None:
    """The records behind an exception as they are now, or None when its type declares none."""
    drill = DRILLS.get(exception_type)
    if drill is None:
        return None
    moment = as_of or utcnow()
    try:
        frames = [records_behind(engine, row, moment) for row in metric_rows(drill, facts)]
    except (MetricError, ValueError) as failed:
        log.info("no records behind %s: %s", exception_type, failed)
        return None
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    for name in drill.narrow:
        if name in found.columns and facts.get(name) is not None:
            found = found[found[name].astype(str) == str(facts[name])]
    return found.head(MAX_RECORDS).reset_index(drop=True)

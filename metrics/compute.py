"""Computing the metric rows at an instant: one consistent read, each source queried once."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from core.engines import snapshot
from core.settings import Settings
from metrics.errors import MetricError
from metrics.facts import SHAPES, Fact, finish, load_facts, percentile_rows
from metrics.model import MetricDef, MetricRow, Part, Shape, Window, make_context
from metrics.registry import BY_ID, METRIC_IDS, METRICS, metric
from metrics.settings_store import effective_settings

log = logging.getLogger(__name__)
ORDER = {metric_id: index for index, metric_id in enumerate(METRIC_IDS)}


@contextmanager
def reading(engine: Engine) -> Iterator[Connection]:
    """One consistent read transaction (the engine's snapshot read, see core.engines)."""
    with snapshot(engine) as conn:
        yield conn


def compute_rows(
    conn: Connection,
    as_of: datetime,
    metrics: Sequence[MetricDef] = METRICS,
    settings: Settings | None = None,
    window: Window | None = None,
    held: bool = False,
) -> list[MetricRow]:
    """The rows of the given metrics at as_of, with their parts, in output order.

    With a window only the records of the ISO weeks inside it are read (the week of placed_at for
    order metrics, received_at for returns): weekly metrics then give exactly those weeks' rows.
    With held, the inputs the aggregates keep (book units, demand days) are read from them: only
    valid at the instant they hold.
    """
    ctx = make_context(as_of, settings or effective_settings(conn), window, held=held)
    facts: dict[str, list[Fact]] = {}
    percentiles: dict[str, list[MetricDef]] = {}
    rows: list[MetricRow] = []
    for definition in metrics:
        source = definition.source
        if definition.shape is Shape.PERCENTILE:
            percentiles.setdefault(source.name, []).append(definition)
            continue
        if source.name not in facts:
            started = time.perf_counter()
            facts[source.name] = load_facts(conn, source, ctx)
            log.debug("source %s: %.3f s", source.name, time.perf_counter() - started)
        rows.extend(SHAPES[definition.shape](definition, facts[source.name]))
    for group in percentiles.values():
        rows.extend(percentile_rows(conn, group, ctx))
    return sort_rows(row for row in rows if row_exists(row))


def row_exists(row: MetricRow) -> bool:
    """SPEC: a row appears only when its n > 0, except the always-present `all` rows."""
    return row.n > 0 or (row.dim == "all" and BY_ID[row.metric].always_all)


def sort_key(row: MetricRow) -> tuple[Any, ...]:
    """Metric (table order), week (null first), `all` first, dim name, key (null first)."""
    return (
        ORDER[row.metric],
        row.week is not None,
        row.week or "",
        row.dim != "all",
        row.dim,
        row.key is not None,
        row.key or "",
    )


def sort_rows(rows: Iterable[MetricRow]) -> list[MetricRow]:
    """Rows in the output order of SPEC section 3."""
    return sorted(rows, key=sort_key)


def compute_metrics(engine: Engine, as_of: datetime) -> list[dict[str, Any]]:
    """The rows of `metrics --json` at as_of: {metric, week, dim, key, value, n, num}."""
    with reading(engine) as conn:
        return [row.as_dict() for row in compute_rows(conn, as_of)]


def combine_weeks(rows: Iterable[MetricRow]) -> list[MetricRow]:
    """Weekly rows summed per (metric, dim, key) over the weeks given (week null), re-finished.

    A ratio over several weeks is Σ num / Σ n, never an average of ratios; percentiles are not
    additive and are refused.
    """
    sums: dict[tuple[str, str, str | None], dict[str, Part]] = {}
    for row in rows:
        definition = metric(row.metric)
        if definition.shape is Shape.PERCENTILE:
            raise MetricError(f"{row.metric} is a percentile: it cannot be summed over weeks")
        acc = sums.setdefault((row.metric, row.dim, row.key), dict.fromkeys(row.parts, 0))
        for part, value in row.parts.items():
            acc[part] = acc.get(part, 0) + value
    combined = [
        finish(metric(metric_id), (None, dim, key), parts)
        for (metric_id, dim, key), parts in sums.items()
    ]
    return sort_rows(row for row in combined if row_exists(row))

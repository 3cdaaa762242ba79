"""Integration health by ISO week of occurred_at: failure rate per integration, failures per error type.

Events count with occurred_at ≤ as_of; a failed event has status `failed`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from core.schema import IntegrationEvent
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, CountOf, Family, MetricDef, Ratio, Shape, Source
from metrics.sql import flag, happened, monday_day, within

FAILED = "failed"


def event_records(ctx: Context) -> Select[Any]:
    """Every event that occurred by as_of, flagged when it failed."""
    table = IntegrationEvent.__table__
    return select(
        monday_day(table.c.occurred_at).label("wd"),
        table.c.integration,
        table.c.error_type,
        table.c.event_id,
        table.c.occurred_at,
        table.c.status,
        table.c.entity_type,
        table.c.entity_key,
        table.c.message,
        flag(table.c.status == FAILED).label("failed"),
    ).where(happened(table.c.occurred_at, ctx.now), *within(table.c.occurred_at, ctx.window))


EVENTS = Source(
    "integration_events",
    dims=("integration", "error_type"),
    parts=("failed",),
    records=event_records,
    order_by=("occurred_at", "event_id"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "integration_failure_rate",
        "Failed events / events.",
        EVENTS,
        "occurred_at",
        ("integration",),
        Ratio("failed"),
        drill_part="failed",
        kpi=KpiSpec(
            "Integration failure rate",
            F.INTEGRATIONS,
            U.SHARE,
            C.AT_MOST,
            0.01,
            0.01,
            "systems / IT",
        ),
        family=Family.EVENTS,
    ),
    MetricDef(
        "integration_failures",
        "Failed events of an error type (only types seen that week); n: failed events that week.",
        EVENTS,
        "occurred_at",
        ("error_type",),
        CountOf("failed", "week_failed"),
        shape=Shape.WEEK_SHARE,
        drill_part="failed",
        family=Family.EVENTS,
    ),
)

"""Families of weekly metrics: the metrics whose weekly rows are refreshed together, and why.

A family's rows of an ISO week depend only on the records anchored in that week (its anchor is
the timestamp whose week a record belongs to) and on events up to as_of, so a refresh recomputes
just the weeks an import or the passing of time touched. Snapshot metrics are kept elsewhere:
stalled orders with the `orders` family (its unfilled orders), open and black-hole returns with
`returns` (its open returns), stock discrepancies, unmapped SKUs and bundle breaches as `stock`
(recomputed when stock, mappings, items or bundles change), and the planning snapshots that
depend on the instant itself (moving 90- and 56-day windows) computed at every refresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from metrics.model import MetricDef
from metrics.registry import METRICS


class Family(StrEnum):
    """Weekly families, named by what anchors their records to a week."""

    COUNTS = "counts"  # counted_at of the cycle count
    ORDERS = "orders"  # placed_at of the order (its lines and shipments follow it)
    RETURNS = "returns"  # received_at of the return
    ITEMS = "items"  # created_at of the item
    EVENTS = "events"  # occurred_at of the integration event
    DEMAND = "demand"  # placed_at of the order (its lines and their items follow it)
    RECOVERIES = "recoveries"  # disposition_at of the return


# Which family each weekly metric source belongs to.
SOURCE_FAMILY: dict[str, Family] = {
    "cycle_counts": Family.COUNTS,
    "shipped_orders": Family.ORDERS,
    "allocated_shipments": Family.ORDERS,
    "order_units": Family.ORDERS,
    "return_lags": Family.RETURNS,
    "items": Family.ITEMS,
    "integration_events": Family.EVENTS,
    "order_demand": Family.DEMAND,
    "recoveries": Family.RECOVERIES,
}

SNAPSHOT_FROM_ORDERS = ("stalled_orders",)
SNAPSHOT_FROM_RETURNS = ("open_returns", "black_hole_returns")
STOCK_METRICS = ("stock_discrepancies", "unmapped_system_skus", "bundle_availability_breaches")
# Computed from raw rows at every refresh; a kept set answers only its own instant.
EVERY_REFRESH = ("dead_stock_units", "stranded_units", "safety_stock_shortfalls", "returns_waiting")


@dataclass(frozen=True)
class FamilyMetrics:
    """A family and its weekly metrics in table order."""

    family: Family
    metrics: tuple[MetricDef, ...]


def weekly_metrics(family: Family) -> tuple[MetricDef, ...]:
    """The weekly metrics of a family, in table order."""
    return tuple(m for m in METRICS if m.weekly and SOURCE_FAMILY[m.source.name] is family)


def snapshot_metrics(metric_ids: tuple[str, ...]) -> tuple[MetricDef, ...]:
    """Definitions of snapshot metric ids, in table order."""
    return tuple(m for m in METRICS if m.id in metric_ids)


FAMILIES: tuple[FamilyMetrics, ...] = tuple(
    FamilyMetrics(family, weekly_metrics(family)) for family in Family
)
SNAPSHOT_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if not m.weekly)
if set(SNAPSHOT_IDS) != {
    *SNAPSHOT_FROM_ORDERS,
    *SNAPSHOT_FROM_RETURNS,
    *STOCK_METRICS,
    *EVERY_REFRESH,
}:
    raise RuntimeError("every snapshot metric needs a place in the aggregates")

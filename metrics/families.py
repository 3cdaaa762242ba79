"""Families of metrics, read from the declarations: which weekly rows a refresh recomputes together,
and how each snapshot metric is kept.

A weekly family's rows of an ISO week depend only on the records anchored in that week (its anchor
is the timestamp whose week a record belongs to, metrics.model.Family) and on events up to as_of, so
a refresh recomputes just the weeks an import or the passing of time touched (metrics.touched).
Snapshot metrics are kept as their declaration says (metrics.model.Keeping): stalled orders from
the order facts' unfilled orders, open and black-hole returns from the open returns, the stock
metrics (and bundle breaches) recomputed when stock, mappings, items or bundles change, and the
planning snapshots that depend on the instant itself (moving 90- and 56-day windows) computed at
every refresh. A new metric names its family in its declaration; nothing here changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from metrics.model import Family, Keeping, MetricDef
from metrics.registry import METRICS

__all__ = [
    "EVERY_REFRESH",
    "FAMILIES",
    "SNAPSHOT_FROM_ORDERS",
    "SNAPSHOT_FROM_RETURNS",
    "SNAPSHOT_IDS",
    "STOCK_METRICS",
    "Family",
    "FamilyMetrics",
    "Keeping",
    "snapshot_metrics",
    "weekly_metrics",
]


@dataclass(frozen=True)
class FamilyMetrics:
    """A family and its weekly metrics in table order."""

    family: Family
    metrics: tuple[MetricDef, ...]

    @property
    def section_3_1(self) -> bool:
        """Whether every metric of the family is one of SPEC section 3.1's."""
        return bool(self.metrics) and all(m.section == "3.1" for m in self.metrics)


def weekly_metrics(family: Family) -> tuple[MetricDef, ...]:
    """The weekly metrics of a family, in table order."""
    return tuple(m for m in METRICS if m.weekly and m.family is family)


def kept_as(keeping: Keeping) -> tuple[str, ...]:
    """The ids of the snapshot metrics kept this way, in table order."""
    return tuple(m.id for m in METRICS if not m.weekly and m.family is keeping)


def snapshot_metrics(metric_ids: tuple[str, ...]) -> tuple[MetricDef, ...]:
    """Definitions of snapshot metric ids, in table order."""
    return tuple(m for m in METRICS if m.id in metric_ids)


def _misplaced() -> list[str]:
    """Declarations whose family does not fit: weekly metrics need a Family, snapshots a Keeping."""
    return [
        m.id
        for m in METRICS
        if not isinstance(m.family, Family if m.weekly else Keeping)
        or (m.family is Keeping.UNFILLED_ORDERS and m.id != "stalled_orders")
        or (m.family is Keeping.OPEN_RETURNS and m.id not in ("open_returns", "black_hole_returns"))
    ]


if _misplaced():  # UNFILLED_ORDERS and OPEN_RETURNS are counted by their own code (snapshots.py)
    raise RuntimeError(f"metrics declared in a family that cannot keep them: {_misplaced()}")

FAMILIES: tuple[FamilyMetrics, ...] = tuple(
    FamilyMetrics(family, weekly_metrics(family)) for family in Family
)
SNAPSHOT_IDS: tuple[str, ...] = tuple(m.id for m in METRICS if not m.weekly)
SNAPSHOT_FROM_ORDERS = kept_as(Keeping.UNFILLED_ORDERS)
SNAPSHOT_FROM_RETURNS = kept_as(Keeping.OPEN_RETURNS)
STOCK_METRICS = kept_as(Keeping.STOCK)
# Computed at every refresh; a kept set answers only its own instant.
EVERY_REFRESH = kept_as(Keeping.EVERY_REFRESH)

"""Exception rules about orders and returns in flight: stalled orders, slow and black-hole returns."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from sqlalchemy import Connection, select

from core.timeutil import SECONDS_PER_DAY, to_epoch
from governance.rule_model import DetectContext, ExceptionRule, Found
from governance.vocabulary import Domain, Severity
from metrics.fulfilment import order_unit_records
from metrics.order_facts import unfilled_candidates
from metrics.returns import open_return_records

STALLED_HIGH_AFTER_DAYS = 7
RETURN_LAG_TARGET = "return_lag_p90_hours"
DEFAULT_RETURN_LAG_HOURS = 72.0


def _stalled(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    candidates = unfilled_candidates(conn, ctx.now)  # the facts narrow the raw query when current
    scope = ctx.metrics if candidates is None else replace(ctx.metrics, orders=candidates)
    orders = order_unit_records(scope).subquery("orders")
    high_cutoff = ctx.now - STALLED_HIGH_AFTER_DAYS * SECONDS_PER_DAY
    for row in conn.execute(select(orders).where(orders.c.stalled == 1)).mappings():
        old = to_epoch(row["placed_at"]) <= high_cutoff
        yield STALLED_ORDER.found(row, Severity.HIGH if old else Severity.MEDIUM)


def _open_returns(conn: Connection, ctx: DetectContext) -> list[dict[str, object]]:
    def load() -> list[dict[str, object]]:
        records = open_return_records(ctx.metrics).subquery("open_returns")
        rows = conn.execute(select(records).order_by(records.c.return_id)).mappings()
        return [dict(row) for row in rows]

    return ctx.once("open_returns", load)


def lag_limit_hours(ctx: DetectContext) -> float:
    """How long a received return may wait for its disposition: the return_lag_p90 target."""
    target = ctx.targets.get(RETURN_LAG_TARGET)
    return float(target.target) if target else DEFAULT_RETURN_LAG_HOURS


def _lag_breaches(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    limit = lag_limit_hours(ctx)
    cutoff = ctx.now - int(limit * 3600)
    for row in _open_returns(conn, ctx):
        if to_epoch(row["received_at"]) < cutoff:  # type: ignore[arg-type]
            yield RETURN_LAG_BREACH.found({**row, "limit_hours": limit}, Severity.MEDIUM)


def _black_holes(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    for row in _open_returns(conn, ctx):
        if row["black_hole"]:
            yield BLACK_HOLE_RETURN.found(row, Severity.HIGH)


RETURN_FACTS = ("return_id", "location", "sku", "quantity", "channel", "received_at")
STALLED_ORDER = ExceptionRule(
    "stalled_order",
    Domain.ORDER_ROUTING,
    "an order counted by stalled_orders",
    ("order_id",),
    ("order_id", "channel", "placed_at", "ordered", "shipped"),
    f"medium; high after {STALLED_HIGH_AFTER_DAYS} days",
    _stalled,
    reads=("orders", "order_lines", "shipments"),
)
RETURN_LAG_BREACH = ExceptionRule(
    "return_lag_breach",
    Domain.RETURNS_INTAKE,
    "a return received, not dispositioned, for longer than the return_lag_p90 target",
    ("return_id",),
    (*RETURN_FACTS, "limit_hours"),
    "medium",
    _lag_breaches,
    reads=("returns",),
)
BLACK_HOLE_RETURN = ExceptionRule(
    "black_hole_return",
    Domain.RETURNS_INTAKE,
    "a return counted by black_hole_returns",
    ("return_id",),
    (*RETURN_FACTS, "refunded_at"),
    "high",
    _black_holes,
    reads=("returns",),
    folds=("return_lag_breach",),
)

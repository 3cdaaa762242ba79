"""Customer returns: received at stores, the DC or Amazon; most dispositioned fast, some stuck at stores
(at two stores uninspected: they pile up at the inspection step of the returns handoff)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from demo.orders import Order
from demo.plan import AMAZON_FC, DC, HOUR, STORES, STUCK_RETURN_STORES, DemoPlan
from demo.shipping import ShipmentRow

RETURN_RATE = {"shopify": 0.09, "amazon": 0.06, "pos": 0.045, "wholesale": 0.01}
IN_STORE_SHARE = {"shopify": 0.4, "pos": 1.0}  # returned over a store counter
CONDITIONS = (("new", 45), ("like_new", 30), ("damaged", 15), ("defective", 10))
DISPOSITIONS: dict[str, tuple[tuple[str, float], ...]] = {
    "new": (("restock", 95), ("refurbish", 5)),
    "like_new": (("restock", 85), ("refurbish", 15)),
    "damaged": (("refurbish", 50), ("write_off", 50)),
    "defective": (("quarantine", 60), ("write_off", 40)),
}
# Hours from the customer's request to receipt (POS returns are received at the counter).
TRANSIT_HOURS = {"store": (0.0, 48.0), "dc": (72.0, 200.0), "fc": (72.0, 240.0)}
# Hours from receipt to disposition, and the chance a return is never dispositioned.
LAG_HOURS = {"dc": (14.0, 70.0), "store": (20.0, 140.0), "fc": (12.0, 72.0)}
STUCK_CHANCE = {"dc": 0.0, "store": 0.03, "fc": 0.0, "stuck_store": 0.4}

ReturnRow = tuple[
    str, str, str, str, int, str, datetime, datetime | None, str, str | None, str | None,
    datetime | None, datetime | None, datetime | None,
]  # fmt: skip


@dataclass(frozen=True)
class Shipped:
    """A shipped order line: what a customer may send back."""

    order: Order
    line_id: str
    sku: str
    quantity: int
    location: str
    shipped_at: datetime


def shipped_lines(orders: list[Order], shipments: list[ShipmentRow]) -> list[Shipped]:
    """Each shipped line once, at its last shipment, in shipment order."""
    by_id = {o.order_id: o for o in orders}
    skus = {(o.order_id, line): sku for o in orders for line, sku, _, _ in o.lines}
    seen: dict[tuple[str, str], Shipped] = {}
    for _, order_id, line_id, location, shipped_at, qty in shipments:
        seen[(order_id, line_id)] = Shipped(
            by_id[order_id], line_id, skus[(order_id, line_id)], qty, location, shipped_at
        )
    return list(seen.values())


def build_returns(
    plan: DemoPlan, orders: list[Order], shipments: list[ShipmentRow]
) -> list[ReturnRow]:
    """Returns of shipped lines, clipped to what has happened by the end of history."""
    rng = plan.rng("returns")
    rows: list[ReturnRow] = []
    for line in shipped_lines(orders, shipments):
        if rng.random() >= RETURN_RATE[line.order.channel]:
            continue
        row = _return(rng, plan, line, f"RMA-{100001 + len(rows)}")
        if row is not None:
            rows.append(row)
    return rows


def _return(rng: random.Random, plan: DemoPlan, line: Shipped, return_id: str) -> ReturnRow | None:
    channel = line.order.channel
    location, kind = _receiving(rng, line)
    delivered = line.shipped_at + (0 if channel == "pos" else rng.uniform(24, 96)) * HOUR
    initiated = _second(delivered + rng.uniform(12, 14 * 24) * HOUR)
    transit = 0.0 if channel == "pos" else rng.uniform(*TRANSIT_HOURS[kind])
    received = _second(initiated + transit * HOUR)
    refund_hours = rng.uniform(0.05, 0.5) if kind == "store" else rng.uniform(2, 40)
    refunded = _second(received + refund_hours * HOUR)
    condition = _draw(rng, CONDITIONS)
    disposition, disposition_at, restocked = _dispose(rng, location, kind, received, condition)
    if initiated > plan.cutoff:
        return None
    quantity = 1 if line.quantity < 3 else rng.randint(1, min(line.quantity, 6))

    def seen(when: datetime | None) -> datetime | None:
        return when if when is not None and when <= plan.cutoff else None

    got = seen(received)
    done = seen(disposition_at) if got else None
    inspected = got is not None and not _left_uninspected(location, disposition)
    return (
        return_id, line.order.order_id, line.line_id, line.sku, quantity, channel, initiated,
        got, location, condition if inspected else None, disposition if done else None, done,
        seen(refunded) if got else None, seen(restocked) if done else None,
    )  # fmt: skip


def _receiving(rng: random.Random, line: Shipped) -> tuple[str, str]:
    """Where the return comes back: a store counter, Amazon's FC, or the DC."""
    channel = line.order.channel
    if channel == "amazon":
        return AMAZON_FC, "fc"
    if rng.random() < IN_STORE_SHARE.get(channel, 0.0):
        if channel == "pos" and rng.random() < 0.8:
            return line.order.location, "store"
        store = rng.choices(STORES, weights=[s.weight for s in STORES])[0]
        return store.location_id, "store"
    return DC, "dc"


def _dispose(
    rng: random.Random, location: str, kind: str, received: datetime, condition: str
) -> tuple[str | None, datetime | None, datetime | None]:
    """The disposition decided, when, and when restocked; nothing for a return left in a corner."""
    stuck = STUCK_CHANCE["stuck_store" if location in STUCK_RETURN_STORES else kind]
    if rng.random() < stuck:
        return None, None, None
    disposition = _draw(rng, DISPOSITIONS[condition])
    disposed = _second(received + rng.uniform(*LAG_HOURS[kind]) * HOUR)
    restocked = _second(disposed + rng.uniform(1, 8) * HOUR) if disposition == "restock" else None
    return disposition, disposed, restocked


def _left_uninspected(location: str, disposition: str | None) -> bool:
    """A return left in a corner at a stuck store was never inspected either (no condition noted):
    it waits at the inspection step of the returns handoff; elsewhere it waits at disposition."""
    return disposition is None and location in STUCK_RETURN_STORES


def _draw(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]


def _second(when: datetime) -> datetime:
    return when.replace(microsecond=0)

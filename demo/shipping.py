"""Fulfilment of the order book: cancellations, shipments, split and rerouted orders, stalled orders."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from itertools import count

from demo.orders import OTHER_WAREHOUSE, PROFILES, ChannelProfile, Order
from demo.plan import HOUR, DemoPlan

ShipmentRow = tuple[str, str, str, str, datetime, int]  # shipment, order, line, location, at, qty
Line = tuple[str, str, int, str]
Group = tuple[str, datetime, list[Line]]  # one shipment: location, shipped_at, lines

BACKORDER_SHARE = 0.4  # split orders whose second parcel leaves the same warehouse days later
PLANNED_SHARE = 0.3  # split orders allocated to two warehouses from the start; the rest reroute
STALL_WINDOW_DAYS = 16


def ship_orders(plan: DemoPlan, orders: list[Order]) -> list[ShipmentRow]:
    """Cancel some orders and ship the rest; nothing ships after the end of history."""
    rng = plan.rng("shipping")
    numbers = count(1)
    stall_from = plan.cutoff - timedelta(days=STALL_WINDOW_DAYS)
    stall_to = plan.cutoff - timedelta(hours=48)
    rows: list[ShipmentRow] = []
    for order in orders:
        profile = PROFILES[order.channel]
        if rng.random() < profile.cancel_rate:
            cancelled = order.placed_at + HOUR * rng.uniform(0.3, 8)
            order.cancelled_at = min(cancelled, plan.cutoff).replace(microsecond=0)
            continue
        groups = _groups(rng, order, profile)
        if stall_from <= order.placed_at <= stall_to and rng.random() < profile.stall_rate:
            groups = _stall(groups)
        for location, shipped_at, lines in groups:
            if shipped_at > plan.cutoff:
                continue
            shipment_id = f"FUL-{next(numbers):07d}"
            rows += [
                (shipment_id, order.order_id, line, location, shipped_at, qty)
                for line, _, qty, _ in lines
            ]
    return rows


def _groups(rng: random.Random, order: Order, profile: ChannelProfile) -> list[Group]:
    """The shipments an order leaves in: one parcel, or two for a split order."""
    if order.channel == "pos":
        return [(order.location, order.placed_at, order.lines)]
    first = _at(order.placed_at, rng.uniform(*profile.ship_hours))
    if len(order.lines) >= 2 and rng.random() < profile.split_rate:
        return _split(rng, order, first)
    rerouted = rng.random() < profile.reroute_rate
    source = OTHER_WAREHOUSE[order.location] if rerouted else order.location
    return [(source, first, order.lines)]


def _split(rng: random.Random, order: Order, first: datetime) -> list[Group]:
    """Two parcels: a backorder from the same warehouse, or the rest from the other warehouse."""
    cut = rng.randint(1, len(order.lines) - 1)
    head, tail = order.lines[:cut], order.lines[cut:]
    kind = rng.random()
    if kind < BACKORDER_SHARE:
        return [
            (order.location, first, head),
            (order.location, _at(first, rng.uniform(24, 120)), tail),
        ]
    other = OTHER_WAREHOUSE[order.location]
    if kind < BACKORDER_SHARE + PLANNED_SHARE:
        tail = [(line, sku, qty, other) for line, sku, qty, _ in tail]
        order.lines = head + tail
    return [(order.location, first, head), (other, _at(first, rng.uniform(1, 20)), tail)]


def _stall(groups: list[Group]) -> list[Group]:
    """Leave the order's last line unshipped (out of stock, never backfilled)."""
    location, shipped_at, lines = groups[-1]
    if len(lines) > 1:
        return [*groups[:-1], (location, shipped_at, lines[:-1])]
    return groups[:-1]


def _at(start: datetime, hours: float) -> datetime:
    return (start + HOUR * hours).replace(microsecond=0)

"""Orders and their lines over the history, per channel, with the location each line is allocated to."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate

from demo.catalog import Catalog, Sku
from demo.listings import Listings
from demo.plan import AMAZON_FC, DC, STORES, TPL, DemoPlan, at

Pairs = tuple[tuple[int, float], ...]  # (value, weight)


@dataclass(frozen=True)
class ChannelProfile:
    """How a channel orders: share of orders, lines and units per line, timing and failure rates."""

    share: float
    lines: Pairs
    units: Pairs
    ship_hours: tuple[float, float]  # placed -> first shipment
    cancel_rate: float
    split_rate: float  # of orders with two or more lines: shipped in two shipments
    reroute_rate: float  # whole orders shipped from another location than allocated
    stall_rate: float  # recent orders left with a line never shipped
    weekend_lift: float
    hours: tuple[float, float] | None = None  # trading hours (UTC); None = around the clock


PROFILES: dict[str, ChannelProfile] = {
    "shopify": ChannelProfile(
        share=0.46, lines=((1, 50), (2, 28), (3, 14), (4, 8)), units=((1, 85), (2, 12), (3, 3)),
        ship_hours=(3, 30), cancel_rate=0.025, split_rate=0.48, reroute_rate=0.03,
        stall_rate=0.03, weekend_lift=1.15,
    ),
    "amazon": ChannelProfile(
        share=0.26, lines=((1, 82), (2, 15), (3, 3)), units=((1, 90), (2, 8), (3, 2)),
        ship_hours=(1, 18), cancel_rate=0.015, split_rate=0.1, reroute_rate=0.01,
        stall_rate=0.01, weekend_lift=1.1,
    ),
    "pos": ChannelProfile(
        share=0.25, lines=((1, 60), (2, 28), (3, 12)), units=((1, 88), (2, 10), (3, 2)),
        ship_hours=(0, 0), cancel_rate=0.0, split_rate=0.0, reroute_rate=0.0,
        stall_rate=0.0, weekend_lift=1.5, hours=(15.0, 23.9),
    ),
    "wholesale": ChannelProfile(
        share=0.03, lines=((6, 1), (8, 1), (10, 1), (12, 1), (16, 1)),
        units=((6, 3), (12, 4), (24, 2), (48, 1)), ship_hours=(20, 72), cancel_rate=0.02,
        split_rate=0.04, reroute_rate=0.02, stall_rate=0.25, weekend_lift=0.1,
        hours=(14.0, 22.0),
    ),
}  # fmt: skip
# Online shoppers by UTC hour (US evenings are busiest, US nights quiet).
HOURLY = (8, 7, 6, 5, 3, 2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 7, 7, 7, 8, 8, 9, 9, 9)
PROMO_DAYS = (38, 39, 40)  # a three-day Shopify sale, in days after the first day
PROMO_LIFT = 1.8
OTHER_WAREHOUSE = {DC: TPL, TPL: DC, AMAZON_FC: DC}


@dataclass
class Order:
    """One order: header fields, its lines and the location each line is allocated to."""

    order_id: str
    channel: str
    placed_at: datetime
    location: str
    cancelled_at: datetime | None = None
    lines: list[tuple[str, str, int, str]] = field(default_factory=list)  # line, sku, qty, alloc


@dataclass(frozen=True)
class Pool:
    """Items a channel sells from, with cumulative demand weights for fast sampling."""

    items: list[Sku]
    cum_weights: list[float]

    def pick(self, rng: random.Random, when: datetime, taken: list[str]) -> Sku | None:
        """A live item not already on the order, by demand; None when none is found quickly."""
        for _ in range(8):
            item = rng.choices(self.items, cum_weights=self.cum_weights)[0]
            if item.live_at(when) and item.sku not in taken:
                return item
        return None


def _pool(items: list[Sku]) -> Pool:
    return Pool(items, list(accumulate(i.popularity for i in items)))


def build_orders(plan: DemoPlan, catalog: Catalog, listings: Listings) -> list[Order]:
    """The order book: `plan.orders` orders over the history, oldest first, with their lines."""
    rng = plan.rng("orders")
    slots = _placements(rng, plan)
    online = [i for i in catalog.items if i.lifecycle_status == "active"]
    pools = {
        "shopify": _pool(online),
        "amazon": _pool(listings.assortment[AMAZON_FC]),
        "wholesale": _pool([i for i in online if i.abc_class in ("A", "B") and not i.is_bundle]),
        **{s.location_id: _pool(listings.assortment[s.location_id]) for s in STORES},
    }
    numbers: dict[str, int] = {}
    orders = []
    for placed_at, channel, location in slots:
        numbers[channel] = numbers.get(channel, 0) + 1
        order = Order(
            _order_id(rng, channel, location, numbers[channel]), channel, placed_at, location
        )
        _add_lines(rng, order, pools[location if channel == "pos" else channel])
        if order.lines:
            orders.append(order)
    return orders


def _placements(rng: random.Random, plan: DemoPlan) -> list[tuple[datetime, str, str]]:
    """When, on which channel and at which location each order is placed, oldest first."""
    channels = list(PROFILES)
    day_weights = {c: _day_weights(plan, c) for c in channels}
    store_weights = [s.weight for s in STORES]
    slots = []
    for channel in rng.choices(
        channels, weights=[PROFILES[c].share for c in channels], k=plan.orders
    ):
        day = rng.choices(plan.days, cum_weights=day_weights[channel])[0]
        placed_at = at(day, _hour(rng, PROFILES[channel]))
        slots.append((placed_at, channel, _allocation(rng, channel, store_weights)))
    slots.sort(key=lambda s: (s[0], s[1], s[2]))
    return slots


def _day_weights(plan: DemoPlan, channel: str) -> list[float]:
    """Cumulative weights per day: slow growth, weekend lift, a three-day Shopify sale."""
    profile, days = PROFILES[channel], plan.days
    weights = []
    for index, day in enumerate(days):
        weight = 1 + 0.25 * index / len(days)
        weight *= profile.weekend_lift if day.weekday() >= 5 else 1.0
        weight *= PROMO_LIFT if channel == "shopify" and index in PROMO_DAYS else 1.0
        weights.append(weight)
    return list(accumulate(weights))


def _hour(rng: random.Random, profile: ChannelProfile) -> float:
    if profile.hours:
        return rng.uniform(*profile.hours)
    return rng.choices(range(24), weights=HOURLY)[0] + rng.random() * 0.9997


def _allocation(rng: random.Random, channel: str, store_weights: list[float]) -> str:
    """Where the order is allocated: stores sell from themselves, FBA from Amazon's FC."""
    if channel == "pos":
        return rng.choices(STORES, weights=store_weights)[0].location_id
    if channel == "amazon":
        return AMAZON_FC if rng.random() < 0.9 else DC
    if channel == "shopify":
        return DC if rng.random() < 0.78 else TPL
    return DC


def _order_id(rng: random.Random, channel: str, location: str, number: int) -> str:
    """Order numbers as each channel writes them."""
    if channel == "amazon":
        return (
            f"11{rng.randint(1, 4)}-{rng.randint(0, 9_999_999):07d}-{rng.randint(0, 9_999_999):07d}"
        )
    if channel == "pos":
        return f"POS-{location.removeprefix('STORE-')}-{number:06d}"
    if channel == "wholesale":
        return f"WHL-{4800 + number}"
    return f"SHOP-{104200 + number}"


def _add_lines(rng: random.Random, order: Order, pool: Pool) -> None:
    profile = PROFILES[order.channel]
    count = _draw(rng, profile.lines)
    taken: list[str] = []
    for _ in range(count):
        item = pool.pick(rng, order.placed_at, taken)
        if item is None:
            continue
        taken.append(item.sku)
        line_id = str(len(order.lines) + 1)
        order.lines.append((line_id, item.sku, _draw(rng, profile.units), order.location))


def _draw(rng: random.Random, pairs: Pairs) -> int:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]

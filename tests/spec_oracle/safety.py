"""safety_stock_shortfalls (SPEC section 3.1): (channel, sku) pairs whose available units are below safety stock."""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from statistics import NormalDist

from tests.spec_oracle.data import Data
from tests.spec_oracle.orders import is_cancelled
from tests.spec_oracle.rows import DAY, Row, Settings, group_rows
from tests.spec_oracle.stock_value import positive_book_pairs


@dataclass(frozen=True)
class PairStock:
    """A (channel, sku) with demand in the window: its safety stock and available units."""

    channel: str
    sku: str
    safety_stock: float
    available: int


def daily_demand(data: Data, as_of: int, settings: Settings) -> dict[tuple[str, str], list[int]]:
    """(channel, sku) -> d_0 … d_55: "day k (k = 0…55) being (as_of − (k+1)·24 h, as_of − k·24 h];
    the daily demand d_k is Σ quantity of the lines with sku s of orders of channel c placed in day k
    and not cancelled" (READINGS item 8: k = ⌊(as_of − placed_at) / 86400⌋; empty skus ignored)."""
    orders = data.records.get("orders", {})
    demand: dict[tuple[str, str], list[int]] = {}
    for line in data.all("order_lines"):
        order = orders.get((line.order_id,))
        if order is None or line.sku is None or is_cancelled(order, as_of):
            continue
        age = as_of - order.placed_at
        if 0 <= age < settings.window_days * DAY:
            days = demand.setdefault((order.channel, line.sku), [0] * settings.window_days)
            days[age // DAY] += line.quantity
    return demand


def safety_stock(days: list[int], channel: str, settings: Settings) -> float:
    """SPEC: "z · √(L · σd² + d̄² · σL²)", d̄ the mean and σd the population standard deviation of the
    daily demands (zeros included); the radicand is exact, one float square root, then × z."""
    params = settings.planning.get(channel, settings.planning_other)
    count = len(days)
    mean = Fraction(sum(days), count)
    variance = Fraction(sum(d * d for d in days), count) - mean * mean
    radicand = params.lead_time_days * variance + mean * mean * params.lead_time_sd_days**2
    z = NormalDist().inv_cdf(params.service_level)  # "z = the standard normal quantile of p"
    return z * math.sqrt(float(radicand))


def available_units(
    data: Data, as_of: int, settings: Settings
) -> dict[tuple[str | None, str], int]:
    """(location channel or None, sku) -> Σ book sellable units > 0; "a location absent from
    locations counts as one with an empty channel"."""
    locations = data.records.get("locations", {})
    available: dict[tuple[str | None, str], int] = {}
    for pair in positive_book_pairs(data, as_of, settings):
        location = locations.get((pair.location_id,))
        channel = location.channel if location is not None else None
        available[(channel, pair.sku)] = available.get((channel, pair.sku), 0) + pair.units
    return available


def pair_stocks(data: Data, as_of: int, settings: Settings) -> list[PairStock]:
    """Every (c, s) in n: "a (c, s) is in n when its 56 daily demands sum to more than 0"; "Available
    units of (c, s): Σ book sellable units of s at the locations whose `channel` is c or empty"."""
    available = available_units(data, as_of, settings)
    pairs = []
    for (channel, sku), days in sorted(daily_demand(data, as_of, settings).items()):
        if sum(days) > 0:
            units = available.get((channel, sku), 0) + available.get((None, sku), 0)
            pairs.append(PairStock(channel, sku, safety_stock(days, channel, settings), units))
    return pairs


def safety_stock_shortfalls(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """value: pairs "with available < safety stock"; n pairs with demand in the window; num
    "Σ (safety stock − available) over the short pairs"; `all` always (n = 0: value 0, num 0)."""
    facts = [(None, {"channel": p.channel}, p) for p in pair_stocks(data, as_of, settings)]

    def finish(group: list[PairStock]) -> tuple[int, int, float]:
        short = [p for p in group if p.available < p.safety_stock]
        return len(short), len(group), sum((p.safety_stock - p.available for p in short), 0.0)

    return group_rows("safety_stock_shortfalls", facts, ("channel",), finish, always_all=True)

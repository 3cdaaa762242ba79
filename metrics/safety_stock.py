"""Safety stock by channel risk at as_of: (channel, sku) pairs whose available units are short of it.

The window is the 56 days (setting `safety_stock_window_days`) ending at as_of; day k is
(as_of − (k+1)·24 h, as_of − k·24 h], so an order placed exactly at as_of − 24 h is in day 1 and
one at as_of − 56 days is outside. d_k is Σ quantity of the lines with sku s of the orders of
channel c placed in day k and not cancelled by as_of (lines without a sku are ignored; no item
condition). d̄ = S / 56 and σd² = Σ d_k² / 56 − d̄² (population, zeros included). With the
channel's service level p, lead time L and its deviation σL (setting `safety_stock_parameters`,
any other channel "*"), z = NormalDist().inv_cdf(p) and safety stock = z · √(L·σd² + d̄²·σL²):
the radicand is exact (fractions), then one float square root, times z. Available units of
(c, s): Σ book sellable units > 0 of s at locations whose channel is c or empty (a location
missing from `locations` has an empty channel). A pair with S > 0 is counted (n); it is short
when available < safety stock, and num sums safety stock − available over the short pairs
(exactly, as fractions of the floats, then one float).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import asdict, dataclass
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist
from typing import Any

from sqlalchemy import Connection, select

from core.schema import Location, Order, OrderLine
from core.settings import ChannelParameters
from core.timeutil import SECONDS_PER_DAY
from metrics.model import Context, CountWithAmount, MetricDef, Source
from metrics.sql import epoch, happened, integer_sum, not_yet, number
from metrics.stock import book_units


def daily_demand(conn: Connection, ctx: Context) -> dict[tuple[str, str], dict[int, int]]:
    """(channel, sku) → {day k: units} of the orders not cancelled placed in the window."""
    orders, lines = Order.__table__, OrderLine.__table__
    window = ctx.settings.safety_stock_window_days * SECONDS_PER_DAY
    age = number(ctx.now) - epoch(orders.c.placed_at)
    day = (age // number(SECONDS_PER_DAY)).label("k")  # age ≥ 0: truncation is the floor
    query = (
        select(orders.c.channel, lines.c.sku, day, integer_sum(lines.c.quantity).label("units"))
        .select_from(orders.join(lines, lines.c.order_id == orders.c.order_id))
        .where(
            epoch(orders.c.placed_at) > number(ctx.now - window),
            happened(orders.c.placed_at, ctx.now),
            not_yet(orders.c.cancelled_at, ctx.now),
            lines.c.sku.is_not(None),
            lines.c.sku != "",
        )
        .group_by(orders.c.channel, lines.c.sku, day)
    )
    demand: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for channel, sku, k, units in conn.execute(query):
        demand[(channel, sku)][int(k)] = int(units)
    return demand


def available_units(conn: Connection, ctx: Context) -> dict[tuple[str | None, str], int]:
    """(location channel or None, sku) → Σ book sellable units > 0 (no location row: None)."""
    book, locations = book_units(ctx), Location.__table__
    query = (
        select(locations.c.channel, book.c.sku, integer_sum(book.c.units))
        .select_from(book.outerjoin(locations, locations.c.location_id == book.c.location_id))
        .where(book.c.units > number(0))
        .group_by(locations.c.channel, book.c.sku)
    )
    held: dict[tuple[str | None, str], int] = defaultdict(int)
    for channel, sku, units in conn.execute(query):
        held[(channel or None, sku)] += int(units)
    return held


@dataclass(frozen=True)
class SafetyStock:
    """One (channel, sku) with demand in the window: the formula's inputs and its outcome."""

    channel: str
    sku: str
    demand_units: int  # S, the window's Σ d_k
    mean_daily: float  # d̄
    sd_daily: float  # σd
    lead_time_days: Decimal  # L
    lead_time_sd_days: Decimal  # σL
    service_level: Decimal  # p
    z: float
    safety_stock: float
    available: int
    short: bool
    shortfall: float  # safety stock − available when short, else 0

    @property
    def exact_shortfall(self) -> Fraction:
        """The shortfall as the exact fraction of its float (sums of them are exact)."""
        return Fraction(self.shortfall) if self.short else Fraction(0)


def safety_stock_of(
    daily: list[int], params: ChannelParameters, days: int
) -> tuple[float, float, Fraction, Fraction]:
    """(safety stock, z, d̄, σd²) of a window's daily demands (days missing are 0) and inputs."""
    total = sum(daily)
    mean = Fraction(total, days)
    variance = Fraction(sum(d * d for d in daily), days) - mean * mean
    lead, lead_sd = Fraction(params.lead_time_days), Fraction(params.lead_time_sd_days)
    radicand = lead * variance + mean * mean * lead_sd * lead_sd
    z = NormalDist().inv_cdf(float(params.service_level))
    return z * math.sqrt(radicand), z, mean, variance


def safety_stock_pairs(conn: Connection, ctx: Context) -> list[SafetyStock]:
    """Every (channel, sku) whose window demand sums to more than 0, sorted by channel and sku."""
    days = ctx.settings.safety_stock_window_days
    held = available_units(conn, ctx)
    pairs = []
    for (channel, sku), by_day in sorted(daily_demand(conn, ctx).items()):
        if sum(by_day.values()) <= 0:
            continue
        params = ctx.settings.channel_parameters(channel)
        safety, z, mean, variance = safety_stock_of(list(by_day.values()), params, days)
        available = held.get((channel, sku), 0) + held.get((None, sku), 0)
        short = available < safety
        pairs.append(
            SafetyStock(
                channel=channel,
                sku=sku,
                demand_units=sum(by_day.values()),
                mean_daily=float(mean),
                sd_daily=math.sqrt(variance),
                lead_time_days=params.lead_time_days,
                lead_time_sd_days=params.lead_time_sd_days,
                service_level=params.service_level,
                z=z,
                safety_stock=safety,
                available=available,
                short=short,
                shortfall=safety - available if short else 0.0,
            )
        )
    return pairs


def pair_records(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """The pairs as records with their parts (short, shortfall as an exact fraction)."""
    return [
        asdict(pair) | {"short": int(pair.short), "shortfall_exact": pair.exact_shortfall}
        for pair in safety_stock_pairs(conn, ctx)
    ]


PAIRS = Source(
    "safety_stock_pairs",
    dims=("channel",),
    parts=("short", "shortfall_exact"),
    load=pair_records,
    weekly=False,
    order_by=("channel", "sku"),
)

METRICS = (
    MetricDef(
        "safety_stock_shortfalls",
        "(channel, sku) pairs whose available units are below z·√(L·σd² + d̄²·σL²) over the last "
        "56 days' daily demand; n: pairs with demand in the window; num: Σ units short.",
        PAIRS,
        None,
        ("channel",),
        CountWithAmount("short", "records", "shortfall_exact"),
        always_all=True,
        drill_part="short",
    ),
)

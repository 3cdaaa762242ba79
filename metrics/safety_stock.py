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
from dataclasses import dataclass, fields
from decimal import Decimal
from fractions import Fraction
from statistics import NormalDist
from typing import Any

from sqlalchemy import Connection, Select, select

from core.schema import DemandDay, Location, Order, OrderLine
from core.settings import ChannelParameters
from core.timeutil import SECONDS_PER_DAY
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, CountWithAmount, Keeping, MetricDef, Source
from metrics.routing import in_scope
from metrics.sql import epoch, happened, integer_sum, not_yet, number
from metrics.stock import book_units


def demand_day_query(ctx: Context) -> Select[Any]:
    """channel, sku, day k, units: Σ quantity of the lines with a sku of the orders not cancelled
    placed in day k of the window ending at as_of (of `ctx.orders` only, when given)."""
    orders, lines = Order.__table__, OrderLine.__table__
    window = ctx.settings.safety_stock_window_days * SECONDS_PER_DAY
    age = number(ctx.now) - epoch(orders.c.placed_at)
    day = (age // number(SECONDS_PER_DAY)).label("day")  # age ≥ 0: truncation is the floor
    return (
        select(orders.c.channel, lines.c.sku, day, integer_sum(lines.c.quantity).label("units"))
        .select_from(orders.join(lines, lines.c.order_id == orders.c.order_id))
        .where(
            epoch(orders.c.placed_at) > number(ctx.now - window),
            happened(orders.c.placed_at, ctx.now),
            not_yet(orders.c.cancelled_at, ctx.now),
            lines.c.sku.is_not(None),
            lines.c.sku != "",
            *in_scope(orders.c.order_id, ctx),
        )
        .group_by(orders.c.channel, lines.c.sku, day)
    )


def window_sums(conn: Connection, ctx: Context) -> dict[tuple[str, str], tuple[int, int]]:
    """(channel, sku) → (S, Σ d_k²) over the window's days (from the demand days the aggregates
    keep when they hold as_of, else from raw rows)."""
    days = DemandDay.__table__ if ctx.held else demand_day_query(ctx).subquery("days")
    query = select(
        days.c.channel,
        days.c.sku,
        integer_sum(days.c.units),
        integer_sum(days.c.units * days.c.units),
    ).group_by(days.c.channel, days.c.sku)
    return {(c, s): (int(total), int(squares)) for c, s, total, squares in conn.execute(query)}


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


@dataclass(frozen=True)
class ChannelInputs:
    """A channel's parameters in the formula's exact terms, z computed once."""

    params: ChannelParameters
    z: float
    lead: Fraction
    lead_sd_squared: Fraction

    @classmethod
    def of(cls, params: ChannelParameters) -> ChannelInputs:
        """The inputs of a channel's parameters."""
        z = NormalDist().inv_cdf(float(params.service_level))
        lead_sd = Fraction(params.lead_time_sd_days)
        return cls(params, z, Fraction(params.lead_time_days), lead_sd * lead_sd)


def safety_stock_of(total: int, squares: int, inputs: ChannelInputs, days: int) -> float:
    """z · √(L·σd² + d̄²·σL²) of a window of `days` daily demands summing to `total`, their squares
    to `squares`; with d̄ = S/W and σd² = Σd²/W − d̄² the radicand is the exact fraction
    (L·(W·Σd² − S²) + σL²·S²) / W², then one float square root."""
    lead, spread = inputs.lead, inputs.lead_sd_squared
    spread_term = total * total * spread.numerator * lead.denominator
    lead_term = lead.numerator * spread.denominator * (days * squares - total * total)
    radicand = (lead_term + spread_term) / (lead.denominator * spread.denominator * days * days)
    return inputs.z * math.sqrt(radicand)


def safety_stock_pairs(conn: Connection, ctx: Context) -> list[SafetyStock]:
    """Every (channel, sku) whose window demand sums to more than 0, sorted by channel and sku."""
    days = ctx.settings.safety_stock_window_days
    held = available_units(conn, ctx)
    inputs: dict[str, ChannelInputs] = {}
    pairs = []
    for (channel, sku), (total, squares) in sorted(window_sums(conn, ctx).items()):
        if total <= 0:
            continue
        if channel not in inputs:
            inputs[channel] = ChannelInputs.of(ctx.settings.channel_parameters(channel))
        chosen = inputs[channel]
        safety = safety_stock_of(total, squares, chosen, days)
        mean, variance = (
            Fraction(total, days),
            Fraction(days * squares - total * total, days * days),
        )
        available = held.get((channel, sku), 0) + held.get((None, sku), 0)
        short = available < safety
        pairs.append(
            SafetyStock(
                channel=channel,
                sku=sku,
                demand_units=total,
                mean_daily=float(mean),
                sd_daily=math.sqrt(variance),
                lead_time_days=chosen.params.lead_time_days,
                lead_time_sd_days=chosen.params.lead_time_sd_days,
                service_level=chosen.params.service_level,
                z=chosen.z,
                safety_stock=safety,
                available=available,
                short=short,
                shortfall=safety - available if short else 0.0,
            )
        )
    return pairs


def pair_records(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """The pairs as records with their parts (short, shortfall as an exact fraction)."""
    names = [f.name for f in fields(SafetyStock)]
    return [
        {name: getattr(pair, name) for name in names}
        | {"short": int(pair.short), "shortfall_exact": pair.exact_shortfall}
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

F, U, C = KpiFamily, Unit, Comparator
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
        kpi=KpiSpec("Safety stock shortfalls", F.PLANNING, U.COUNT, C.EQUAL, 0, 5, "operations"),
        family=Keeping.EVERY_REFRESH,
        section="3.1",
    ),
)

"""Integration events between the brand's systems: rare failures, and one week where one sync breaks."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from demo.listings import Listings
from demo.orders import Order
from demo.plan import DC, HOUR, SPIKING_INTEGRATION, STORE_IDS, DemoPlan, at, monday

Weights = tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Integration:
    """One integration: what it moves, how often per day (0: once per exported order), its errors."""

    name: str
    entity_type: str
    per_day: int
    errors: Weights
    failure_rate: float


INTEGRATIONS: tuple[Integration, ...] = (
    Integration(
        "shopify_inventory_sync", "inventory_level", 48,
        (("timeout", 4), ("failed_update", 3), ("stale_sync", 2)), 0.010,
    ),
    Integration(
        "amazon_listings_sync", "listing", 24,
        (("unmapped_sku", 5), ("validation_error", 3), ("timeout", 1)), 0.012,
    ),
    Integration(
        "wms_order_export", "order", 0,
        (("duplicate_record", 3), ("timeout", 2), ("validation_error", 1)), 0.008,
    ),
    Integration("pos_sales_upload", "sales_batch", 24, (("failed_update", 2), ("stale_sync", 2)), 0.010),
)  # fmt: skip
SPIKE_RATE = 0.28
SPIKE_ERRORS: Weights = (("timeout", 6), ("failed_update", 3), ("stale_sync", 1))
MESSAGES = {
    "timeout": "request timed out after 30 s",
    "failed_update": "update rejected by the remote API (HTTP 422)",
    "stale_sync": "source snapshot older than 6 h; update skipped",
    "unmapped_sku": "seller SKU {key} has no item in the master",
    "validation_error": "payload failed validation: required field missing",
    "duplicate_record": "record {key} already exists downstream",
}

EventRow = tuple[str, datetime, str, str, str, str, str, str]
KeyMaker = Callable[[random.Random, date, int], str]


def build_events(plan: DemoPlan, listings: Listings, orders: list[Order]) -> list[EventRow]:
    """Every integration event of the history, numbered in time order."""
    rng = plan.rng("integrations")
    rows: list[EventRow] = []
    for integration in INTEGRATIONS:
        drafts = _drafts(rng, plan, integration, listings, orders)
        rows += _outcomes(rng, plan, integration, drafts, listings)
    rows.sort(key=lambda r: (r[1], r[2]))
    return [(f"EVT-{n:07d}", *row[1:]) for n, row in enumerate(rows, start=1)]


def _drafts(
    rng: random.Random,
    plan: DemoPlan,
    integration: Integration,
    listings: Listings,
    orders: list[Order],
) -> list[tuple[datetime, str]]:
    """When each event happens and what it is about, before deciding success or failure."""
    if integration.per_day == 0:
        exported = [o for o in orders if o.channel != "pos"]
        moments = [(o.placed_at + HOUR * rng.uniform(0.03, 0.25), o.order_id) for o in exported]
        return [(when.replace(microsecond=0), key) for when, key in moments if when <= plan.cutoff]
    keys = _keys(integration, listings)
    step = 24 / integration.per_day
    drafts = []
    for day in plan.days:
        for slot in range(integration.per_day):
            when = at(day, slot * step + rng.uniform(0, step * 0.8))
            drafts.append((when, keys(rng, day, slot)))
    return drafts


def _keys(integration: Integration, listings: Listings) -> KeyMaker:
    """A function giving the entity key of an event of this integration."""
    if integration.name == "shopify_inventory_sync":
        skus = [i.sku for i in listings.assortment[DC]]
        return lambda rng, day, slot: f"{rng.choice(skus)}@{DC}"
    if integration.name == "amazon_listings_sync":
        sellers = list(listings.amazon_skus.values())
        return lambda rng, day, slot: rng.choice(sellers)
    stores = len(STORE_IDS)
    return lambda rng, day, slot: (
        f"{STORE_IDS[slot % stores]}/{day.isoformat()}/{slot // stores + 1}"
    )


def _outcomes(
    rng: random.Random,
    plan: DemoPlan,
    integration: Integration,
    drafts: list[tuple[datetime, str]],
    listings: Listings,
) -> list[EventRow]:
    """Mark a week's worth of failures at the integration's usual rate, or the spike rate."""
    weeks: dict[datetime, list[int]] = {}
    for index, (when, _) in enumerate(drafts):
        weeks.setdefault(at(monday(when.date())), []).append(index)
    failed: dict[int, str] = {}
    for week, indexes in weeks.items():
        spike = integration.name == SPIKING_INTEGRATION and week == at(plan.spike_week)
        rate = SPIKE_RATE if spike else integration.failure_rate * rng.uniform(0.7, 1.3)
        errors = SPIKE_ERRORS if spike else integration.errors
        expected = len(indexes) * rate
        failures = min(len(indexes), int(expected + rng.random()))  # rounded up or down at random
        for index in rng.sample(indexes, failures):
            failed[index] = _draw(rng, errors)
    rows: list[EventRow] = []
    unmapped = listings.unmapped["amazon"]
    for index, (when, key) in enumerate(drafts):
        error = failed.get(index, "")
        if error == "unmapped_sku":
            key = rng.choice(unmapped)
        message = MESSAGES[error].format(key=key) if error else ""
        status = "failed" if error else "success"
        rows.append(
            ("", when, integration.name, integration.entity_type, key, status, error, message)
        )
    return rows


def _draw(rng: random.Random, pairs: Weights) -> str:
    return rng.choices([v for v, _ in pairs], weights=[w for _, w in pairs])[0]

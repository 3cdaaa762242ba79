"""The planning stories of SPEC section 3.1 planted in the demo brand (returns at inspection: returns.py).

- a slow-moving style: a coat bought almost a year before history, held at the DC, never sold
  (dead stock, every SKU worth more than 1,000);
- a retired SKU still on a store shelf (stranded stock);
- the SKU Amazon sold most in the last 56 days nearly out at the DC and the 3PL, the places
  that stock Amazon (short of its safety stock);
- the Winter Gift Set listed by Shopify at the DC while the DC's book has none of its gloves
  (a bundle availability breach).

They are planted after the other generators ran, on their own random stream and by adding and
adjusting stock rows, so every other random stream stays as it was.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from demo.catalog import Catalog, Sku, gtin13
from demo.orders import Order
from demo.plan import DAY, DC, TPL, DemoPlan, at
from demo.stock import BOOK, StockRow, snapshot_times
from demo.styles import COLORS, GTIN_COMPANY_PREFIX, HOUSE_BRAND, STEWARDS

SLOW_CATEGORY, SLOW_STYLE, SLOW_PARENT = "Outerwear", "Heritage Field Coat", "OUT-2900"
SLOW_VARIANTS = ("OLV", "CML"), ("S", "M", "L", "XL")  # colours × sizes: 8 SKUs
SLOW_COST = "84.00"
# Units of each coat SKU at the DC (colour-major, sizes in order), the same in every snapshot.
SLOW_UNITS = (18, 26, 30, 22, 16, 24, 28, 20)  # Σ 184 units, 184 × 84.00 = 15,456.00
SLOW_BOUGHT_DAYS_BEFORE = 330  # created this long before the first day of history
STRANDED_STORE = "STORE-02"
STRANDED_UNITS = 3
GIFT_SET = "BND-WINTER-SET"
GIFT_SET_LIMITING_STYLE = "Gloves"
GIFT_SET_LISTED = 6  # sets Shopify shows at the DC in every snapshot
SHORT_CHANNEL = "amazon"
SHORT_WINDOW_DAYS = 56
SHORT_LEFT = {DC: 1, TPL: 0}  # units the short SKU is down to in the last snapshot (all systems)


@dataclass(frozen=True)
class PlanningStories:
    """What the stories planted: the SKUs and places a person finds on the Planning page."""

    slow_style: tuple[Sku, ...]
    stranded_store: str
    stranded: Sku  # the retired item still on the store's shelf
    short_sku: str | None  # the Amazon SKU short of its buffer (None: Amazon sold nothing lately)
    gift_set: str
    missing_component: str  # the gift set's component the DC's book lacks


def plant_slow_style(plan: DemoPlan, catalog: Catalog) -> tuple[Sku, ...]:
    """Add the slow-moving style to the catalog (after assortments and orders: nothing sells it)."""
    colors, sizes = SLOW_VARIANTS
    created = at(plan.first_day - timedelta(days=SLOW_BOUGHT_DAYS_BEFORE), 11)
    items = tuple(
        Sku(
            sku=f"{SLOW_PARENT}-{color}-{size}",
            name=f"{SLOW_STYLE} {COLORS[color]} {size}",
            category=SLOW_CATEGORY,
            brand=HOUSE_BRAND,
            parent_sku=SLOW_PARENT,
            created_at=created + timedelta(minutes=n),
            unit_cost=SLOW_COST,
            popularity=0.0,
            barcode=gtin13(f"{GTIN_COMPANY_PREFIX}{98000 + n:05d}"),
            abc_class="C",
            approved_at=created + DAY,
            approved_by=STEWARDS[1],
            style_name=SLOW_STYLE,
            size=size,
        )
        for n, (color, size) in enumerate((c, s) for c in colors for s in sizes)
    )
    catalog.items.extend(items)
    return items


def plant_stories(plan: DemoPlan, catalog: Catalog, orders: list[Order]) -> PlanningStories:
    """Add the slow style to the catalog; choose the stranded SKU, the short Amazon SKU and the
    gift set's missing component."""
    slow = plant_slow_style(plan, catalog)
    rng = plan.rng("planning")
    retired = sorted((i for i in catalog.items if i.lifecycle_status == "retired"), key=_sku)
    gloves = {i.sku for i in catalog.items if i.style_name == GIFT_SET_LIMITING_STYLE}
    components = {c for b, c, _q in catalog.bundles if b == GIFT_SET}
    return PlanningStories(
        slow_style=slow,
        stranded_store=STRANDED_STORE,
        stranded=rng.choice(retired),
        short_sku=_top_seller(plan, orders, exclude=components),
        gift_set=GIFT_SET,
        missing_component=min(components & gloves),
    )


def _sku(item: Sku) -> str:
    return item.sku


def _top_seller(plan: DemoPlan, orders: list[Order], exclude: set[str]) -> str | None:
    """The SKU with the most units in the channel's orders not cancelled in the last 56 days
    (None when a tiny demo has none)."""
    start = plan.cutoff - timedelta(days=SHORT_WINDOW_DAYS)
    units: Counter[str] = Counter()
    for order in orders:
        cancelled = order.cancelled_at is not None and order.cancelled_at <= plan.cutoff
        if order.channel != SHORT_CHANNEL or cancelled or not start < order.placed_at:
            continue
        for _line, sku, quantity, _alloc in order.lines:
            if sku and sku not in exclude:
                units[sku] += quantity
    return min(units, key=lambda sku: (-units[sku], sku)) if units else None


def plant_stock(plan: DemoPlan, stories: PlanningStories, rows: list[StockRow]) -> list[StockRow]:
    """The stock rows with the stories in them: new rows for the coat, the retired SKU and the
    gift set; in the last snapshot the short SKU and the missing component set in every system."""
    times = snapshot_times(plan)
    latest = times[-1]
    left = {(DC, stories.missing_component): 0}
    if stories.short_sku is not None:
        left |= {(loc, stories.short_sku): units for loc, units in SHORT_LEFT.items()}
    planted = [
        (when, system, loc, sku, status, left[(loc, sku)])
        if when == latest and status == "sellable" and (loc, sku) in left
        else (when, system, loc, sku, status, units)
        for when, system, loc, sku, status, units in rows
    ]
    coat = dict(zip((item.sku for item in stories.slow_style), SLOW_UNITS, strict=True))
    store, retired = stories.stranded_store, stories.stranded.sku
    for when in times:
        for sku, units in coat.items():
            planted += [(when, system, DC, sku, "sellable", units) for system in (BOOK, "shopify")]
        planted += [(when, s, store, retired, "sellable", STRANDED_UNITS) for s in (BOOK, "pos")]
        planted.append((when, "shopify", DC, stories.gift_set, "sellable", GIFT_SET_LISTED))
    return planted


def story_lines(stories: PlanningStories) -> list[str]:
    """The planted planning stories, one line each (for the summary printed after loading)."""
    coat = stories.slow_style
    short = (
        f"{stories.short_sku}, {SHORT_CHANNEL}'s best seller, down to {SHORT_LEFT[DC]} unit at "
        f"{DC} and none at {TPL} (short of its safety stock)"
        if stories.short_sku is not None
        else f"no {SHORT_CHANNEL} sales in the last {SHORT_WINDOW_DAYS} days: no SKU made short"
    )
    return [
        f"slow-moving style {SLOW_PARENT} ({len(coat)} SKUs, {sum(SLOW_UNITS)} units at "
        f"{SLOW_COST} each) held at {DC}, unsold for a year (dead stock)",
        f"retired SKU {stories.stranded.sku} still on the shelf at {stories.stranded_store} "
        "(stranded stock)",
        short,
        f"shopify lists {GIFT_SET_LISTED} {stories.gift_set} at {DC} while the book there holds no "
        f"{stories.missing_component} (bundle availability breach)",
    ]

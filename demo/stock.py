"""Weekly stock snapshots per system: the WMS book, Shopify and POS mirrors, Amazon's FBA view."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from demo.catalog import Catalog, Sku
from demo.listings import Listings
from demo.plan import AMAZON_FC, DC, HISTORY_WEEKS, STORE_IDS, TPL, DemoPlan, at

SNAPSHOT_DAYS_BEFORE_END = tuple(range(7 * (HISTORY_WEEKS - 1), -1, -7))  # weekly, last on `end`
SNAPSHOT_HOUR = 4
BOOK = "wms"

# Typical sellable units by location kind and ABC class ("" = new, not yet classified).
BASE_QTY: dict[str, dict[str, tuple[int, int]]] = {
    "dc": {"A": (120, 480), "B": (40, 160), "C": (6, 60), "": (24, 96)},
    "3pl": {"A": (40, 200), "B": (10, 60), "C": (2, 20), "": (0, 0)},
    "store": {"A": (4, 24), "B": (2, 10), "C": (0, 5), "": (0, 0)},
    "fc": {"A": (20, 150), "B": (5, 40), "C": (0, 0), "": (0, 0)},
}
LOCATION_KIND = {DC: "dc", TPL: "3pl", AMAZON_FC: "fc", **{s: "store" for s in STORE_IDS}}

# Non-sellable book rows: (status, chance per item, quantity range), by location kind.
OTHER_STATUSES: dict[str, tuple[tuple[str, float, tuple[int, int]], ...]] = {
    "dc": (
        ("reserved", 0.25, (1, 12)),
        ("inbound", 0.08, (24, 240)),
        ("returned", 0.04, (1, 5)),
        ("damaged", 0.03, (1, 4)),
        ("quarantined", 0.015, (1, 6)),
    ),
    "3pl": (("reserved", 0.2, (1, 8)), ("damaged", 0.02, (1, 3))),
    "store": (("returned", 0.05, (1, 2)), ("damaged", 0.02, (1, 2))),
    "fc": (("reserved", 0.15, (1, 8)), ("inbound", 0.1, (12, 96))),
}


@dataclass(frozen=True)
class Mirror:
    """A channel system's copy of the book at a location: how often it shows more or fewer units."""

    system: str
    location: str
    over_share: float
    under_share: float
    over_units: tuple[int, int] = (1, 3)


def mirrors(plan: DemoPlan, when: datetime) -> tuple[Mirror, ...]:
    """Channel copies of the book; Shopify overstates the DC widely once its inventory sync broke."""
    broken = when >= at(plan.spike_week)
    shopify_dc = Mirror(
        "shopify", DC, 0.32 if broken else 0.06, 0.03, (2, 14) if broken else (1, 4)
    )
    stores = tuple(Mirror("pos", s, 0.015, 0.015) for s in STORE_IDS)
    return (shopify_dc, Mirror("shopify", TPL, 0.02, 0.02), *stores)


StockRow = tuple[datetime, str, str, str, str, int]


def snapshot_times(plan: DemoPlan) -> list[datetime]:
    """When the systems exported their stock, oldest first."""
    return [at(plan.end - timedelta(days=d), SNAPSHOT_HOUR) for d in SNAPSHOT_DAYS_BEFORE_END]


def build_stock(plan: DemoPlan, catalog: Catalog, listings: Listings) -> list[StockRow]:
    """Every stock_levels row of every snapshot."""
    rng = plan.rng("stock")
    base = {
        (loc, item.sku): _base(rng, LOCATION_KIND[loc], item.abc_class)
        for loc, items in listings.assortment.items()
        for item in items
    }
    rows: list[StockRow] = []
    for when in snapshot_times(plan):
        book = _book(rng, when, listings, base)
        rows += [(when, BOOK, loc, sku, status, q) for (loc, sku, status), q in book.items()]
        for mirror in mirrors(plan, when):
            rows += _mirror_rows(rng, when, mirror, book, listings)
        rows += _amazon_rows(rng, when, listings, base)
    return rows


def _base(rng: random.Random, kind: str, abc: str) -> int:
    low, high = BASE_QTY[kind][abc]
    return rng.randint(low, high)


def _varied(rng: random.Random, base: int) -> int:
    """This week's units around the usual level; now and then a stock-out."""
    if rng.random() < 0.03:
        return 0
    return max(0, round(base * rng.uniform(0.6, 1.3)))


def _live(items: list[Sku], when: datetime) -> list[Sku]:
    return [i for i in items if i.created_at <= when]


def _book(
    rng: random.Random, when: datetime, listings: Listings, base: dict[tuple[str, str], int]
) -> dict[tuple[str, str, str], int]:
    """The WMS: sellable and other statuses at the DC, the 3PL and the stores."""
    book: dict[tuple[str, str, str], int] = {}
    for loc in (DC, TPL, *STORE_IDS):
        kind = LOCATION_KIND[loc]
        for item in _live(listings.assortment[loc], when):
            book[(loc, item.sku, "sellable")] = _varied(rng, base[(loc, item.sku)])
            for status, chance, (low, high) in OTHER_STATUSES[kind]:
                if rng.random() < chance:
                    book[(loc, item.sku, status)] = rng.randint(low, high)
    return book


def _mirror_rows(
    rng: random.Random,
    when: datetime,
    mirror: Mirror,
    book: dict[tuple[str, str, str], int],
    listings: Listings,
) -> list[StockRow]:
    """A channel's sellable units at a location: the book's, give or take, plus unmapped SKUs."""
    rows: list[StockRow] = []
    for item in _live(listings.assortment[mirror.location], when):
        units = book[(mirror.location, item.sku, "sellable")]
        roll = rng.random()
        if roll < mirror.over_share:
            units += rng.randint(*mirror.over_units)
        elif roll < mirror.over_share + mirror.under_share and units > 0:
            units -= rng.randint(1, min(units, 3))
        rows.append((when, mirror.system, mirror.location, item.sku, "sellable", units))
    if mirror.location == DC:
        for system_sku in listings.unmapped.get(mirror.system, []):
            rows.append((when, mirror.system, DC, system_sku, "sellable", rng.randint(1, 30)))
    return rows


def _amazon_rows(
    rng: random.Random, when: datetime, listings: Listings, base: dict[tuple[str, str], int]
) -> list[StockRow]:
    """Amazon's FBA report: listed items by seller SKU, plus listings nobody mapped."""
    rows: list[StockRow] = []
    for item in _live(listings.assortment[AMAZON_FC], when):
        seller = listings.amazon_skus[item.sku]
        units = _varied(rng, base[(AMAZON_FC, item.sku)])
        rows.append((when, "amazon", AMAZON_FC, seller, "sellable", units))
        for status, chance, (low, high) in OTHER_STATUSES["fc"]:
            if rng.random() < chance:
                rows.append((when, "amazon", AMAZON_FC, seller, status, rng.randint(low, high)))
    for seller in listings.unmapped["amazon"]:
        rows.append((when, "amazon", AMAZON_FC, seller, "sellable", rng.randint(1, 40)))
    return rows

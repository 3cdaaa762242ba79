"""Where each item is carried and listed: location assortments, Amazon seller SKUs, unmapped SKUs."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass

from demo.catalog import Catalog, Sku
from demo.plan import AMAZON_FC, DC, STORE_IDS, TPL, DemoPlan

# Chance that a location carries an item, by ABC class ("" = not yet classified, e.g. new).
CARRY_CHANCE: dict[str, dict[str, float]] = {
    TPL: {"A": 1.0, "B": 0.7, "C": 0.3, "": 0.0},
    "store": {"A": 0.9, "B": 0.5, "C": 0.15, "": 0.0},
}
AMAZON_LISTING_CHANCE = {"A": 0.85, "B": 0.45, "C": 0.0, "": 0.0}
UNMAPPED_AMAZON = {"seller_central": 8, "relisted": 6, "extra_size": 4}
UNMAPPED_SHOPIFY = {"extra_size": 3, "lower_case": 2}


@dataclass
class Listings:
    """What each location stocks and how channels name the items."""

    assortment: dict[str, list[Sku]]
    amazon_skus: dict[str, str]  # canonical sku -> Amazon seller SKU
    unmapped: dict[str, list[str]]  # system -> system SKUs that resolve to nothing

    def mapping_rows(self) -> list[tuple[str, str, str]]:
        """sku_mappings rows: (system, system_sku, sku)."""
        return [("amazon", seller, sku) for sku, seller in self.amazon_skus.items()]


def build_listings(plan: DemoPlan, catalog: Catalog) -> Listings:
    """Decide assortments per location, the Amazon listings and the channel SKUs nobody mapped."""
    rng = plan.rng("listings")
    physical = [i for i in catalog.items if not i.is_bundle and i.lifecycle_status == "active"]
    assortment: dict[str, list[Sku]] = {DC: physical}
    assortment[TPL] = _carried(rng, physical, CARRY_CHANCE[TPL])
    for store in STORE_IDS:
        assortment[store] = _carried(rng, physical, CARRY_CHANCE["store"])
    listed = [
        i
        for i in physical
        if i.created_at < plan.start and rng.random() < AMAZON_LISTING_CHANCE[i.abc_class]
    ]
    assortment[AMAZON_FC] = listed
    amazon_skus = {i.sku: _seller_sku(rng, i.sku) for i in listed}
    unmapped = {
        "amazon": _unmapped_amazon(rng, listed, set(amazon_skus.values())),
        "shopify": _unmapped_shopify(rng, physical),
    }
    return Listings(assortment, amazon_skus, unmapped)


def _carried(rng: random.Random, items: list[Sku], chance: dict[str, float]) -> list[Sku]:
    return [i for i in items if rng.random() < chance[i.abc_class]]


def amazon_code(rng: random.Random) -> str:
    """An Amazon-generated seller SKU such as `7K-QJ2P-8XWM`."""
    alphabet = string.ascii_uppercase + string.digits
    parts = ("".join(rng.choice(alphabet) for _ in range(n)) for n in (2, 4, 4))
    return "-".join(parts)


def _seller_sku(rng: random.Random, sku: str) -> str:
    """How the brand listed an item on Amazon: prefixed, Amazon-generated, or the SKU itself."""
    roll = rng.random()
    if roll < 0.5:
        return f"AMZ-{sku}"
    if roll < 0.9:
        return amazon_code(rng)
    return sku


def _unmapped_amazon(rng: random.Random, listed: list[Sku], taken: set[str]) -> list[str]:
    """Listings made in Seller Central, relisted copies and sizes the ERP never created."""
    codes: list[str] = []
    while len(codes) < UNMAPPED_AMAZON["seller_central"]:
        code = amazon_code(rng)
        if code not in taken and code not in codes:
            codes.append(code)
    relisted = [f"AMZ-{i.sku}-V2" for i in rng.sample(listed, UNMAPPED_AMAZON["relisted"])]
    sized = [i for i in listed if i.size in ("L", "XL")]
    extra = [_extra_size(i, "AMZ-") for i in rng.sample(sized, UNMAPPED_AMAZON["extra_size"])]
    return list(dict.fromkeys(codes + relisted + extra))


def _unmapped_shopify(rng: random.Random, items: list[Sku]) -> list[str]:
    """Variants created only in Shopify, and SKUs typed in lower case."""
    sized = [i for i in items if i.size in ("L", "XL") and i.abc_class in ("A", "B")]
    extra = [_extra_size(i, "") for i in rng.sample(sized, UNMAPPED_SHOPIFY["extra_size"])]
    upper = [i for i in items if i.sku.isupper() and i.abc_class == "A"]
    lower = [i.sku.lower() for i in rng.sample(upper, UNMAPPED_SHOPIFY["lower_case"])]
    return sorted(dict.fromkeys(extra + lower))


def _extra_size(item: Sku, prefix: str) -> str:
    """The same style and colour in a size the item master does not have."""
    return f"{prefix}{item.sku.rsplit('-', 1)[0]}-XXL"

"""The demo item master: styles with size/colour variants, bundles, and the planted SKU problems."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from stdnum import ean

from demo.plan import DAY, HOUR, DemoPlan, at, iso_week
from demo.styles import (
    BAD_BATCH_STYLES,
    BUNDLES,
    CATEGORIES,
    COLORS,
    GTIN_COMPANY_PREFIX,
    HOUSE_BRAND,
    NEW_STYLES,
    STEWARDS,
    CategorySpec,
)

ABC_SHARES = (("A", 0.70), ("B", 0.92), ("C", 1.01))  # cumulative share of demand per class
RETIRED_SHARE = 0.04
DUPLICATE_BARCODE_PAIRS = 3
INVALID_BARCODES = 2
MISNAMED_SKUS = 2


@dataclass(eq=False)
class Sku:
    """One item of the master as the ERP knows it, plus the demand weight the demo sells it by."""

    sku: str
    name: str
    category: str
    brand: str
    parent_sku: str
    created_at: datetime
    unit_cost: str
    popularity: float
    barcode: str = ""
    abc_class: str = ""
    lifecycle_status: str = "active"
    approved_at: datetime | None = None
    approved_by: str = ""
    style_name: str = ""
    size: str = ""
    is_bundle: bool = False

    def live_at(self, when: datetime) -> bool:
        """Whether the item exists and may be stocked or sold at an instant."""
        return self.lifecycle_status == "active" and self.created_at <= when


@dataclass(frozen=True)
class PlantedItems:
    """The item-master problems planted in this catalog."""

    bad_batch: list[str]  # active SKUs created without barcode or approval
    bad_batch_week: str
    duplicate_barcodes: list[tuple[str, str]]  # (original SKU, SKU that copied its barcode)
    invalid_barcodes: list[str]
    misnamed: list[str]


@dataclass
class Catalog:
    """Every item, the bundle recipes and what was planted."""

    items: list[Sku]
    bundles: list[tuple[str, str, int]]
    planted: PlantedItems


def build_catalog(plan: DemoPlan) -> Catalog:
    """Generate the item master: core range, launches during history, the bad batch, bundles."""
    rng = plan.rng("catalog")
    numbers = {spec.code: 1000 for spec in CATEGORIES.values()}
    items: list[Sku] = []
    for category, spec in CATEGORIES.items():
        for style_name in spec.styles:
            launched = at(plan.first_day - timedelta(days=rng.randint(10, 700)), 14)
            colors = rng.randint(*spec.colors_per_style)
            items += _style(rng, numbers, category, style_name, launched, colors)
    for item in rng.sample(items, round(len(items) * RETIRED_SHARE)):
        item.lifecycle_status = "retired"
    launches = _new_styles(rng, plan, numbers)
    bad_batch = _bad_batch(rng, plan, numbers)
    items += launches + bad_batch
    _assign_barcodes(rng, [i for i in items if i not in bad_batch])
    _approve(rng, [i for i in items if i not in bad_batch])
    _assign_abc([i for i in items if i.lifecycle_status != "draft" and i not in bad_batch])
    pairs, invalid, misnamed = _plant_item_problems(rng, items, launches)
    planted = PlantedItems(
        [i.sku for i in bad_batch], iso_week(plan.bad_batch_week), pairs, invalid, misnamed
    )
    bundle_items, recipes = _bundles(rng, plan, items)
    return Catalog(items + bundle_items, recipes, planted)


def _style(
    rng: random.Random,
    numbers: dict[str, int],
    category: str,
    style_name: str,
    created: datetime,
    colors: int,
) -> list[Sku]:
    """Every size/colour variant of one style, created together."""
    spec: CategorySpec = CATEGORIES[category]
    numbers[spec.code] += rng.randint(3, 40)
    parent = f"{spec.code}-{numbers[spec.code]}"
    popularity = rng.lognormvariate(0, 1.1) * spec.demand
    cost = rng.uniform(*spec.cost)
    variants: list[Sku] = []
    middle, spread = (len(spec.sizes) - 1) / 2, max(1.0, len(spec.sizes) / 2.5)
    for ci, code in enumerate(rng.sample(list(COLORS), colors)):
        for si, size in enumerate(spec.sizes):
            weight = popularity / (1 + 0.6 * ci) * math.exp(-(((si - middle) / spread) ** 2))
            sku = f"{parent}-{code}" if size == "OS" else f"{parent}-{code}-{size}"
            label = f"{style_name} {COLORS[code]}" + ("" if size == "OS" else f" {size}")
            variants.append(
                Sku(
                    sku=sku,
                    name=label,
                    category=category,
                    brand=spec.brand,
                    parent_sku=parent,
                    created_at=created + timedelta(minutes=len(variants)),
                    unit_cost=f"{cost * (1.04 if si > 3 else 1.0):.2f}",
                    popularity=weight,
                    style_name=style_name,
                    size=size,
                )
            )
    return variants


def _new_styles(rng: random.Random, plan: DemoPlan, numbers: dict[str, int]) -> list[Sku]:
    """Styles launched during history, approved within two days; the last one's colour in draft."""
    items: list[Sku] = []
    for week, category, style_name in NEW_STYLES:
        day = plan.first_day + timedelta(days=7 * week + rng.randint(0, 3))
        launched = at(day, rng.uniform(13, 17))
        items += _style(rng, numbers, category, style_name, launched, 2)
    last_parent = items[-1].parent_sku
    drafts = [i for i in items if i.parent_sku == last_parent][-3:]
    for item in drafts:
        item.lifecycle_status = "draft"
    return items


def _bad_batch(rng: random.Random, plan: DemoPlan, numbers: dict[str, int]) -> list[Sku]:
    """A rushed capsule created in one week with no barcode and no approval, yet active."""
    items: list[Sku] = []
    for offset, (category, style_name, colors) in enumerate(BAD_BATCH_STYLES):
        created = at(plan.bad_batch_week + timedelta(days=1 + offset % 3), rng.uniform(9, 18))
        for item in _style(rng, numbers, category, style_name, created, colors):
            item.popularity *= 0.6
            items.append(item)
    return items


def _assign_barcodes(rng: random.Random, items: list[Sku]) -> None:
    """Valid GTIN-13s from the brand's company prefix, in creation order."""
    ref = rng.randint(100, 900)
    for item in sorted(items, key=lambda i: (i.created_at, i.sku)):
        ref += rng.randint(1, 3)
        item.barcode = gtin13(f"{GTIN_COMPANY_PREFIX}{ref:05d}")


def gtin13(first12: str) -> str:
    """A GTIN-13 with its check digit."""
    return first12 + ean.calc_check_digit(first12)


def _approve(rng: random.Random, items: list[Sku]) -> None:
    """Active and retired items were approved by a steward hours after creation."""
    for item in items:
        if item.lifecycle_status == "draft":
            continue
        lag = timedelta(minutes=rng.randint(120, 50 * 60))
        item.approved_at = item.created_at + lag
        item.approved_by = rng.choice(STEWARDS)


def _assign_abc(items: list[Sku]) -> None:
    """ABC by share of demand: the items making the first 70 % are A, the next 22 % B, the rest C."""
    ranked = sorted(items, key=lambda i: (-i.popularity, i.sku))
    total = sum(i.popularity for i in ranked)
    running = 0.0
    for item in ranked:
        running += item.popularity
        item.abc_class = next(c for c, share in ABC_SHARES if running / total <= share)


def _plant_item_problems(
    rng: random.Random, items: list[Sku], launches: list[Sku]
) -> tuple[list[tuple[str, str]], list[str], list[str]]:
    """Copied barcodes, mistyped check digits and lower-case SKUs among the new launches."""
    active = [i for i in launches if i.lifecycle_status == "active"]
    chosen = rng.sample(active, DUPLICATE_BARCODE_PAIRS + INVALID_BARCODES + MISNAMED_SKUS)
    core = [i for i in items if i not in launches and i.barcode and i.lifecycle_status == "active"]
    pairs: list[tuple[str, str]] = []
    for item, original in zip(
        chosen[:DUPLICATE_BARCODE_PAIRS], rng.sample(core, DUPLICATE_BARCODE_PAIRS), strict=True
    ):
        item.barcode = original.barcode
        pairs.append((original.sku, item.sku))
    invalid = chosen[DUPLICATE_BARCODE_PAIRS : DUPLICATE_BARCODE_PAIRS + INVALID_BARCODES]
    for item in invalid:
        item.barcode = item.barcode[:-1] + str((int(item.barcode[-1]) + 7) % 10)
    misnamed = chosen[DUPLICATE_BARCODE_PAIRS + INVALID_BARCODES :]
    for item in misnamed:
        head, _, tail = item.sku.partition("-")
        item.sku = f"{head}-{tail.lower()}"
    return pairs, [i.sku for i in invalid], [i.sku for i in misnamed]


def _bundles(
    rng: random.Random, plan: DemoPlan, items: list[Sku]
) -> tuple[list[Sku], list[tuple[str, str, int]]]:
    """Bundle items (sold as one SKU) and their component recipes."""
    bundles: list[Sku] = []
    recipes: list[tuple[str, str, int]] = []
    created = at(plan.first_day - timedelta(days=120), 10)
    for n, (bundle_sku, name, parts) in enumerate(BUNDLES):
        cost = 0.0
        for category, style_name, size, quantity in parts:
            component = next(
                i
                for i in items
                if i.category == category
                and i.style_name == style_name
                and i.lifecycle_status == "active"
                and (size is None or i.size == size)
            )
            recipes.append((bundle_sku, component.sku, quantity))
            cost += float(component.unit_cost) * quantity
        bundles.append(
            Sku(
                sku=bundle_sku,
                name=name,
                category="Bundles",
                brand=HOUSE_BRAND,
                parent_sku="",
                created_at=created + n * DAY,
                unit_cost=f"{cost:.2f}",
                popularity=0.8,
                barcode=gtin13(f"{GTIN_COMPANY_PREFIX}{99000 + n:05d}"),
                abc_class="B",
                approved_at=created + n * DAY + 3 * HOUR,
                approved_by=STEWARDS[0],
                is_bundle=True,
            )
        )
    return bundles, recipes

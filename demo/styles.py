"""The demo brand's product range as data: categories, styles, sizes, colours and costs."""

from __future__ import annotations

from dataclasses import dataclass

HOUSE_BRAND = "Fjord & Pine"
STEWARDS = ("maria.chen", "devon.okafor")
GTIN_COMPANY_PREFIX = "0851234"  # 7-digit GS1 company prefix; item refs take 5 digits


@dataclass(frozen=True)
class CategorySpec:
    """A category: its SKU code, style names, size run, colours per style, cost range and brand."""

    code: str
    styles: tuple[str, ...]
    sizes: tuple[str, ...]
    colors_per_style: tuple[int, int]
    cost: tuple[float, float]
    brand: str = HOUSE_BRAND
    demand: float = 1.0


COLORS: dict[str, str] = {
    "BLK": "Black",
    "NVY": "Navy",
    "OLV": "Olive",
    "SND": "Sand",
    "WHT": "White",
    "GRY": "Heather Grey",
    "RST": "Rust",
    "IND": "Indigo",
    "FOR": "Forest",
    "CML": "Camel",
}
ONE_SIZE = ("OS",)

CATEGORIES: dict[str, CategorySpec] = {
    "Tops": CategorySpec(
        "TOP",
        ("Crew Tee", "Pocket Tee", "Henley", "Oxford Shirt", "Flannel Shirt", "Linen Shirt",
         "Pique Polo", "Long Sleeve Tee", "Raglan Tee", "Chambray Shirt"),
        ("XS", "S", "M", "L", "XL"), (3, 4), (5.5, 17.0), demand=1.4,
    ),
    "Knitwear": CategorySpec(
        "KNT",
        ("Merino Crew", "Fisherman Sweater", "Cardigan", "Quarter Zip", "Hoodie",
         "Crewneck Sweatshirt"),
        ("S", "M", "L", "XL"), (3, 3), (14.0, 38.0),
    ),
    "Bottoms": CategorySpec(
        "BTM",
        ("Slim Chino", "Straight Jean", "Work Pant", "Trail Short", "Jogger", "Cord Trouser",
         "Cargo Pant"),
        ("28", "30", "32", "34", "36", "38"), (2, 3), (11.0, 29.0), demand=1.1,
    ),
    "Outerwear": CategorySpec(
        "OUT",
        ("Chore Jacket", "Puffer Vest", "Rain Shell", "Waxed Jacket", "Fleece Pullover",
         "Down Parka"),
        ("S", "M", "L", "XL"), (2, 3), (28.0, 95.0), demand=0.7,
    ),
    "Footwear": CategorySpec(
        "FTW",
        ("Trail Runner", "Leather Boot", "Canvas Sneaker", "Camp Moc"),
        ("39", "40", "41", "42", "43", "44", "45"), (2, 2), (24.0, 62.0),
        brand="Ridgeway Footwear", demand=0.8,
    ),
    "Accessories": CategorySpec(
        "ACC",
        ("Beanie", "Wool Scarf", "Field Cap", "Hiking Socks 3-Pack", "Leather Belt", "Gloves"),
        ONE_SIZE, (3, 4), (3.0, 16.0), demand=1.2,
    ),
    "Bags": CategorySpec(
        "BAG",
        ("Daypack 20L", "Canvas Tote", "Duffel 40L", "Sling Bag", "Laptop Sleeve"),
        ONE_SIZE, (2, 3), (9.0, 44.0), brand="Tidewell", demand=0.9,
    ),
}  # fmt: skip

# Styles launched during the 12 weeks of history (weeks after the first day), all well formed.
NEW_STYLES: tuple[tuple[int, str, str], ...] = (
    (1, "Tops", "Slub Tee"),
    (3, "Knitwear", "Waffle Henley"),
    (5, "Bottoms", "Easy Pant"),
    (7, "Outerwear", "Overshirt Jacket"),
    (9, "Footwear", "Trail Sandal"),
)
# The batch created without barcode or approval (a rushed summer capsule): style, colours.
BAD_BATCH_STYLES: tuple[tuple[str, str, int], ...] = (
    ("Tops", "Resort Shirt", 3),
    ("Bottoms", "Linen Short", 2),
    ("Accessories", "Bucket Hat", 4),
    ("Accessories", "Canvas Belt", 4),
)

# Bundles: (bundle sku, name, [(category, style name, size or None, quantity)]).
BUNDLES: tuple[tuple[str, str, tuple[tuple[str, str, str | None, int], ...]], ...] = (
    ("BND-TEE-3PK", "Crew Tee 3-Pack", (("Tops", "Crew Tee", "M", 3),)),
    ("BND-WINTER-SET", "Winter Gift Set",
     (("Accessories", "Beanie", None, 1), ("Accessories", "Wool Scarf", None, 1),
      ("Accessories", "Gloves", None, 1))),
    ("BND-TRAVEL-KIT", "Travel Kit", (("Bags", "Daypack 20L", None, 1),
                                      ("Bags", "Laptop Sleeve", None, 1))),
    ("BND-SOCK-6PK", "Hiking Socks 6-Pack", (("Accessories", "Hiking Socks 3-Pack", None, 2),)),
)  # fmt: skip

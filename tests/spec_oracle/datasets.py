"""Seeded canonical CSV datasets that stress every definition of SPEC sections 3 and 3.1.

`generate(seed)` gives a Dataset (files and the `--as-of` to ask at): the fixed edge cases of
`dataset_edges` plus random rows drawn with `random.Random(seed)` in the shape `SHAPES[seed % 9]`
(ISO week-year edges, offsets, midnight, heavy stock, returns or planning, a sparse folder).
`update(seed, base)` gives a second import that changes rows of the first. Nothing is committed:
tests write the folders into tmp_path.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from tests.spec_oracle.builder import STYLES, Builder, Dataset
from tests.spec_oracle.dataset_edges import add_edges
from tests.spec_oracle.rows import DAY, HOUR

LOCATIONS = ("L-DC", "L-3PL", "L-STORE1", "L-STORE2", "L-FC", "L-WH", "L-TT", "L-GHOST")
SYSTEMS = ("wms", "shopify", "amazon", "pos")
STATUSES = ("reserved", "inbound", "returned", "Quarantined", "damaged", "refurbished")
UNIT_COSTS = ("19.99", "0.10", "3.333", "100", "7.5", "0.01", "1234.5678")


@dataclass(frozen=True)
class Shape:
    """How much of each entity a dataset gets, at which as_of, written how."""

    name: str
    as_of: str
    items: int = 30
    orders: int = 50
    returns: int = 25
    counts: int = 30
    events: int = 30
    stock_skus: int = 15
    channels: tuple[str, ...] = ("shopify", "Amazon", "pos", "WHOLESALE", "tiktok")
    styles: tuple[str, ...] = STYLES
    omit_columns: dict[str, tuple[str, ...]] = field(default_factory=dict)


SHAPES = (
    Shape("baseline", "2026-01-21T09:30:00Z"),
    Shape("iso-2020-w53", "2021-01-03T23:59:59Z", styles=("minus5", "plus530", "z")),
    Shape("iso-2026-w53", "2027-01-01T12:00:00-05:00", styles=("minus5", "naive", "plus0")),
    Shape("midnight-new-year", "2026-01-01T00:00:00Z", styles=("date", "z", "plus530")),
    Shape("offset-as-of", "2026-03-29T01:30:00.900+05:30", styles=("fraction", "plus530", "z")),
    Shape("stock-heavy", "2025-06-30T23:59:59Z", orders=15, returns=8, stock_skus=40, items=45),
    Shape("returns-heavy", "2026-02-02T00:00:00Z", orders=20, returns=90, counts=10),
    Shape("planning-heavy", "2026-05-15T14:00:00Z", orders=110, returns=10, counts=10, events=10,
          channels=("Shopify", "amazon", "POS", "wholesale", "tiktok", "faire")),
    Shape("sparse", "2024-02-29T12:00:00Z", items=8, orders=8, returns=6, counts=6, events=6,
          stock_skus=5, omit_columns={"orders": ("cancelled_at",), "items": ("unit_cost", "barcode"),
                                      "order_lines": ("allocated_location_id",)}),
)  # fmt: skip


def gtin(rng: random.Random, length: int) -> str:
    """A random GTIN of that length with a correct GS1 check digit."""
    body = [rng.randint(0, 9) for _ in range(length - 1)]
    total = sum(d * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return "".join(map(str, body)) + str((10 - total % 10) % 10)


def _barcode(rng: random.Random, taken: list[str]) -> str | None:
    pick = rng.random()
    if pick < 0.15:
        return None
    if pick < 0.25 and taken:
        return rng.choice(taken)  # shared barcode
    if pick < 0.35:
        good = gtin(rng, rng.choice((8, 12, 13, 14)))
        return good[:-1] + str((int(good[-1]) + 1) % 10)  # wrong check digit
    if pick < 0.4:
        return rng.choice(("12345", "ABCDEFGH", "0000000000000000"))
    return gtin(rng, rng.choice((8, 12, 13, 14)))


def _random_items(b: Builder, shape: Shape) -> list[str]:
    rng, skus, barcodes = b.rng, [], []
    for n in range(shape.items):
        sku = rng.choice((f"SKU-{n:03d}",) * 6 + (f"sku-{n}", f"SKU_{n}", f"SKU-{n}-", f"P{n}-A-1"))
        created = b.moment(-400, 10)
        barcode = _barcode(rng, barcodes)
        if barcode:
            barcodes.append(barcode)
        approved = rng.choice((None, created, created + DAY, b.moment(-30, 5)))
        b.add("items", sku=sku, name=rng.choice((f"Item {n}", "")), category=rng.choice(("Tops", "Shoes", "", "Bags")),
              brand=rng.choice(("Acme", "Zed", "")), barcode=barcode,
              abc_class=rng.choice(("A", "B", "C", "b", "", "c")),
              lifecycle_status=rng.choice(("active",) * 5 + ("Draft", "retired", "ACTIVE")),
              created_at=b.at(created), approved_at=b.at(approved), approved_by="steward",
              unit_cost=rng.choice((None, None, *UNIT_COSTS)), color=rng.choice(("red", "")))  # fmt: skip
        skus.append(sku)
    return skus


def _random_bundles(b: Builder, skus: list[str]) -> None:
    rng = b.rng
    for bundle in rng.sample(skus, min(3, len(skus))):
        for component in rng.sample(skus, min(rng.randint(1, 3), len(skus))):
            if component != bundle:
                b.add("bundle_components", bundle_sku=bundle, component_sku=component,
                      quantity=rng.randint(1, 3))  # fmt: skip


def _random_stock(b: Builder, shape: Shape, skus: list[str]) -> None:
    rng = b.rng
    pool = [*rng.sample(skus, min(shape.stock_skus, len(skus))), "E-SS1", "E-COMP1", "E-DEAD90"]
    for location in LOCATIONS:
        systems = ["wms"] * (rng.random() < 0.85) + rng.sample(SYSTEMS[1:], rng.randint(0, 2))
        for system in systems:
            snapshots = rng.sample(
                (-20 * DAY, -3 * DAY, -DAY, 0, 1, b.moment(-30, 1)), rng.randint(1, 3)
            )
            for when in snapshots:
                for sku in rng.sample(pool, rng.randint(1, min(6, len(pool)))):
                    _stock_row(b, system, location, sku, when)


def _stock_row(b: Builder, system: str, location: str, sku: str, when: int) -> None:
    rng = b.rng
    pick = rng.random()
    system_sku = sku
    if system != "wms" and pick < 0.25:
        system_sku = f"{system[:3].upper()}-{sku}"
        b.add("sku_mappings", system=system, system_sku=system_sku, sku=sku)
    elif pick > 0.9:
        system_sku = f"JUNK-{rng.randint(1, 30)}"
    status = (
        rng.choice(("sellable", "Sellable", "sellable", "sellable"))
        if rng.random() < 0.8
        else rng.choice(STATUSES)
    )
    b.add("stock_levels", as_of=b.at(when), system=system, location_id=location, system_sku=system_sku,
          status=status, quantity=rng.choice((rng.randint(1, 25), rng.randint(-3, 3))))  # fmt: skip


def _random_counts(b: Builder, shape: Shape, skus: list[str]) -> None:
    rng = b.rng
    for n in range(shape.counts):
        system_qty = rng.choice((0, 20, 50, 100, rng.randint(-5, 80)))
        delta = rng.choice((0, 0, 1, -1, 2, round(0.02 * system_qty), round(0.05 * system_qty),
                            -round(0.05 * system_qty) - 1, rng.randint(-10, 10)))  # fmt: skip
        b.add("cycle_counts", count_id=f"K{n}", counted_at=b.at(b.moment(-60, 2)),
              location_id=rng.choice(LOCATIONS), sku=rng.choice([*skus, "E-FUTURE", "GONE-1"]),
              system_qty=system_qty, counted_qty=system_qty + delta, counted_by="counter")  # fmt: skip


def _random_orders(b: Builder, shape: Shape, skus: list[str]) -> list[str]:
    rng, order_ids = b.rng, []
    line_skus = [*skus, "E-SS1", "E-SS2", "E-SS1", "E-FUTURE", "", "sku-000", "UNKNOWN-9"]
    for n in range(shape.orders):
        order_id, placed = f"O{n}", b.moment(-120, 2)
        cancelled = rng.choice((None,) * 6 + (placed + rng.randint(0, 20 * DAY), b.moment(-60, 2)))
        b.add("orders", order_id=order_id, channel=rng.choice(shape.channels), placed_at=b.at(placed),
              cancelled_at=b.at(cancelled))  # fmt: skip
        order_ids.append(order_id)
        shipment_ids = [f"S{n}-{k}" for k in range(rng.randint(1, 3))]
        for line in range(rng.choice((0, 1, 1, 2, 3, 4))):
            quantity = rng.choice((1, 1, 2, 3, 5, 0))
            allocated = rng.choice(LOCATIONS[:7] + ("",) * 3)
            b.add("order_lines", order_id=order_id, line_id=str(line + 1), sku=rng.choice(line_skus),
                  quantity=quantity, allocated_location_id=allocated)  # fmt: skip
            for shipment_id in rng.sample(
                shipment_ids, min(len(shipment_ids), rng.choice((0, 1, 1, 2)))
            ):
                location = allocated if allocated and rng.random() < 0.7 else rng.choice(LOCATIONS)
                shipped = placed + rng.choice((rng.randint(0, 10 * DAY), 48 * HOUR, 0))
                b.add("shipments", shipment_id=shipment_id, order_id=order_id, line_id=str(line + 1),
                      location_id=location, shipped_at=b.at(shipped),
                      quantity=max(1, quantity + rng.choice((0, 0, -1, 1))))  # fmt: skip
        if rng.random() < 0.05:  # a shipment of a line the order does not have
            b.add("shipments", shipment_id=f"S{n}-X", order_id=order_id, line_id="77",
                  location_id="L-DC", shipped_at=b.at(placed + HOUR), quantity=1)  # fmt: skip
    return order_ids


def _random_returns(b: Builder, shape: Shape, order_ids: list[str], skus: list[str]) -> None:
    rng = b.rng
    for n in range(shape.returns):
        received = rng.choice((b.moment(-40, 2),) * 5 + (None,))
        disposition_at = None
        if rng.random() < 0.6:
            start = received if received is not None else b.moment(-40, 0)
            disposition_at = start + rng.choice((0, HOUR, rng.randint(1, 20 * DAY), 7 * DAY))
        disposition = rng.choice(
            (None, "restock", "Refurbish", "quarantine", "write_off", "restock")
        )
        restocked = None
        if disposition_at is not None and rng.random() < 0.6:
            restocked = disposition_at + rng.choice((0, rng.randint(1, 5 * DAY)))
        b.add("returns", return_id=f"R{n}", order_id=rng.choice([*order_ids, ""]) if order_ids else "",
              line_id="1", sku=rng.choice(skus), quantity=rng.randint(1, 4),
              channel=rng.choice((*shape.channels, "")), initiated_at=b.at(b.moment(-45, 0)),
              received_at=b.at(received), receiving_location_id=rng.choice((*LOCATIONS, "L-NOWHERE", "")),
              condition=rng.choice((None, "new", "like_new", "Damaged", "defective")),
              disposition=disposition if disposition_at is not None or rng.random() < 0.2 else None,
              disposition_at=b.at(disposition_at), restocked_at=b.at(restocked),
              refunded_at=b.at(rng.choice((None, b.moment(-40, 2), received))))  # fmt: skip


def _random_events(b: Builder, shape: Shape) -> None:
    rng = b.rng
    for n in range(shape.events):
        failed = rng.random() < 0.35
        error = (
            rng.choice(("timeout", "Unmapped_SKU", "stale_sync", "rate_limit", None))
            if failed
            else rng.choice((None,) * 4 + ("timeout",))
        )
        b.add("integration_events", event_id=f"EV{n}", occurred_at=b.at(b.moment(-60, 2)),
              integration=rng.choice(("shopify", "amazon", "netsuite")),
              status=rng.choice(("failed", "Failed")) if failed else "success", error_type=error,
              message="m")  # fmt: skip


def _builder(seed: int, as_of: str | None) -> tuple[Builder, Shape]:
    shape = SHAPES[seed % len(SHAPES)]
    return Builder(random.Random(seed), as_of or shape.as_of, shape.styles), shape


def generate(seed: int, as_of: str | None = None) -> Dataset:
    """The dataset of a seed (its shape's as_of unless one is given, e.g. now)."""
    b, shape = _builder(seed, as_of)
    add_edges(b)
    skus = _random_items(b, shape)
    _random_bundles(b, skus)
    _random_stock(b, shape, skus)
    _random_counts(b, shape, skus)
    order_ids = _random_orders(b, shape, skus)
    _random_returns(b, shape, order_ids, skus)
    _random_events(b, shape)
    return b.dataset(f"seed {seed} ({shape.name})", shape.omit_columns)


def update(seed: int, base: Dataset) -> Dataset:
    """A second import over `base`: a later stock snapshot, cancellations, dispositions, an item
    retired and a class changed, a count moved, a new shipment and a new mapping."""
    b = Builder(random.Random(seed + 1000), base.as_of, ("z", "plus530"))
    b.add(
        "stock_levels",
        as_of=b.at(-HOUR),
        system="wms",
        location_id="L-DC",
        system_sku="E-SS1",
        status="sellable",
        quantity=40,
    )  # E-SS1 newer; E-SS2 keeps its older snapshot
    b.add(
        "stock_levels",
        as_of=b.at(-DAY),
        system="wms",
        location_id="L-DC",
        system_sku="E-COMP1",
        status="sellable",
        quantity=1,
    )  # same key as the first import: quantity replaced
    b.add("orders", order_id="E-O-NOW", channel="shopify", placed_at=b.at(0), cancelled_at=b.at(0))
    b.add(
        "orders",
        order_id="E-O-CANCIN",
        channel="shopify",
        placed_at=b.at(-3 * DAY),
        cancelled_at="",
    )
    b.add("orders", order_id="E-O-48H", channel="Amazon", placed_at=b.at(-48 * HOUR))
    b.add(
        "returns",
        return_id="E-R-DISP",
        quantity=5,
        disposition="restock",
        disposition_at=b.at(-HOUR),
    )
    b.add("returns", return_id="E-R-REFFIRST", quantity=1, disposition="write_off",
          disposition_at=b.at(-DAY))  # fmt: skip
    b.add("items", sku="E-DEAD90", lifecycle_status="retired")
    b.add("items", sku="E-B2", lifecycle_status="active", abc_class="C")
    b.add("cycle_counts", count_id="E-K1", counted_at=b.at(-8 * DAY), location_id="L-STORE1",
          sku="E-B2", system_qty=50, counted_qty=52)  # fmt: skip
    b.add("shipments", shipment_id="E-S11", order_id="E-O-48H", line_id="1", location_id="L-3PL",
          shipped_at=b.at(-HOUR), quantity=2)  # fmt: skip
    b.add("shipments", shipment_id="E-S12", order_id="E-O-SHIP90B", line_id="1", location_id="L-DC",
          shipped_at=b.at(-10 * DAY), quantity=1)  # fmt: skip
    b.add("sku_mappings", system="wms", system_sku="WMS-UNKNOWN-7", sku="E-YOUNG")
    b.add("sku_mappings", system="shopify", system_sku="E-A0", sku="E-A0")  # repointed
    return b.dataset(f"update of {base.name}", {}, full_header=False)

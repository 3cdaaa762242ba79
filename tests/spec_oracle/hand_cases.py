"""Tiny datasets with every expected row worked out by hand, to test the oracle itself (no database).

All cases are evaluated at A = 2026-01-21T09:30:00Z (a Wednesday of 2026-W04) unless said;
A − 90 days = 2025-10-23T09:30:00Z, A − 56 days = 2025-11-26T09:30:00Z, A − 24 h = 2026-01-20T09:30:00Z.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, timedelta
from statistics import NormalDist

from tests.spec_oracle.rows import ChannelPlanning, Row, Settings, row

A = "2026-01-21T09:30:00Z"
OLD = "2025-01-01T00:00:00Z"
SNAP = "2026-01-20T00:00:00Z"  # the stock snapshot of every case


def csv_text(header: str, *rows: tuple[object, ...]) -> str:
    """A CSV file's text: the header line, then one line per row (None and '' as empty cells)."""
    lines = [header] + [",".join("" if v is None else str(v) for v in r) for r in rows]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class HandCase:
    """CSV files, an as_of, and the complete expected rows of the metrics it is about."""

    name: str
    files: dict[str, str]
    expected: dict[str, list[Row]]
    as_of: str = A
    settings: Settings = field(default_factory=Settings)


ITEM_HEADER = "sku,lifecycle_status,created_at,unit_cost"

# --- Dead and stranded stock -------------------------------------------------------------------
# Book (wms) sellable units > 0: L1 D-OLD90 4, D-YOUNG 3, D-SHIP90 2, D-SHIP91 5, D-DRAFT 6,
# D-RETIRED 7 (D-NEG −1 is no pair); L2 D-OLD90 1. n: all 7, L1 6, L2 1.
# Dead (active, created ≤ A − 90 d, not shipped in (A − 90 d, A]): D-OLD90 (created exactly at
# A − 90 d) and D-SHIP90 (its only shipment exactly at A − 90 d, outside the half-open window).
# D-YOUNG is one second too young; D-SHIP91 shipped at A − 90 d + 1 s. value: all 4 + 1 + 2 = 7,
# L1 6, L2 1; money 4 × 2.50 + 1 × 2.50 + 2 × 19.99 = 52.48 (L1 49.98, L2 2.50).
# Stranded (draft or retired): D-DRAFT 6 (no unit_cost) + D-RETIRED 7 × 0.10 = 0.70: all 13 / 0.70,
# L1 13 / 0.70, L2 0 / null (no stranded pair there, so none with a unit_cost).
DEAD = HandCase(
    "dead and stranded stock",
    {
        "items": csv_text(
            ITEM_HEADER,
            ("D-OLD90", "active", "2025-10-23T09:30:00Z", "2.50"),
            ("D-YOUNG", "active", "2025-10-23T09:30:01Z", "1"),
            ("D-SHIP90", "active", OLD, "19.99"),
            ("D-SHIP91", "active", OLD, "1"),
            ("D-DRAFT", "draft", OLD, None),
            ("D-RETIRED", "retired", OLD, "0.10"),
            ("D-NEG", "active", OLD, "1"),
        ),
        "stock_levels": csv_text(
            "as_of,system,location_id,system_sku,status,quantity",
            *[
                (SNAP, "wms", "L1", sku, "sellable", units)
                for sku, units in (
                    ("D-OLD90", 4),
                    ("D-YOUNG", 3),
                    ("D-SHIP90", 2),
                    ("D-SHIP91", 5),
                    ("D-DRAFT", 6),
                    ("D-RETIRED", 7),
                    ("D-NEG", -1),
                )
            ],
            (SNAP, "wms", "L2", "D-OLD90", "sellable", 1),
        ),
        "orders": csv_text(
            "order_id,channel,placed_at",
            ("O1", "shopify", "2025-10-20T00:00:00Z"),
            ("O2", "shopify", "2025-10-20T00:00:00Z"),
        ),
        "order_lines": csv_text(
            "order_id,line_id,sku,quantity", ("O1", "1", "D-SHIP90", 1), ("O2", "1", "D-SHIP91", 1)
        ),
        "shipments": csv_text(
            "shipment_id,order_id,line_id,location_id,shipped_at,quantity",
            ("S1", "O1", "1", "L1", "2025-10-23T09:30:00Z", 1),
            ("S2", "O2", "1", "L1", "2025-10-23T09:30:01Z", 1),
        ),
    },
    {
        "dead_stock_units": [
            row("dead_stock_units", None, "all", None, 7, 7, 52.48),
            row("dead_stock_units", None, "location", "L1", 6, 6, 49.98),
            row("dead_stock_units", None, "location", "L2", 1, 1, 2.5),
        ],
        "stranded_units": [
            row("stranded_units", None, "all", None, 13, 7, 0.7),
            row("stranded_units", None, "location", "L1", 13, 6, 0.7),
            row("stranded_units", None, "location", "L2", 0, 1, None),
        ],
    },
)

# --- Safety stock: the 56-day window, cancellations, a channel without parameters --------------
# shopify, sku W1 (z = inv_cdf(0.95), L 14, σL 3): d_0 = 2 (placed exactly at A), d_1 = 1 (exactly
# A − 24 h), d_4 = 2 (cancelled only after A), d_55 = 1 (A − 56 d + 1 s). Left out: exactly A − 56 d
# (100 units) and cancelled at A − 2 d (50 units). S = 6, Σd² = 10: d̄ = 6/56, σd² = 10/56 − 36/3136
# = 524/3136, radicand = 14 · 524/3136 + 9 · 36/3136 = 7660/3136 = 1915/784, SS ≈ 2.5707.
# tiktok has no parameters, so 0.95 / 14 / 3: d_0 = 3: radicand = 14 · (9/56 − 9/3136) + 9 · 9/3136
# = 7011/3136, SS ≈ 2.4594. Available W1 (book > 0): L-SHOP (shopify) 1, L-NONE (no channel) 1,
# L-GHOST (absent from locations: empty channel) 1, L-POS (pos) 5. shopify: 3 ≥ 2.5707, not short;
# tiktok: 1 + 1 = 2 < 2.4594, short by SS − 2.
Z95 = NormalDist().inv_cdf(0.95)
SS_TIKTOK = Z95 * math.sqrt(7011 / 3136)
WINDOW = HandCase(
    "safety stock window",
    {
        "items": csv_text(ITEM_HEADER, ("W1", "active", OLD, None)),  # stock resolves to an item
        "locations": csv_text(
            "location_id,type,channel",
            ("L-SHOP", "store", "shopify"),
            ("L-NONE", "dc", None),
            ("L-POS", "store", "pos"),
        ),
        "stock_levels": csv_text(
            "as_of,system,location_id,system_sku,status,quantity",
            *[
                (SNAP, "wms", loc, "W1", "sellable", u)
                for loc, u in (("L-SHOP", 1), ("L-NONE", 1), ("L-GHOST", 1), ("L-POS", 5))
            ],
        ),
        "orders": csv_text(
            "order_id,channel,placed_at,cancelled_at",
            ("W-DAY0", "shopify", A, None),
            ("W-DAY1", "Shopify", "2026-01-20T09:30:00Z", None),
            ("W-LATE", "shopify", "2026-01-17T09:30:00Z", "2026-01-21T10:30:00Z"),
            ("W-DAY55", "shopify", "2025-11-26T09:30:01Z", None),
            ("W-EDGE", "shopify", "2025-11-26T09:30:00Z", None),
            ("W-CANC", "shopify", "2026-01-18T09:30:00Z", "2026-01-19T09:30:00Z"),
            ("W-FUTURE", "shopify", "2026-01-21T09:30:01Z", None),
            ("T-1", "tiktok", "2026-01-21T08:30:00Z", None),
        ),
        "order_lines": csv_text(
            "order_id,line_id,sku,quantity",
            ("W-DAY0", "1", "W1", 2),
            ("W-DAY1", "1", "W1", 1),
            ("W-LATE", "1", "W1", 2),
            ("W-DAY55", "1", "W1", 1),
            ("W-EDGE", "1", "W1", 100),
            ("W-CANC", "1", "W1", 50),
            ("W-FUTURE", "1", "W1", 9),
            ("T-1", "1", "W1", 3),
            ("T-1", "2", None, 4),
        ),
    },
    {
        "safety_stock_shortfalls": [
            row("safety_stock_shortfalls", None, "all", None, 1, 2, SS_TIKTOK - 2),
            row("safety_stock_shortfalls", None, "channel", "shopify", 0, 1, 0.0),
            row("safety_stock_shortfalls", None, "channel", "tiktok", 1, 1, SS_TIKTOK - 2),
        ],
    },
)

# --- Safety stock exactly equal to available ---------------------------------------------------
# With the default service levels z is irrational (inv_cdf(0.95) = 1.6448536269514722…), so z · √R
# with R > 0 is never an integer; a search over every S < 60 and Σd² found no demand whose float
# SS is integral for any default channel, so exact equality cannot be reached with defaults.
# NormalDist().inv_cdf(0.9772498680518208) (the float nearest Φ(2)) is exactly 2.0; with pos given
# that service level (L 7, σL 2 kept) and 1 unit every day for 56 days: d̄ = 1, σd² = 0, radicand
# = 7 · 0 + 1 · 4 = 4, √4 = 2.0, SS = 2.0 · 2.0 = 4.0 exactly. E-EQ has 4 available: not short
# (4 < 4.0 is false); E-SHORT has 3: short by exactly 1.0.
EXACT_Z2 = 0.9772498680518208
EQUAL = HandCase(
    "available equal to safety stock",
    {
        "items": csv_text(
            ITEM_HEADER, ("E-EQ", "active", OLD, None), ("E-SHORT", "active", OLD, None)
        ),
        "locations": csv_text("location_id,type,channel", ("L-POS", "store", "pos")),
        "stock_levels": csv_text(
            "as_of,system,location_id,system_sku,status,quantity",
            (SNAP, "wms", "L-POS", "E-EQ", "sellable", 4),
            (SNAP, "wms", "L-POS", "E-SHORT", "sellable", 3),
        ),
        "orders": csv_text(
            "order_id,channel,placed_at",  # order Pk at A − k days − 1 h: in day k
            *[
                (f"P{k}", "pos", f"{date(2026, 1, 21) - timedelta(days=k)}T08:30:00Z")
                for k in range(56)
            ],
        ),
        "order_lines": csv_text(
            "order_id,line_id,sku,quantity",
            *[
                (f"P{k}", str(n), sku, 1)
                for k in range(56)
                for n, sku in ((1, "E-EQ"), (2, "E-SHORT"))
            ],
        ),
    },
    {
        "safety_stock_shortfalls": [
            row("safety_stock_shortfalls", None, "all", None, 1, 2, 1.0),
            row("safety_stock_shortfalls", None, "channel", "pos", 1, 2, 1.0),
        ],
    },
    settings=Settings(planning={"pos": ChannelPlanning(EXACT_Z2, 7, 2)}),
)

# --- Bundles -------------------------------------------------------------------------------------
# L1's book (wms): C1 7, C2 4, C3 −3. shopify at L1 offers B-EQ 3, B-MISS 1, B-NEG 1; amazon's
# newest B-EQ at L1 is 0 (5 before): no triple. pos at L2 offers B-EQ 5 but L2 has no book row: not
# compared. B-EQ = C1 × 2 + C2 × 1: min(7 // 2, 4 // 1) = 3 = 3 offered, no breach. B-MISS = C1 × 1
# + C-NONE × 1 (no stock anywhere: 0): min(7, 0) = 0 < 1, breach by 1. B-NEG = C3 × 2: −3 // 2 = −2
# (floor), breach by 1 − (−2) = 3. NO-ITEM has components but no item: not a bundle. Triples 3,
# breaches 2, num 1 + 3 = 4; the quantity-0 component row is quarantined (READINGS item 9).
BUNDLES = HandCase(
    "bundles",
    {
        "items": csv_text(
            ITEM_HEADER,
            *[(s, "active", OLD, None) for s in ("B-EQ", "B-MISS", "B-NEG", "C1", "C2", "C3")],
        ),
        "bundle_components": csv_text(
            "bundle_sku,component_sku,quantity",
            ("B-EQ", "C1", 2),
            ("B-EQ", "C2", 1),
            ("B-MISS", "C1", 1),
            ("B-MISS", "C-NONE", 1),
            ("B-NEG", "C3", 2),
            ("NO-ITEM", "C1", 1),
            ("B-EQ", "C3", 0),
        ),
        "stock_levels": csv_text(
            "as_of,system,location_id,system_sku,status,quantity",
            (SNAP, "wms", "L1", "C1", "sellable", 7),
            (SNAP, "wms", "L1", "C2", "sellable", 4),
            (SNAP, "wms", "L1", "C3", "sellable", -3),
            (SNAP, "shopify", "L1", "B-EQ", "sellable", 3),
            (SNAP, "shopify", "L1", "B-MISS", "sellable", 1),
            (SNAP, "shopify", "L1", "B-NEG", "sellable", 1),
            (SNAP, "shopify", "L1", "NO-ITEM", "sellable", 9),
            ("2026-01-10T00:00:00Z", "amazon", "L1", "B-EQ", "sellable", 5),
            (SNAP, "amazon", "L1", "B-EQ", "sellable", 0),
            (SNAP, "pos", "L2", "B-EQ", "sellable", 5),
        ),
    },
    {
        "bundle_availability_breaches": [
            row("bundle_availability_breaches", None, "all", None, 2, 3, 4),
            row("bundle_availability_breaches", None, "system", "shopify", 2, 3, 4),
        ],
    },
)

# --- Returns handoff -----------------------------------------------------------------------------
# Step of each return received ≤ A (first that applies): R1 order_link (no order_id); R2 inspection
# (no condition, not dispositioned); R3 disposition (at L-NOWHERE, absent from locations: type
# unknown); R4 refund (dispositioned, not refunded); R5 availability (refurbish, refunded, never
# restocked; no channel); R6 complete (restocked at A − 1 h); R7 refunded at A − 9 d before any
# disposition: disposition (and a black hole, received ≤ A − 7 d); R8 received at A + 1 s: not
# received; R9 no condition but dispositioned at A − 1 d and not refunded: refund, not inspection;
# R10 dispositioned only at A + 1 s: disposition.
# By step: availability R5 (q 4), disposition R3 R7 R10 (q 3 + 1 + 1), inspection R2 (q 2),
# order_link R1 (q 1), refund R4 R9 (q 1 + 2). All: 8 returns, 15 units.
RETURN_HEADER = (
    "return_id,order_id,channel,quantity,received_at,receiving_location_id,condition,disposition,"
    "disposition_at,refunded_at,restocked_at"
)
D1, D2, D9, D10 = (
    "2026-01-20T09:30:00Z",
    "2026-01-19T09:30:00Z",
    "2026-01-12T09:30:00Z",
    "2026-01-11T09:30:00Z",
)
LATER = "2026-01-21T09:30:01Z"
HANDOFF = HandCase(
    "returns handoff",
    {
        "locations": csv_text("location_id,type", ("L-ST", "Store"), ("L-DC", "dc")),
        "returns": csv_text(
            RETURN_HEADER,
            ("R1", None, "shopify", 1, D1, "L-ST", None, None, None, None, None),
            ("R2", "O", "amazon", 2, D1, "L-DC", None, None, None, None, None),
            ("R3", "O", "shopify", 3, D1, "L-NOWHERE", "new", None, None, None, None),
            ("R4", "O", "pos", 1, D2, "L-ST", "new", "restock", D1, None, None),
            ("R5", "O", None, 4, D2, "L-DC", "new", "refurbish", D2, D1, None),
            ("R6", "O", "shopify", 1, D2, "L-DC", "new", "restock", D2, D1, "2026-01-21T08:30:00Z"),
            ("R7", "O", "shopify", 1, D10, "L-ST", "new", None, None, D9, None),
            ("R8", "O", "shopify", 1, LATER, "L-ST", None, None, None, None, None),
            ("R9", "O", "amazon", 2, D2, "L-ST", None, "write_off", D1, None, None),
            ("R10", "O", "wholesale", 1, D2, "L-DC", "new", "restock", LATER, D1, None),
        ),
    },
    {
        "returns_waiting": [
            row("returns_waiting", None, "all", None, 8, 8, 15),
            row("returns_waiting", None, "channel_pair", "amazon→dc", 1, 1, 2),
            row("returns_waiting", None, "channel_pair", "amazon→store", 1, 1, 2),
            row("returns_waiting", None, "channel_pair", "pos→store", 1, 1, 1),
            row("returns_waiting", None, "channel_pair", "shopify→store", 2, 2, 2),
            row("returns_waiting", None, "channel_pair", "shopify→unknown", 1, 1, 3),
            row("returns_waiting", None, "channel_pair", "unknown→dc", 1, 1, 4),
            row("returns_waiting", None, "channel_pair", "wholesale→dc", 1, 1, 1),
            row("returns_waiting", None, "step", "availability", 1, 1, 4),
            row("returns_waiting", None, "step", "disposition", 3, 3, 5),
            row("returns_waiting", None, "step", "inspection", 1, 1, 2),
            row("returns_waiting", None, "step", "order_link", 1, 1, 1),
            row("returns_waiting", None, "step", "refund", 2, 2, 3),
        ],
        # Received ≤ A − 7 d, refunded, not dispositioned: R7 only (at L-ST).
        "black_hole_returns": [
            row("black_hole_returns", None, "all", None, 1, 1, None),
            row("black_hole_returns", None, "location", "L-ST", 1, 1, None),
        ],
    },
)

# --- Raw, fulfillable and recovered units --------------------------------------------------------
# 2026-W03 (Jan 12–18): O1 shopify, lines SKU-A 2, no sku 1, SKU-FUT 4 (created after A), sku-a 1
# (case differs: no item); O2 shopify cancelled 5 SKU-A; O3 amazon placed Sunday 23:59:59, no
# lines. 2026-W04: O4 amazon, cancelled only after A, SKU-A 3. O5 placed after A and a line of an
# unknown order never count. Raw W03: 3 orders, 2 + 1 + 4 + 1 + 5 = 13 (shopify 2 orders 13, amazon
# 1 order 0); W04: 1 order, 3. Fulfillable W03: O1 and O3, SKU-A 2 only (shopify 1 / 2, amazon
# 1 / 0); W04: O4, 3. Recovered W03 (by disposition_at): RA restock 2 shopify, RB write_off 5
# shopify, RC refurbish 1 never received, no channel: n 3, value 3 (shopify n 2 value 2, null n 1
# value 1); RD dispositioned after A and RE with no disposition_at do not count.
DEMAND = HandCase(
    "raw, fulfillable and recovered units",
    {
        "items": csv_text(
            ITEM_HEADER,
            ("SKU-A", "active", OLD, None),
            ("SKU-FUT", "active", "2026-01-22T00:00:00Z", None),
        ),
        "orders": csv_text(
            "order_id,channel,placed_at,cancelled_at",
            ("O1", "shopify", "2026-01-13T10:00:00Z", None),
            ("O2", "SHOPIFY", "2026-01-14T10:00:00Z", "2026-01-15T10:00:00Z"),
            ("O3", "amazon", "2026-01-18T23:59:59Z", None),
            ("O4", "amazon", "2026-01-19T00:00:00Z", "2026-01-21T10:30:00Z"),
            ("O5", "amazon", "2026-01-21T09:30:01Z", None),
        ),
        "order_lines": csv_text(
            "order_id,line_id,sku,quantity",
            ("O1", "1", "SKU-A", 2),
            ("O1", "2", None, 1),
            ("O1", "3", "SKU-FUT", 4),
            ("O1", "4", "sku-a", 1),
            ("O2", "1", "SKU-A", 5),
            ("O4", "1", "SKU-A", 3),
            ("O5", "1", "SKU-A", 9),
            ("O-NONE", "1", "SKU-A", 7),
        ),
        "returns": csv_text(
            "return_id,channel,quantity,received_at,disposition,disposition_at",
            ("RA", "shopify", 2, "2026-01-10T00:00:00Z", "restock", "2026-01-13T00:00:00Z"),
            ("RB", "shopify", 5, "2026-01-10T00:00:00Z", "write_off", "2026-01-13T00:00:00Z"),
            ("RC", None, 1, None, "refurbish", "2026-01-14T00:00:00Z"),
            ("RD", "shopify", 1, None, "restock", LATER),
            ("RE", "shopify", 1, None, "restock", None),
        ),
    },
    {
        "raw_demand_units": [
            row("raw_demand_units", "2026-W03", "all", None, 13, 3, None),
            row("raw_demand_units", "2026-W03", "channel", "amazon", 0, 1, None),
            row("raw_demand_units", "2026-W03", "channel", "shopify", 13, 2, None),
            row("raw_demand_units", "2026-W04", "all", None, 3, 1, None),
            row("raw_demand_units", "2026-W04", "channel", "amazon", 3, 1, None),
        ],
        "fulfillable_demand_units": [
            row("fulfillable_demand_units", "2026-W03", "all", None, 2, 2, None),
            row("fulfillable_demand_units", "2026-W03", "channel", "amazon", 0, 1, None),
            row("fulfillable_demand_units", "2026-W03", "channel", "shopify", 2, 1, None),
            row("fulfillable_demand_units", "2026-W04", "all", None, 3, 1, None),
            row("fulfillable_demand_units", "2026-W04", "channel", "amazon", 3, 1, None),
        ],
        "recovered_units": [
            row("recovered_units", "2026-W03", "all", None, 3, 3, None),
            row("recovered_units", "2026-W03", "channel", None, 1, 1, None),
            row("recovered_units", "2026-W03", "channel", "shopify", 2, 2, None),
        ],
    },
)

# --- IRA correction (READINGS item 0) and ISO week-year edges -------------------------------------
# K1 counts C-FUT (class C, created after A) 100 vs 101: as an unknown item, tolerance 0 and class
# null, so inaccurate (as class C, 1 % ≤ 5 %, it would be accurate). K2 counts B-ITEM 50 vs 51:
# exactly 2 % on a B item, accurate. Both on 2026-01-20 (W04). K3 at 2021-01-03T23:59:59-05:00 is
# 2021-01-04T04:59:59Z: 2021-W01, not 2020-W53; A-ITEM class A, 0 vs 0: accurate.
IRA = HandCase(
    "IRA correction and week-year edges",
    {
        "items": csv_text(
            "sku,lifecycle_status,created_at,abc_class",
            ("C-FUT", "active", "2026-01-21T09:30:01Z", "C"),
            ("B-ITEM", "active", OLD, "b"),
            ("A-ITEM", "active", OLD, "A"),
        ),
        "cycle_counts": csv_text(
            "count_id,counted_at,location_id,sku,system_qty,counted_qty",
            ("K1", D1, "L1", "C-FUT", 100, 101),
            ("K2", D1, "L1", "B-ITEM", 50, 51),
            ("K3", "2021-01-03T23:59:59-05:00", "L1", "A-ITEM", 0, 0),
        ),
    },
    {
        "inventory_record_accuracy": [
            row("inventory_record_accuracy", "2021-W01", "all", None, 1.0, 1, 1),
            row("inventory_record_accuracy", "2021-W01", "abc_class", "A", 1.0, 1, 1),
            row("inventory_record_accuracy", "2021-W01", "location", "L1", 1.0, 1, 1),
            row("inventory_record_accuracy", "2026-W04", "all", None, 0.5, 2, 1),
            row("inventory_record_accuracy", "2026-W04", "abc_class", None, 0.0, 1, 0),
            row("inventory_record_accuracy", "2026-W04", "abc_class", "B", 1.0, 1, 1),
            row("inventory_record_accuracy", "2026-W04", "location", "L1", 0.5, 2, 1),
        ],
    },
)

CASES = (DEAD, WINDOW, EQUAL, BUNDLES, HANDOFF, DEMAND, IRA)

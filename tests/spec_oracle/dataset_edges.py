"""The fixed edge cases every generated dataset carries, relative to its as_of A (ids start with `E-`).

Each group names the SPEC definition it presses on. Instants are offsets from A in seconds; the
builder writes them in random ISO 8601 styles (Z, ±hh:mm, no offset, a truncated fraction, a date).
"""

from __future__ import annotations

from tests.spec_oracle.builder import Builder, format_timestamp
from tests.spec_oracle.rows import DAY, HOUR

OLD = -400 * DAY  # created long before every window
S1, S2, S3, S4 = -10 * DAY, -DAY, 0, 1  # stock snapshots: older, newer, exactly A, after A


def add_edges(b: Builder) -> None:
    """Add every edge group."""
    _edge_locations(b)
    _edge_items(b)
    _edge_bundles_and_mappings(b)
    _edge_stock(b)
    _edge_counts(b)
    _edge_orders(b)
    _edge_returns(b)
    _edge_events(b)


def _edge_locations(b: Builder) -> None:
    # Types and channels in mixed case; L-DC without a channel; L-TT sells for a channel with no
    # planning parameters. L-GHOST and L-NOWHERE are used elsewhere but absent from locations.csv.
    for location_id, type_, channel in (
        ("L-DC", "DC", None),
        ("L-3PL", "3pl", "Amazon"),
        ("L-STORE1", "Store", "POS"),
        ("L-STORE2", "store", "shopify"),
        ("L-FC", "marketplace_fc", "amazon"),
        ("L-WH", "dc", "Wholesale"),
        ("L-TT", "3PL", "tiktok"),
    ):
        b.add(
            "locations",
            location_id=location_id,
            name=f"{location_id} site",
            type=type_,
            channel=channel,
        )


def _item(b: Builder, sku: str, status: str, created: int, **extra: object) -> None:
    cells: dict[str, object] = {
        "name": f"{sku} name",
        "category": "Edge",
        "brand": "Acme",
        "barcode": None,
        "abc_class": None,
        "approved_at": b.at(created),
        "unit_cost": None,
    }
    cells.update(extra)
    b.add("items", sku=sku, lifecycle_status=status, created_at=b.at(created), **cells)


def _edge_items(b: Builder) -> None:
    _item(b, "E-DEAD90", "active", -90 * DAY, unit_cost="19.99")  # exactly 90 days old: may be dead
    _item(b, "E-YOUNG", "Active", -90 * DAY + 1, unit_cost="5")  # one second younger: never dead
    _item(b, "E-SHIP90", "active", OLD, unit_cost="0.10")  # shipped exactly at A − 90 d: still dead
    _item(b, "E-SHIP90B", "active", OLD)  # shipped at A − 90 d + 1 s: not dead
    _item(b, "E-SHIPFUT", "ACTIVE", OLD, unit_cost="3.333")  # shipped at A + 1 s: dead
    _item(b, "E-DRAFT", "draft", OLD, approved_at=None)  # stranded, no unit_cost
    _item(b, "E-RETIRED", "Retired", OLD, unit_cost="0.10")  # stranded
    _item(b, "E-FUTURE", "active", 1, abc_class="C", unit_cost="7")  # created after A
    _item(b, "E-B2", "active", OLD, abc_class="B")
    _item(b, "E-LOWB", "active", OLD, abc_class="b")  # stored as B
    _item(b, "E-C5", "active", OLD, abc_class="c", unit_cost="2.50")
    _item(b, "E-A0", "active", OLD, abc_class="A")
    _item(b, "E-NEG", "active", OLD, unit_cost="1")
    _item(b, "E-ZERO", "active", OLD, unit_cost="1")
    _item(b, "E-SS1", "active", OLD, barcode="96385074", unit_cost="12.34")  # valid GTIN-8
    _item(b, "E-SS2", "active", OLD, barcode="96385074")  # the same barcode: not unique
    _item(b, "E-COMP1", "active", OLD, barcode="036000291452")  # valid GTIN-12
    _item(b, "E-COMP2", "active", OLD, barcode="036000291453")  # wrong check digit
    _item(b, "E-COMP3", "active", OLD, barcode="ABC12345")
    for bundle in ("E-BUNDLE1", "E-BUNDLE2", "E-BUNDLE3"):
        _item(b, bundle, "active", OLD)
    _item(b, "E-BUNDLE-FUT", "draft", 10 * DAY)  # a bundle created after A, offered via a mapping
    _item(b, "e-lower", "active", -DAY, approved_at=None)  # naming, approved
    _item(b, "E-APPROVED-LATE", "active", -DAY, approved_at=b.at(1))  # approved after A
    _item(b, "E-AT-ASOF", "active", 0, barcode="4006381333931")  # created exactly at A, GTIN-13


def _edge_bundles_and_mappings(b: Builder) -> None:
    for bundle, component, quantity in (
        ("E-BUNDLE1", "E-COMP1", 2),  # book 6 // 2 = 3
        ("E-BUNDLE1", "E-COMP2", 1),  # book 5 // 1 = 5 -> buildable 3 = shopify's 3 units
        ("E-BUNDLE2", "E-COMP1", 1),
        ("E-BUNDLE2", "E-NOCOMP", 1),  # a component nobody stocks: 0 -> buildable 0
        ("E-BUNDLE3", "E-COMP3", 2),  # book -3 // 2 = -2
        ("E-BUNDLE-FUT", "E-COMP1", 1),
        ("E-BUNDLE-NOITEM", "E-COMP1", 1),  # no item: not a bundle
    ):
        b.add("bundle_components", bundle_sku=bundle, component_sku=component, quantity=quantity)
    b.add_raw("bundle_components", bundle_sku="E-BUNDLE1", component_sku="E-COMP9", quantity=0)
    for system, system_sku, sku in (
        ("shopify", "E-A0", "E-C5"),  # a canonical-looking system_sku pointing elsewhere
        ("shopify", "SHP-GHOST", "NOT-AN-ITEM"),  # resolves to a sku with no item
        ("shopify", "SHP-BF", "E-BUNDLE-FUT"),
        ("wms", "WMS-ALIAS-1", "E-DEAD90"),  # two system SKUs of one sku in one snapshot: summed
        ("pos", "POS-FUT", "E-FUTURE"),  # a mapping resolves an item created after A
    ):
        b.add("sku_mappings", system=system, system_sku=system_sku, sku=sku)


def _edge_stock(b: Builder) -> None:
    rows = [
        ("wms", "L-DC", "E-DEAD90", "sellable", 99, S1),  # older: replaced by the S2 snapshot
        ("wms", "L-DC", "E-DEAD90", "sellable", 10, S2),
        ("wms", "L-DC", "WMS-ALIAS-1", "sellable", 5, S2),
        ("wms", "L-DC", "E-DEAD90", "Reserved", 4, S2),
        ("wms", "L-DC", "E-YOUNG", "sellable", 4, S2),
        ("wms", "L-DC", "E-YOUNG", "sellable", 50, S4),  # after A: ignored
        ("wms", "L-DC", "E-SHIP90", "sellable", 3, S2),
        ("wms", "L-DC", "E-SHIP90B", "sellable", 2, S2),
        ("wms", "L-DC", "E-SHIPFUT", "SELLABLE", 6, S2),
        ("wms", "L-DC", "E-DRAFT", "sellable", 7, S1),  # missing from the newer snapshot: kept
        ("wms", "L-DC", "E-RETIRED", "sellable", 3, S3),  # exactly at A
        ("wms", "L-DC", "E-FUTURE", "sellable", 5, S2),  # unresolved at A
        ("wms", "L-DC", "E-COMP1", "sellable", 6, S2),
        ("wms", "L-DC", "E-COMP2", "sellable", 5, S2),
        ("wms", "L-DC", "E-COMP3", "sellable", -3, S2),  # negative book units
        ("wms", "L-DC", "E-SS1", "sellable", 4, S2),
        ("wms", "L-DC", "E-SS2", "sellable", 1, S2),
        ("wms", "L-DC", "E-NEG", "sellable", -2, S2),
        ("wms", "L-DC", "E-ZERO", "sellable", 0, S2),
        ("wms", "L-DC", "WMS-UNKNOWN-7", "sellable", 8, S2),
        ("shopify", "L-DC", "E-BUNDLE1", "sellable", 3, S2),  # = buildable: no breach
        ("shopify", "L-DC", "E-BUNDLE2", "sellable", 2, S2),  # missing component: breach 2
        ("shopify", "L-DC", "E-BUNDLE3", "sellable", 1, S2),  # buildable -2: breach 3
        ("shopify", "L-DC", "SHP-BF", "sellable", 1, S2),
        ("shopify", "L-DC", "E-A0", "sellable", 9, S2),  # resolves to E-C5
        ("shopify", "L-DC", "SHP-GHOST", "sellable", 2, S2),
        ("shopify", "L-DC", "SHP-XYZ", "sellable", 1, S2),  # unresolved
        ("shopify", "L-DC", "E-DEAD90", "sellable", 15, S2),
        ("shopify", "L-DC", "E-BUNDLE-NOITEM", "sellable", 2, S2),
        ("amazon", "L-DC", "E-BUNDLE1", "sellable", 4, S2),  # breach 1
        ("amazon", "L-DC", "E-BUNDLE2", "sellable", 5, S2),
        ("amazon", "L-DC", "E-BUNDLE2", "sellable", 0, S3),  # newest is 0: no triple
        ("wms", "L-STORE1", "E-COMP1", "sellable", 2, S2),
        ("wms", "L-STORE1", "E-SS1", "sellable", 3, S2),
        ("wms", "L-STORE1", "E-DRAFT", "sellable", 1, S2),
        ("pos", "L-STORE1", "E-COMP1", "sellable", 2, S2),
        ("pos", "L-STORE1", "E-SS1", "sellable", 1, S2),
        ("pos", "L-STORE1", "POS-FUT", "sellable", 1, S2),
        ("wms", "L-GHOST", "E-SS1", "sellable", 2, S2),  # a location absent from locations.csv
        ("wms", "L-GHOST", "E-DEAD90", "sellable", 1, S2),
        ("pos", "L-GHOST", "E-SS1", "sellable", 2, S2),
        ("wms", "L-3PL", "E-SS2", "sellable", 5, S2),
        ("shopify", "L-3PL", "E-SS2", "reserved", 1, S2),  # not sellable: not compared
        ("shopify", "L-STORE2", "E-SS1", "sellable", 3, S2),  # no book row: not compared
        ("wms", "L-STORE2", "E-SS2", "damaged", 2, S2),
        ("wms", "L-TT", "E-SS2", "sellable", 2, S2),
        ("wms", "L-FC", "E-SS1", "sellable", 1, S2),
    ]
    for system, location, system_sku, status, quantity, when in rows:
        b.add("stock_levels", as_of=b.at(when), system=system, location_id=location,
              system_sku=system_sku, status=status, quantity=quantity)  # fmt: skip
    # Unreadable: a status outside the closed vocabulary.
    b.add_raw("stock_levels", as_of=b.at(S2), system="wms", location_id="L-DC",
              system_sku="E-SS1", status="lost", quantity=1)  # fmt: skip


def _edge_counts(b: Builder) -> None:
    counts = [
        ("E-B2", 50, 51, -DAY),  # exactly 2 % on a B item: accurate
        ("E-B2", 50, 52, -DAY),  # 4 %: not
        ("E-B2", 100, 98, 0),  # exactly 2 % below, counted exactly at A
        ("E-LOWB", 50, 49, -2 * DAY),  # class b read as B: accurate
        ("E-C5", 20, 21, -3 * DAY),  # exactly 5 %
        ("E-C5", 20, 22, -3 * DAY),
        ("E-C5", -20, -21, -3 * DAY),  # abs(system): accurate
        ("E-A0", 0, 0, -4 * DAY),  # system 0, counted 0: accurate
        ("E-A0", 0, 1, -4 * DAY),
        ("E-FUTURE", 100, 101, -DAY),  # created after A: unknown item, tolerance 0, key null
        ("E-FUTURE", 100, 100, -DAY),
        ("NO-SUCH-ITEM", 10, 10, -DAY),
        ("E-B2", 10, 10, 1),  # after A: ignored
    ]
    for i, (sku, system_qty, counted_qty, when) in enumerate(counts):
        b.add("cycle_counts", count_id=f"E-K{i}", counted_at=b.at(when), location_id="L-DC",
              sku=sku, system_qty=system_qty, counted_qty=counted_qty, counted_by="edge")  # fmt: skip
    b.add("cycle_counts", count_id="E-KGHOST", counted_at=b.at(-DAY), location_id="L-GHOST",
          sku="E-B2", system_qty=7, counted_qty=7)  # fmt: skip
    b.add_raw("cycle_counts", count_id="E-KBAD", counted_at=b.at(-DAY), location_id="L-DC",
              sku="E-B2", system_qty=7, counted_qty="ten")  # fmt: skip


# order id -> (channel, placed, cancelled, [(line, sku, quantity, allocated)], [(shipment, line, location, shipped, quantity)])
ORDERS: dict[str, tuple[str, int, int | None, list[tuple[str, str, int, str]], list[tuple[str, str, str, int, int]]]] = {
    "E-O-NOW": ("shopify", 0, None, [("1", "E-SS1", 2, "L-DC")], [("E-S1", "1", "L-DC", 0, 2)]),
    "E-O-PLUS1": ("shopify", 1, None, [("1", "E-SS1", 5, "L-DC")], []),  # after A: ignored
    "E-O-24H": ("Amazon", -DAY, None, [("1", "E-SS1", 3, "L-FC"), ("2", "E-SS2", 1, "L-FC")], []),  # day 1
    "E-O-24H1": ("amazon", -DAY + 1, None, [("1", "E-SS1", 1, "")], []),  # day 0
    "E-O-56D": ("pos", -56 * DAY, None, [("1", "E-SS1", 4, "L-STORE1")], []),  # outside the window
    "E-O-56D1": ("POS", -56 * DAY + 1, None, [("1", "E-SS1", 4, "L-STORE1")], []),  # day 55
    "E-O-48H": ("wholesale", -48 * HOUR, None, [("1", "E-SS2", 2, "L-WH")], []),  # stalled
    "E-O-48H1": ("wholesale", -48 * HOUR + 1, None, [("1", "E-SS2", 2, "L-WH")], []),  # not yet
    "E-O-CANCIN": ("shopify", -3 * DAY, -2 * DAY, [("1", "E-SS1", 7, "L-DC")], []),
    "E-O-CANCOUT": ("shopify", -70 * DAY, -60 * DAY, [("1", "E-SS1", 1, "L-DC")], []),
    "E-O-CANCFUT": ("shopify", -5 * DAY, HOUR, [("1", "E-SS1", 2, "L-DC")], []),  # cancelled after A
    "E-O-CANCNOW": ("amazon", -4 * DAY, 0, [("1", "E-SS1", 2, "L-FC")], []),  # cancelled at A
    "E-O-NOLINES": ("pos", -2 * DAY, None, [], []),
    "E-O-TIKTOK": ("tiktok", -DAY - 5, None, [("1", "E-SS2", 3, "L-TT")], []),  # no parameters
    "E-O-MIXED": (
        "AMAZON",
        -10 * DAY,
        None,
        [("1", "", 2, "L-DC"), ("2", "e-ss1", 1, "L-DC"), ("3", "E-FUTURE", 1, ""),
         ("4", "NO-SUCH-SKU", 2, "")],
        [("E-S2", "1", "L-3PL", -9 * DAY, 2), ("E-S3", "9", "L-FC", -9 * DAY, 1)],  # line 9 unknown
    ),
    "E-O-SHIP90": ("shopify", -100 * DAY, None, [("1", "E-SHIP90", 1, "L-DC")],
                   [("E-S4", "1", "L-DC", -90 * DAY, 1)]),
    "E-O-SHIP90B": ("shopify", -100 * DAY, None, [("1", "E-SHIP90B", 1, "L-DC")],
                    [("E-S5", "1", "L-DC", -90 * DAY + 1, 1)]),
    "E-O-SHIPFUT": ("shopify", -DAY, None, [("1", "E-SHIPFUT", 1, "L-DC")],
                    [("E-S6", "1", "L-DC", 1, 1)]),
    "E-O-OVER": ("shopify", -5 * DAY, None, [("1", "E-SS2", 2, "L-DC"), ("2", "E-SS1", 0, "L-DC")],
                 [("E-S7", "1", "L-DC", -4 * DAY, 2), ("E-S8", "1", "L-STORE1", -3 * DAY, 1)]),
}  # fmt: skip


def _edge_orders(b: Builder) -> None:
    for order_id, (channel, placed, cancelled, lines, shipments) in ORDERS.items():
        b.add("orders", order_id=order_id, channel=channel, placed_at=b.at(placed),
              cancelled_at=b.at(cancelled))  # fmt: skip
        for line_id, sku, quantity, allocated in lines:
            b.add("order_lines", order_id=order_id, line_id=line_id, sku=sku, quantity=quantity,
                  allocated_location_id=allocated)  # fmt: skip
        for shipment_id, line_id, location, shipped, quantity in shipments:
            b.add("shipments", shipment_id=shipment_id, order_id=order_id, line_id=line_id,
                  location_id=location, shipped_at=b.at(shipped), quantity=quantity)  # fmt: skip
    # A repeated natural key in one file: the later row wins (amazon, cancelled).
    b.add("orders", order_id="E-O-DUP", channel="shopify", placed_at=b.at(-6 * DAY))
    b.add_raw("orders", order_id="E-O-DUP", channel="amazon", placed_at=b.at(-6 * DAY),
              cancelled_at=b.at(-5 * DAY))  # fmt: skip
    b.add("order_lines", order_id="E-O-DUP", line_id="1", sku="E-SS1", quantity=3)
    # Lines and shipments of an unknown order; a shipment of an order nobody has.
    b.add("order_lines", order_id="E-O-MISSING", line_id="1", sku="E-SS1", quantity=9,
          allocated_location_id="L-DC")  # fmt: skip
    b.add("shipments", shipment_id="E-S9", order_id="E-O-MISSING", line_id="1",
          location_id="L-DC", shipped_at=b.at(-DAY), quantity=9)  # fmt: skip
    b.add("shipments", shipment_id="E-S10", order_id="E-O-NOSUCH", line_id="1",
          location_id="L-DC", shipped_at=b.at(-DAY), quantity=1)  # fmt: skip
    # Unreadable: a placed_at that is no timestamp.
    b.add_raw("orders", order_id="E-O-BADDATE", channel="shopify", placed_at="yesterday")


# return id -> cells (instants as offsets from A); quantity 1 unless given.
RETURNS: dict[str, dict[str, object]] = {
    "E-R-LINK": {"channel": "shopify", "received_at": -DAY, "receiving_location_id": "L-STORE2"},
    "E-R-INSP": {"order_id": "E-O-NOW", "received_at": -DAY, "receiving_location_id": "L-DC"},
    "E-R-DISP": {"order_id": "X1", "channel": "POS", "condition": "new", "received_at": -2 * DAY,
                 "receiving_location_id": "L-STORE1"},
    "E-R-REF": {"order_id": "X2", "condition": "New", "disposition": "restock",
                "received_at": -3 * DAY, "disposition_at": -DAY, "receiving_location_id": "L-DC"},
    "E-R-AVAIL": {"order_id": "X3", "condition": "like_new", "disposition": "Restock",
                  "received_at": -3 * DAY, "disposition_at": -2 * DAY, "refunded_at": -DAY,
                  "receiving_location_id": "L-FC", "channel": "amazon", "quantity": 2},
    "E-R-AVAIL2": {"order_id": "X4", "condition": "damaged", "disposition": "refurbish",
                   "received_at": -3 * DAY, "disposition_at": -2 * DAY, "refunded_at": -2 * DAY,
                   "restocked_at": 1, "receiving_location_id": "L-3PL", "channel": "amazon"},
    "E-R-DONE": {"order_id": "X5", "condition": "new", "disposition": "restock",
                 "received_at": -6 * DAY, "disposition_at": -5 * DAY, "refunded_at": -4 * DAY,
                 "restocked_at": -3 * DAY, "receiving_location_id": "L-DC", "channel": "shopify"},
    "E-R-WO": {"order_id": "X6", "condition": "defective", "disposition": "write_off",
               "received_at": -6 * DAY, "disposition_at": -5 * DAY, "refunded_at": -5 * DAY,
               "receiving_location_id": "L-DC", "channel": "shopify"},
    "E-R-REFFIRST": {"order_id": "X7", "condition": "new", "received_at": -12 * DAY,
                     "refunded_at": -10 * DAY, "receiving_location_id": "L-DC", "channel": "shopify"},
    "E-R-BH7": {"order_id": "X8", "condition": "new", "received_at": -7 * DAY,
                "refunded_at": -6 * DAY, "receiving_location_id": "L-STORE1", "channel": "pos"},
    "E-R-BH7B": {"order_id": "X9", "condition": "new", "received_at": -7 * DAY + 1,
                 "refunded_at": -6 * DAY, "receiving_location_id": "L-STORE1", "channel": "pos"},
    "E-R-UNKLOC": {"order_id": "X10", "channel": "shopify", "received_at": -DAY,
                   "receiving_location_id": "L-NOWHERE"},
    "E-R-NOCHAN": {"order_id": "X11", "received_at": -DAY, "receiving_location_id": "L-DC"},
    "E-R-NOLOC": {"order_id": "X12", "channel": "wholesale", "received_at": -DAY},
    "E-R-FUTREC": {"order_id": "X13", "channel": "shopify", "received_at": 1,
                   "receiving_location_id": "L-DC"},
    "E-R-DISPFUT": {"order_id": "X14", "condition": "new", "disposition": "restock",
                    "received_at": -DAY, "disposition_at": 1, "receiving_location_id": "L-DC"},
    "E-R-NORECV": {"order_id": "X15", "disposition": "restock", "disposition_at": -DAY,
                   "channel": "shopify", "quantity": 3},
    "E-R-DISPNOW": {"order_id": "X16", "condition": "new", "disposition": "refurbish",
                    "received_at": -2 * DAY, "disposition_at": 0, "refunded_at": 0,
                    "restocked_at": 0, "receiving_location_id": "L-TT", "channel": "tiktok"},
    "E-R-CONDDISP": {"order_id": "X17", "disposition": "quarantine", "received_at": -2 * DAY,
                     "disposition_at": -DAY, "receiving_location_id": "L-WH", "channel": "wholesale"},
    "E-R-NOWORD": {"order_id": "X18", "condition": "new", "received_at": -2 * DAY,
                   "disposition_at": -DAY, "refunded_at": -DAY, "receiving_location_id": "L-DC"},
    "E-R-GHOST": {"order_id": "X19", "channel": "pos", "received_at": -8 * DAY,
                  "refunded_at": -8 * DAY, "receiving_location_id": "L-GHOST"},
}  # fmt: skip


def _edge_returns(b: Builder) -> None:
    instants = ("received_at", "disposition_at", "refunded_at", "restocked_at")
    for return_id, cells in RETURNS.items():
        given = {k: (b.at(v) if k in instants else v) for k, v in cells.items()}  # type: ignore[arg-type]
        given.setdefault("quantity", 1)
        b.add("returns", return_id=return_id, sku="E-SS1", **given)
    # Percentile ties: lags 24, 24, 24, 48 h received the Monday 10:00 of the week before A's.
    monday = b.week_start(1) + 10 * HOUR
    for i, lag in enumerate((24, 24, 24, 48)):
        b.add("returns", return_id=f"E-R-TIE{i}", order_id="X20", quantity=1,
              received_at=b.at(monday), disposition_at=b.at(monday + lag * HOUR),
              disposition="restock", receiving_location_id="L-DC")  # fmt: skip
    # Received and dispositioned in the same second, the receipt written with a fraction: compared
    # in whole seconds (READINGS preamble) it is not received after its disposition; lag 0 h.
    b.add("returns", return_id="E-R-SAMESEC", order_id="X21", quantity=1, disposition="restock",
          received_at=format_timestamp(b.A - DAY, "fraction"),
          disposition_at=format_timestamp(b.A - DAY, "z"), receiving_location_id="L-3PL")  # fmt: skip
    # Unreadable: received after its disposition.
    b.add_raw("returns", return_id="E-R-BAD", quantity=1, received_at=b.at(-DAY),
              disposition_at=b.at(-2 * DAY))  # fmt: skip


def _edge_events(b: Builder) -> None:
    events = [
        (0, "shopify", "failed", "Timeout"),  # at A; vocabulary case
        (1, "shopify", "failed", "timeout"),  # after A: ignored
        (-1, "shopify", "success", "timeout"),  # a success's error_type is ignored
        (-DAY, "amazon", "FAILED", "rate_limit"),  # a type outside the list
        (-DAY, "amazon", "failed", None),  # no type: key null
        (-2 * DAY, "netsuite", "Success", None),
    ]
    for i, (when, integration, status, error_type) in enumerate(events):
        b.add("integration_events", event_id=f"E-EV{i}", occurred_at=b.at(when),
              integration=integration, entity_type="order", status=status,
              error_type=error_type)  # fmt: skip

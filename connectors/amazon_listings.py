"""Amazon listings reports (Open Listings / Inventory Report, All Listings) -> MFN stock_levels.

A listing's `quantity` is the merchant-fulfilled quantity the seller offers: it becomes a
sellable stock row at the MFN location (`--location`, else `amazon-mfn`). Listings without a
quantity, and FBA listings of the All Listings report (their stock is in the FBA inventory
report), give no row. No SKU mapping is written: a seller SKU resolves to the canonical SKU of
the same name unless a mapping says otherwise.
"""

from __future__ import annotations

from connectors.cells import identifier, optional_int, snapshot_time
from connectors.fields import RowError
from connectors.source_base import Layout, Row, SourceFormat

DEFAULT_LOCATION = "amazon-mfn"
MERCHANT_CHANNELS = {"", "default"}
LIFECYCLE_BY_STATUS = {"active": "active"}

OPEN_LISTINGS = Layout(
    "open listings (inventory report)",
    {"sku": "sku", "asin": "asin", "price": "price", "quantity": "quantity"},
    required=("sku", "asin", "price", "quantity"),
)
ALL_LISTINGS = Layout(
    "all listings",
    {"sku": "seller-sku", "asin": "asin1", "quantity": "quantity", "title": "item-name",
     "channel": "fulfillment-channel", "status": "status"},
    required=("sku", "asin", "quantity"),
)  # fmt: skip


class AmazonListings(SourceFormat):
    """Amazon Open Listings or All Listings report (tab-delimited)."""

    name = "amazon-listings"
    default_system = "amazon"
    entity = "stock_levels"
    layouts = (OPEN_LISTINGS, ALL_LISTINGS)

    def start(self) -> None:
        """Fix the snapshot time and the MFN location."""
        self.as_of, note = snapshot_time(self.ctx.as_of, self.ctx.file_mtime, self.ctx.file_time)
        self.out.note(note)
        self.location = self.ctx.location or DEFAULT_LOCATION

    def row(self, row: Row) -> None:
        """A sellable MFN stock row where the listing gives a quantity."""
        sku = identifier(row["sku"], "seller SKU")
        if not sku:
            raise RowError("missing seller SKU")
        self.out.count("listing(s) read")
        self.out.describe(sku, title=row["title"])
        if self.owns_item_master:
            lifecycle = LIFECYCLE_BY_STATUS.get(row["status"].lower(), "draft")
            item = {"sku": sku, "name": row["title"] or None, "lifecycle_status": lifecycle}
            self.out.add("items", item, create_only=True)
        if row["channel"].lower() not in MERCHANT_CHANNELS:
            self.out.count("FBA listing(s) without MFN stock (see the FBA inventory report)")
            return
        quantity = optional_int(row["quantity"], "quantity")
        if quantity is None:
            self.out.count("listing(s) without a quantity (no stock row)")
            return
        self.out.add("stock_levels", {
            "as_of": self.as_of, "system": self.system, "location_id": self.location,
            "system_sku": sku, "status": "sellable", "quantity": quantity,
        })  # fmt: skip

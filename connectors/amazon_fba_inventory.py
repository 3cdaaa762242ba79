"""Amazon Manage FBA Inventory report (18- or 21-column) -> stock_levels at the FBA location.

afn-fulfillable -> sellable, afn-unsellable -> damaged, afn-reserved -> reserved, inbound
working + shipped + receiving -> inbound. The MFN quantity is left to the listings report.
The report has no snapshot date: `--as-of`, else the file's modification time.
"""

from __future__ import annotations

from connectors.cells import identifier, optional_int, snapshot_time
from connectors.fields import RowError
from connectors.source_base import Layout, Row, SourceFormat

DEFAULT_LOCATION = "AMAZON-FBA"
STATUS_BY_ROLES = {
    "sellable": ("fulfillable",),
    "damaged": ("unsellable",),
    "reserved": ("reserved",),
    "inbound": ("inbound_working", "inbound_shipped", "inbound_receiving"),
}
COLUMNS = {
    "sku": "sku", "fnsku": "fnsku", "asin": "asin", "title": "product-name",
    "fulfillable": "afn-fulfillable-quantity", "unsellable": "afn-unsellable-quantity",
    "reserved": "afn-reserved-quantity", "inbound_working": "afn-inbound-working-quantity",
    "inbound_shipped": "afn-inbound-shipped-quantity",
    "inbound_receiving": "afn-inbound-receiving-quantity",
}  # fmt: skip
MANAGE_FBA = Layout("manage FBA inventory", COLUMNS, required=tuple(COLUMNS))


class AmazonFbaInventory(SourceFormat):
    """Amazon Manage FBA Inventory report (tab-delimited)."""

    name = "amazon-fba-inventory"
    default_system = "amazon"
    entity = "stock_levels"
    layouts = (MANAGE_FBA,)

    def start(self) -> None:
        """Fix the snapshot time and the FBA location."""
        self.as_of, note = snapshot_time(self.ctx.as_of, self.ctx.file_mtime, self.ctx.file_time)
        self.out.note(note)
        self.location = self.ctx.location or DEFAULT_LOCATION

    def row(self, row: Row) -> None:
        """One stock row per status whose quantity columns hold numbers."""
        sku = identifier(row["sku"], "sku")
        if not sku:
            raise RowError("missing sku")
        self.out.describe(sku, title=row["title"])
        for status, roles in STATUS_BY_ROLES.items():
            given = [q for r in roles if (q := optional_int(row[r], COLUMNS[r])) is not None]
            if not given:
                continue
            self.out.add("stock_levels", {
                "as_of": self.as_of, "system": self.system, "location_id": self.location,
                "system_sku": sku, "status": status, "quantity": sum(given),
            })  # fmt: skip
        if self.owns_item_master:
            item = {"sku": sku, "name": row["title"] or None, "lifecycle_status": "draft"}
            self.out.add("items", item, create_only=True)

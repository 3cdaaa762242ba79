"""Shopify inventory CSV (legacy per-location columns, 2023 and 2025 row-per-location) -> stock_levels.

Available -> sellable, Committed -> reserved, Unavailable -> quarantined, Incoming -> inbound
(On hand is their sum and is not stored). `not stocked` means no inventory level at that
location: no row, unlike 0. Variants at one location under one SKU (bins, or two variants
sharing a SKU) are summed. A variant without a SKU is keyed `handle:option values`. When
Shopify owns the item master, SKUs the file reports become draft items if the master lacks them.
"""

from __future__ import annotations

from datetime import datetime

from connectors.cells import identifier, is_not_stocked, optional_int, snapshot_time
from connectors.emitter import SystemRecord
from connectors.fields import RowError
from connectors.shopify_common import VariantNames, option_values, variant_key, variant_name
from connectors.source_base import Layout, Row, SourceFormat

STATUS_BY_ROLE = {
    "available": "sellable",
    "committed": "reserved",
    "unavailable": "quarantined",
    "incoming": "inbound",
}
_VARIANT = {
    "handle": "Handle", "title": "Title", "option1": "Option1 Value", "option2": "Option2 Value",
    "option3": "Option3 Value", "sku": "SKU", "coo": "COO",
}  # fmt: skip
_IDENTITY = ("handle", "title", "sku", "coo")

LEGACY = Layout("per-location columns", _VARIANT, _IDENTITY, pivot_after="coo")
ROWS_2023 = Layout(
    "row per location (2023)",
    {**_VARIANT, "location": "Location", "incoming": "Incoming", "unavailable": "Unavailable",
     "committed": "Committed", "available": "Available"},
    (*_IDENTITY, "location", "available", "committed", "unavailable"),
)  # fmt: skip
ROWS_2025 = Layout(
    "row per location with bins (2024-2025)",
    {**_VARIANT, "location": "Location", "incoming": "Incoming (not editable)",
     "unavailable": "Unavailable (not editable)", "committed": "Committed (not editable)",
     "available": "Available (not editable)"},
    (*_IDENTITY, "location", "available", "committed", "unavailable"),
)  # fmt: skip


class ShopifyInventory(SourceFormat):
    """Shopify inventory export."""

    name = "shopify-inventory"
    default_system = "shopify"
    entity = "stock_levels"
    layouts = (LEGACY, ROWS_2023, ROWS_2025)

    def start(self) -> None:
        """Fix the snapshot time and prepare item names."""
        self.as_of: datetime
        self.as_of, note = snapshot_time(self.ctx.as_of, self.ctx.file_mtime, self.ctx.file_time)
        self.out.note(note)
        self.names = VariantNames()
        self.item_lines: dict[str, tuple[int, str]] = {}

    def row(self, row: Row) -> None:
        """One stock row per location and quantity column that holds a number."""
        sku = identifier(row["sku"], "SKU")
        options = option_values(row)
        system_sku = sku or variant_key(row["handle"], options)
        self.out.describe(system_sku, title=variant_name(row["title"], options))
        if sku:
            self.out.has_sku(variant_key(row["handle"], options))
        else:
            self.out.count("row(s) without a SKU keyed by handle:option values")
            fields = (("handle", row["handle"]), ("title", row["title"]))
            self.out.system_record(SystemRecord(self.system, system_sku, row.line, fields))
        for location, quantities in self._locations(row):
            if is_not_stocked(quantities["available"]):
                self.out.count("variant-location pair(s) not stocked (no stock row)")
                continue
            self._stock(system_sku, location, quantities)
        if sku and self.owns_item_master:
            self.names.add(sku, row["title"], options)
            self.item_lines[sku] = (row.line, row["handle"])

    def finish(self) -> None:
        """When Shopify owns the item master: a draft item per reported SKU, created only if missing."""
        for sku, (line, handle) in self.item_lines.items():
            item = {"sku": sku, "name": self.names.name(sku), "lifecycle_status": "draft",
                    "parent_sku": handle}  # fmt: skip
            try:
                self.out.add("items", item, create_only=True)
            except RowError as exc:
                self.reject_line(line, str(exc))
            else:
                self.out.accept()
        if self.item_lines:
            self.out.note(
                f"{self.system} owns the item master: SKUs it reports are created as draft items when missing"
            )

    def _locations(self, row: Row) -> list[tuple[str, dict[str, str]]]:
        if row.pivot:
            return [(name, {"available": cell}) for name, cell in row.pivot]
        location = row["location"] or self.ctx.location
        if not location:
            raise RowError("no location: the Location cell is empty and no --location was given")
        return [(location, {role: row[role] for role in STATUS_BY_ROLE})]

    def _stock(self, system_sku: str, location: str, quantities: dict[str, str]) -> None:
        for role, status in STATUS_BY_ROLE.items():
            raw = quantities.get(role, "")
            if is_not_stocked(raw):
                continue
            quantity = optional_int(raw, role.capitalize())
            if quantity is None:
                continue
            row = {"as_of": self.as_of, "system": self.system, "location_id": location,
                   "system_sku": system_sku, "status": status, "quantity": quantity}  # fmt: skip
            self.out.add("stock_levels", row, sum_quantity=True)

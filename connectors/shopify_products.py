"""Shopify product CSV (classic, 2023-2025 export, 2025 template) -> items and shopify SKU mappings.

One row per variant; parent fields (Title, Vendor, Status...) only on a handle's first row, so
they are filled forward within the handle. Image-only rows are skipped. A SKU shared by several
variants (sizes under one style code) becomes one item named by the title; its barcode is kept
only when all its variants agree. Variants without a SKU are not items: they are counted and
kept as system records keyed by handle and option values.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.cells import identifier
from connectors.emitter import SystemRecord
from connectors.fields import RowError
from connectors.shopify_common import VariantNames, option_values, variant_key
from connectors.source_base import Layout, Row, SourceFormat

LIFECYCLE_BY_STATUS = {
    "active": "active",
    "draft": "draft",
    "archived": "retired",
    "unlisted": "active",
}
STATUS_WORDS = ", ".join(LIFECYCLE_BY_STATUS)
LIFECYCLE_BY_PUBLISHED = {"true": "active", "false": "draft"}
PARENT_ROLES = ("title", "vendor", "category", "type", "status", "published")
VARIANT_ROLES = ("sku", "option1", "option2", "option3", "barcode", "price")

EXPORT = Layout(
    "classic/2023-2025 export",
    {
        "handle": "Handle", "title": "Title", "vendor": "Vendor",
        "category": "Product Category", "type": ("Type", "Custom Product Type", "Standard Product Type"),
        "status": "Status", "published": "Published", "sku": "Variant SKU",
        "barcode": "Variant Barcode", "option1": "Option1 Value", "option2": "Option2 Value",
        "option3": "Option3 Value", "price": "Variant Price",
    },
    required=("handle", "title", "sku", "option1"),
)  # fmt: skip
TEMPLATE_2025 = Layout(
    "2025 template",
    {
        "handle": "URL handle", "title": "Title", "vendor": "Vendor",
        "category": "Product category", "type": "Type", "status": "Status",
        "published": "Published on online store", "sku": "SKU", "barcode": "Barcode",
        "option1": "Option1 value", "option2": "Option2 value", "option3": "Option3 value",
        "price": "Price",
    },
    required=("handle", "title", "sku", "option1"),
)  # fmt: skip


@dataclass(frozen=True)
class Variant:
    """One variant row with a SKU, parents filled in."""

    line: int
    sku: str
    handle: str
    brand: str
    category: str
    barcode: str
    lifecycle: str


class ShopifyProducts(SourceFormat):
    """Shopify product export/import CSV."""

    name = "shopify-products"
    default_system = "shopify"
    entity = "items"
    layouts = (EXPORT, TEMPLATE_2025)
    group_by = "handle"
    fill_forward = PARENT_ROLES
    read_wide_rows = True

    def start(self) -> None:
        """Prepare the per-SKU collections."""
        self.variants: dict[str, list[Variant]] = {}
        self.names = VariantNames()

    def row(self, row: Row) -> None:
        """Collect one variant; skip image-only rows, count variants without a SKU."""
        if not any(row[r] for r in VARIANT_ROLES):
            self.out.count("image-only row(s) skipped")
            return
        sku = identifier(row["sku"], "SKU")
        barcode = identifier(row["barcode"], "barcode")
        lifecycle = self._lifecycle(row)
        if not sku:
            self._system_record(row, barcode)
            return
        category = row["category"] or row["type"]
        variant = Variant(row.line, sku, row["handle"], row["vendor"], category, barcode, lifecycle)
        self.out.has_sku(variant_key(row["handle"], option_values(row)))
        self.variants.setdefault(sku, []).append(variant)
        self.names.add(sku, row["title"], option_values(row))

    def finish(self) -> None:
        """One item and one shopify mapping per SKU."""
        for sku, variants in self.variants.items():
            try:
                self._emit(sku, variants)
            except RowError as exc:
                self.reject_line(variants[-1].line, str(exc))
            else:
                self.out.accept()
        shared = sum(1 for v in self.variants.values() if len(v) > 1)
        if shared:
            self.out.note(f"{shared} SKU(s) carried by several variants: one item each")

    def _emit(self, sku: str, variants: list[Variant]) -> None:
        last = variants[-1]
        barcodes = {v.barcode for v in variants if v.barcode}
        if len(barcodes) > 1:
            self.out.count("SKU(s) shared by variants with different barcodes: barcode left empty")
        item = {
            "sku": sku, "name": self.names.name(sku), "category": last.category or None,
            "brand": last.brand or None,
            "barcode": next(iter(barcodes)) if len(barcodes) == 1 else None,
            "lifecycle_status": last.lifecycle, "parent_sku": last.handle,
        }  # fmt: skip
        self.out.add("items", item)
        self.out.add("sku_mappings", {"system": self.system, "system_sku": sku, "sku": sku})

    def _lifecycle(self, row: Row) -> str:
        status = row["status"].lower()
        if status:
            if status not in LIFECYCLE_BY_STATUS:
                raise RowError(f"unknown product status {row['status']!r} (known: {STATUS_WORDS})")
            return LIFECYCLE_BY_STATUS[status]
        return LIFECYCLE_BY_PUBLISHED.get(row["published"].lower(), "draft")

    def _system_record(self, row: Row, barcode: str) -> None:
        self.out.count("variant(s) without a SKU")
        options = option_values(row)
        fields = (("handle", row["handle"]), ("title", row["title"]), ("barcode", barcode))
        key = variant_key(row["handle"], options)
        self.out.system_record(SystemRecord(self.system, key, row.line, fields))

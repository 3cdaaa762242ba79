"""Square item library export -> stock_levels of system pos, one per `Current Quantity <location>` cell.

One row per variation. The stock key is the SKU, or the variation Token when the SKU is empty
(Token is Square's stable variation id; a SKU lets the canonical SKU of the same name match).
An empty quantity cell means the variation is not tracked at that location: no row.
`New Quantity` (the import slot) is ignored; a trailing empty header column is tolerated.
"""

from __future__ import annotations

from connectors.cells import identifier, optional_int, snapshot_time
from connectors.emitter import SystemRecord
from connectors.fields import RowError
from connectors.source_base import Layout, Row, SourceFormat

QUANTITY_PREFIX = "Current Quantity"
DEFAULT_VARIATIONS = {"", "regular", "default title"}
LIFECYCLE_BY_ARCHIVED = {"y": "retired"}

ITEM_LIBRARY = Layout(
    "item library",
    {"token": "Token", "item": "Item Name", "variation": "Variation Name", "sku": "SKU",
     "gtin": "GTIN", "category": ("Reporting Category", "Categories"), "archived": "Archived"},
    required=("token", "item", "variation", "sku"),
    pivot_prefix=QUANTITY_PREFIX,
)  # fmt: skip


class SquareItems(SourceFormat):
    """Square item library CSV export."""

    name = "square-items"
    default_system = "pos"
    entity = "stock_levels"
    layouts = (ITEM_LIBRARY,)

    def start(self) -> None:
        """Fix the snapshot time."""
        self.as_of, note = snapshot_time(self.ctx.as_of, self.ctx.file_mtime, self.ctx.file_time)
        self.out.note(note)

    def row(self, row: Row) -> None:
        """A sellable stock row per location cell holding a number."""
        sku, token = identifier(row["sku"], "SKU"), identifier(row["token"], "Token")
        if not sku and not token:
            raise RowError("missing both SKU and Token")
        self.out.describe(sku or token, title=self._name(row), barcode=_gtin(row))
        if sku and token:
            self.out.has_sku(token)
        if not sku:
            self.out.count("variation(s) without a SKU keyed by Token")
            fields = (("title", self._name(row)), ("barcode", _gtin(row)))
            record = SystemRecord(self.system, token, row.line, fields, kind="variation")
            self.out.system_record(record)
        for location, raw in row.pivot:
            quantity = optional_int(raw, f"{QUANTITY_PREFIX} {location}")
            if quantity is None:
                continue
            self.out.add("stock_levels", {
                "as_of": self.as_of, "system": self.system, "location_id": location,
                "system_sku": sku or token, "status": "sellable", "quantity": quantity,
            })  # fmt: skip
        if sku and self.owns_item_master:
            self.out.add("items", self._item(sku, row), create_only=True)

    def _name(self, row: Row) -> str:
        name = row["item"]
        if row["variation"].lower() not in DEFAULT_VARIATIONS:
            name = f"{name} - {row['variation']}"
        return name

    def _item(self, sku: str, row: Row) -> dict[str, object]:
        return {
            "sku": sku, "name": self._name(row) or None, "category": row["category"] or None,
            "barcode": identifier(row["gtin"], "GTIN") or None,
            "lifecycle_status": LIFECYCLE_BY_ARCHIVED.get(row["archived"].lower(), "draft"),
        }  # fmt: skip


def _gtin(row: Row) -> str:
    """The GTIN as text for matching ('' when empty or damaged by a spreadsheet)."""
    try:
        return identifier(row["gtin"], "GTIN")
    except RowError:
        return ""

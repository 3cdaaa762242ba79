"""Shopify orders CSV -> orders, order_lines and shipments; personal data is never read or stored.

One row per line item; order-level columns only on the order's first row (filled forward
within a Name). line_id is the line's position in the order. `Fulfilled at` is order-level:
each line whose fulfilment status is `fulfilled` gets one shipment `<Name>-F1` at that time.
Times are `2025-12-06 10:36:17 -0500` or a spreadsheet re-save `31/12/2023 22:36` (day/month
order and zone from settings).
"""

from __future__ import annotations

from connectors.cells import LocalTimes, identifier, zone
from connectors.fields import RowError, parse_int
from connectors.source_base import Layout, Row, SourceFormat
from core.settings import get_settings

CHANNEL_BY_SOURCE = {"pos": "pos"}
DEFAULT_CHANNEL = "shopify"
DEFAULT_LOCATION = "shopify-default"
NO_SKU = {"", "null"}
SHIPPED_LINE_STATUS = "fulfilled"
PERSONAL_COLUMNS = {"email", "phone", "notes", "note attributes"}
PERSONAL_PREFIXES = ("billing ", "shipping ")
NOT_PERSONAL = {"shipping method", "shipping"}

ORDERS = Layout(
    "orders export",
    {
        "name": "Name", "created": "Created at", "cancelled": "Cancelled at",
        "fulfilled": "Fulfilled at", "quantity": "Lineitem quantity", "sku": "Lineitem sku",
        "line_status": "Lineitem fulfillment status", "location": "Location", "source": "Source",
    },
    required=("name", "created", "quantity", "sku"),
)  # fmt: skip


class ShopifyOrders(SourceFormat):
    """Shopify orders export."""

    name = "shopify-orders"
    default_system = "shopify"
    entity = "order_lines"
    layouts = (ORDERS,)
    group_by = "name"
    fill_forward = ("created", "cancelled", "fulfilled", "location", "source")

    @staticmethod
    def is_personal(column: str) -> bool:
        """Email, phone, notes, billing and shipping names, addresses and phones."""
        name = column.strip().lower()
        if name in NOT_PERSONAL:
            return False
        return name in PERSONAL_COLUMNS or name.startswith(PERSONAL_PREFIXES)

    def start(self) -> None:
        """Read times with the configured zone and day/month order."""
        settings = get_settings()
        self.times = LocalTimes(zone(settings.source_timezone), settings.source_day_first)

    def row(self, row: Row) -> None:
        """The order (repeated per line, identical), the line, and its shipment when fulfilled."""
        order_id = row["name"]
        if not order_id:
            raise RowError("missing Name (the order number)")
        order = {
            "order_id": order_id,
            "channel": CHANNEL_BY_SOURCE.get(row["source"].lower(), DEFAULT_CHANNEL),
            "placed_at": self.times.parse(row["created"], "Created at"),
            "cancelled_at": self.times.optional(row["cancelled"], "Cancelled at"),
        }
        line = self._line(row, order_id)
        shipped_at = self.times.optional(row["fulfilled"], "Fulfilled at")
        self.out.add("orders", order, repeats_expected=True)
        self.out.add("order_lines", line)
        if shipped_at is not None and self._line_shipped(row):
            shipment = {
                "shipment_id": f"{order_id}-F1", "order_id": order_id,
                "line_id": line["line_id"], "location_id": self._location(row),
                "shipped_at": shipped_at, "quantity": line["quantity"],
            }  # fmt: skip
            self.out.add("shipments", shipment)
            self.out.count("fulfilled line(s): one shipment each at the order's Fulfilled at")

    def finish(self) -> None:
        """Say how times without offset were read."""
        self.out.note(self.times.note())

    def _line(self, row: Row, order_id: str) -> dict[str, object]:
        try:
            quantity = parse_int(row["quantity"])
        except RowError as exc:
            raise RowError(f"Lineitem quantity: {exc}") from None
        sku = identifier(row["sku"], "Lineitem sku")
        line: dict[str, object] = {
            "order_id": order_id,
            "line_id": str(row.position),
            "sku": None if sku.lower() in NO_SKU else sku,
            "quantity": quantity,
        }
        if row.has("location"):
            line["allocated_location_id"] = row["location"] or None
        return line

    def _line_shipped(self, row: Row) -> bool:
        if not row.has("line_status"):
            return True
        return row["line_status"].lower() == SHIPPED_LINE_STATUS

    def _location(self, row: Row) -> str:
        return row["location"] or self.ctx.location or DEFAULT_LOCATION

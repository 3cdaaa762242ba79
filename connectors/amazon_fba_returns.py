"""Amazon FBA customer returns report -> returns.

return_id is `order-id:sku:license-plate-number` (or `order-id:sku:n`, the n-th such return
in the file, when the plate is missing). The fulfilment centre grades a unit when it receives
it, so received_at and disposition_at are both the return-date; restocked_at too for sellable
units. Customer comments are never stored.
"""

from __future__ import annotations

from collections import Counter

from connectors.cells import LocalTimes, identifier, zone
from connectors.fields import RowError, parse_int
from connectors.source_base import Layout, Row, SourceFormat
from core.settings import get_settings

CONDITION_DISPOSITION = {
    "SELLABLE": ("new", "restock"),
    "CUSTOMER_DAMAGED": ("damaged", "quarantine"),
    "CARRIER_DAMAGED": ("damaged", "quarantine"),
    "DAMAGED": ("damaged", "quarantine"),
    "DEFECTIVE": ("defective", "write_off"),
    "EXPIRED": ("damaged", "write_off"),
}
KNOWN = ", ".join(CONDITION_DISPOSITION)
CUSTOMER_RETURNS = Layout(
    "FBA customer returns",
    {"date": "return-date", "order": "order-id", "sku": "sku", "quantity": "quantity",
     "fc": "fulfillment-center-id", "disposition": "detailed-disposition", "status": "status",
     "lpn": "license-plate-number"},
    required=("date", "order", "sku", "quantity", "fc", "disposition"),
)  # fmt: skip


class AmazonFbaReturns(SourceFormat):
    """Amazon FBA customer returns report (tab-delimited)."""

    name = "amazon-fba-returns"
    default_system = "amazon"
    entity = "returns"
    layouts = (CUSTOMER_RETURNS,)

    @staticmethod
    def is_personal(column: str) -> bool:
        """Customer comments are free text from the customer."""
        return column.strip().lower() == "customer-comments"

    def start(self) -> None:
        """Read times with the configured zone (the report's own carry an offset)."""
        settings = get_settings()
        self.times = LocalTimes(zone(settings.source_timezone), settings.source_day_first)
        self.without_plate: Counter[tuple[str, str]] = Counter()

    def row(self, row: Row) -> None:
        """One return per row; an unknown detailed-disposition quarantines the row."""
        order_id, sku = identifier(row["order"], "order-id"), identifier(row["sku"], "sku")
        if not order_id or not sku:
            raise RowError("missing order-id or sku")
        grade = row["disposition"].upper()
        if grade not in CONDITION_DISPOSITION:
            raise RowError(f"unknown detailed-disposition {row['disposition']!r} (known: {KNOWN})")
        condition, disposition = CONDITION_DISPOSITION[grade]
        returned_at = self.times.parse(row["date"], "return-date")
        try:
            quantity = parse_int(row["quantity"])
        except RowError as exc:
            raise RowError(f"quantity: {exc}") from None
        self.out.add("returns", {
            "return_id": self._return_id(order_id, sku, row["lpn"]), "order_id": order_id,
            "sku": sku, "quantity": quantity, "channel": "amazon", "received_at": returned_at,
            "receiving_location_id": row["fc"] or None, "condition": condition,
            "disposition": disposition, "disposition_at": returned_at,
            "restocked_at": returned_at if disposition == "restock" else None,
        })  # fmt: skip

    def finish(self) -> None:
        """Say how times without offset were read."""
        self.out.note(self.times.note())

    def _return_id(self, order_id: str, sku: str, plate: str) -> str:
        if plate:
            return f"{order_id}:{sku}:{plate}"
        self.without_plate[(order_id, sku)] += 1
        self.out.count("return(s) without a license-plate-number, numbered within order and SKU")
        return f"{order_id}:{sku}:{self.without_plate[(order_id, sku)]}"

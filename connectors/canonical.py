"""The canonical CSV formats of SPEC section 2, declared once: columns, keys, types, vocabularies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table

from connectors.fields import (
    Parser,
    Vocabulary,
    parse_decimal,
    parse_int,
    parse_text,
    parse_timestamp,
)
from core.schema import CANONICAL_TABLES

LOCATION_TYPES = Vocabulary(("dc", "3pl", "store", "marketplace_fc"))
CHANNELS = Vocabulary(("shopify", "amazon", "pos", "wholesale"), closed=False)
LIFECYCLE = Vocabulary(("draft", "active", "retired"))
ABC = Vocabulary(("A", "B", "C"))
STOCK_STATUS = Vocabulary(
    ("sellable", "reserved", "inbound", "returned", "quarantined", "damaged", "refurbished")
)
CONDITIONS = Vocabulary(("new", "like_new", "damaged", "defective"))
DISPOSITIONS = Vocabulary(("restock", "refurbish", "quarantine", "write_off"))
EVENT_STATUS = Vocabulary(("success", "failed"))
ERROR_TYPES = Vocabulary(
    (
        "failed_update",
        "unmapped_sku",
        "duplicate_record",
        "validation_error",
        "timeout",
        "stale_sync",
    ),
    closed=False,
)


@dataclass(frozen=True)
class EntitySpec:
    """One canonical entity: its file, natural key, required fields, cell parsers and owning domain."""

    name: str
    key: tuple[str, ...]
    required: tuple[str, ...]
    parsers: dict[str, Parser]
    domain: str

    @property
    def table(self) -> Table:
        """The database table holding this entity."""
        return CANONICAL_TABLES[self.name].__table__  # type: ignore[return-value]

    @property
    def columns(self) -> tuple[str, ...]:
        """Every canonical column, in the header order of SPEC section 2."""
        return tuple(self.parsers)

    @property
    def file_name(self) -> str:
        """The canonical file name, e.g. `orders.csv`."""
        return f"{self.name}.csv"


def _spec(entity: str, key: str, required: str, domain: str, /, **parsers: Parser) -> EntitySpec:
    return EntitySpec(entity, tuple(key.split()), tuple(required.split()), parsers, domain)


T, N, TS = parse_text, parse_int, parse_timestamp
ENTITIES: dict[str, EntitySpec] = {
    spec.name: spec
    for spec in (
        _spec("locations", "location_id", "type", "item_master",
              location_id=T, name=T, type=LOCATION_TYPES, channel=CHANNELS),
        _spec("items", "sku", "lifecycle_status", "item_master",
              sku=T, name=T, category=T, brand=T, barcode=T, abc_class=ABC,
              lifecycle_status=LIFECYCLE, created_at=TS, approved_at=TS, approved_by=T,
              parent_sku=T),
        _spec("bundle_components", "bundle_sku component_sku", "quantity", "item_master",
              bundle_sku=T, component_sku=T, quantity=N),
        _spec("sku_mappings", "system system_sku", "sku", "item_master",
              system=T, system_sku=T, sku=T),
        _spec("stock_levels", "as_of system location_id system_sku status", "quantity",
              "warehouse_stock", as_of=TS, system=T, location_id=T, system_sku=T,
              status=STOCK_STATUS, quantity=N),
        _spec("cycle_counts", "count_id",
              "counted_at location_id sku system_qty counted_qty", "warehouse_stock",
              count_id=T, counted_at=TS, location_id=T, sku=T, system_qty=N, counted_qty=N,
              counted_by=T),
        _spec("orders", "order_id", "channel placed_at", "order_routing",
              order_id=T, channel=CHANNELS, placed_at=TS, cancelled_at=TS),
        _spec("order_lines", "order_id line_id", "quantity", "order_routing",
              order_id=T, line_id=T, sku=T, quantity=N, allocated_location_id=T),
        _spec("shipments", "shipment_id line_id", "order_id location_id shipped_at quantity",
              "order_routing", shipment_id=T, order_id=T, line_id=T, location_id=T,
              shipped_at=TS, quantity=N),
        _spec("returns", "return_id", "quantity", "order_routing",
              return_id=T, order_id=T, line_id=T, sku=T, quantity=N, channel=CHANNELS,
              initiated_at=TS, received_at=TS, receiving_location_id=T, condition=CONDITIONS,
              disposition=DISPOSITIONS, disposition_at=TS, refunded_at=TS, restocked_at=TS),
        _spec("integration_events", "event_id", "occurred_at integration status",
              "order_routing", event_id=T, occurred_at=TS, integration=T, entity_type=T,
              entity_key=T, status=EVENT_STATUS, error_type=ERROR_TYPES, message=T),
    )
}  # fmt: skip

# Extra columns of items.csv become attributes; these typed ones get their own column.
ITEM_TYPED_ATTRIBUTES: dict[str, Parser] = {"unit_cost": parse_decimal}


def row_checks(entity: str, row: dict[str, Any]) -> str | None:
    """Cross-field rules of SPEC section 2; the reason a row is unreadable, or None."""
    if entity == "returns":
        received, disposed = row.get("received_at"), row.get("disposition_at")
        if received is not None and disposed is not None and received > disposed:
            return "return received after its disposition (received_at > disposition_at)"
    if entity == "bundle_components":
        quantity = row.get("quantity")
        if quantity is not None and quantity < 1:
            return f"quantity {quantity}: a bundle needs at least one of each component"
    return None

"""The canonical entities of SPEC section 2 as typed records (timestamps in epoch seconds, empty = None)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class Location:
    location_id: str
    type: str
    name: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Item:
    sku: str
    lifecycle_status: str
    created_at: int
    name: str | None = None
    category: str | None = None
    brand: str | None = None
    barcode: str | None = None
    abc_class: str | None = None
    approved_at: int | None = None
    approved_by: str | None = None
    parent_sku: str | None = None
    unit_cost: Decimal | None = None


@dataclass(frozen=True)
class BundleComponent:
    bundle_sku: str
    component_sku: str
    quantity: int


@dataclass(frozen=True)
class SkuMapping:
    system: str
    system_sku: str
    sku: str


@dataclass(frozen=True)
class StockRow:
    as_of: int
    system: str
    location_id: str
    system_sku: str
    status: str
    quantity: int


@dataclass(frozen=True)
class CycleCount:
    count_id: str
    counted_at: int
    location_id: str
    sku: str
    system_qty: int
    counted_qty: int
    counted_by: str | None = None


@dataclass(frozen=True)
class Order:
    order_id: str
    channel: str
    placed_at: int
    cancelled_at: int | None = None


@dataclass(frozen=True)
class OrderLine:
    order_id: str
    line_id: str
    quantity: int
    sku: str | None = None
    allocated_location_id: str | None = None


@dataclass(frozen=True)
class Shipment:
    shipment_id: str
    line_id: str
    order_id: str
    location_id: str
    shipped_at: int
    quantity: int


@dataclass(frozen=True)
class Return:
    return_id: str
    quantity: int
    order_id: str | None = None
    line_id: str | None = None
    sku: str | None = None
    channel: str | None = None
    initiated_at: int | None = None
    received_at: int | None = None
    receiving_location_id: str | None = None
    condition: str | None = None
    disposition: str | None = None
    disposition_at: int | None = None
    refunded_at: int | None = None
    restocked_at: int | None = None


@dataclass(frozen=True)
class Event:
    event_id: str
    occurred_at: int
    integration: str
    status: str
    entity_type: str | None = None
    entity_key: str | None = None
    error_type: str | None = None
    message: str | None = None

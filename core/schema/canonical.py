"""Tables of the canonical data model (SPEC section 2): one per canonical CSV."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Numeric, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class Provenance:
    """Which system and import last changed a row."""

    source_system: Mapped[str | None] = mapped_column(Word)
    import_run_id: Mapped[int | None]


class Location(Provenance, Base):
    __tablename__ = "locations"
    location_id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str | None]
    type: Mapped[str] = mapped_column(Word)
    channel: Mapped[str | None] = mapped_column(Word)


class Item(Provenance, Base):
    __tablename__ = "items"
    sku: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str | None] = mapped_column(Text)
    category: Mapped[str | None]
    brand: Mapped[str | None]
    barcode: Mapped[str | None] = mapped_column(index=True)
    abc_class: Mapped[str | None] = mapped_column(Word)
    lifecycle_status: Mapped[str] = mapped_column(Word)
    created_at: Mapped[datetime | None] = mapped_column(index=True)
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None]
    parent_sku: Mapped[str | None]
    unit_cost: Mapped[Decimal | None] = mapped_column(Numeric(14, 4))
    attributes: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BundleComponent(Provenance, Base):
    __tablename__ = "bundle_components"
    bundle_sku: Mapped[str] = mapped_column(primary_key=True)
    component_sku: Mapped[str] = mapped_column(primary_key=True)
    quantity: Mapped[int]


class SkuMapping(Provenance, Base):
    __tablename__ = "sku_mappings"
    system: Mapped[str] = mapped_column(Word, primary_key=True)
    system_sku: Mapped[str] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(index=True)
    origin: Mapped[str] = mapped_column(Word, default="file")


class StockLevel(Provenance, Base):
    __tablename__ = "stock_levels"
    as_of: Mapped[datetime] = mapped_column(primary_key=True)
    system: Mapped[str] = mapped_column(Word, primary_key=True)
    location_id: Mapped[str] = mapped_column(primary_key=True)
    system_sku: Mapped[str] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(Word, primary_key=True)
    quantity: Mapped[int]

    __table_args__ = (Index(None, "system", "location_id", "status", "system_sku"),)


class CycleCount(Provenance, Base):
    __tablename__ = "cycle_counts"
    count_id: Mapped[str] = mapped_column(primary_key=True)
    counted_at: Mapped[datetime] = mapped_column(index=True)
    location_id: Mapped[str]
    sku: Mapped[str]
    system_qty: Mapped[int]
    counted_qty: Mapped[int]
    counted_by: Mapped[str | None]


class Order(Provenance, Base):
    __tablename__ = "orders"
    order_id: Mapped[str] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(Word)
    placed_at: Mapped[datetime] = mapped_column(index=True)
    cancelled_at: Mapped[datetime | None]


class OrderLine(Provenance, Base):
    __tablename__ = "order_lines"
    order_id: Mapped[str] = mapped_column(primary_key=True)
    line_id: Mapped[str] = mapped_column(primary_key=True)
    sku: Mapped[str | None] = mapped_column(index=True)
    quantity: Mapped[int]
    allocated_location_id: Mapped[str | None]


class Shipment(Provenance, Base):
    __tablename__ = "shipments"
    shipment_id: Mapped[str] = mapped_column(primary_key=True)
    line_id: Mapped[str] = mapped_column(primary_key=True)
    order_id: Mapped[str] = mapped_column(index=True)
    location_id: Mapped[str]
    shipped_at: Mapped[datetime]
    quantity: Mapped[int]


class Return(Provenance, Base):
    __tablename__ = "returns"
    return_id: Mapped[str] = mapped_column(primary_key=True)
    order_id: Mapped[str | None]
    line_id: Mapped[str | None]
    sku: Mapped[str | None]
    quantity: Mapped[int]
    channel: Mapped[str | None] = mapped_column(Word)
    initiated_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None] = mapped_column(index=True)
    receiving_location_id: Mapped[str | None]
    condition: Mapped[str | None] = mapped_column(Word)
    disposition: Mapped[str | None] = mapped_column(Word)
    disposition_at: Mapped[datetime | None]
    refunded_at: Mapped[datetime | None]
    restocked_at: Mapped[datetime | None]


class IntegrationEvent(Provenance, Base):
    __tablename__ = "integration_events"
    event_id: Mapped[str] = mapped_column(primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(index=True)
    integration: Mapped[str]
    entity_type: Mapped[str | None]
    entity_key: Mapped[str | None]
    status: Mapped[str] = mapped_column(Word)
    error_type: Mapped[str | None] = mapped_column(Word)
    message: Mapped[str | None] = mapped_column(Text)


CANONICAL_TABLES: dict[str, type[Base]] = {
    model.__tablename__: model
    for model in (
        Location,
        Item,
        BundleComponent,
        SkuMapping,
        StockLevel,
        CycleCount,
        Order,
        OrderLine,
        Shipment,
        Return,
        IntegrationEvent,
    )
}

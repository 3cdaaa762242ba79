"""The canonical schema: every table invgov keeps."""

from core.schema.accounts import AuditEntry, LoginAttempt, Team, User
from core.schema.base import Base
from core.schema.canonical import (
    CANONICAL_TABLES,
    BundleComponent,
    CycleCount,
    IntegrationEvent,
    Item,
    Location,
    Order,
    OrderLine,
    Return,
    Shipment,
    SkuMapping,
    StockLevel,
)
from core.schema.imports import HeldItemChange, ImportRun, ItemChange, QuarantinedRow

__all__ = [
    "CANONICAL_TABLES",
    "AuditEntry",
    "Base",
    "BundleComponent",
    "CycleCount",
    "HeldItemChange",
    "ImportRun",
    "IntegrationEvent",
    "Item",
    "ItemChange",
    "Location",
    "LoginAttempt",
    "Order",
    "OrderLine",
    "QuarantinedRow",
    "Return",
    "Shipment",
    "SkuMapping",
    "StockLevel",
    "Team",
    "User",
]

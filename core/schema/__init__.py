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
from core.schema.kpis import KpiTarget
from core.schema.mapping import SkuSuggestion, SystemRecord

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
    "KpiTarget",
    "Location",
    "LoginAttempt",
    "Order",
    "OrderLine",
    "QuarantinedRow",
    "Return",
    "Shipment",
    "SkuMapping",
    "SkuSuggestion",
    "StockLevel",
    "SystemRecord",
    "Team",
    "User",
]

"""The canonical schema: every table invgov keeps."""

from core.schema.accounts import AuditEntry, LoginAttempt, Team, User
from core.schema.aggregates import (
    BookUnit,
    DemandDay,
    MetricSnapshot,
    MetricState,
    MetricWeek,
    OpenReturn,
    OrderFact,
    ScopeKey,
)
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
from core.schema.governance import (
    ExceptionComment,
    ExceptionRecord,
    FieldOwnership,
    Review,
    ReviewItem,
    RoutingRule,
    SeveritySla,
    SkuRequest,
)
from core.schema.imports import HeldItemChange, ImportRun, ItemChange, QuarantinedRow
from core.schema.kpis import KpiTarget
from core.schema.mapping import SkuSuggestion, SystemRecord

__all__ = [
    "CANONICAL_TABLES",
    "AuditEntry",
    "Base",
    "BookUnit",
    "BundleComponent",
    "CycleCount",
    "DemandDay",
    "ExceptionComment",
    "ExceptionRecord",
    "FieldOwnership",
    "HeldItemChange",
    "ImportRun",
    "IntegrationEvent",
    "Item",
    "ItemChange",
    "KpiTarget",
    "Location",
    "LoginAttempt",
    "MetricSnapshot",
    "MetricState",
    "MetricWeek",
    "OpenReturn",
    "Order",
    "OrderFact",
    "OrderLine",
    "QuarantinedRow",
    "Return",
    "Review",
    "ReviewItem",
    "RoutingRule",
    "ScopeKey",
    "SeveritySla",
    "Shipment",
    "SkuMapping",
    "SkuRequest",
    "SkuSuggestion",
    "StockLevel",
    "SystemRecord",
    "Team",
    "User",
]

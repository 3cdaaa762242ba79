"""The canonical schema: every table invgov keeps."""

from core.schema.accounts import AuditEntry, LoginAttempt, Team, User
from core.schema.aggregates import (
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
from core.schema.migration import (
    BookSystem,
    ItemMasterFreeze,
    MigrationExplanation,
    SystemMigration,
)

__all__ = [
    "CANONICAL_TABLES",
    "AuditEntry",
    "Base",
    "BookSystem",
    "BundleComponent",
    "CycleCount",
    "ExceptionComment",
    "ExceptionRecord",
    "FieldOwnership",
    "HeldItemChange",
    "ImportRun",
    "IntegrationEvent",
    "Item",
    "ItemChange",
    "ItemMasterFreeze",
    "KpiTarget",
    "Location",
    "LoginAttempt",
    "MetricSnapshot",
    "MetricState",
    "MetricWeek",
    "MigrationExplanation",
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
    "SystemMigration",
    "SystemRecord",
    "Team",
    "User",
]

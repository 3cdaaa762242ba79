"""The words of exception work: severities, statuses, domains, resolution reasons, and their defaults."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from governance.errors import GovernanceError

E = TypeVar("E", bound=StrEnum)
SYSTEM = "system"  # the audit actor of changes judged by the data (detection)


class Severity(StrEnum):
    """How bad a problem is (low < medium < high)."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"

    @property
    def rank(self) -> int:
        """0 for low, 1 for medium, 2 for high."""
        return list(Severity).index(self)


class Status(StrEnum):
    """Where an exception is in its lifecycle."""

    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    WONT_FIX = "wont_fix"


ACTIVE = frozenset({Status.OPEN, Status.ACKNOWLEDGED, Status.IN_PROGRESS})
CLOSED = frozenset({Status.RESOLVED, Status.WONT_FIX})


class Domain(StrEnum):
    """What an exception is about; routing maps each domain to its owning team."""

    ITEM_MASTER = "item_master"
    WAREHOUSE_STOCK = "warehouse_stock"
    ORDER_ROUTING = "order_routing"
    RETURNS_INTAKE = "returns_intake"
    INTEGRATIONS = "integrations"
    REFUNDS_VALUATION = "refunds_valuation"


class Reason(StrEnum):
    """Why a person resolved or closed an exception (SPEC section 4's short taxonomy)."""

    FIXED_AT_SOURCE = "fixed_at_source"
    DATA_CORRECTED = "data_corrected"
    FALSE_POSITIVE = "false_positive"
    DUPLICATE = "duplicate"
    ACCEPTED_RISK = "accepted_risk"
    OTHER = "other"


CLEARED_BY_DATA = "cleared_by_data"  # the resolution reason detection writes
# exceptions.verification of a person's resolution: waiting for new evidence, then verified by it.
AWAITING, VERIFIED = "awaiting", "verified"

# SPEC section 4: default routing by domain (stewards edit it; stored rows override these).
DEFAULT_ROUTING: dict[Domain, str] = {
    Domain.ITEM_MASTER: "merchandising",
    Domain.WAREHOUSE_STOCK: "inventory control",
    Domain.ORDER_ROUTING: "operations",
    Domain.RETURNS_INTAKE: "store operations",
    Domain.INTEGRATIONS: "systems / IT",
    Domain.REFUNDS_VALUATION: "finance",
}

# Hours from opening to due date per severity (stewards edit them; stored rows override these).
DEFAULT_SLA_HOURS: dict[Severity, int] = {
    Severity.HIGH: 48,
    Severity.MEDIUM: 7 * 24,
    Severity.LOW: 14 * 24,
}


def parse_choice(kind: type[E], raw: str, what: str) -> E:
    """A member of a StrEnum from its value; GovernanceError listing the choices otherwise."""
    try:
        return kind(str(raw).strip().lower())
    except ValueError:
        choices = ", ".join(member.value for member in kind)
        raise GovernanceError(f"unknown {what} {raw!r}: choose one of {choices}") from None

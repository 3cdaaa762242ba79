"""Every exception rule of SPEC section 4, in the table's order (a new rule is one line here)."""

from __future__ import annotations

from governance.errors import GovernanceError
from governance.rule_model import ExceptionRule
from governance.rules_feeds import INTEGRATION_FAILURE_SPIKE, QUARANTINED_ROWS
from governance.rules_flow import BLACK_HOLE_RETURN, RETURN_LAG_BREACH, STALLED_ORDER
from governance.rules_items import (
    DUPLICATE_BARCODE,
    FIELD_OWNERSHIP_CONFLICT,
    INVALID_BARCODE,
    MISSING_ATTRIBUTES,
    MISSING_SKU,
    UNAPPROVED_ACTIVE_SKU,
)
from governance.rules_planning import (
    BUNDLE_AVAILABILITY_BREACH,
    DEAD_STOCK,
    SAFETY_STOCK_SHORTFALL,
    STRANDED_STOCK,
)
from governance.rules_stock import ACCURACY_BELOW_TARGET, STOCK_DISCREPANCY, UNMAPPED_SYSTEM_SKU

RULES: tuple[ExceptionRule, ...] = (
    STOCK_DISCREPANCY,
    UNMAPPED_SYSTEM_SKU,
    MISSING_SKU,
    DUPLICATE_BARCODE,
    INVALID_BARCODE,
    MISSING_ATTRIBUTES,
    UNAPPROVED_ACTIVE_SKU,
    ACCURACY_BELOW_TARGET,
    STALLED_ORDER,
    RETURN_LAG_BREACH,
    BLACK_HOLE_RETURN,
    INTEGRATION_FAILURE_SPIKE,
    QUARANTINED_ROWS,
    FIELD_OWNERSHIP_CONFLICT,
    SAFETY_STOCK_SHORTFALL,
    BUNDLE_AVAILABILITY_BREACH,
    DEAD_STOCK,
    STRANDED_STOCK,
)
RULE_TYPES: tuple[str, ...] = tuple(rule.type for rule in RULES)
BY_TYPE: dict[str, ExceptionRule] = {rule.type: rule for rule in RULES}


def rule(exception_type: str) -> ExceptionRule:
    """The rule of an exception type; GovernanceError for an unknown one."""
    try:
        return BY_TYPE[exception_type]
    except KeyError:
        raise GovernanceError(f"unknown exception type {exception_type!r}") from None

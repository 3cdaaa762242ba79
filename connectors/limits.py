"""Every value of a validated row checked against what the database holds and the quantity bound.

The column limits come from `core.schema.limits` (declared once per column type); quantities are
also bounded by the setting INVGOV_MAX_QUANTITY (|quantity| ≤ 1,000,000,000 by default), so sums
and differences in metrics never overflow. Checked while a file is validated, before any write:
a row that fails is quarantined with a reason naming the column and the limit.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from connectors.canonical import ENTITIES
from connectors.fields import RowError
from core.schema.limits import limit_of
from core.settings import get_settings

QUANTITIES = ("quantity", "system_qty", "counted_qty")
Check = Callable[[str, Any], str | None]


@cache
def _checks(entity: str) -> dict[str, Check]:
    """Each column of an entity's table with its limit's check (built once per entity)."""
    return {column.name: limit_of(column.type).check for column in ENTITIES[entity].table.columns}


def check_limits(entity: str, row: dict[str, Any]) -> None:
    """RowError naming the first column whose value the database cannot hold or that is out of bounds."""
    checks = _checks(entity)
    for name, value in row.items():
        if value is None:
            continue
        check = checks.get(name)
        if check is None:
            continue
        reason = check(name, value)
        if reason is None and name in QUANTITIES:
            reason = quantity_problem(name, value, get_settings().max_quantity)
        if reason:
            raise RowError(reason)


def quantity_problem(name: str, value: Any, bound: int) -> str | None:
    """Why a quantity is beyond the accepted bound, or None."""
    if isinstance(value, int) and abs(value) > bound:
        return (
            f"{name} {value} is beyond the largest quantity accepted (±{bound:,}, "
            "setting INVGOV_MAX_QUANTITY)"
        )
    return None

"""Every value of a validated row checked against what the database holds and the quantity bound.

The column limits come from `core.schema.limits` (declared once per column type); quantities are
also bounded by the setting INVGOV_MAX_QUANTITY (|quantity| ≤ 1,000,000,000 by default), so sums
and differences in metrics never overflow. Checked while a file is validated, before any write:
a row that fails is quarantined with a reason naming the column and the limit.
"""

from __future__ import annotations

from typing import Any

from connectors.canonical import ENTITIES
from connectors.fields import RowError
from core.schema.limits import problem
from core.settings import get_settings

QUANTITIES = ("quantity", "system_qty", "counted_qty")


def check_limits(entity: str, row: dict[str, Any]) -> None:
    """RowError naming the first column whose value the database cannot hold or that is out of bounds."""
    table = ENTITIES[entity].table
    bound = get_settings().max_quantity
    for name, value in row.items():
        if name not in table.c:
            continue
        reason = problem(table.c[name], value)
        if reason is None and name in QUANTITIES:
            reason = quantity_problem(name, value, bound)
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

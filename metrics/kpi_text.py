"""KPI values as people read them: percent with one decimal, counts with separators, hours or days."""

from __future__ import annotations

from metrics.kpis import Kpi, Rag, Target, Unit

HOURS_AS_DAYS = 48  # from two days on, hours read better as days
STATUS_WORD: dict[Rag, str] = {
    Rag.GREEN: "on target",
    Rag.AMBER: "near target",
    Rag.RED: "off target",
    Rag.NO_DATA: "no data",
}


def value_text(kpi: Kpi, value: float | None) -> str:
    """A KPI value: `97.3 %`, `1,204`, `36 h` or `3.5 d`; `no data` for None."""
    if value is None:
        return "no data"
    if kpi.unit is Unit.SHARE:
        return f"{value * 100:.1f} %"
    if kpi.unit is Unit.HOURS:
        return f"{value / 24:.1f} d" if value >= HOURS_AS_DAYS else f"{value:,.0f} h"
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def target_text(kpi: Kpi, target: Target) -> str:
    """The target with its comparator: `≥ 98.0 %`, `= 0`, `≤ 72 h`."""
    sign = {">=": "≥", "<=": "≤", "=": "="}.get(target.comparator, target.comparator)
    return f"{sign} {value_text(kpi, target.target)}"


def change_text(kpi: Kpi, change: float | None) -> str:
    """A week-over-week change: `+1.2 pp`, `−3`, `+5 h`, `no change`; empty without one."""
    if change is None:
        return ""
    if change == 0:
        return "no change"
    sign = "+" if change > 0 else "−"
    size = abs(change)
    if kpi.unit is Unit.SHARE:
        return f"{sign}{size * 100:.1f} pp"
    if kpi.unit is Unit.HOURS:
        return f"{sign}{size:,.0f} h"
    return f"{sign}{size:,.0f}" if float(size).is_integer() else f"{sign}{size:,.2f}"

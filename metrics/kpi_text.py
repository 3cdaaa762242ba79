"""KPI values as people read them, written as the Overview writes them (per cent, hours, counts).

The Overview's tiles (ui.kpi_views) and the printed reports show the same strings for the same
numbers: a share with one decimal (`97.3%`), hours with one decimal, counts with separators.
"""

from __future__ import annotations

from metrics.kpis import Kpi, Rag, Target, Unit

NO_VALUE, NO_CHANGE = "–", "no change"
STATUS_WORD: dict[Rag, str] = {
    Rag.GREEN: "on target",
    Rag.AMBER: "near target",
    Rag.RED: "off target",
    Rag.NO_DATA: "no data",
}
COMPARATOR_SIGN = {">=": "≥", "<=": "≤", "=": "="}


def value_text(kpi: Kpi, value: float | None) -> str:
    """A KPI value: `97.3%`, `36.0 h`, `1,204`; a dash for none."""
    if value is None:
        return NO_VALUE
    if kpi.unit is Unit.SHARE:
        return f"{value:.1%}"
    if kpi.unit is Unit.HOURS:
        return f"{value:,.1f} h"
    return f"{value:,.0f}"


def target_text(kpi: Kpi, target: Target) -> str:
    """The target with its comparator: `≥ 98.0%`, `= 0`, `≤ 72.0 h`."""
    sign = COMPARATOR_SIGN.get(target.comparator, target.comparator)
    return f"{sign} {value_text(kpi, target.target)}"


def change_text(kpi: Kpi, change: float | None) -> str:
    """A week-over-week change: `+1.2 pp`, `-3`, `+5.0 h`, `no change`; empty without one."""
    if change is None:
        return ""
    if kpi.unit is Unit.SHARE:
        text = f"{change * 100:+.1f} pp"
    elif kpi.unit is Unit.HOURS:
        text = f"{change:+,.1f} h"
    else:
        text = f"{change:+,.0f}"
    return text if any(digit in text for digit in "123456789") else NO_CHANGE

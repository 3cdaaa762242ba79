"""Plain words: the labels of internal names (metrics, exception types, reasons, checks, statuses,
steps, facts) and values formatted by their unit. Pages, minutes, exports and CLI tables use it.

A name without a label here is still shown in words (`dead_stock_units` -> "Dead stock units"),
so a new metric or rule never shows its identifier to a person. Identifiers stay in JSON output.
"""

from __future__ import annotations

import math
from enum import StrEnum

from metrics.kpis import KPI_BY_METRIC
from metrics.model import Ratio, UnitAccuracy
from metrics.registry import BY_ID
from metrics.sku_checks import Check

DEFAULT_SKU_PATTERN = r"^[A-Z0-9]+(-[A-Z0-9]+)*$"
DASH = "–"


class Unit(StrEnum):
    """How a value is written for people."""

    SHARE = "share"  # 0.973 -> 97.3 %
    COUNT = "count"  # 1234 -> 1,234
    HOURS = "hours"  # 113.7525 -> 113.8 h
    DAYS = "days"  # 2.25 -> 2.3 d
    MONEY = "money"  # 1234.5 -> 1,234.50
    NUMBER = "number"  # at most two decimals


ACRONYMS = {"sku": "SKU", "skus": "SKUs", "ira": "IRA", "id": "ID", "qty": "quantity", "p50": "p50",
            "p90": "p90", "gtin": "GTIN", "it": "IT", "dc": "DC", "3pl": "3PL"}  # fmt: skip


def words(name: str | None) -> str:
    """An identifier as words, first letter capital (`in_progress` -> "In progress")."""
    parts = [ACRONYMS.get(p, p) for p in str(name or "").replace("-", "_").split("_") if p]
    text = " ".join(parts)
    return text[:1].upper() + text[1:]


# --- metrics and KPIs -------------------------------------------------------------------------
METRIC_LABELS: dict[str, str] = {
    "return_lag_p50_hours": "Return lag p50",
    "return_lag_p90_hours": "Return lag p90",
    "multi_location_rate": "Multi-location rate",
    "open_returns": "Open returns",
    "sku_check_failures": "SKU check failures",
    "integration_failures": "Integration failures",
    "review_completion": "Review completion",
    "review_completion_exceptions": "Review completion, weighted by open exceptions",
    "exception_age_mean_days": "Mean age of active exceptions",
    "exception_age_median_days": "Median age of active exceptions",
    "mean_time_to_acknowledge_hours": "Mean time to acknowledge",
    "mean_time_to_resolve_hours": "Mean time to resolve",
    "reopen_rate": "Reopen rate",
}
GOVERNANCE_UNITS: dict[str, Unit] = {
    "review_completion": Unit.SHARE,
    "review_completion_exceptions": Unit.SHARE,
    "exception_age_mean_days": Unit.DAYS,
    "exception_age_median_days": Unit.DAYS,
    "mean_time_to_acknowledge_hours": Unit.HOURS,
    "mean_time_to_resolve_hours": Unit.HOURS,
    "reopen_rate": Unit.SHARE,
}


def metric_label(metric_id: str) -> str:
    """A metric's or KPI's name for people (`return_lag_p90_hours` -> "Return lag p90")."""
    if metric_id in KPI_BY_METRIC:
        return KPI_BY_METRIC[metric_id].label
    if metric_id in METRIC_LABELS:
        return METRIC_LABELS[metric_id]
    return words(metric_id.removesuffix("_hours").removesuffix("_days"))


def metric_unit(metric_id: str) -> Unit:
    """The unit of a metric's value: shares for ratios, hours and days by name, else counts."""
    if metric_id in KPI_BY_METRIC:
        return Unit(KPI_BY_METRIC[metric_id].unit.value)
    if metric_id in GOVERNANCE_UNITS:
        return GOVERNANCE_UNITS[metric_id]
    if metric_id.endswith("_hours"):
        return Unit.HOURS
    if metric_id.endswith("_days"):
        return Unit.DAYS
    definition = BY_ID.get(metric_id)
    if definition is not None and isinstance(definition.measure, Ratio | UnitAccuracy):
        return Unit.SHARE
    return Unit.SHARE if metric_id.endswith("_rate") else Unit.COUNT


def format_value(value: float | int | None, unit: Unit | str) -> str:
    """A value as people read it in its unit; a dash for none."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return DASH
    number = float(value)
    formats = {
        Unit.SHARE: lambda: f"{number * 100:,.1f} %",
        Unit.COUNT: lambda: f"{number:,.0f}",
        Unit.HOURS: lambda: f"{_one_decimal(number)} h",
        Unit.DAYS: lambda: f"{_one_decimal(number)} d",
        Unit.MONEY: lambda: f"{number:,.2f}",
        Unit.NUMBER: lambda: f"{number:,.2f}".rstrip("0").rstrip("."),
    }
    return formats[Unit(unit)]()


def _one_decimal(number: float) -> str:
    """One decimal, none when it is 0 (113.75 -> "113.8", 72.0 -> "72")."""
    text = f"{number:,.1f}"
    return text.removesuffix(".0")


def metric_value(metric_id: str, value: float | int | None) -> str:
    """A metric's value in its unit (`return_lag_p90_hours`, 113.7525 -> "113.8 h")."""
    return format_value(value, metric_unit(metric_id))


def metric_change(metric_id: str, change: float | None) -> str:
    """A change of a metric's value: percentage points for shares (`+1.2 pp`), else its unit."""
    if change is None:
        return DASH
    if metric_unit(metric_id) is Unit.SHARE:
        return f"{change * 100:+.1f} pp"
    text = metric_value(metric_id, abs(change))
    return ("-" if change < 0 else "+") + text


def margin_text(metric_id: str, margin: float | None) -> str:
    """A KPI's amber margin: percentage points for shares (`2 pp`), else the KPI's unit."""
    if margin is not None and metric_unit(metric_id) is Unit.SHARE:
        return f"{_one_decimal(margin * 100)} pp"
    return metric_value(metric_id, margin)


COMPARATORS = {">=": "≥", "<=": "≤", "=": "="}


def target_text(metric_id: str, comparator: str, target: float | None) -> str:
    """A KPI target as people read it: `≤ 72 h`."""
    return f"{COMPARATORS.get(comparator, comparator)} {metric_value(metric_id, target)}"


def kpi_phrase(metric_id: str, value: float | None, comparator: str, target: float) -> str:
    """`Return lag p90: 113.8 h (target ≤ 72 h)`."""
    return (
        f"{metric_label(metric_id)}: {metric_value(metric_id, value)} "
        f"(target {target_text(metric_id, comparator, target)})"
    )


RAG_WORDS = {"green": "on target", "amber": "near target", "red": "off target",
             "no_data": "no data"}  # fmt: skip
NO_CHANGE = "no change"


def format_change(change: float | None, unit: Unit | str) -> str | None:
    """A week-over-week change as shown (`+1.2 pp`, `-3`, `+5 h`); "no change" when it rounds
    to nothing; None without a change to show."""
    if change is None:
        return None
    if Unit(unit) is Unit.SHARE:
        text = f"{change * 100:+.1f} pp"
    else:
        text = ("-" if change < 0 else "+") + format_value(abs(change), unit)
    return text if any(digit in text for digit in "123456789") else NO_CHANGE


def kpi_change(metric_id: str, change: float | None) -> str | None:
    """A KPI's week-over-week change in the KPI's unit (see format_change)."""
    return format_change(change, metric_unit(metric_id))


# --- exceptions ----------------------------------------------------------------------------------
TYPE_LABELS: dict[str, str] = {
    "stock_discrepancy": "Stock discrepancy",
    "unmapped_system_sku": "Unmapped system SKU",
    "missing_sku": "Record without a SKU",
    "duplicate_barcode": "Duplicate barcode",
    "invalid_barcode": "Invalid barcode",
    "missing_attributes": "Missing item attributes",
    "unapproved_active_sku": "Active SKU without approval",
    "accuracy_below_target": "Record accuracy below target",
    "stalled_order": "Stalled order",
    "return_lag_breach": "Return waiting too long",
    "black_hole_return": "Black-hole return",
    "integration_failure_spike": "Integration failure spike",
    "quarantined_rows": "File with quarantined rows",
    "field_ownership_conflict": "Field ownership conflict",
    "safety_stock_shortfall": "Below safety stock",
    "bundle_availability_breach": "Bundle sold beyond its components",
    "dead_stock": "Dead stock",
    "stranded_stock": "Stranded stock",
}
TYPE_MEANINGS: dict[str, str] = {
    "stock_discrepancy": "a system shows a different sellable quantity than the book (the WMS)",
    "unmapped_system_sku": "a system's SKU in stock files matches no item",
    "missing_sku": "a source record (e.g. a Shopify variant) has no SKU at all",
    "duplicate_barcode": "two or more items share one barcode",
    "invalid_barcode": "an item's barcode is not a valid GTIN (wrong length or check digit)",
    "missing_attributes": "an item lacks a required field (name, category, brand, barcode, …)",
    "unapproved_active_sku": "an active item was never approved",
    "accuracy_below_target": "a location's cycle counts over the last 4 complete weeks miss the "
    "record accuracy target",
    "stalled_order": "an order placed more than 48 hours ago is not fully shipped",
    "return_lag_breach": "a received return has waited for its disposition longer than the "
    "return lag target",
    "black_hole_return": "a refunded return received 7 or more days ago was never dispositioned",
    "integration_failure_spike": "an integration failed more often last week than its target and "
    "twice its usual rate",
    "quarantined_rows": "an imported file had rows that could not be read",
    "field_ownership_conflict": "a system that does not own the item master sent a different value",
    "safety_stock_shortfall": "a channel's available units of a SKU are below the safety stock its "
    "last 56 days of demand and its lead time call for",
    "bundle_availability_breach": "a system offers more of a bundle than the book's components at "
    "that location can build",
    "dead_stock": "an active SKU at least 90 days old has sellable stock but shipped nothing in the "
    "last 90 days",
    "stranded_stock": "a draft or retired SKU still has sellable stock",
}


def type_label(exception_type: str) -> str:
    """An exception type's name for people."""
    return TYPE_LABELS.get(exception_type) or words(exception_type)


def type_meaning(exception_type: str) -> str:
    """What an exception of this type means, in one phrase."""
    return TYPE_MEANINGS.get(exception_type, words(exception_type).lower())


REASON_LABELS: dict[str, str] = {
    "fixed_at_source": "Fixed at source",
    "data_corrected": "Data corrected",
    "false_positive": "False positive",
    "duplicate": "Duplicate",
    "accepted_risk": "Accepted risk",
    "other": "Other",
    "cleared_by_data": "Cleared by data",
}


def reason_label(reason: str | None) -> str:
    """A resolution reason's label (empty for none)."""
    return "" if not reason else REASON_LABELS.get(reason) or words(reason)


def reason_choices() -> str:
    """The reasons a person may choose, as a phrase: "Fixed at source, …, Accepted risk or Other"."""
    names = [label for key, label in REASON_LABELS.items() if key != "cleared_by_data"]
    return ", ".join(names[:-1]) + " or " + names[-1]


STATUS_LABELS = {"open": "Open", "acknowledged": "Acknowledged", "in_progress": "In progress",
                 "resolved": "Resolved", "wont_fix": "Won't fix"}  # fmt: skip
VERIFICATION_LABELS = {"awaiting": "Resolved, awaiting verification",
                       "verified": "Resolved and verified"}  # fmt: skip


def status_label(status: str, verification: str | None = None, cleared: bool = False) -> str:
    """An exception's state for people: "In progress", "Resolved, awaiting verification", …"""
    if status == "resolved" and verification in VERIFICATION_LABELS:
        return VERIFICATION_LABELS[verification]
    if status == "resolved" and cleared:
        return "Resolved (cleared by data)"
    return STATUS_LABELS.get(status) or words(status)


SEVERITY_LABELS = {"high": "High", "medium": "Medium", "low": "Low"}
DOMAIN_LABELS = {"item_master": "Item master", "warehouse_stock": "Warehouse stock",
                 "order_routing": "Order routing", "returns_intake": "Returns intake",
                 "integrations": "Integrations", "refunds_valuation": "Refunds and valuation"}  # fmt: skip


def severity_label(severity: str) -> str:
    """`high` -> "High"."""
    return SEVERITY_LABELS.get(severity) or words(severity)


def domain_label(domain: str) -> str:
    """`warehouse_stock` -> "Warehouse stock"."""
    return DOMAIN_LABELS.get(domain) or words(domain)


# --- SKU checks and returns steps ----------------------------------------------------------------
CHECK_LABELS: dict[str, str] = {
    Check.APPROVED: "Approved",
    Check.NAMING_CONVENTION: "Follows the SKU naming rule",
    Check.REQUIRED_ATTRIBUTES: "Has the required fields",
    Check.UNIQUE_BARCODE: "Barcode used once",
    Check.VALID_BARCODE: "Valid barcode",
}


def check_label(check: str) -> str:
    """A SKU check's label."""
    return CHECK_LABELS.get(check) or words(check)


def naming_rule_text(pattern: str) -> str:
    """What the SKU naming rule asks, in words with an example (never the pattern itself)."""
    if pattern == DEFAULT_SKU_PATTERN:
        return (
            "capital letters and digits, in groups joined by single dashes, with no spaces "
            "(for example TEE-RED-M or 10042)"
        )
    return "the SKU naming rule configured for this brand (ask a data steward for an example)"


STEP_LABELS = {"order_link": "Link to its order", "inspection": "Inspection",
               "disposition": "Disposition", "refund": "Refund",
               "availability": "Back in stock"}  # fmt: skip


def step_label(step: str) -> str:
    """A returns handoff step's label."""
    return STEP_LABELS.get(step) or words(step)


# --- facts shown on exceptions -------------------------------------------------------------------
FACT_UNITS: dict[str, Unit] = {
    "accuracy": Unit.SHARE,
    "failure_rate": Unit.SHARE,
    "baseline_rate": Unit.SHARE,
    "limit_hours": Unit.HOURS,
    "lag_hours": Unit.HOURS,
    "value": Unit.MONEY,
    "unit_cost": Unit.MONEY,
    "service_level": Unit.SHARE,
    "lead_time_days": Unit.DAYS,
    "lead_time_sd_days": Unit.DAYS,
    "mean_daily": Unit.NUMBER,
    "sd_daily": Unit.NUMBER,
    "safety_stock": Unit.NUMBER,
    "shortfall": Unit.NUMBER,
}
FACT_LABELS = {"system_qty": "System quantity", "book_qty": "Book quantity",
               "book_system": "Book system", "limit_hours": "Lag target",
               "also": "Also", "first_lines": "First bad lines",
               "accurate_counts": "Accurate counts", "file_sha256": "File sha256",
               "demand_units": "Demand in the window (units)",
               "mean_daily": "Mean daily demand (d̄)", "sd_daily": "Daily demand deviation (σd)",
               "lead_time_days": "Lead time (L)", "lead_time_sd_days": "Lead time deviation (σL)",
               "service_level": "Service level (p)", "z": "z (normal quantile of p)",
               "available": "Available units", "system_units": "System units",
               "buildable": "Buildable from the book", "excess": "Units over",
               "limiting": "Limiting components", "value": "Value (units × unit cost)",
               "last_shipped_at": "Last shipped"}  # fmt: skip
SHARE_TARGET_TYPES = {"accuracy_below_target", "integration_failure_spike"}


def fact_label(name: str) -> str:
    """A fact's label (`system_qty` -> "System quantity")."""
    return FACT_LABELS.get(name) or words(name)


def fact_text(exception_type: str, name: str, value: object) -> str:
    """A fact's value as people read it (shares in per cent, hours, folded types by label)."""
    if value is None:
        return ""
    if name == "also" and isinstance(value, list | tuple):
        return ", ".join(type_label(str(v)) for v in value)
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    unit = FACT_UNITS.get(name)
    if name == "target" and exception_type in SHARE_TARGET_TYPES:
        unit = Unit.SHARE
    if unit is not None and isinstance(value, int | float) and not isinstance(value, bool):
        return format_value(value, unit)
    if isinstance(value, float):
        return format_value(value, Unit.NUMBER)
    return str(value)


HOURS_AS_DAYS_FROM = 48  # a KPI in hours at or above this many is shown in days


def _hours_text(hours: float) -> str:
    if abs(hours) >= HOURS_AS_DAYS_FROM:
        return f"{hours / 24:,.1f} days"
    return f"{hours:,.1f} h"


def kpi_value_text(value: float | None, unit: Unit | str, currency: str) -> str:
    """A KPI value for people: per cent with one decimal, hours (or days from 48 h), money in the
    currency with cents, counts with thousands separators; a dash for none."""
    if value is None:
        return DASH
    return {
        Unit.SHARE: lambda: f"{value * 100:,.1f} %",
        Unit.COUNT: lambda: f"{value:,.0f}",
        Unit.HOURS: lambda: _hours_text(value),
        Unit.MONEY: lambda: f"{currency} {value:,.2f}",
    }[Unit(unit)]()


def kpi_target_text(comparator: str, target: float | None, unit: Unit | str, currency: str) -> str:
    """A KPI target as the tiles and the founder page write it: `≥ 98.0 %`, `≤ 3.0 days`."""
    return f"{COMPARATORS.get(comparator, comparator)} {kpi_value_text(target, unit, currency)}"


def kpi_change_text(change: float | None, unit: Unit | str, currency: str) -> str | None:
    """A change from the week before (`+1.2 pp`, `-3`, `+5.0 h`); NO_CHANGE when it rounds to
    nothing; None without a change."""
    if change is None:
        return None
    if Unit(unit) is Unit.SHARE:
        text = f"{change * 100:+.1f} pp"
    else:
        text = ("-" if change < 0 else "+") + kpi_value_text(abs(change), unit, currency)
    return text if any(digit in text for digit in "123456789") else NO_CHANGE

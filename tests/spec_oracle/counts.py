"""inventory_record_accuracy and unit_accuracy (SPEC section 3), by week of counted_at."""

from __future__ import annotations

from fractions import Fraction

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import CycleCount, Item
from tests.spec_oracle.rows import Row, Settings, group_rows, iso_week, ratio


def _known_item(data: Data, sku: str, as_of: int) -> Item | None:
    """The count's item, or None: "an item created after as_of is unknown at as_of" (READINGS item 0)."""
    item = data.records.get("items", {}).get((sku,))
    if item is None or item.created_at > as_of:
        return None
    return item


def _counts(data: Data, as_of: int) -> list[CycleCount]:
    """SPEC: "Every event after as_of is ignored": counts with counted_at ≤ as_of."""
    return [c for c in data.all("cycle_counts") if c.counted_at <= as_of]


def inventory_record_accuracy(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """accurate / counts by week of counted_at; dims location and abc_class; n counts, num accurate."""
    facts = []
    for count in _counts(data, as_of):
        item = _known_item(data, count.sku, as_of)
        abc_class = item.abc_class if item is not None else None
        # "tol by the item's abc_class: A 0, B 0.02, C 0.05, empty or unknown item 0"
        tolerance = settings.tolerance.get(abc_class, Fraction(0)) if abc_class else Fraction(0)
        # "Accurate count: abs(counted − system) ≤ tol × abs(system) ... Compared exactly"
        accurate = abs(count.counted_qty - count.system_qty) <= tolerance * abs(count.system_qty)
        keys = {"location": count.location_id, "abc_class": abc_class}
        facts.append((iso_week(count.counted_at), keys, accurate))

    def finish(group: list[bool]) -> tuple[float, int, int]:
        accurate = sum(1 for a in group if a)
        return ratio(accurate, len(group)), len(group), accurate

    return group_rows("inventory_record_accuracy", facts, ("location", "abc_class"), finish)


def unit_accuracy(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """max(0, 1 − Σ abs(counted − system) / Σ system), null when Σ system = 0; n counts, num null."""
    facts = [(iso_week(c.counted_at), {"location": c.location_id}, c) for c in _counts(data, as_of)]

    def finish(group: list[CycleCount]) -> tuple[float | None, int, None]:
        total_abs = sum(abs(c.counted_qty - c.system_qty) for c in group)
        total_system = sum(c.system_qty for c in group)
        if total_system == 0:
            return None, len(group), None
        value = max(Fraction(0), 1 - Fraction(total_abs, total_system))
        return float(value), len(group), None

    return group_rows("unit_accuracy", facts, ("location",), finish)

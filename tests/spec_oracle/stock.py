"""SKU resolution, newest sellable snapshots, stock_discrepancies and unmapped_system_skus (SPEC section 3)."""

from __future__ import annotations

from dataclasses import dataclass

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import StockRow
from tests.spec_oracle.rows import Row, Settings, group_rows

# (system, location_id, sku) -> units
Snapshot = dict[tuple[str, str, str], int]


def resolve(data: Data, system: str, system_sku: str, as_of: int) -> str | None:
    """SPEC: "SKU resolution of a system SKU: sku_mappings first, even where the system_sku is itself a
    canonical SKU; else exact, case-sensitive equality with the sku of an item created ≤ as_of"."""
    mapping = data.records.get("sku_mappings", {}).get((system, system_sku))
    if mapping is not None:
        return mapping.sku
    item = data.records.get("items", {}).get((system_sku,))
    if item is not None and item.created_at <= as_of:
        return item.sku
    return None


def stock_rows(data: Data, as_of: int) -> list[StockRow]:
    """Stock rows with as_of ≤ as_of (every later row is ignored)."""
    return [r for r in data.all("stock_levels") if r.as_of <= as_of]


def sellable_rows(data: Data, as_of: int) -> list[StockRow]:
    """Stock rows with status sellable and as_of ≤ as_of."""
    return [r for r in stock_rows(data, as_of) if r.status == "sellable"]


def newest_sellable(data: Data, as_of: int) -> Snapshot:
    """SPEC: "For each (system, location, sku) the newest as_of among the sellable rows resolving to that
    sku counts, and the rows of that as_of are summed (a SKU missing from a newer snapshot keeps its
    older value)"."""
    resolved = []
    for r in sellable_rows(data, as_of):
        sku = resolve(data, r.system, r.system_sku, as_of)
        if sku is not None:  # "System SKUs that resolve to nothing are left out of the comparison"
            resolved.append(((r.system, r.location_id, sku), r))
    newest: dict[tuple[str, str, str], int] = {}
    for key, r in resolved:
        if key not in newest or r.as_of > newest[key]:
            newest[key] = r.as_of
    units: Snapshot = {}
    for key, r in resolved:
        if r.as_of == newest[key]:
            units[key] = units.get(key, 0) + r.quantity
    return units


def book_units(data: Data, as_of: int, settings: Settings) -> dict[tuple[str, str], int]:
    """(location, sku) -> the book system's newest sellable units there (READINGS item 4)."""
    return {
        (location, sku): units
        for (system, location, sku), units in newest_sellable(data, as_of).items()
        if system == settings.book_of(location)
    }


@dataclass(frozen=True)
class ComparedPair:
    """One (system, location, sku) compared with the book."""

    system: str
    location_id: str
    sku: str
    system_units: int
    book_units: int


def compared_systems(data: Data, as_of: int, settings: Settings) -> list[tuple[str, str]]:
    """(system, location) pairs compared: "A system is compared at a location only when both the
    book and that system have a sellable row there (as_of ≤ as_of; any quantity, resolvable or not)."
    "The book system has no row of its own"."""
    systems_at: dict[str, set[str]] = {}
    for r in sellable_rows(data, as_of):
        systems_at.setdefault(r.location_id, set()).add(r.system)
    compared = []
    for location, systems in systems_at.items():
        book = settings.book_of(location)
        if book in systems:
            compared.extend((system, location) for system in systems if system != book)
    return sorted(compared)


def compared_pairs(data: Data, as_of: int, settings: Settings) -> list[ComparedPair]:
    """SPEC: "The pairs are the union of SKUs on either side, a missing side counting 0"."""
    snapshot = newest_sellable(data, as_of)
    pairs = []
    for system, location in compared_systems(data, as_of, settings):
        book = settings.book_of(location)
        skus = {s for (sy, lo, s) in snapshot if lo == location and sy in (system, book)}
        for sku in sorted(skus):
            pairs.append(
                ComparedPair(
                    system,
                    location,
                    sku,
                    snapshot.get((system, location, sku), 0),
                    snapshot.get((book, location, sku), 0),
                )
            )
    return pairs


def stock_discrepancies(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "(location, sku) pairs where the system's sellable ≠ the book's"; n pairs compared; num
    "units overstated, Σ max(0, system − book)"; "`all` sums over systems"."""
    facts = [(None, {"system": p.system}, p) for p in compared_pairs(data, as_of, settings)]

    def finish(group: list[ComparedPair]) -> tuple[int, int, int]:
        differing = sum(1 for p in group if p.system_units != p.book_units)
        overstated = sum(max(0, p.system_units - p.book_units) for p in group)
        return differing, len(group), overstated

    return group_rows("stock_discrepancies", facts, ("system",), finish)


def unmapped_system_skus(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "distinct system SKUs that resolve to no sku (for `all`: distinct (system, system_sku)
    pairs)"; n distinct system SKUs seen; "looks at every stock row with as_of ≤ as_of, any status"."""
    seen = sorted({(r.system, r.system_sku) for r in stock_rows(data, as_of)})
    facts = [
        (None, {"system": system}, resolve(data, system, system_sku, as_of) is None)
        for system, system_sku in seen
    ]

    def finish(group: list[bool]) -> tuple[int, int, None]:
        return sum(1 for unresolved in group if unresolved), len(group), None

    return group_rows("unmapped_system_skus", facts, ("system",), finish)

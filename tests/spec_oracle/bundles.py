"""bundle_availability_breaches (SPEC section 3.1): a system offering more bundles than the book's components build."""

from __future__ import annotations

from dataclasses import dataclass

from tests.spec_oracle.data import Data
from tests.spec_oracle.rows import Row, Settings, group_rows
from tests.spec_oracle.stock import book_units, compared_systems, newest_sellable


@dataclass(frozen=True)
class BundleTriple:
    """A compared (system, location, bundle) with the system's units u > 0 and the book's buildable."""

    system: str
    location_id: str
    bundle_sku: str
    units: int
    buildable: int


def bundles(data: Data) -> dict[str, list[tuple[str, int]]]:
    """bundle sku -> [(component sku, quantity)]: "a bundle is an item with bundle_components rows"
    (READINGS item 9: the item may have any created_at)."""
    items = data.records.get("items", {})
    found: dict[str, list[tuple[str, int]]] = {}
    for component in data.all("bundle_components"):
        if (component.bundle_sku,) in items:
            found.setdefault(component.bundle_sku, []).append(
                (component.component_sku, component.quantity)
            )
    return found


def bundle_triples(data: Data, as_of: int, settings: Settings) -> list[BundleTriple]:
    """SPEC: "For a system other than the book at a location where it is compared (as in
    stock_discrepancies), with its newest sellable units u > 0 of the bundle sku there: buildable =
    min over the bundle's components of ⌊book sellable units of the component / component quantity⌋
    (a missing component counts 0)"."""
    snapshot = newest_sellable(data, as_of)
    book = book_units(data, as_of, settings)  # the value as it is, negative included (READINGS 4)
    triples = []
    for system, location in compared_systems(data, as_of, settings):
        for bundle_sku, components in sorted(bundles(data).items()):
            units = snapshot.get((system, location, bundle_sku), 0)
            if units > 0:
                buildable = min(
                    book.get((location, component), 0) // quantity  # Python floor division
                    for component, quantity in components
                )
                triples.append(BundleTriple(system, location, bundle_sku, units, buildable))
    return triples


def bundle_availability_breaches(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """value: triples where u > buildable; n triples compared; num "Σ (system units − buildable)
    over the breaches"; `all` always (n = 0: value 0, num 0)."""
    facts = [(None, {"system": t.system}, t) for t in bundle_triples(data, as_of, settings)]

    def finish(group: list[BundleTriple]) -> tuple[int, int, int]:
        breaches = [t for t in group if t.units > t.buildable]
        return len(breaches), len(group), sum(t.units - t.buildable for t in breaches)

    return group_rows("bundle_availability_breaches", facts, ("system",), finish, always_all=True)

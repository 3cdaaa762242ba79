"""Bundle availability at as_of: a system selling more of a kit than the book's components can build.

A bundle is a SKU with an item (any created_at) and bundle_components rows. For each system
compared at a location as in stock_discrepancies (not the location's book; both have sellable rows
there), with its newest sellable units u > 0 of the bundle SKU there (resolved, newest as_of
summed): buildable = min over the components of ⌊book sellable units of the component there /
its quantity⌋, the book units taken as they are (a negative value floors to a negative buildable;
a missing component counts 0). A breach when u > buildable; num sums u − buildable over breaches.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, and_, select

from core.schema import BundleComponent, Item
from metrics.kpi_spec import Comparator, KpiFamily, KpiSpec, Unit
from metrics.model import Context, CountOf, Keeping, MetricDef, Source
from metrics.sql import number
from metrics.stock import book_units, compared_systems, latest_sellable


def bundle_rows() -> Select[Any]:
    """bundle_sku, component_sku, quantity of every bundle (its SKU has an item)."""
    parts, items = BundleComponent.__table__, Item.__table__
    return (
        select(parts.c.bundle_sku, parts.c.component_sku, parts.c.quantity)
        .select_from(parts.join(items, items.c.sku == parts.c.bundle_sku))
        .where(parts.c.quantity >= number(1))  # smaller ones are quarantined at import
    )


@dataclass(frozen=True)
class ComponentStock:
    """One component of a bundle at a location: the book's units and how many bundles they build."""

    sku: str
    quantity: int
    book_units: int
    can_build: int  # ⌊book units / quantity⌋


@dataclass(frozen=True)
class BundleCheck:
    """A system's sellable units of a bundle at a location against what the book can build."""

    system: str
    location: str
    book_system: str
    bundle_sku: str
    system_units: int
    buildable: int
    components: tuple[ComponentStock, ...]

    @property
    def breach(self) -> bool:
        """The system sells more bundles than the components can build."""
        return self.system_units > self.buildable

    @property
    def limiting(self) -> tuple[str, ...]:
        """The components that limit what can be built."""
        return tuple(c.sku for c in self.components if c.can_build == self.buildable)


def _offers(conn: Connection, ctx: Context, bundles: set[str]) -> list[Any]:
    """(system, location, book, bundle sku, units > 0) of the compared systems."""
    latest, compared = latest_sellable(ctx), compared_systems(ctx)
    query = select(
        compared.c.system, compared.c.location_id, compared.c.book, latest.c.sku, latest.c.qty
    ).select_from(
        compared.join(
            latest,
            and_(
                latest.c.system == compared.c.system,
                latest.c.location_id == compared.c.location_id,
            ),
        )
    )
    query = query.where(latest.c.sku.in_(sorted(bundles)), latest.c.qty > number(0))
    return list(conn.execute(query))


def bundle_checks(conn: Connection, ctx: Context) -> list[BundleCheck]:
    """Every compared (system, location, bundle) with system units > 0, sorted by those keys."""
    recipe: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for bundle, component, quantity in conn.execute(bundle_rows()):
        recipe[bundle].append((component, int(quantity)))
    if not recipe:
        return []
    offers = _offers(conn, ctx, set(recipe))
    wanted = {component for parts in recipe.values() for component, _q in parts}
    book = book_units(ctx)
    held = {
        (location, sku): int(units)
        for location, sku, units in conn.execute(
            select(book.c.location_id, book.c.sku, book.c.units).where(
                book.c.sku.in_(sorted(wanted))
            )
        )
    }
    checks = []
    for system, location, book_system, bundle, units in offers:
        components = tuple(
            ComponentStock(
                sku, qty, held.get((location, sku), 0), held.get((location, sku), 0) // qty
            )
            for sku, qty in sorted(recipe[bundle])
        )
        buildable = min(c.can_build for c in components)
        checks.append(
            BundleCheck(system, location, book_system, bundle, int(units), buildable, components)
        )
    return sorted(checks, key=lambda c: (c.system, c.location, c.bundle_sku))


def check_records(conn: Connection, ctx: Context) -> list[dict[str, Any]]:
    """The checks as records: keys, units, buildable, breach and excess parts, components."""
    return [
        {
            "system": check.system,
            "location": check.location,
            "bundle_sku": check.bundle_sku,
            "system_units": check.system_units,
            "book_system": check.book_system,
            "buildable": check.buildable,
            "breach": int(check.breach),
            "excess": check.system_units - check.buildable if check.breach else 0,
            "limiting": ", ".join(check.limiting),
            "components": "; ".join(
                f"{c.sku}: {c.book_units} book units / {c.quantity} = {c.can_build}"
                for c in check.components
            ),
        }
        for check in bundle_checks(conn, ctx)
    ]


CHECKS = Source(
    "bundle_checks",
    dims=("system",),
    parts=("breach", "excess"),
    load=check_records,
    weekly=False,
    order_by=("system", "location", "bundle_sku"),
)

F, U, C = KpiFamily, Unit, Comparator
METRICS = (
    MetricDef(
        "bundle_availability_breaches",
        "(system, location, bundle) triples where the system's sellable units of the bundle exceed "
        "what the book's components can build; n: triples compared; num: Σ units over.",
        CHECKS,
        None,
        ("system",),
        CountOf("breach", "records", num="excess"),
        always_all=True,
        drill_part="breach",
        kpi=KpiSpec(
            "Bundle availability breaches", F.PLANNING, U.COUNT, C.EQUAL, 0, 2, "inventory control"
        ),
        family=Keeping.STOCK,
        section="3.1",
    ),
)

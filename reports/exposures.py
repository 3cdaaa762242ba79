"""Money exposures: units at risk × items.unit_cost where known. New kinds plug into EXPOSURES.

An exposure source is a function (connection, as_of) -> list[Exposure]; its value is units ×
unit_cost when the item has a cost, else None (counted apart, never guessed). Today's source is
the stock discrepancies' overstated units: a system showing more sellable stock than the book can
oversell them. Dead and stranded stock value add one function and one line each.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from core.schema import Item
from metrics.model import make_context
from metrics.settings_store import effective_settings
from metrics.stock import pair_records


@dataclass(frozen=True)
class Exposure:
    """Units at risk of one kind at one place, and their value at unit cost (None: cost unknown)."""

    kind: str
    location: str
    sku: str
    system: str | None
    units: int
    unit_cost: Decimal | None

    @property
    def value(self) -> Decimal | None:
        """units × unit_cost, or None when the item has no cost."""
        return None if self.unit_cost is None else self.unit_cost * self.units


ExposureSource = Callable[[Connection, datetime], list[Exposure]]


def stock_overstated(conn: Connection, as_of: datetime) -> list[Exposure]:
    """Per compared (system, location, sku): units a system shows beyond the book (oversell risk),
    under the settings the metrics use (a stored book system included)."""
    pairs = pair_records(make_context(as_of, effective_settings(conn))).subquery("pairs")
    items = Item.__table__
    query = (
        select(pairs.c.system, pairs.c.location, pairs.c.sku, pairs.c.overstated, items.c.unit_cost)
        .select_from(pairs.outerjoin(items, items.c.sku == pairs.c.sku))
        .where(pairs.c.overstated > 0)
    )
    return [
        Exposure("Stock overstated (oversell risk)", r.location, r.sku, r.system,
                 int(r.overstated), None if r.unit_cost is None else Decimal(r.unit_cost))
        for r in conn.execute(query)
    ]  # fmt: skip


# Every exposure kind the one-pager ranks; add a source function here.
EXPOSURES: tuple[ExposureSource, ...] = (stock_overstated,)


def all_exposures(conn: Connection, as_of: datetime) -> list[Exposure]:
    """Every exposure of every kind, largest value first (unknown values last, by units)."""
    found = [e for source in EXPOSURES for e in source(conn, as_of)]
    return sorted(
        found,
        key=lambda e: (e.value is None, -(e.value or 0), -e.units, e.kind, e.location, e.sku),
    )

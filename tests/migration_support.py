"""Five hand-made days of an old and a new WMS (shared by the parallel-run and migration CLI tests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from metrics.parallel_model import Scope, Tally
from tests.test_metrics_common import load

STOCK_HEADER = "as_of,system,location_id,system_sku,status,quantity"
ITEMS_HEADER = "sku,name,lifecycle_status,created_at"
MAPPINGS_HEADER = "system,system_sku,sku"
DAYS = [date(2026, 3, 2) + timedelta(days=i) for i in range(5)]  # Monday 2 to Friday 6 March
D1, D2, D3, D4, D5 = DAYS
END = datetime(2026, 3, 6, 23, 59, 59, tzinfo=UTC)  # D5 is over: every day complete
SCOPE = Scope("wms", "wms2", D1)


def at(day: date, hour: int) -> str:
    """An ISO timestamp on a day."""
    return f"{day.isoformat()}T{hour:02d}:00:00Z"


ITEMS = [
    ("SKU-A", "Tee", "active", "2026-01-01T00:00:00Z"),
    ("SKU-B", "Cap", "active", "2026-01-01T00:00:00Z"),
    ("SKU-C", "Mug", "active", "2026-01-01T00:00:00Z"),
    ("SKU-D", "Bag", "active", "2026-01-01T00:00:00Z"),
    ("SKU-E", "Hat", "active", "2026-03-04T12:00:00Z"),  # created on D3: resolves from D3 on
]
MAPPINGS = [("wms2", "b-new", "SKU-B")]  # the new WMS has its own code for SKU-B


def old_rows() -> list[tuple[object, ...]]:
    """The old WMS: a snapshot every day at 06:00 at DC1 and DC2."""
    rows: list[tuple[object, ...]] = []
    for i, day in enumerate(DAYS):
        when = at(day, 6)
        rows += [
            (when, "wms", "DC1", "SKU-A", "sellable", 10 if i < 2 else 12),
            (when, "wms", "DC1", "SKU-B", "sellable", 7),
            (when, "wms", "DC1", "SKU-C", "quarantined", 4),
            (when, "wms", "DC1", "SKU-D", "sellable", 0 if day == D5 else 3),  # only old has it
            (when, "wms", "DC2", "SKU-A", "sellable", 5),  # DC2: the new WMS has no stock there
        ]
        if day != D1:
            rows.append((when, "wms", "DC1", "SKU-E", "sellable", 2))
    return rows


def new_rows() -> list[tuple[object, ...]]:
    """The new WMS at DC1 only, at 07:00, with no snapshot on D3 (its D2 one is carried)."""
    rows: list[tuple[object, ...]] = [
        (at(D1, 7), "wms2", "DC1", "SKU-A", "sellable", 9),
        (at(D1, 7), "wms2", "DC1", "b-new", "sellable", 7),
        (at(D1, 7), "wms2", "DC1", "SKU-C", "damaged", 4),  # status mapped differently
        (at(D2, 7), "wms2", "DC1", "SKU-A", "sellable", 10),
        (at(D2, 7), "wms2", "DC1", "b-new", "sellable", 7),
        (at(D2, 7), "wms2", "DC1", "SKU-C", "damaged", 4),
        (at(D2, 7), "wms2", "DC1", "SKU-E", "sellable", 2),  # no item yet on D2: unresolved
    ]
    for day in (D4, D5):  # the status mapping is fixed on D4: damaged 0, quarantined 4
        rows += [
            (at(day, 7), "wms2", "DC1", "SKU-A", "sellable", 12),
            (at(day, 7), "wms2", "DC1", "b-new", "sellable", 7),
            (at(day, 7), "wms2", "DC1", "SKU-C", "quarantined", 4),
            (at(day, 7), "wms2", "DC1", "SKU-C", "damaged", 0),
            (at(day, 7), "wms2", "DC1", "SKU-E", "sellable", 2),
        ]
    return rows


OTHER_ROWS = [
    (at(D1, 6), "shopify", "DC1", "SKU-A", "sellable", 99),  # another system: not compared
    ("2026-03-07T01:00:00Z", "wms2", "DC1", "SKU-D", "sellable", 40),  # after the report's as_of
]


@pytest.fixture
def two_wms(db_url: str, tmp_path: Path) -> str:
    """Five days of an old and a new WMS, with items and the new WMS's mapping."""
    load(
        db_url,
        tmp_path / "drop",
        items=(ITEMS_HEADER, ITEMS),
        sku_mappings=(MAPPINGS_HEADER, MAPPINGS),
        stock_levels=(STOCK_HEADER, old_rows() + new_rows() + OTHER_ROWS),
    )
    return db_url


# Worked by hand from the rows above. Pairs per day (DC1 unless said), old vs new:
#   D1: A 10/9, B 7/7, C-quarantined 4/0, C-damaged 0/4, D 3/0, DC2 A 5/0          -> 6, 1 equal, 17
#   D2: A 10/10, B =, Cq 4/0, Cd 0/4, D 3/0, DC2 5/0 (E unresolved: no item yet)    -> 6, 2, 16
#   D3: new carries D2: A 12/10, B =, Cq 4/0, Cd 0/4, D 3/0, DC2 5/0, E 2/2         -> 7, 2, 18
#   D4: A =, B =, Cq 4/4, Cd 0 (no row)/0, D 3/0, DC2 5/0, E =                      -> 7, 5, 8
#   D5: as D4 but D 0/0 (old sends 0, new has no row)                               -> 7, 6, 5
EXPECTED_DAYS = {
    D1: Tally(6, 1, 17, 5, 3),
    D2: Tally(6, 2, 16, 5, 3),
    D3: Tally(7, 2, 18, 6, 4),
    D4: Tally(7, 5, 8, 6, 5),
    D5: Tally(7, 6, 5, 6, 5),
}

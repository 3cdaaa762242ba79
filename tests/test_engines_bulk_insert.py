"""core.engines.bulk_insert: the driver's fast path (SQLite tuples, PostgreSQL COPY) stores what
SQLAlchemy's own INSERT stores, Python-side defaults included, on every app database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine, Table, delete, insert, select

from core.db import write_session
from core.engines import BulkLoad, bulk_insert, capabilities
from core.schema import Item, Shipment, SkuMapping

ITEMS: list[dict[str, Any]] = [
    {
        "sku": f"SKU-{i}",
        "name": 'Tee, "crew"\tneck\nnavy' if i == 1 else f"Item {i}",  # COPY's special characters
        "category": None,
        "lifecycle_status": "active",
        "created_at": datetime(2026, 3, 1, 12, 30, 15, 999_000, tzinfo=UTC),
        "unit_cost": Decimal("12.3456") if i % 2 else None,
        "source_system": "erp",
        "import_run_id": 7,
    }
    for i in range(1, 6)
]  # attributes left out: its Python default (an empty dict) is applied
MAPPINGS = [{"system": "shopify", "system_sku": f"S-{i}", "sku": f"SKU-{i}"} for i in range(3)]
SHIPMENTS = [
    {
        "shipment_id": f"F-{i}",
        "line_id": "1",
        "order_id": f"O-{i}",
        "location_id": "DC-01",
        "shipped_at": datetime(2026, 1, 1, tzinfo=UTC),
        "quantity": i,
    }
    for i in range(2)
]


def _stored(engine: Engine, table: Table) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(r) for r in conn.execute(select(table).order_by(*table.primary_key))]


def _both_ways(engine: Engine, table: Table, rows: list[dict[str, Any]]) -> tuple[list, list]:
    with write_session(engine) as session:
        session.execute(insert(table), rows)
    by_sqlalchemy = _stored(engine, table)
    with write_session(engine) as session:
        session.execute(delete(table))
    with write_session(engine) as session:
        assert bulk_insert(session.connection(), table, rows, chunk=2) == len(rows)
    return by_sqlalchemy, _stored(engine, table)


def test_the_fast_path_stores_what_sqlalchemy_stores(engine: Engine) -> None:
    for table, rows in (
        (Item.__table__, ITEMS),
        (SkuMapping.__table__, MAPPINGS),
        (Shipment.__table__, SHIPMENTS),
    ):
        expected, got = _both_ways(engine, table, rows)
        assert got == expected, table.name
    items = {r.sku: r for r in _rows(engine, Item.__table__)}
    assert items["SKU-1"].name == 'Tee, "crew"\tneck\nnavy'
    assert items["SKU-2"].attributes == {}
    assert items["SKU-1"].created_at == datetime(2026, 3, 1, 12, 30, 15, tzinfo=UTC)
    assert items["SKU-1"].unit_cost == Decimal("12.3456")
    assert {r.origin for r in _rows(engine, SkuMapping.__table__)} == {"file"}


def test_each_app_database_names_its_bulk_path(engine: Engine) -> None:
    expected = {
        "sqlite": BulkLoad.DRIVER_EXECUTEMANY,
        "postgresql": BulkLoad.COPY,
        "duckdb": BulkLoad.EXECUTEMANY,
    }
    assert capabilities(engine).bulk_load is expected[engine.dialect.name]


def _rows(engine: Engine, table: Table) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(table)))

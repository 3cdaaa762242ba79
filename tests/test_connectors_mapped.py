"""The `mapped` source: shipped mapping files on our fixtures, XLSX input, and mapping mistakes refused."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import Engine

import pipeline
from tests.conftest import FIXTURES
from tests.connectors_support import all_counts, quarantined, table_rows

MAPPINGS = Path(__file__).resolve().parent.parent / "connectors" / "mappings"


def run(path: Path, mapping: Path, engine: Engine, **options: object) -> pipeline.ImportReport:
    return pipeline.import_file(path, "mapped", engine=engine, options=pipeline.ImportOptions(mapping=mapping, **options))  # type: ignore[arg-type]  # fmt: skip


def test_wms_stock_unpivots_states_and_reads_local_dates(engine: Engine) -> None:
    report = run(FIXTURES / "mapped" / "wms_stock.csv", MAPPINGS / "generic_wms_stock.toml", engine)
    assert report.ok and report.system == "wms"
    rows = table_rows(engine, "stock_levels")
    assert {r["as_of"] for r in rows} == {datetime(2025, 1, 31, 17, 0, tzinfo=UTC)}  # 18:00 Paris
    stock = {(r["location_id"], r["system_sku"], r["status"]): r["quantity"] for r in rows}
    assert stock == {
        ("Entrepôt Lyon", "NW-TEE-S", "sellable"): 120,
        ("Entrepôt Lyon", "NW-TEE-S", "reserved"): 8,
        ("Entrepôt Lyon", "NW-TEE-S", "damaged"): 1,
        ("Entrepôt Lyon", "NW-MUG", "sellable"): 0,
        ("Entrepôt Lyon", "NW-MUG", "reserved"): 0,
        ("Entrepôt Lyon", "NW-MUG", "quarantined"): 2,
        ("Entrepôt Lille", "NW-TEE-S", "sellable"): -2,
        ("Entrepôt Lille", "NW-TEE-S", "reserved"): 0,
        ("Entrepôt Lille", "NW-TEE-S", "quarantined"): 0,
        ("Entrepôt Lille", "NW-TEE-S", "damaged"): 0,
    }  # NW-SOCK's line has an unreadable cell: none of its states load


def test_3pl_returns_value_maps_and_zone(engine: Engine) -> None:
    report = run(
        FIXTURES / "mapped" / "3pl_returns.csv", MAPPINGS / "generic_3pl_returns.toml", engine
    )
    assert report.ok and report.system == "3pl"
    returns = {r["return_id"]: r for r in table_rows(engine, "returns")}
    assert set(returns) == {"RMA-5001", "RMA-5002", "RMA-5004"}
    first = returns["RMA-5001"]
    assert (first["condition"], first["disposition"], first["channel"]) == (
        "new",
        "restock",
        "shopify",
    )
    assert first["received_at"] == datetime(2025, 3, 14, 15, 0, tzinfo=UTC)  # 10:00 CDT
    assert returns["RMA-5002"]["disposition_at"] is None
    assert returns["RMA-5004"]["channel"] == "wholesale"
    (bad,) = quarantined(engine)
    assert "Smelly" in bad["reason"] and bad["line_number"] == 5


def test_pos_sales_become_orders_lines_and_shipments(engine: Engine) -> None:
    report = run(FIXTURES / "mapped" / "pos_sales.csv", MAPPINGS / "generic_pos_sales.toml", engine)
    assert report.ok
    orders = {o["order_id"]: o for o in table_rows(engine, "orders")}
    assert orders["R-9001"]["placed_at"] == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)  # GMT
    assert orders["R-9003"]["placed_at"] == datetime(2025, 7, 1, 11, 0, tzinfo=UTC)  # BST
    assert {o["channel"] for o in orders.values()} == {"pos"}
    assert "R-9002" not in orders  # its only line is unreadable: nothing of it loads
    lines = {
        (r["order_id"], r["line_id"]): r["quantity"] for r in table_rows(engine, "order_lines")
    }
    assert lines == {("R-9001", "1"): 2, ("R-9001", "2"): 1, ("R-9003", "1"): 3}
    ships = {
        (s["shipment_id"], s["line_id"]): s["location_id"] for s in table_rows(engine, "shipments")
    }
    assert ships == {("R-9001", "1"): "Main Street Store", ("R-9001", "2"): "Main Street Store", ("R-9003", "1"): "Harbour Kiosk"}  # fmt: skip


def test_xlsx_input_with_sheet_row_numbers(engine: Engine, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    with (FIXTURES / "mapped" / "pos_sales.csv").open(newline="") as handle:
        for n, cells in enumerate(csv.reader(handle)):
            if n in (2, 4):  # numbers as Excel stores them
                cells[6] = float(cells[6])  # type: ignore[call-overload]
            sheet.append(cells)
    path = tmp_path / "pos_sales.xlsx"
    book.save(path)
    report = run(path, MAPPINGS / "generic_pos_sales.toml", engine)
    assert report.ok, report.reason
    lines = {
        (r["order_id"], r["line_id"]): r["quantity"] for r in table_rows(engine, "order_lines")
    }
    assert lines == {("R-9001", "1"): 2, ("R-9001", "2"): 1, ("R-9003", "1"): 3}
    (bad,) = quarantined(engine)
    assert bad["line_number"] == 4 and "1,5" in bad["raw_text"]


@pytest.mark.parametrize(
    ("mapping", "says"),
    [
        (
            'entity = "stock_levels"\n[columns]\nqty = "Available"\n',
            "qty not field(s) of stock_levels",
        ),
        ('entity = "widgets"\n', "`entity` must be one of"),
        ('entity = "stock_levels"\ncolour = "red"\n', "unknown mapping key(s) colour"),
        ('entity = "stock_levels"\n[columns]\nquantity = "Nope"\n', "lacks: Nope"),
        ("entity = [", "not a TOML mapping file"),
    ],
)
def test_mapping_mistakes_are_refused_and_write_nothing(
    mapping: str, says: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(mapping)
    report = run(FIXTURES / "mapped" / "wms_stock.csv", path, engine)
    assert not report.ok and says in (report.reason or "")
    assert sum(all_counts(engine).values()) == 0


def test_mapped_without_a_mapping_is_refused(engine: Engine) -> None:
    report = pipeline.import_file(FIXTURES / "mapped" / "wms_stock.csv", "mapped", engine=engine)
    assert not report.ok and "--mapping" in (report.reason or "")


def test_location_option_and_snapshot_default(engine: Engine, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text('system = "3pl"\ndelimiter = ";"\nencoding = "cp1252"\nentity = "stock_levels"\n[columns]\nsystem_sku = "Item Code"\nquantity = "Allocated"\n[constants]\nstatus = "reserved"\n')  # fmt: skip
    as_of = datetime(2025, 2, 2, tzinfo=UTC)
    report = run(
        FIXTURES / "mapped" / "wms_stock.csv", mapping, engine, location="3PL-EAST", as_of=as_of
    )
    assert report.ok
    rows = table_rows(engine, "stock_levels")
    assert {(r["location_id"], r["as_of"], r["system"]) for r in rows} == {
        ("3PL-EAST", as_of, "3pl")
    }
    assert "snapshot time taken from --as-of (2025-02-02T00:00:00Z)" in report.notes

"""Shopify inventory and orders exports: the real files as they are, and our own fixtures."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from core.settings import get_settings
from tests.conftest import FIXTURES, require_realdata
from tests.connectors_support import count, csv_rows, quarantined, table_rows

STATUS_COLUMNS = {"Available": "sellable", "Committed": "reserved", "Unavailable": "quarantined", "Incoming": "inbound"}  # fmt: skip


def expected_stock(path: Path) -> dict[tuple[str, str, str], int]:
    """(location, system_sku, status) -> quantity, computed from the csv rows by the documented rules."""
    out: Counter[tuple[str, str, str]] = Counter()
    for row in csv_rows(path):
        options = [row[f"Option{i} Value"] for i in (1, 2, 3) if row[f"Option{i} Value"]]
        sku = row["SKU"] or f"{row['Handle']}:{'/'.join(options)}"
        if "Location" not in row:  # per-location columns after COO
            names = list(row)[list(row).index("COO") + 1 :]
            for name in names:
                if row[name] not in ("", "not stocked"):
                    out[(name, sku, "sellable")] += int(row[name])
            continue
        for column, status in STATUS_COLUMNS.items():
            cell = row.get(column, row.get(f"{column} (not editable)", ""))
            if row.get("Available", row.get("Available (not editable)")) != "not stocked":
                out[(row["Location"], sku, status)] += int(cell)
    return dict(out)


def mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(int(path.stat().st_mtime), tz=UTC)


@pytest.mark.parametrize(
    "name",
    [
        "inventory_export_legacy_location_columns_poptoys.csv",
        "inventory_export_2023_location_rows.csv",
        "inventory_export_2025_onhand_bin.csv",
    ],
)
def test_real_inventory_file_loads_every_stocked_quantity(name: str, engine: Engine) -> None:
    path = require_realdata("shopify", name)
    expected = expected_stock(path)
    report = pipeline.import_file(path, "shopify-inventory", engine=engine)
    assert report.ok, report.reason
    rows = table_rows(engine, "stock_levels")
    assert {
        (r["location_id"], r["system_sku"], r["status"]): r["quantity"] for r in rows
    } == expected
    assert {r["as_of"] for r in rows} == {mtime(path)}
    assert {r["system"] for r in rows} == {"shopify"}
    assert "snapshot time taken from the file's modification time" in " ".join(report.notes)


def test_inventory_exact_values(engine: Engine) -> None:
    legacy = require_realdata("shopify", "inventory_export_legacy_location_columns_poptoys.csv")
    rows_2025 = require_realdata("shopify", "inventory_export_2025_onhand_bin.csv")
    first = csv_rows(legacy)[0]
    pipeline.import_file(legacy, "shopify-inventory", engine=engine)
    pipeline.import_file(rows_2025, "shopify-inventory", engine=engine)
    stock = {(r["location_id"], r["system_sku"], r["status"]): r["quantity"] for r in table_rows(engine, "stock_levels")}  # fmt: skip
    assert stock[("POPTOYS", "198880", "sellable")] == int(first["POPTOYS"]) == 23
    assert stock[("Underground Sports Shop", "book-McConaughey-Poems-Prayers", "sellable")] == 609
    negative = [r for r in csv_rows(rows_2025) if r["Available (not editable)"].startswith("-")]
    assert sum(1 for (_, _, s), q in stock.items() if s == "sellable" and q < 0) >= 1
    assert len(negative) == 33


def test_not_stocked_is_no_row_and_is_reported(engine: Engine) -> None:
    path = require_realdata("shopify", "inventory_export_2025_onhand_bin.csv")
    not_stocked = sum(1 for r in csv_rows(path) if r["Available (not editable)"] == "not stocked")
    report = pipeline.import_file(path, "shopify-inventory", engine=engine)
    assert f"{not_stocked} variant-location pair(s) not stocked (no stock row)" in report.notes
    assert not_stocked == 194


def test_as_of_option_wins_over_the_file_time(engine: Engine) -> None:
    path = FIXTURES / "shopify-inventory" / "inventory_export.csv"
    as_of = datetime(2025, 2, 1, 6, 0, tzinfo=UTC)
    report = pipeline.import_file(
        path, "shopify-inventory", engine=engine, options=pipeline.ImportOptions(as_of=as_of)
    )
    assert "snapshot time taken from --as-of (2025-02-01T06:00:00Z)" in report.notes
    stock = {(r["location_id"], r["system_sku"], r["status"]): r["quantity"] for r in table_rows(engine, "stock_levels", as_of=as_of)}  # fmt: skip
    assert stock[("Harbour DC", "NW-TEE-S", "sellable")] == 40 + 2  # two bins summed
    assert stock[("Harbour DC", "NW-TEE-M", "sellable")] == -3
    assert stock[("Harbour DC", "sun-cap:Sand", "sellable")] == 6
    assert ("Main Street Store", "NW-TEE-M", "sellable") not in stock  # not stocked


def order_expectations(path: Path) -> tuple[int, int, int]:
    """Orders, lines and shipped lines of an orders export, counted with the csv module."""
    rows = csv_rows(path)
    fulfilled_at: dict[str, str] = {}
    for row in rows:
        fulfilled_at.setdefault(row["Name"], row["Fulfilled at"])
    shipped = sum(
        1
        for r in rows
        if r["Lineitem fulfillment status"] == "fulfilled" and fulfilled_at[r["Name"]]
    )
    return len({r["Name"] for r in rows}), len(rows), shipped


def test_real_orders_export(engine: Engine) -> None:
    path = require_realdata("shopify", "orders_export_pii_stripped_excel_resaved.csv")
    orders, lines, shipped = order_expectations(path)
    report = pipeline.import_file(path, "shopify-orders", engine=engine)
    assert report.ok and report.quarantined == 0
    assert (count(engine, "orders"), count(engine, "order_lines"), count(engine, "shipments")) == (orders, lines, shipped)  # fmt: skip
    (order,) = table_rows(engine, "orders", order_id="#4087")
    assert order["placed_at"] == datetime(2023, 12, 31, 22, 36, tzinfo=UTC)  # UTC by default
    assert order["channel"] == "shopify"
    (ship,) = table_rows(engine, "shipments", order_id="#4087")
    assert (ship["shipment_id"], ship["shipped_at"]) == (
        "#4087-F1",
        datetime(2024, 1, 2, 13, 41, tzinfo=UTC),
    )
    (line,) = table_rows(engine, "order_lines", order_id="#4087")
    assert (line["line_id"], line["sku"], line["quantity"]) == ("1", "L4655.35 -0-0-0", 1)


def test_spreadsheet_times_use_the_configured_zone(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_SOURCE_TIMEZONE", "America/Toronto")
    get_settings.cache_clear()
    path = require_realdata("shopify", "orders_export_pii_stripped_excel_resaved.csv")
    report = pipeline.import_file(path, "shopify-orders", engine=engine)
    assert (
        "timestamps without offset read in time zone America/Toronto (dates day first)"
        in report.notes
    )
    (order,) = table_rows(engine, "orders", order_id="#4087")
    assert order["placed_at"] == datetime(2024, 1, 1, 3, 36, tzinfo=UTC)  # 22:36 EST


def test_fixture_orders_offsets_channels_and_lines(engine: Engine) -> None:
    path = FIXTURES / "shopify-orders" / "orders_export.csv"
    pipeline.import_file(path, "shopify-orders", engine=engine)
    orders = {o["order_id"]: o for o in table_rows(engine, "orders")}
    assert orders["#1001"]["placed_at"] == datetime(2025, 3, 9, 4, 45, 10, tzinfo=UTC)
    assert orders["#1002"]["channel"] == "pos"
    assert orders["#1003"]["cancelled_at"] == datetime(2025, 3, 11, 13, 30, tzinfo=UTC)
    lines = {(r["order_id"], r["line_id"]): r for r in table_rows(engine, "order_lines")}
    assert lines[("#1001", "2")]["sku"] is None  # `null`
    shipments = {(s["shipment_id"], s["line_id"]): s for s in table_rows(engine, "shipments")}
    assert set(shipments) == {("#1001-F1", "1"), ("#1001-F1", "2"), ("#1002-F1", "1")}
    assert shipments[("#1002-F1", "1")]["location_id"] == "Main Street Store"
    assert shipments[("#1001-F1", "1")]["location_id"] == "shopify-default"


def test_personal_data_is_never_stored(engine: Engine, tmp_path: Path) -> None:
    text = (FIXTURES / "shopify-orders" / "orders_export.csv").read_text(encoding="utf-8")
    broken = tmp_path / "orders_export.csv"
    broken.write_text(text.replace("2025-03-09 12:00:00 -0400", "soon"), encoding="utf-8")
    report = pipeline.import_file(broken, "shopify-orders", engine=engine)
    assert report.ok and report.quarantined == 2  # ours and the fixture's own
    stored = repr(
        [table_rows(engine, e) for e in ("orders", "order_lines", "shipments")]
        + quarantined(engine)
    )
    for personal in ("jane@example.com", "Jane Example", "Sample Road", "555 0100", "Leave at the door", "gift: yes"):  # fmt: skip
        assert personal not in stored
    assert "[redacted]" in stored and "soon" in stored

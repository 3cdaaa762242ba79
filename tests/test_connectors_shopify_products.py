"""Shopify product CSVs: the real exports of all three header generations, and our own fixture."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from core.settings import get_settings
from tests.conftest import FIXTURES, REALDATA, require_realdata
from tests.connectors_support import count, csv_rows, quarantined, table_rows

PRODUCT_FILES = [
    "product_template_legacy_2017.csv",
    "product_template_official_2023.csv",
    "product_template_excel_resaved.csv",
    "products_2025_new_template_format_stoa.csv",
    "products_export_demo_store_2023.csv",
    "products_export_rieker_shoes.csv",
]
LIFECYCLE = {"active": "active", "draft": "draft", "archived": "retired"}


@pytest.fixture
def shopify_master(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Shopify owns the item master, so product files create items."""
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "shopify")
    get_settings.cache_clear()


def skus_by_row(path: Path) -> tuple[list[dict[str, str]], str]:
    """Rows of a product file and the name of its SKU column (independent csv reading)."""
    rows = csv_rows(path)
    return rows, "Variant SKU" if "Variant SKU" in rows[0] else "SKU"


def rows_with_lines(path: Path) -> list[tuple[int, list[str]]]:
    """(first physical line, cells) of every data row, counted with the csv module."""
    out, end = [], 1
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for cells in reader:
            out.append((end + 1, cells))
            end = reader.line_num
    return out


@pytest.mark.parametrize("name", PRODUCT_FILES)
def test_real_product_file_imports_without_refusal(
    name: str, engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", name)
    rows, sku_column = skus_by_row(path)
    skus = {
        r[sku_column]
        for r in rows
        if r[sku_column]
        and "E+" not in r["Variant Barcode" if sku_column == "Variant SKU" else "Barcode"]
    }
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok, report.reason
    assert count(engine, "items") == len(skus)
    mappings = table_rows(engine, "sku_mappings", system="shopify")
    assert {(m["system_sku"], m["sku"]) for m in mappings} == {(s, s) for s in skus}


def test_official_template_barcodes_names_and_lifecycles(
    engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", "product_template_official_2023.csv")
    rows = csv_rows(path)
    status_by_handle = {r["Handle"]: r["Status"] for r in rows if r["Status"]}
    pipeline.import_file(path, "shopify-products", engine=engine)
    items = {i["sku"]: i for i in table_rows(engine, "items")}
    first = rows[0]
    assert items[first["Variant SKU"]]["barcode"] == first["Variant Barcode"] == "365275101829"
    assert items[first["Variant SKU"]]["name"] == (
        f"{first['Title']} - {first['Option1 Value']} / {first['Option2 Value']}"
    )
    for row in rows:
        if row["Variant SKU"]:
            item = items[row["Variant SKU"]]
            assert item["lifecycle_status"] == LIFECYCLE[status_by_handle[row["Handle"]]]
            assert item["parent_sku"] == row["Handle"]
    assert {i["lifecycle_status"] for i in items.values()} == {"active", "draft", "retired"}


def test_excel_resaved_template_quarantines_exactly_its_damaged_barcodes(
    engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", "product_template_excel_resaved.csv")
    barcode = next(
        i
        for i, n in enumerate(next(csv.reader(path.open(encoding="utf-8-sig"))))
        if n == "Variant Barcode"
    )
    damaged = [line for line, cells in rows_with_lines(path) if "E+" in cells[barcode]]
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok
    rows = quarantined(engine)
    assert [r["line_number"] for r in rows] == damaged and len(damaged) == 16
    assert all("scientific notation" in r["reason"] and "barcode" in r["reason"] for r in rows)
    assert count(engine, "items") == 0


def test_rieker_style_skus_keep_a_barcode_only_when_unambiguous(
    engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", "products_export_rieker_shoes.csv")
    barcodes: dict[str, set[str]] = defaultdict(set)
    for row in csv_rows(path):
        if row["Variant SKU"]:
            barcodes[row["Variant SKU"]].add(row["Variant Barcode"].removeprefix("'"))
    pipeline.import_file(path, "shopify-products", engine=engine)
    items = {i["sku"]: i for i in table_rows(engine, "items")}
    for sku, codes in barcodes.items():
        assert items[sku]["barcode"] == (next(iter(codes)) if len(codes) == 1 else None)
    assert items["68874.14 -0-0-0"]["barcode"] == "4849000183780"
    assert items["W0402.00 -0-0-0"]["brand"] == "RIEKER"


def test_2025_template_fills_parents_forward_and_counts_variants_without_sku(
    engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", "products_2025_new_template_format_stoa.csv")
    rows = csv_rows(path)
    without_sku = sum(1 for r in rows if not r["SKU"])
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert f"{without_sku} variant(s) without a SKU" in report.notes
    items = {i["sku"]: i for i in table_rows(engine, "items")}
    assert items["STOA-02-FSP-S"]["brand"] == "stOa"
    assert items["STOA-02-FSP-S"]["lifecycle_status"] == "active"
    assert items["STOA-02-FSP-S"]["category"] == "Apparel & Accessories > Clothing > Pants"


def test_demo_store_without_skus_creates_nothing_and_says_so(
    engine: Engine, shopify_master: None
) -> None:
    path = require_realdata("shopify", "products_export_demo_store_2023.csv")
    rows = csv_rows(path)
    variants = sum(1 for r in rows if r["Option1 Value"])
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok and count(engine, "items") == 0
    assert f"{variants} variant(s) without a SKU" in report.notes


def test_products_of_a_non_owner_are_held_and_mapped_not_created(
    engine: Engine, tmp_path: Path
) -> None:
    # Issue 14: a non-owner's products map only SKUs the item master knows (here NW-MUG, made by
    # the erp's items file); the two others are no items, so no mapping points at them.
    erp_items = tmp_path / "items.csv"
    erp_items.write_text("sku,name,lifecycle_status\nNW-MUG,Camp Mug,active\n")
    assert pipeline.import_file(erp_items, "canonical", engine=engine).ok
    path = FIXTURES / "shopify-products" / "products_export.csv"
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok and count(engine, "items") == 1
    assert [(m["system"], m["system_sku"]) for m in table_rows(engine, "sku_mappings")] == [
        ("shopify", "NW-MUG")
    ]
    # The report says what each number counts, and agrees with the notes and the database.
    # 5 held: NW-MUG's category, brand, barcode, lifecycle (retired) and parent differ from the
    # erp's row (its name is the same); 1 variant without a SKU kept as a system record.
    assert [w.text() for w in report.written] == [
        "items: 3 not created or changed: shopify does not own the item master",
        "sku_mappings: 2 not recorded: the SKU is no item of the item master",
        "sku_mappings: 1 recorded for SKUs the item master knows",
        "held_item_changes: 5 field values held for review",
        "system_records: 1 source records without a SKU kept (not items)",
    ]
    assert report.inserted == 0 and report.unchanged == 3
    (note,) = [n for n in report.notes if "does not own the item master" in n]
    assert "1 SKU mapping(s) recorded" in note and "2 SKU(s) unknown to the item master" in note


def test_fixture_values(engine: Engine, shopify_master: None) -> None:
    pipeline.import_file(
        FIXTURES / "shopify-products" / "products_export.csv", "shopify-products", engine=engine
    )
    items = {i["sku"]: i for i in table_rows(engine, "items")}
    assert items["NW-TEE-S"] | {"created_at": None, "import_run_id": None} == {
        "sku": "NW-TEE-S", "name": "Trail Tee - S",
        "category": "Apparel & Accessories > Clothing > Shirts & Tops", "brand": "Northwind",
        "barcode": "0012345678905", "abc_class": None, "lifecycle_status": "active",
        "created_at": None, "approved_at": None, "approved_by": None, "parent_sku": "trail-tee",
        "unit_cost": None, "attributes": {}, "source_system": "shopify", "import_run_id": None,
    }  # fmt: skip
    assert items["NW-MUG"]["lifecycle_status"] == "retired"
    assert items["NW-MUG"]["name"] == "Camp Mug"


def test_every_real_shopify_file_is_recognised_by_auto(engine: Engine) -> None:
    folder = REALDATA / "shopify"
    if not folder.exists():
        pytest.skip(f"real exports absent: {folder}")
    for path in sorted(folder.glob("*.csv")):
        report = pipeline.import_file(path, "auto", engine=engine)
        assert report.ok, f"{path.name}: {report.reason}"
        assert report.notes[0].startswith("detected format shopify-")

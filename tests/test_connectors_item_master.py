"""The poptoys join: Shopify as item master creates the SKUs its inventory reports; Amazon's resolve to them."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

import pipeline
from core.settings import get_settings
from tests.conftest import require_realdata
from tests.connectors_support import csv_rows, table_rows


@pytest.fixture
def shopify_master(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "shopify")
    get_settings.cache_clear()


def test_shared_skus_resolve_to_the_same_items(engine: Engine, shopify_master: None) -> None:
    shop = require_realdata("shopify", "inventory_export_legacy_location_columns_poptoys.csv")
    amazon = require_realdata("amazon", "inventory_report_it_2024-01-29.txt")
    shop_rows = csv_rows(shop)
    shop_skus = {r["SKU"] for r in shop_rows if r["SKU"]}
    amazon_skus = {r["sku"] for r in csv_rows(amazon, delimiter="\t") if r["quantity"]}

    first = pipeline.import_file(shop, "shopify-inventory", engine=engine)
    second = pipeline.import_file(amazon, "amazon-listings", engine=engine)
    assert first.ok and second.ok

    items = {i["sku"]: i for i in table_rows(engine, "items")}
    assert set(items) == shop_skus
    assert {i["lifecycle_status"] for i in items.values()} == {"draft"}
    assert all(i["created_at"] is not None for i in items.values())
    row = shop_rows[0]
    assert items[row["SKU"]]["name"] == row["Title"]  # Default Title variants: the title
    assert items[row["SKU"]]["parent_sku"] == row["Handle"]

    stocked = {r["system_sku"] for r in table_rows(engine, "stock_levels", system="amazon")}
    assert len(stocked & set(items)) == len(amazon_skus & shop_skus) == 230
    assert "127814" in stocked & set(items)  # a numeric SKU, read as text on both sides


def test_other_systems_do_not_create_items(engine: Engine, shopify_master: None) -> None:
    amazon = require_realdata("amazon", "inventory_report_it_2024-01-29.txt")
    pipeline.import_file(amazon, "amazon-listings", engine=engine)
    assert table_rows(engine, "items") == []


def test_reimporting_the_master_inventory_changes_nothing(
    engine: Engine, shopify_master: None
) -> None:
    shop = require_realdata("shopify", "inventory_export_legacy_location_columns_poptoys.csv")
    pipeline.import_file(shop, "shopify-inventory", engine=engine)
    again = pipeline.import_file(shop, "shopify-inventory", engine=engine)
    assert (again.inserted, again.updated) == (0, 0)


def test_stock_files_create_missing_items_but_never_change_existing_ones(
    engine: Engine, shopify_master: None, tmp_path
) -> None:
    from tests.conftest import FIXTURES

    inventory = FIXTURES / "shopify-inventory" / "inventory_export.csv"
    pipeline.import_file(inventory, "shopify-inventory", engine=engine)
    items = {i["sku"]: i for i in table_rows(engine, "items")}
    sku = sorted(items)[0]
    # The item master (shopify) then activates and renames the item through a products-like file.
    edit = tmp_path / "items.csv"
    edit.write_text(f"sku,name,lifecycle_status\n{sku},Curated name,active\n")
    assert pipeline.import_file(edit, "items", engine=engine, system="shopify").updated == 1
    again = pipeline.import_file(inventory, "shopify-inventory", engine=engine)
    assert again.ok and again.inserted == 0 and again.updated == 0
    item = {i["sku"]: i for i in table_rows(engine, "items")}[sku]
    assert (item["name"], item["lifecycle_status"]) == ("Curated name", "active")

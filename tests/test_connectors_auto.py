"""`auto`: each format recognised from its header, canonical files by name or header, others refused."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from connectors.auto import FORMATS, detect
from connectors.errors import FileRefused
from connectors.reading import read_path, read_text_table
from tests.conftest import require_realdata
from tests.connectors_support import count

RECOGNISED = {
    "GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA.csv": "amazon-fba-inventory",
    "GET_FBA_FULFILLMENT_CUSTOMER_RETURNS_DATA.csv": "amazon-fba-returns",
}
NOT_SUPPORTED = [
    "GET_AFN_INVENTORY_DATA.csv",
    "GET_LEDGER_DETAIL_VIEW_DATA.csv",
    "GET_FLAT_FILE_RETURNS_DATA_BY_RETURN_DATE.csv",
    "GET_STRANDED_INVENTORY_UI_DATA.csv",
]


@pytest.mark.parametrize(("name", "fmt"), RECOGNISED.items())
def test_airbyte_headers_are_recognised(name: str, fmt: str) -> None:
    assert detect(read_path(require_realdata("amazon", "airbyte_fixtures", name))).name == fmt


@pytest.mark.parametrize("name", NOT_SUPPORTED)
def test_unsupported_reports_are_refused_listing_what_was_considered(name: str) -> None:
    with pytest.raises(FileRefused) as refused:
        detect(read_path(require_realdata("amazon", "airbyte_fixtures", name)))
    for fmt in FORMATS:
        assert f"{fmt}: lacks" in refused.value.reason
    assert "canonical" in refused.value.reason


def test_real_exports_are_recognised() -> None:
    cases = {
        ("amazon", "inventory_report_it_2024-01-29.txt"): "amazon-listings",
        ("pos", "square_item_library_export_2025-05-11_first10.csv"): "square-items",
        ("shopify", "inventory_export_legacy_location_columns_poptoys.csv"): "shopify-inventory",
        ("shopify", "orders_export_pii_stripped_excel_resaved.csv"): "shopify-orders",
        ("shopify", "products_2025_new_template_format_stoa.csv"): "shopify-products",
    }
    for parts, fmt in cases.items():
        assert detect(read_path(require_realdata(*parts))).name == fmt


def test_all_listings_header_is_recognised() -> None:
    header = "item-name\titem-description\tlisting-id\tseller-sku\tprice\tquantity\topen-date\tasin1\tfulfillment-channel\tstatus\n"  # fmt: skip
    assert detect(read_text_table(header.encode(), "listings.txt")).name == "amazon-listings"


@pytest.mark.parametrize(
    ("file_name", "text", "entity"),
    [
        ("orders.csv", "order_id,channel,placed_at\n", "orders"),
        ("export.csv", "sku,lifecycle_status,name\n", "items"),
        ("counts.csv", "as_of,system,location_id,system_sku,status,quantity\n", "stock_levels"),
    ],
)
def test_canonical_files_by_name_or_header(file_name: str, text: str, entity: str) -> None:
    assert detect(read_text_table(text.encode(), file_name)).entity.name == entity  # type: ignore[union-attr]


def test_auto_import_says_what_it_chose(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text("order_id,channel,placed_at\nA-1,web,2025-01-01T10:00:00Z\n")
    report = pipeline.import_file(path, "auto", engine=engine)
    assert report.ok and report.source == "orders" and report.notes[0] == "detected format orders"
    assert count(engine, "orders") == 1


def test_auto_refuses_an_unknown_header_and_writes_nothing(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mystery.csv"
    path.write_text("colour,size\nred,large\n")
    report = pipeline.import_file(path, "auto", engine=engine)
    assert not report.ok and "no known format fits the header" in (report.reason or "")

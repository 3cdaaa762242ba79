"""Reports that tell the truth (issue 14): per entity what each number counts, agreeing with the
notes and the database, on the real Shopify product exports; snapshot times the file did not give
are warnings that say how to set them."""

from __future__ import annotations

import csv
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import pipeline
from core.schema import SystemRecord
from core.settings import get_settings
from tests.conftest import FIXTURES, require_realdata
from tests.connectors_support import count, table_rows

PRODUCT_FILES = [
    "products_export_demo_store_2023.csv",
    "products_export_rieker_shoes.csv",
    "product_template_official_2023.csv",
    "product_template_legacy_2017.csv",
    "products_2025_new_template_format_stoa.csv",
]


def written(report: pipeline.ImportReport) -> dict[str, int]:
    """The report's per-entity outcomes as `entity: outcome` -> rows."""
    return {f"{w.entity}: {w.outcome}": w.rows for w in report.written}


def system_records(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(SystemRecord)).scalar_one()


def skus_in_file(path: Path) -> set[str]:
    """The distinct variant SKUs of a product file, read with the csv module (independent path)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    column = "Variant SKU" if "Variant SKU" in rows[0] else "SKU"
    return {r[column].strip().lstrip("'") for r in rows if r.get(column, "").strip()}


@pytest.mark.parametrize("name", PRODUCT_FILES)
def test_a_non_owners_products_report_agrees_with_the_database(engine: Engine, name: str) -> None:
    path = require_realdata("shopify", name)
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok, report.reason
    said = written(report)
    # The item master (erp) knows none of these SKUs: no item, no mapping to a SKU that is no item.
    assert count(engine, "items") == 0 and count(engine, "sku_mappings") == 0
    assert report.inserted == 0
    items_read = said.get("items: not created or changed: shopify does not own the item master", 0)
    assert said.get("sku_mappings: not recorded: the SKU is no item of the item master", 0) == (
        items_read
    )
    assert "sku_mappings: recorded for SKUs the item master knows" not in said
    assert said.get("system_records: source records without a SKU kept (not items)", 0) == (
        system_records(engine)
    )
    notes = [n for n in report.notes if "does not own the item master" in n]
    preview = pipeline.preview_file(path, "shopify-products")
    caveats = {entity: short for entity, short, _why in preview.caveats}
    if not items_read:  # a file without any SKU (the demo store): only system records
        assert notes == [] and caveats == {} and system_records(engine) > 0
        return
    (note,) = notes
    assert "0 SKU mapping(s) recorded" in note
    assert f"{items_read} SKU(s) unknown to the item master" in note
    # The preview says the same before anything is written.
    assert caveats == {"items": "none created", "sku_mappings": "known SKUs only"}


@pytest.mark.parametrize("name", PRODUCT_FILES)
def test_an_owners_products_report_agrees_with_the_database(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "shopify")
    get_settings.cache_clear()
    path = require_realdata("shopify", name)
    report = pipeline.import_file(path, "shopify-products", engine=engine)
    assert report.ok, report.reason
    said = written(report)
    items, mappings = count(engine, "items"), table_rows(engine, "sku_mappings")
    assert said.get("items: inserted", 0) == items
    assert said.get("sku_mappings: inserted", 0) == len(mappings)
    assert report.inserted == items + len(mappings)
    item_skus = {i["sku"] for i in table_rows(engine, "items")}
    assert {m["sku"] for m in mappings} <= item_skus  # every mapping points at an item
    quarantined_skus = report.quarantined  # rows refused (e.g. a mangled barcode) are no items
    assert items <= len(skus_in_file(path)) and items + quarantined_skus >= len(skus_in_file(path))
    assert pipeline.preview_file(path, "shopify-products").caveats == ()


def test_a_snapshot_time_the_file_did_not_give_is_a_warning(engine: Engine, tmp_path: Path) -> None:
    source = FIXTURES / "amazon-fba-inventory"
    path = sorted(p for p in source.iterdir() if p.is_file())[0]
    copy = tmp_path / path.name
    copy.write_bytes(path.read_bytes())
    stamp = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
    os.utime(copy, (stamp.timestamp(), stamp.timestamp()))
    (report,) = pipeline.import_paths([copy], "amazon-fba-inventory")
    assert report.warnings == [
        "snapshot time taken from the file's modification time (2024-03-05T12:00:00Z); the file "
        "does not say when its stock was counted: if that is wrong, set the snapshot time with "
        "--as-of ISO (the as-of field on the Sources page) and import again"
    ]
    uploaded = pipeline.preview_file(copy, "amazon-fba-inventory",
                                 options=pipeline.ImportOptions(uploaded=True))  # fmt: skip
    assert any(
        n.startswith("warning: snapshot time taken from the upload time") for n in uploaded.notes
    )
    given = pipeline.ImportOptions(as_of=datetime(2024, 3, 1, tzinfo=UTC))
    (again,) = pipeline.import_paths([copy], "amazon-fba-inventory", options=given)
    assert again.warnings == []
    assert "snapshot time taken from --as-of (2024-03-01T00:00:00Z)" in again.notes

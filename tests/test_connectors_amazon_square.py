"""Amazon reports and the Square item library: real exports where we have them, our fixtures otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine

import pipeline
from core.settings import get_settings
from tests.conftest import FIXTURES, require_realdata
from tests.connectors_support import count, csv_rows, table_rows


def stock_by_key(engine: Engine, **where: str) -> dict[tuple[str, str, str], int]:
    rows = table_rows(engine, "stock_levels", **where)
    return {(r["location_id"], r["system_sku"], r["status"]): r["quantity"] for r in rows}


def test_real_amazon_inventory_report(engine: Engine) -> None:
    path = require_realdata("amazon", "inventory_report_it_2024-01-29.txt")
    rows = csv_rows(path, delimiter="\t")
    with_quantity = {r["sku"]: int(r["quantity"]) for r in rows if r["quantity"]}
    report = pipeline.import_file(path, "amazon-listings", engine=engine)
    assert report.ok and report.quarantined == 0
    stock = stock_by_key(engine, system="amazon")
    assert stock == {("amazon-mfn", sku, "sellable"): q for sku, q in with_quantity.items()}
    assert stock[("amazon-mfn", "0A-ZUII-DI5I", "sellable")] == 1
    assert f"{len(rows)} listing(s) read" in report.notes
    assert (
        f"{len(rows) - len(with_quantity)} listing(s) without a quantity (no stock row)"
        in report.notes
    )


def test_listings_location_option(engine: Engine) -> None:
    options = pipeline.ImportOptions(location="IT-MFN")
    pipeline.import_file(FIXTURES / "amazon-listings" / "open_listings.txt", "amazon-listings", engine=engine, options=options)  # fmt: skip
    stock = stock_by_key(engine)
    assert stock == {("IT-MFN", "NW-TEE-S", "sellable"): 4, ("IT-MFN", "NW-MUG", "sellable"): 0, ("IT-MFN", "203521", "sellable"): 5}  # fmt: skip


@pytest.mark.parametrize("width", ["21", "18"])
def test_fba_inventory_statuses(width: str, engine: Engine) -> None:
    path = FIXTURES / "amazon-fba-inventory" / f"manage_fba_inventory_{width}.txt"
    rows = {r["sku"]: r for r in csv_rows(path, delimiter="\t")}
    pipeline.import_file(path, "amazon-fba-inventory", engine=engine)
    tee = rows["NW-TEE-S"]
    inbound = sum(
        int(tee[f"afn-inbound-{k}-quantity"]) for k in ("working", "shipped", "receiving")
    )
    assert {k: v for k, v in stock_by_key(engine).items() if k[1] == "NW-TEE-S"} == {
        ("AMAZON-FBA", "NW-TEE-S", "sellable"): int(tee["afn-fulfillable-quantity"]),
        ("AMAZON-FBA", "NW-TEE-S", "damaged"): int(tee["afn-unsellable-quantity"]),
        ("AMAZON-FBA", "NW-TEE-S", "reserved"): int(tee["afn-reserved-quantity"]),
        ("AMAZON-FBA", "NW-TEE-S", "inbound"): inbound,
    }
    assert inbound == 18


def test_fba_returns_conditions_and_ids(engine: Engine) -> None:
    pipeline.import_file(FIXTURES / "amazon-fba-returns" / "customer_returns.txt", "amazon-fba-returns", engine=engine)  # fmt: skip
    returns = {r["return_id"]: r for r in table_rows(engine, "returns")}
    sellable = returns["114-2962899-5762619:NW-TEE-S:LPNRR123456789"]
    at = datetime(2025, 6, 5, 15, 31, 40, tzinfo=UTC)
    assert (sellable["condition"], sellable["disposition"], sellable["received_at"], sellable["disposition_at"], sellable["restocked_at"]) == ("new", "restock", at, at, at)  # fmt: skip
    assert sellable["receiving_location_id"] == "PHX7" and sellable["channel"] == "amazon"
    damaged = returns["114-1111111-2222222:NW-MUG:LPNRR987654321"]
    assert (damaged["condition"], damaged["disposition"], damaged["restocked_at"]) == ("damaged", "quarantine", None)  # fmt: skip
    defective = returns["114-3333333-4444444:NW-SOCK:1"]  # no license plate: numbered
    assert (defective["condition"], defective["disposition"], defective["quantity"]) == ("defective", "write_off", 2)  # fmt: skip
    assert defective["received_at"] == datetime(2025, 6, 7, 15, 30, tzinfo=UTC)  # -07:00 offset


def test_returns_customer_comments_never_stored(engine: Engine) -> None:
    pipeline.import_file(FIXTURES / "amazon-fba-returns" / "customer_returns.txt", "amazon-fba-returns", engine=engine)  # fmt: skip
    from tests.connectors_support import quarantined

    (bad,) = quarantined(engine)
    assert "call me on 555 0100" not in bad["raw_text"] and "[redacted]" in bad["raw_text"]


def test_real_square_item_library(engine: Engine) -> None:
    path = require_realdata("pos", "square_item_library_export_2025-05-11_first10.csv")
    expected = {}
    for row in csv_rows(path):
        for column, cell in row.items():
            if column and column.startswith("Current Quantity ") and cell:
                key = (
                    column.removeprefix("Current Quantity "),
                    row["SKU"] or row["Token"],
                    "sellable",
                )
                expected[key] = int(cell)
    report = pipeline.import_file(path, "square-items", engine=engine)
    assert report.ok and report.system == "pos"
    assert stock_by_key(engine, system="pos") == expected
    assert expected[("TVM McHenry", "IGQU4RAFVA4CAZ7TNLRPWFQH", "sellable")] == 131
    assert len(expected) == 9


def test_square_fixture_sku_or_token_and_negative(engine: Engine) -> None:
    pipeline.import_file(
        FIXTURES / "square-items" / "item_library.csv", "square-items", engine=engine
    )
    assert stock_by_key(engine) == {
        ("Main Street Store", "NW-TEE-S", "sellable"): 6,
        ("Main Street Store", "CPHBEZFVIK625CRXBJNYWQEZ", "sellable"): 3,
        ("Harbour Kiosk", "CPHBEZFVIK625CRXBJNYWQEZ", "sellable"): -1,
    }


def test_square_creates_draft_items_when_pos_owns_the_item_master(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", "pos")
    get_settings.cache_clear()
    pipeline.import_file(
        FIXTURES / "square-items" / "item_library.csv", "square-items", engine=engine
    )
    items = {i["sku"]: (i["name"], i["lifecycle_status"], i["category"]) for i in table_rows(engine, "items")}  # fmt: skip
    assert items == {
        "NW-TEE-S": ("Trail Tee - S", "draft", "Camping"),
        "NW-SOCK": ("Wool Sock", "draft", "Camping"),
    }
    assert count(engine, "stock_levels") == 3

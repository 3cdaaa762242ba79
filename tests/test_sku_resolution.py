"""SKU resolution at import: unique barcodes become mappings, the rest become suggestions; system records.

Expected values are worked out by hand from the small files below (see the comments), or counted
from the real exports with the csv module.
"""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

import pipeline
from connectors.suggestions import barcode_key, normalise_sku, similarity
from core.db import write_session
from core.schema import SkuMapping, SkuSuggestion, SystemRecord
from metrics.compute import compute_metrics
from tests.conftest import require_realdata
from tests.connectors_support import all_counts

AS_OF = pipeline.ImportOptions(as_of=datetime(2026, 2, 1, tzinfo=UTC))
ITEMS = (
    "sku,name,barcode,lifecycle_status,created_at\n"
    "TEE-RED-S,Trail Tee Red - S,0012345678905,active,2026-01-05T00:00:00Z\n"
    "TEE-RED-M,Trail Tee Red - M,0012345678912,active,2026-01-05T00:00:00Z\n"
    "MUG-1,Camp Mug Blue,4006381333931,active,2026-01-05T00:00:00Z\n"
    "MUG-2,Camp Mug Green,4006381333931,active,2026-01-05T00:00:00Z\n"
    "CAP-01,Summit Cap Black,,active,2026-01-05T00:00:00Z\n"
    "LATER-1,Later thing,9780306406157,draft,2099-01-01T00:00:00Z\n"
)
SQUARE_HEADER = "Token,Item Name,Variation Name,SKU,GTIN,Current Quantity Main Street Store\n"
SQUARE_ROWS = {
    "SQ-TEE-S": "T1,Trail Tee Red,S,SQ-TEE-S,012345678905,5",  # UPC-A of TEE-RED-S's EAN: mapped
    "SQ-MUG": "T2,Camp Mug,Green,SQ-MUG,4006381333931,2",  # barcode on MUG-1 and MUG-2
    "tee-red-m": "T3,Trail Tee Red,M,tee-red-m,,1",  # normalised: TEEREDM
    "SQ-CAP": "T4,Summit Cap,Black,SQ-CAP,,4",  # title like CAP-01's name
    "SQ-NONE": "T5,Mystery Box,Regular,SQ-NONE,,0",  # nothing alike
    "TEE-RED-S": "T6,Trail Tee Red,S,TEE-RED-S,,3",  # a canonical SKU: resolved
    "T7": "T7,Gift Card,Regular,,,9",  # no SKU: keyed by Token, a system record
    "SQ-LATER": "T8,Later thing,Regular,SQ-LATER,9780306406157,1",  # its item is created in 2099
}
# By hand: "summit cap black" (16 chars) vs "summit cap - black" (18): blocks "summit cap " (11) and
# "black" (5) match, so the ratio is 2 × 16 / 34.
CAP_RATIO = round(2 * 16 / 34, 4)
NOTHING = "no item has the same normalised SKU (the source gave no barcode); no item name is 80% similar to the title"
EXPECTED_SUGGESTIONS = {
    "SQ-MUG": ("MUG-2", "barcode", 0.5, "barcode 4006381333931 is on 2 items: MUG-1, MUG-2; "
               "MUG-2's name is the most like the title 'Camp Mug - Green'"),
    "tee-red-m": ("TEE-RED-M", "normalised_sku", 1.0,
                  "normalised, 'tee-red-m' is 'TEEREDM' like the SKU of item TEE-RED-M"),
    "SQ-CAP": ("CAP-01", "title", CAP_RATIO, "title 'Summit Cap - Black' is 94% similar to the "
               "name of CAP-01 ('Summit Cap Black')"),
    "SQ-NONE": (None, None, None, f"{NOTHING} 'Mystery Box'"),
    "T7": (None, None, None, f"{NOTHING} 'Gift Card'"),
    "SQ-LATER": (None, None, None, "no item has the same normalised SKU or the barcode "
                 "9780306406157; no item name is 80% similar to the title 'Later thing'"),
}  # fmt: skip


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def square_file(
    folder: Path, rows: dict[str, str] = SQUARE_ROWS, name: str = "item_library.csv"
) -> Path:
    return write(folder, name, SQUARE_HEADER + "\n".join(rows.values()) + "\n")


def rows_of(engine: Engine, model: type) -> dict[tuple[str, str], dict[str, Any]]:
    """Every row of a two-column-key table, by key."""
    table = model.__table__
    key = [c.name for c in table.primary_key.columns]
    with engine.connect() as conn:
        return {tuple(r[k] for k in key): dict(r) for r in conn.execute(select(table)).mappings()}


def suggestions(engine: Engine) -> dict[str, tuple[Any, ...]]:
    rows = rows_of(engine, SkuSuggestion)
    return {
        sku: (r["suggested_sku"], r["method"], r["score"], r["evidence"])
        for (_, sku), r in rows.items()
    }


@pytest.fixture
def master(engine: Engine, tmp_path: Path) -> Engine:
    """The item master of ITEMS, imported by its owner (erp)."""
    report = pipeline.import_file(write(tmp_path, "items.csv", ITEMS), "items", engine=engine)
    assert report.ok and report.inserted == 6
    return engine


def import_square(engine: Engine, path: Path) -> pipeline.ImportReport:
    report = pipeline.import_file(path, "square-items", engine=engine, options=AS_OF)
    assert report.ok, report.reason
    return report


def test_unique_barcode_maps_the_rest_is_suggested(master: Engine, tmp_path: Path) -> None:
    report = import_square(master, square_file(tmp_path))
    mappings = rows_of(master, SkuMapping)
    assert {k: (r["sku"], r["origin"], r["import_run_id"]) for k, r in mappings.items()} == {
        ("pos", "SQ-TEE-S"): ("TEE-RED-S", "barcode", report.run_id)
    }
    assert suggestions(master) == EXPECTED_SUGGESTIONS
    stored = rows_of(master, SkuSuggestion)
    assert {r["status"] for r in stored.values()} == {"open"}
    assert {r["version"] for r in stored.values()} == {1}
    assert "1 system SKU(s) mapped to an item by a unique barcode match" in report.notes
    assert (
        "6 system SKU(s) resolve to no item: 3 with a suggested match, all kept as SKU "
        "suggestions for a steward"
    ) in report.notes


def test_the_metric_counts_what_stays_unmapped(master: Engine, tmp_path: Path) -> None:
    import_square(master, square_file(tmp_path))
    rows = compute_metrics(master, datetime(2026, 3, 1, tzinfo=UTC))
    unmapped = [r for r in rows if r["metric"] == "unmapped_system_skus" and r["key"] == "pos"]
    # 8 system SKUs seen; SQ-TEE-S resolves by its barcode mapping, TEE-RED-S as a canonical SKU.
    assert [(r["value"], r["n"]) for r in unmapped] == [(6, 8)]


def test_a_sku_less_variation_is_a_system_record(master: Engine, tmp_path: Path) -> None:
    report = import_square(master, square_file(tmp_path))
    (record,) = rows_of(master, SystemRecord).values()
    assert {k: record[k] for k in ("system", "source_key", "kind", "title", "barcode", "details",
                                   "file_name", "import_run_id")} == {
        "system": "pos", "source_key": "T7", "kind": "variation", "title": "Gift Card",
        "barcode": None, "details": {}, "file_name": "item_library.csv", "import_run_id": report.run_id,
    }  # fmt: skip
    assert record["first_seen_at"] == record["last_seen_at"]
    assert "1 source record(s) without a SKU kept as system records (1 new, 0 changed, 0 seen again)" in report.notes  # fmt: skip


def test_a_record_given_a_sku_later_is_no_longer_kept(master: Engine, tmp_path: Path) -> None:
    import_square(master, square_file(tmp_path))
    fixed = {**SQUARE_ROWS, "T7": "T7,Gift Card,Regular,GIFT-1,,9"}
    report = import_square(master, square_file(tmp_path, fixed, name="item_library-2.csv"))
    assert rows_of(master, SystemRecord) == {}
    assert "1 system record(s) removed: the file shows them with a SKU now" in report.notes


def snapshot(engine: Engine) -> tuple[object, ...]:
    return (
        rows_of(engine, SkuMapping),
        rows_of(engine, SkuSuggestion),
        rows_of(engine, SystemRecord),
        all_counts(engine),
    )


def test_importing_the_same_file_again_changes_no_row(master: Engine, tmp_path: Path) -> None:
    path = square_file(tmp_path)
    import_square(master, path)
    before = snapshot(master)
    again = import_square(master, path)
    assert snapshot(master) == before
    assert (again.inserted, again.updated) == (0, 0)


def decide(engine: Engine, system_sku: str, status: str, suggested: str | None = None) -> None:
    """What a steward's confirm or reject leaves in the table (the governance action's write)."""
    table = SkuSuggestion.__table__
    values: dict[str, Any] = {"status": status, "decided_by": "sam", "reason": "checked the shelf"}
    if suggested is not None:
        values["suggested_sku"] = suggested
    with write_session(engine) as session:
        session.execute(
            update(table).where(table.c.system == "pos", table.c.system_sku == system_sku).values(**values)
        )  # fmt: skip


def test_a_stewards_decision_is_never_overwritten(master: Engine, tmp_path: Path) -> None:
    import_square(master, square_file(tmp_path))
    decide(master, "SQ-MUG", "rejected")
    decide(master, "tee-red-m", "confirmed")
    decided = {
        k: r for k, r in rows_of(master, SkuSuggestion).items() if k[1] in ("SQ-MUG", "tee-red-m")
    }
    # A new file: the mug is now called Blue (its suggestion would become MUG-1), the cap has no title.
    changed = {**SQUARE_ROWS, "SQ-MUG": "T2,Camp Mug,Blue,SQ-MUG,4006381333931,2",
               "SQ-CAP": "T4,,Regular,SQ-CAP,,4"}  # fmt: skip
    import_square(master, square_file(tmp_path, changed, name="item_library-2.csv"))
    after = rows_of(master, SkuSuggestion)
    assert {k: after[k] for k in decided} == decided
    cap = after[("pos", "SQ-CAP")]
    no_title = (
        "no item has the same normalised SKU (the source gave no barcode); the source gave no title"
    )
    assert (cap["suggested_sku"], cap["evidence"], cap["version"]) == (None, no_title, 2)
    assert after[("pos", "SQ-NONE")]["version"] == 1  # the same suggestion: not rewritten


def test_a_rejected_match_is_not_mapped_by_barcode(master: Engine, tmp_path: Path) -> None:
    import_square(master, square_file(tmp_path, {"SQ-NEW": "T9,Thing,Regular,SQ-NEW,,1"}))
    decide(master, "SQ-NEW", "rejected", suggested="TEE-RED-M")
    before = rows_of(master, SkuSuggestion)
    rows = {"SQ-NEW": "T9,Thing,Regular,SQ-NEW,0012345678912,1",  # TEE-RED-M's barcode, rejected
            "SQ-NEW2": "T10,Thing,Regular,SQ-NEW2,0012345678912,1"}  # fmt: skip
    import_square(master, square_file(tmp_path, rows, name="item_library-2.csv"))
    mappings = rows_of(master, SkuMapping)
    assert {k: r["sku"] for k, r in mappings.items()} == {("pos", "SQ-NEW2"): "TEE-RED-M"}
    assert rows_of(master, SkuSuggestion) == before


def test_an_open_suggestion_goes_once_its_sku_resolves(master: Engine, tmp_path: Path) -> None:
    path = square_file(tmp_path)
    import_square(master, path)
    more = "sku,name,lifecycle_status,created_at\nSQ-NONE,Mystery Box,draft,2026-01-05T00:00:00Z\n"
    pipeline.import_file(write(tmp_path, "more-items.csv", more), "items", engine=master)
    report = import_square(master, path)
    assert set(suggestions(master)) == set(EXPECTED_SUGGESTIONS) - {"SQ-NONE"}
    assert any(n.startswith("5 system SKU(s) resolve to no item") for n in report.notes)


def test_a_canonical_stock_file_gets_suggestions_too(master: Engine, tmp_path: Path) -> None:
    stock = ("as_of,system,location_id,system_sku,status,quantity\n"
             "2026-02-01T00:00:00Z,wms,DC1,tee_red_s,sellable,4\n"
             "2026-02-01T00:00:00Z,wms,DC1,MUG-1,sellable,2\n")  # fmt: skip
    pipeline.import_file(write(tmp_path, "stock_levels.csv", stock), "canonical", engine=master)
    assert suggestions(master) == {
        "tee_red_s": ("TEE-RED-S", "normalised_sku", 1.0,
                      "normalised, 'tee_red_s' is 'TEEREDS' like the SKU of item TEE-RED-S"),
    }  # fmt: skip
    assert rows_of(master, SkuMapping) == {}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("tee-red-m", "TEEREDM"),
        (" 00 12_3.4 ", "1234"),
        ("A.B C", "ABC"),
        ("000", ""),
        ("x0", "X0"),
    ],
)
def test_normalise_sku(raw: str, expected: str) -> None:
    assert normalise_sku(raw) == expected


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [("012345678905", "0012345678905", True), ("12345670", "00000012345670", True),
     ("0012345678905", "0012345678912", False), ("abc-1", "ABC-1", True)],
)  # fmt: skip
def test_barcodes_compare_as_gtins(a: str, b: str, same: bool) -> None:
    assert (barcode_key(a) == barcode_key(b)) is same


def test_similarity_is_case_and_space_blind() -> None:
    assert similarity("Summit  CAP black", "summit cap black") == 1.0
    assert similarity("abcd", "abce") == 0.75  # by hand: 3 of 4 match, 2 × 3 / 8


def sku_less_keys(path: Path, sku: str, handle: str, values: tuple[str, ...]) -> set[str]:
    """`handle:option values` of rows without a SKU that carry variant data (csv module only)."""
    with path.open(encoding="utf-8-sig", newline="") as handle_file:
        rows = list(csv.DictReader(handle_file))
    keys = set()
    for row in rows:
        options = [row[c] for c in values[:3] if row.get(c)]
        if not row[sku] and any(row.get(c) for c in values):
            keys.add(f"{row[handle]}:{'/'.join(options)}")
    return keys


OPTIONS_EXPORT = (
    "Option1 Value",
    "Option2 Value",
    "Option3 Value",
    "Variant Barcode",
    "Variant Price",
)
OPTIONS_2025 = ("Option1 value", "Option2 value", "Option3 value", "Barcode", "Price")


@pytest.mark.parametrize(
    ("name", "source", "sku", "handle", "values"),
    [
        ("products_export_demo_store_2023.csv", "shopify-products", "Variant SKU", "Handle", OPTIONS_EXPORT),
        ("products_2025_new_template_format_stoa.csv", "shopify-products", "SKU", "URL handle", OPTIONS_2025),
        ("inventory_export_2023_location_rows.csv", "shopify-inventory", "SKU", "Handle",
         ("Option1 Value", "Option2 Value", "Option3 Value", "Title")),
    ],
)  # fmt: skip
def test_real_sku_less_shopify_variants_are_system_records(
    engine: Engine, name: str, source: str, sku: str, handle: str, values: tuple[str, ...]
) -> None:
    path = require_realdata("shopify", name)
    keys = sku_less_keys(path, sku, handle, values)
    report = pipeline.import_file(path, source, engine=engine, options=AS_OF)
    assert report.ok and report.quarantined == 0
    records = rows_of(engine, SystemRecord)
    assert {k for (_, k) in records} == keys and keys
    assert {r["system"] for r in records.values()} == {"shopify"}
    assert f"{len(keys)} source record(s) without a SKU kept as system records ({len(keys)} new, 0 changed, 0 seen again)" in report.notes  # fmt: skip
    assert all_counts(engine).get("items", 0) == 0  # never an item
    before = rows_of(engine, SystemRecord)
    pipeline.import_file(path, source, engine=engine, options=AS_OF)
    assert rows_of(engine, SystemRecord) == before

"""Import rules of SPEC section 2 through the canonical CSVs: idempotence, quarantine, refusal, ownership."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import Engine, select

import pipeline
from core.schema import (
    HeldItemChange,
    ImportRun,
    Item,
    ItemChange,
    Order,
    QuarantinedRow,
    Return,
    SkuMapping,
)
from core.status import entity_counts
from tests.conftest import FIXTURES

CANONICAL = FIXTURES / "canonical"


def _rows(engine: Engine, model: type) -> list:
    with engine.connect() as conn:
        return list(conn.execute(select(model.__table__)).all())


def _by_file(reports: list[pipeline.ImportReport]) -> dict[str, pipeline.ImportReport]:
    return {r.file: r for r in reports}


def test_canonical_folder_loads_and_second_import_changes_nothing(engine: Engine) -> None:
    first = _by_file(pipeline.import_paths([CANONICAL], "canonical"))
    assert all(r.ok for r in first.values())
    # locations 3, items 3, mapping 1, orders 3, lines 4 (one for an unknown order), returns 2 good
    assert {f: r.inserted for f, r in first.items()} == {
        "locations.csv": 3,
        "items.csv": 3,
        "sku_mappings.csv": 1,
        "orders.csv": 3,
        "order_lines.csv": 4,
        "returns.csv": 2,
    }
    counts_before = entity_counts(engine)
    quarantine_before = _rows(engine, QuarantinedRow)
    items_before = _rows(engine, Item)

    second = pipeline.import_paths([CANONICAL], "canonical")
    assert all(r.inserted == 0 and r.updated == 0 for r in second)
    assert sum(r.unchanged for r in second) == 3 + 3 + 1 + 3 + 4 + 2
    assert entity_counts(engine) == counts_before
    assert _rows(engine, QuarantinedRow) == quarantine_before
    assert _rows(engine, Item) == items_before


def test_bad_row_is_quarantined_with_line_and_reason_and_the_rest_loads(engine: Engine) -> None:
    report = pipeline.import_file(CANONICAL / "returns.csv", "canonical")
    assert (report.read, report.inserted, report.quarantined) == (3, 2, 1)
    [bad] = _rows(engine, QuarantinedRow)
    assert bad.line_number == 4  # header is line 1; R-3 is the third data line
    assert bad.reason == "return received after its disposition (received_at > disposition_at)"
    assert bad.raw_text.startswith("R-3,O-2,1,TEE-BLK-L")
    assert bad.file_name == "returns.csv"
    assert bad.file_sha256 == report.sha256


def test_timestamps_vocabularies_and_attributes_are_normalised(engine: Engine) -> None:
    pipeline.import_paths(
        [CANONICAL / "locations.csv", CANONICAL / "items.csv", CANONICAL / "orders.csv"],
        "canonical",
    )
    with engine.connect() as conn:
        fc = conn.execute(select(Order.__table__).where(Order.order_id == "O-3")).one()
        mug = conn.execute(select(Item.__table__).where(Item.sku == "MUG-01")).one()
        amazon = conn.execute(select(Order.__table__).where(Order.order_id == "O-2")).one()
    # 08:00 at -05:00 is 13:00 UTC; "2026-01-10 12:00:00" has no offset, so it is UTC
    assert fc.placed_at.isoformat() == "2026-01-11T13:00:00+00:00"
    assert amazon.placed_at.isoformat() == "2026-01-10T12:00:00+00:00"
    assert amazon.channel == "amazon"
    # 2026-01-07T00:00+01:00 is 2026-01-06T23:00Z
    assert mug.created_at.isoformat() == "2026-01-06T23:00:00+00:00"
    assert mug.abc_class is None and mug.barcode is None
    assert str(mug.unit_cost).rstrip("0").rstrip(".") == "4"
    tee = _rows(engine, Item)[0]
    assert tee.attributes == {"color": "black"}


def test_binary_file_is_refused_and_nothing_is_written(engine: Engine, tmp_path: Path) -> None:
    pipeline.import_paths([CANONICAL / "locations.csv"], "canonical")
    before = entity_counts(engine), _rows(engine, QuarantinedRow)
    binary = tmp_path / "orders.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    report = pipeline.import_file(binary, "canonical")
    assert not report.ok
    assert (
        report.summary()
        == "orders.csv: refused: binary content (NUL bytes), not a delimited text export: "
        "export the data as CSV"
    )
    assert (entity_counts(engine), _rows(engine, QuarantinedRow)) == before


def test_wrong_columns_and_empty_files_are_refused(engine: Engine, tmp_path: Path) -> None:
    wrong = tmp_path / "orders.csv"
    wrong.write_text("id,when\n1,2026-01-01\n")
    empty = tmp_path / "items.csv"
    empty.write_text("\n\n")
    unknown = tmp_path / "stuff.csv"
    unknown.write_text("a,b\n1,2\n")
    reports = _by_file(pipeline.import_paths([wrong, empty, unknown], "canonical"))
    assert reports["orders.csv"].reason.startswith(
        "not a orders.csv: missing column(s) order_id, channel, placed_at"
    )
    assert reports["items.csv"].reason == "the file is empty: export it again, with its header line"
    assert reports["stuff.csv"].reason.startswith("not a canonical file name")
    assert all(count == 0 for count in entity_counts(engine).values())


def test_only_carried_fields_are_written_and_later_duplicate_wins(
    engine: Engine, tmp_path: Path
) -> None:
    pipeline.import_file(CANONICAL / "items.csv", "canonical")
    partial = tmp_path / "items.csv"
    partial.write_text(
        "sku,lifecycle_status,name\n"
        "TEE-BLK-M,retired,first value\n"
        "TEE-BLK-M,retired,Tee black M v2\n"
    )
    report = pipeline.import_file(partial, "canonical")
    assert (report.read, report.updated, report.inserted) == (2, 1, 0)
    with engine.connect() as conn:
        tee = conn.execute(select(Item.__table__).where(Item.sku == "TEE-BLK-M")).one()
        changes = conn.execute(
            select(ItemChange.field, ItemChange.old_value, ItemChange.new_value)
            .where(ItemChange.sku == "TEE-BLK-M", ItemChange.field != "(created)")
            .order_by(ItemChange.field)
        ).all()
    assert (tee.name, tee.lifecycle_status, tee.barcode, tee.brand) == (
        "Tee black M v2",
        "retired",
        "4006381333931",
        "Acme",
    )
    assert changes == [
        ("lifecycle_status", "active", "retired"),
        ("name", "Tee black M", "Tee black M v2"),
    ]


def test_items_from_a_non_owning_system_are_held_not_applied(
    engine: Engine, tmp_path: Path
) -> None:
    pipeline.import_file(CANONICAL / "items.csv", "canonical")
    before = _rows(engine, Item)
    shop = tmp_path / "items.csv"
    shop.write_text(
        "sku,name,lifecycle_status\nTEE-BLK-M,Shopify title,active\nNEW-ONE,New from shop,active\n"
    )
    report = pipeline.import_file(shop, "canonical", system="shopify")
    assert report.ok and report.inserted == 0 and report.updated == 0
    assert _rows(engine, Item) == before
    with engine.connect() as conn:
        held = conn.execute(
            select(
                HeldItemChange.sku,
                HeldItemChange.field,
                HeldItemChange.proposed_value,
                HeldItemChange.current_value,
            )
        ).all()
        mappings = conn.execute(
            select(SkuMapping.system, SkuMapping.system_sku, SkuMapping.sku)
        ).all()
    assert held == [("TEE-BLK-M", "name", "Shopify title", "Tee black M")]
    assert mappings == [("shopify", "TEE-BLK-M", "TEE-BLK-M")]
    again = pipeline.import_file(shop, "canonical", system="shopify")
    assert again.inserted == again.updated == 0
    assert "1 SKU(s) unknown to the item master" in " ".join(again.notes)


def test_items_without_created_at_get_the_import_time(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "items.csv"
    path.write_text("sku,lifecycle_status\nNEW-1,draft\n")
    report = pipeline.import_file(path, "canonical")
    with engine.connect() as conn:
        created = conn.execute(select(Item.created_at)).scalar_one()
        finished = conn.execute(select(ImportRun.started_at)).scalar_one()
    assert report.inserted == 1
    assert created == finished


def test_encodings_delimiters_and_line_endings(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "mixed"
    folder.mkdir()
    # cp1252 with semicolons and CRLF; é is 0xE9 in cp1252 and invalid alone in UTF-8
    (folder / "locations.csv").write_bytes(
        "location_id;name;type\r\nS-1;Caf\u00e9 store;store\r\n".encode("cp1252")
    )
    # UTF-8 with BOM, tab-delimited, a quoted newline inside a name, no final newline
    (folder / "items.csv").write_bytes(
        '\ufeffsku\tname\tlifecycle_status\nA-1\t"two\nlines \u2013 ok"\tactive\nA-2\tplain\tdraft'.encode()
    )
    reports = pipeline.import_paths([folder], "canonical")
    assert [(r.file, r.inserted, r.quarantined) for r in reports] == [
        ("locations.csv", 1, 0),
        ("items.csv", 2, 0),
    ]
    with engine.connect() as conn:
        names = dict(conn.execute(select(Item.sku, Item.name)).all())
        store = conn.execute(select(ImportRun.file_name)).all()
    assert names == {"A-1": "two\nlines \u2013 ok", "A-2": "plain"}
    assert len(store) == 2


def test_quarantine_is_kept_once_per_file_and_line(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "q"
    shutil.copytree(CANONICAL, folder)
    for _ in range(3):
        pipeline.import_file(folder / "returns.csv", "canonical")
    assert len(_rows(engine, QuarantinedRow)) == 1
    # a changed file (new sha256) quarantines its bad line again
    with (folder / "returns.csv").open("a") as handle:
        handle.write("R-4,,,,x,,,,,,,,,\r\n")
    report = pipeline.import_file(folder / "returns.csv", "canonical")
    reasons = sorted(r.reason for r in _rows(engine, QuarantinedRow))
    assert report.quarantined == 2
    assert reasons == [
        "quantity: not a whole number: 'x'",
        "return received after its disposition (received_at > disposition_at)",
        "return received after its disposition (received_at > disposition_at)",
    ]


def test_missing_key_required_and_vocabulary_errors_are_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "cycle_counts.csv"
    path.write_text(
        "count_id,counted_at,location_id,sku,system_qty,counted_qty\n"
        "C-1,2026-01-05T10:00:00Z,DC-01,TEE,10,9\n"
        ",2026-01-05T10:00:00Z,DC-01,TEE,10,9\n"
        "C-3,yesterday,DC-01,TEE,10,9\n"
        "C-4,2026-01-05T10:00:00Z,,TEE,10,9\n"
        "C-5,2026-01-05T10:00:00Z,DC-01,TEE,10.0,9\n"
        "C-6,2026-01-05T10:00:00Z,DC-01,TEE,10\n"
    )
    report = pipeline.import_file(path, "canonical")
    assert (report.read, report.inserted, report.quarantined) == (6, 2, 4)
    reasons = {r.line_number: r.reason for r in _rows(engine, QuarantinedRow)}
    assert reasons == {
        3: "missing key field count_id",
        4: "counted_at: not an ISO 8601 timestamp: 'yesterday'",
        5: "missing required field location_id",
        7: "5 fields where the header has 6",
    }


def test_fractions_are_truncated_before_the_returns_check_and_open_words_lower_cased(
    engine: Engine, tmp_path: Path
) -> None:
    (tmp_path / "returns.csv").write_text(
        "return_id,quantity,channel,received_at,disposition_at\n"
        # received 0.999 s after the disposition's whole second: both are kept as 10:00:00,
        # so the return is not received after its disposition (a lag of 0 h)
        "R-SAME,1,Faire,2026-01-05T10:00:00.999Z,2026-01-05T10:00:00Z\n"
        "R-LATE,1,FAIRE,2026-01-05T10:00:01Z,2026-01-05T10:00:00.5Z\n"
    )
    report = pipeline.import_file(tmp_path / "returns.csv", "canonical")
    assert (report.inserted, report.quarantined) == (1, 1)
    [kept] = _rows(engine, Return)
    assert (kept.return_id, kept.channel) == ("R-SAME", "faire")
    assert kept.received_at == kept.disposition_at
    [bad] = _rows(engine, QuarantinedRow)
    assert bad.line_number == 3

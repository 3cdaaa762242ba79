"""Values a database cannot hold are quarantined row by row, naming the column and the limit, on both databases."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from core.schema import Base
from core.schema.limits import INT32, limit_of
from core.timeutil import parse_iso, week_start
from metrics.compute import compute_rows, reading
from tests.connectors_support import quarantined, table_rows

BOUND = 1_000_000_000  # INVGOV_MAX_QUANTITY's default


def _reasons(engine: Engine) -> dict[int, str]:
    return {r["line_number"]: r["reason"] for r in quarantined(engine)}


def test_every_column_of_every_table_has_a_declared_limit() -> None:
    undeclared = []
    for table in Base.metadata.sorted_tables:
        for column in table.c:
            try:
                limit_of(column.type)
            except TypeError:
                undeclared.append(f"{table.name}.{column.name}")
    assert undeclared == []
    # An INTEGER column holds PostgreSQL's 32-bit range, the smaller of the two databases'.
    assert INT32 == (-2_147_483_648, 2_147_483_647)


def test_quantities_beyond_the_column_or_the_bound_are_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "order_lines.csv"
    path.write_text(
        "order_id,line_id,sku,quantity,allocated_location_id\n"
        "O-1,1,A,1000000000,DC\n"  # line 2: exactly the bound, loads
        "O-1,2,A,9223372036854775808,DC\n"  # 2^63: past SQLite's 64 bits
        "O-1,3,A,2147483648,DC\n"  # 2^31: past PostgreSQL's INTEGER
        "O-1,4,A,1000000001,DC\n"  # bound + 1
        "O-1,5,A,-1000000001,DC\n"
        "O-1,6,A,1_000,DC\n"  # Python's int() would read these three
        "O-1,7,A,\uff11\uff12,DC\n"
        "O-1,8,A,\u0661\u0662,DC\n"
        "O-1,9,A,-1000000000,DC\n"  # line 10: the negative bound, loads
    )
    report = pipeline.import_file(path, "canonical")
    assert report.ok
    assert (report.read, report.inserted, report.quarantined) == (9, 2, 7)
    beyond = "is beyond the largest quantity accepted (±1,000,000,000, setting INVGOV_MAX_QUANTITY)"
    assert _reasons(engine) == {
        3: "quantity 9223372036854775808 is outside what an INTEGER column holds "
        "(-2,147,483,648 to 2,147,483,647)",
        4: "quantity 2147483648 is outside what an INTEGER column holds "
        "(-2,147,483,648 to 2,147,483,647)",
        5: f"quantity 1000000001 {beyond}",
        6: f"quantity -1000000001 {beyond}",
        7: "quantity: not a whole number: '1_000'",
        8: "quantity: not a whole number: '\uff11\uff12'",
        9: "quantity: not a whole number: '\u0661\u0662'",
    }
    stored = {r["line_id"]: r["quantity"] for r in table_rows(engine, "order_lines")}
    assert stored == {"1": BOUND, "9": -BOUND}


def test_quantities_at_the_bound_do_not_overflow_the_arithmetic(
    engine: Engine, tmp_path: Path
) -> None:
    folder = tmp_path / "big"
    folder.mkdir()
    (folder / "orders.csv").write_text(
        "order_id,channel,placed_at\nO-1,shopify,2026-01-05T10:00:00Z\n"
    )
    # Three lines at the bound: the order's 3,000,000,000 units exceed a 32-bit integer.
    (folder / "order_lines.csv").write_text(
        "order_id,line_id,sku,quantity,allocated_location_id\n"
        + "".join(f"O-1,{i},A,{BOUND},DC\n" for i in range(3))
    )
    (folder / "shipments.csv").write_text(
        "shipment_id,order_id,line_id,location_id,shipped_at,quantity\n"
        f"S-1,O-1,0,DC,2026-01-06T10:00:00Z,{BOUND}\n"
    )
    assert all(r.ok for r in pipeline.import_paths([folder], "canonical"))
    # An ordinary later import of the same order (a changed line) still applies and refreshes.
    (folder / "order_lines.csv").write_text(
        "order_id,line_id,sku,quantity,allocated_location_id\nO-1,2,A,5,DC\n"
    )
    assert pipeline.import_file(folder / "order_lines.csv", "canonical").ok
    with reading(engine) as conn:
        rows = compute_rows(conn, parse_iso("2026-01-20T00:00:00Z"))
    fill = next(r for r in rows if r.metric == "fill_rate" and r.dim == "all")
    # ordered 10^9 + 10^9 + 5, shipped 10^9 (line 0)
    assert (fill.n, fill.num) == (2 * BOUND + 5, BOUND)


def test_timestamps_outside_the_supported_years_are_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "order_id,channel,placed_at\n"
        "O-1,shopify,9999-12-31T23:30:00-05:00\n"  # past year 9999 once in UTC
        "O-2,shopify,0001-01-01T00:15:00+01:00\n"  # before year 1 once in UTC
        "O-3,shopify,1969-12-31T23:59:59Z\n"
        "O-4,shopify,3000-01-01T00:00:00Z\n"
        "O-5,shopify,2999-12-31T23:59:59Z\n"  # the last supported second: loads
        "O-6,shopify,1970-01-01T00:00:00Z\n"  # the first: loads
        "O-7,shopify,\uff12\uff10\uff12\uff16-01-05\n"
    )
    report = pipeline.import_file(path, "canonical")
    assert (report.read, report.inserted, report.quarantined) == (7, 2, 5)
    years = "is outside the supported years 1970–2999"
    assert _reasons(engine) == {
        2: f"placed_at: '9999-12-31T23:30:00-05:00' {years}",
        3: f"placed_at: '0001-01-01T00:15:00+01:00' {years}",
        4: f"placed_at: '1969-12-31T23:59:59Z' {years}",
        5: f"placed_at: '3000-01-01T00:00:00Z' {years}",
        8: "placed_at: not an ISO 8601 timestamp: '\uff12\uff10\uff12\uff16-01-05'",
    }
    assert sorted(r["order_id"] for r in table_rows(engine, "orders")) == ["O-5", "O-6"]


def test_a_nul_after_the_first_8_kb_is_quarantined_not_stored(
    engine: Engine, tmp_path: Path
) -> None:
    filler = "".join(f"SKU-{i:05d},Plain name {i},active\n" for i in range(400))  # ~10 KB
    path = tmp_path / "items.csv"
    path.write_bytes(
        (
            "sku,name,lifecycle_status\n"
            + filler
            + "BAD\x00KEY,Name,active\n"
            + "SKU-X,Nul\x00name,active\n"
        ).encode()
    )
    assert path.read_bytes().index(b"\x00") > 8192
    report = pipeline.import_file(path, "canonical")
    assert (report.read, report.inserted, report.quarantined) == (402, 400, 2)
    nul = "contains a NUL character (byte 0), which text columns cannot hold"
    assert _reasons(engine) == {402: f"sku {nul}", 403: f"name {nul}"}
    kept = {r["line_number"]: r["raw_text"] for r in quarantined(engine)}
    assert kept == {402: "BAD\u2400KEY,Name,active", 403: "SKU-X,Nul\u2400name,active"}


def test_other_values_the_columns_cannot_hold_are_quarantined(
    engine: Engine, tmp_path: Path
) -> None:
    items = tmp_path / "items.csv"
    long_sku = "S" * 256
    items.write_text(
        "sku,lifecycle_status,unit_cost\n"
        "A-1,active,12.5\n"
        f"{long_sku},active,1\n"
        "A-2,active,12345678901\n"
        "A-3,active,1.23456\n"
        "A-4,active,1_0\n"
    )
    bundles = tmp_path / "bundle_components.csv"
    bundles.write_text("bundle_sku,component_sku,quantity\nB,A-1,2\nB,A-2,0\nB,A-3,-1\n")
    reports = pipeline.import_paths([items, bundles], "canonical")
    assert [(r.inserted, r.quarantined) for r in reports] == [(1, 4), (1, 2)]
    by_file = {(r["file_name"], r["line_number"]): r["reason"] for r in quarantined(engine)}
    assert by_file == {
        ("items.csv", 3): "sku is longer than 255 characters (256)",
        ("items.csv", 4): "unit_cost 12345678901 has more than 10 digits before the decimal point",
        ("items.csv", 5): "unit_cost 1.23456 has more than 4 decimal places",
        ("items.csv", 6): "unit_cost: not a decimal number: '1_0'",
        ("bundle_components.csv", 3): "quantity 0: a bundle needs at least one of each component",
        ("bundle_components.csv", 4): "quantity -1: a bundle needs at least one of each component",
    }


def test_source_formats_quarantine_out_of_range_values_too(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "listings.txt"
    path.write_text(
        "sku\tasin\tprice\tquantity\n"
        "A-1\tB001\t1.00\t5\n"
        "A-2\tB002\t1.00\t4294967296\n"
        "A-3\tB003\t1.00\t\uff15\n"
    )
    report = pipeline.import_file(
        path,
        "amazon-listings",
        options=pipeline.ImportOptions(as_of=parse_iso("2026-01-05T00:00:00Z")),
    )
    assert report.ok and (report.inserted, report.quarantined) == (1, 2)
    reasons = _reasons(engine)
    assert reasons[3].startswith("quantity 4294967296 is outside what an INTEGER column holds")
    assert reasons[4] == "quantity: not a whole number: '\uff15'"


def test_week_labels_outside_the_supported_years_are_refused() -> None:
    assert week_start("2026-W02").isoformat() == "2026-01-05T00:00:00+00:00"
    for label in ("1-W01", "0001-W01", "10000-W01", "2026-W2", "\uff12\uff10\uff12\uff16-W01"):
        with pytest.raises(ValueError):
            week_start(label)

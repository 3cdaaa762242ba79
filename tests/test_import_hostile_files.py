"""Hostile and careless files: encodings decided per file, near-miss headers, special files, size and row bounds."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from core.settings import get_settings
from tests.connectors_support import all_counts, table_rows


def _use(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    for name, value in settings.items():
        monkeypatch.setenv(f"INVGOV_{name.upper()}", value)
    get_settings.cache_clear()


def test_utf8_with_one_cp1252_line_is_refused_naming_the_line(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "locations.csv"
    path.write_bytes(
        "location_id,name,type\nS-1,Caf\u00e9 nord,store\n".encode()
        + "S-2,Caf\u00e9 sud,store\n".encode("cp1252")
    )
    report = pipeline.import_file(path, "canonical")
    assert report.reason == (
        "mixed encodings: line 3 is not valid UTF-8 (byte 0xE9) while line 2 is UTF-8 text: "
        "re-export the whole file as UTF-8"
    )
    assert sum(all_counts(engine).values()) == 0


def test_a_bom_that_the_file_breaks_is_refused(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "locations.csv"
    path.write_bytes(
        b"\xef\xbb\xbflocation_id,name,type\nS-1,plain,store\n"
        + "S-2,\u00e9,store\n".encode("cp1252")
    )
    report = pipeline.import_file(path, "canonical")
    assert report.reason == (
        "line 3 is not valid UTF-8 (byte 0xE9) though the file starts with a UTF-8 "
        "byte-order mark: re-export the whole file as UTF-8"
    )


def test_the_encoding_is_said_in_the_notes(engine: Engine, tmp_path: Path) -> None:
    cp = tmp_path / "cp" / "locations.csv"
    utf = tmp_path / "utf" / "locations.csv"
    for path in (cp, utf):
        path.parent.mkdir()
    cp.write_bytes("location_id,name,type\nS-1,Caf\u00e9,store\n".encode("cp1252"))
    utf.write_bytes("location_id,name,type\nS-2,Caf\u00e9,store\n".encode())
    first, second = pipeline.import_file(cp, "canonical"), pipeline.import_file(utf, "canonical")
    assert (
        "text encoding: cp1252, not UTF-8 (line 2 has byte 0xE9, and no line holds UTF-8 text)"
        in first.notes
    )
    assert "text encoding: UTF-8" in second.notes
    names = {r["location_id"]: r["name"] for r in table_rows(engine, "locations")}
    assert names == {"S-1": "Caf\u00e9", "S-2": "Caf\u00e9"}


def test_a_mapping_encoding_the_file_breaks_names_the_line(engine: Engine, tmp_path: Path) -> None:
    mapping = tmp_path / "m.toml"
    mapping.write_text(
        'encoding = "utf-8"\nentity = "locations"\n[columns]\nlocation_id = "id"\ntype = "kind"\n'
    )
    path = tmp_path / "export.csv"
    path.write_bytes(b"id,kind\nA,store\nB,st\xe9re\n")
    report = pipeline.import_file(path, "mapped", options=pipeline.ImportOptions(mapping=mapping))
    assert report.reason is not None
    assert report.reason.startswith("line 3 is not valid the mapping's encoding utf-8")


@pytest.mark.parametrize(
    ("header", "column"),
    [("sku,Name ,lifecycle_status", "name"), ("sku,name,lifecycle_status,barcdoe", "barcode"),
     ("sku,lifecycle_status,Unit Cost", "unit_cost"), ("sku,lifecycle_status,created-at", "created_at")],
)  # fmt: skip
def test_near_misses_of_canonical_columns_are_refused(
    header: str, column: str, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(f"{header}\nA-1,x,active,y\n")
    report = pipeline.import_file(path, "canonical")
    assert not report.ok
    assert f"looks like {column!r} but is not it" in (report.reason or "")
    assert f"rename it to {column}" in (report.reason or "")
    assert sum(all_counts(engine).values()) == 0


def test_header_names_are_trimmed_and_other_extras_stay_attributes(
    engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "items.csv"
    path.write_text(" sku ,\u00a0name\t,lifecycle_status,colour\nA-1,Tee,active,blue\n")
    report = pipeline.import_file(path, "canonical")
    assert report.ok and report.inserted == 1
    (item,) = table_rows(engine, "items")
    assert (item["name"], item["attributes"]) == ("Tee", {"colour": "blue"})


def test_devices_fifos_and_links_to_them_are_refused_without_reading(
    engine: Engine, tmp_path: Path
) -> None:
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    link = tmp_path / "items.csv"
    link.symlink_to("/dev/zero")
    outcome: dict[str, list[pipeline.ImportReport]] = {}
    worker = threading.Thread(
        target=lambda: outcome.setdefault("r", pipeline.import_paths([fifo, link], "canonical")),
        daemon=True,
    )
    worker.start()
    worker.join(timeout=20)
    assert not worker.is_alive(), "reading a FIFO or a device hung"
    reasons = [r.reason for r in outcome["r"]]
    assert reasons == [
        "not a regular file: a device, pipe or socket is never read; give the export file itself",
        "not a regular file (through a symbolic link): a device, pipe or socket is never read; "
        "give the export file itself",
    ]


def test_a_link_to_a_regular_file_is_read(engine: Engine, tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("location_id,type\nS-1,store\n")
    link = tmp_path / "locations.csv"
    link.symlink_to(target)
    assert pipeline.import_file(link, "canonical").inserted == 1


def test_files_beyond_the_size_and_row_limits_are_refused(
    engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _use(monkeypatch, max_file_mb="1", max_import_rows="3")
    big = tmp_path / "locations.csv"
    big.write_text("location_id,type\n" + "".join(f"L-{i:07d},store\n" for i in range(80_000)))
    many = tmp_path / "orders.csv"
    many.write_text(
        "order_id,channel,placed_at\n"
        + "".join(f"O-{i},pos,2026-01-05T10:00:00Z\n" for i in range(4))
    )
    reports = pipeline.import_paths([big, many], "canonical")
    size_mb = big.stat().st_size / 1024 / 1024
    assert [r.reason for r in reports] == [
        f"the file is {size_mb:,.1f} MB; files up to 1 MB are imported (INVGOV_MAX_FILE_MB): "
        "split it and import the parts one after another",
        "more than 3 rows (INVGOV_MAX_IMPORT_ROWS): split the file and import the parts one "
        "after another",
    ]
    assert sum(all_counts(engine).values()) == 0
    get_settings.cache_clear()

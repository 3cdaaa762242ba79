"""A decompression bomb in an XLSX workbook is refused with bounded memory (peak RSS of the importing process)."""

from __future__ import annotations

import io
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.conftest import PROJECT_ROOT

SHEET = "xl/worksheets/sheet1.xml"
BOMB_MB = 600  # what the sheet unpacks to, from a file of about 1 MB
PEAK_RSS_LIMIT_MB = 300  # the issue saw 3,700 MB; python with its imports needs about 150
ROW = b'<row r="2"><c r="A2" t="inlineStr"><is><t>x</t></is></c></row>'
MAPPING = 'entity = "locations"\n[columns]\nlocation_id = "id"\ntype = "kind"\n'


def _workbook_parts() -> dict[str, bytes]:
    book = Workbook()
    book.active.append(["id", "kind"])
    buffer = io.BytesIO()
    book.save(buffer)
    with zipfile.ZipFile(buffer) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _bomb(path: Path, sheet: bytes | None = None) -> None:
    """A workbook whose sheet is BOMB_MB of rows (streamed into the zip, never held in memory)."""
    parts = _workbook_parts()
    head, _, tail = parts[SHEET].partition(b"</sheetData>")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, body in parts.items():
            if name != SHEET:
                archive.writestr(name, body)
        with archive.open(SHEET, "w") as stream:
            if sheet is not None:
                stream.write(sheet)
                return
            stream.write(head)
            block = ROW * (1024 * 1024 // len(ROW))
            for _ in range(BOMB_MB):
                stream.write(block)
            stream.write(b"</sheetData>" + tail)


def _declare_small(path: Path) -> None:
    """Make the central directory claim the sheet unpacks to 1,000 bytes (a lying bomb)."""
    data = bytearray(path.read_bytes())
    name = SHEET.encode()
    start = 0
    while (start := data.find(b"PK\x01\x02", start)) != -1:
        length = struct.unpack_from("<H", data, start + 28)[0]
        if data[start + 46 : start + 46 + length] == name:
            struct.pack_into("<I", data, start + 24, 1000)
            break
        start += 4
    path.write_bytes(bytes(data))


def _far_cell(path: Path) -> None:
    """A tiny sheet claiming the whole grid, with one cell in the last row and column."""
    parts = _workbook_parts()
    head = parts[SHEET].split(b"<sheetData>")[0].replace(b'ref="A1:B1"', b'ref="A1:XFD1048576"')
    cells = (
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row>'
        b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    _bomb(path, head + cells)


# The child reports its own peak: VmHWM of /proc/self/status, the high-water mark of the memory
# it mapped after exec. (The parent's ru_maxrss of the child would also count the forking
# process's memory, which Linux carries into the child's figure across exec.)
CHILD = """
import sys, pipeline
from pathlib import Path
report = pipeline.import_file(Path(sys.argv[1]), "mapped",
                          options=pipeline.ImportOptions(mapping=Path(sys.argv[2])))
print(report.reason if not report.ok else "imported")
status = Path("/proc/self/status").read_text()
print(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM:")))
"""


def _import_in_child(path: Path, mapping: Path, db_url: str) -> tuple[str, float]:
    """Import in a fresh process; its printed outcome and its peak resident memory in MB."""
    env = {**os.environ, "INVGOV_DATABASE_URL": db_url}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD, str(path), str(mapping)],
        cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    outcome, peak_kib = proc.stdout.strip().splitlines()[-2:]
    return outcome, int(peak_kib) / 1024


@pytest.fixture(scope="module")
def bomb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bomb") / "stock.xlsx"
    _bomb(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["declared", "lying", "far_cell"])
def test_a_decompression_bomb_is_refused_within_bounded_memory(
    kind: str, bomb: Path, db_url: str, tmp_path: Path
) -> None:
    path = tmp_path / "stock.xlsx"
    if kind == "far_cell":
        _far_cell(path)
    else:
        path.write_bytes(bomb.read_bytes())
        if kind == "lying":
            _declare_small(path)
    assert path.stat().st_size < 3 * 1024 * 1024
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    reason, peak_mb = _import_in_child(path, mapping, db_url)
    expected = {
        "declared": "the workbook declares 600 MB of content, more than the 256 MB read from a "
        "workbook (INVGOV_MAX_UNPACKED_MB): export the sheet as CSV, or split it",
        "lying": "not a readable XLSX workbook (damaged or another format): open it in a "
        "spreadsheet program and save it again as .xlsx, or export it as CSV",
        "far_cell": "row 1048576 has cells beyond column 1,024: not an export invgov reads; keep "
        "the columns the import needs",
    }[kind]
    assert reason == expected
    assert peak_mb < PEAK_RSS_LIMIT_MB, f"peak RSS {peak_mb:.0f} MB"


def test_a_small_workbook_still_imports(db_url: str, tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["id", "kind"])
    book.active.append(["S-1", "store"])
    path = tmp_path / "locations.xlsx"
    book.save(path)
    mapping = tmp_path / "m.toml"
    mapping.write_text(MAPPING)
    reason, _ = _import_in_child(path, mapping, db_url)
    assert reason == "imported"

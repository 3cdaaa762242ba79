"""Reading delimited text exports as they are: encodings, BOMs, delimiters, line endings, quoted newlines.

One encoding per file, said in the notes: UTF-16 (with BOM) or UTF-8 (BOM optional) when the
whole file is valid in it; a file with no UTF-8 text at all falls back to cp1252 (then Latin-1)
with a note; a file that mixes UTF-8 with other bytes, or breaks its own BOM, is refused naming
its first bad line. Bounded: only regular files (links resolved, devices and pipes refused), at
most INVGOV_MAX_FILE_MB bytes and INVGOV_MAX_IMPORT_ROWS rows; workbooks (`xlsx_reading`) are
also bounded in what they unpack.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from connectors.errors import FileRefused
from connectors.files import MB, read_file
from core.settings import get_settings

__all__ = ["MB", "read_file"]

DELIMITERS = (",", ";", "\t")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BINARY_SNIFF_BYTES = 8192
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_UTF8_BOM = b"\xef\xbb\xbf"
# A well-formed multi-byte UTF-8 sequence: its presence means the file was meant as UTF-8.
_UTF8_SEQUENCE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|\xe0[\xa0-\xbf][\x80-\xbf]|[\xe1-\xec\xee\xef][\x80-\xbf]{2}"
    rb"|\xed[\x80-\x9f][\x80-\xbf]|\xf0[\x90-\xbf][\x80-\xbf]{2}|[\xf1-\xf3][\x80-\xbf]{3}"
    rb"|\xf4[\x80-\x8f][\x80-\xbf]{2}"
)
csv.field_size_limit(16 * 1024 * 1024)
BINARY = "binary content (NUL bytes), not a delimited text export: export the data as CSV"
EMPTY = "the file is empty: export it again, with its header line"
NO_HEADER = "no header line: the first line must name the columns"


class Record(NamedTuple):
    """One data row: its first physical line number (header is line 1) and its cells by column
    (a named tuple: a file makes millions, and a frozen dataclass costs three times as much)."""

    line: int
    end_line: int
    cells: tuple[str, ...]


@dataclass
class TextTable:
    """A decoded delimited file: header, records, and how it was read."""

    file_name: str
    sha256: str
    encoding: str
    delimiter: str
    header: list[str]
    records: list[Record]
    text: str = field(repr=False)
    _lines: list[str] | None = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)  # how the file was read (its encoding)

    def raw_text(self, record: Record) -> str:
        """The physical lines a record came from, as they were in the file."""
        if self._lines is None:
            self._lines = _LINE_BREAK.split(self.text)
        return "\n".join(self._lines[record.line - 1 : record.end_line])

    def column(self, name: str) -> int | None:
        """Index of a column by exact header name, or None."""
        try:
            return self.header.index(name)
        except ValueError:
            return None


def sha256_of(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def decode(data: bytes, file_name: str, encoding: str | None = None) -> tuple[str, str, str]:
    """Text, encoding name and a note saying how it was read; refuses binary and mixed encodings.

    UTF-16 or UTF-8 (BOM optional) when the whole file is valid in it; else cp1252, then Latin-1,
    when the file holds no UTF-8 text at all. A named `encoding` (a mapping file's) is used as
    given, a BOM dropped.
    """
    utf16 = data.startswith(_UTF16_BOMS) or (encoding or "").lower().startswith("utf-16")
    if not utf16 and b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise FileRefused(file_name, BINARY)
    if encoding:
        text = _decode_as(data, file_name, encoding, f"the mapping's encoding {encoding}")
        return text.lstrip("\ufeff"), encoding, f"text encoding: {encoding} (from the mapping)"
    if data.startswith(_UTF16_BOMS):
        return _decode_as(data, file_name, "utf-16", "UTF-16"), "utf-16", "text encoding: UTF-16"
    if data.startswith(b"\xff") and not data.startswith(b"\xff\xfe"):
        data = data[1:]  # a stray 0xFF seen at the start of Excel re-saves
    try:
        return data.decode("utf-8").removeprefix("\ufeff"), "utf-8", "text encoding: UTF-8"
    except UnicodeDecodeError as exc:
        bad = _line_at(data, exc.start)
        byte = data[exc.start]
        _refuse_mixed(data, file_name, bad, byte)
    for fallback in ("cp1252", "latin-1"):
        try:
            text = data.decode(fallback)
        except UnicodeDecodeError:
            continue
        return (
            text,
            fallback,
            (
                f"text encoding: {fallback}, not UTF-8 (line {bad} has byte 0x{byte:02X}, "
                "and no line holds UTF-8 text)"
            ),
        )
    raise AssertionError("latin-1 decodes every byte")  # pragma: no cover


def _refuse_mixed(data: bytes, file_name: str, bad: int, byte: int) -> None:
    """Refuse a file that is partly UTF-8 (or carries a UTF-8 BOM) and partly something else."""
    why = f"line {bad} is not valid UTF-8 (byte 0x{byte:02X})"
    if data.startswith(_UTF8_BOM):
        raise FileRefused(
            file_name,
            f"{why} though the file starts with a UTF-8 byte-order mark: "
            "re-export the whole file as UTF-8",
        )
    found = _UTF8_SEQUENCE.search(data)
    if found is not None:
        raise FileRefused(
            file_name,
            f"mixed encodings: {why} while line {_line_at(data, found.start())} is UTF-8 "
            "text: re-export the whole file as UTF-8",
        )


def _line_at(data: bytes, offset: int) -> int:
    """The physical line (1 = header) holding a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def _decode_as(data: bytes, file_name: str, encoding: str, said: str) -> str:
    try:
        return data.decode(encoding)
    except LookupError:
        raise FileRefused(file_name, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].decode(encoding, errors="replace").count("\n") + 1
        raise FileRefused(
            file_name,
            f"line {line} is not valid {said} ({exc.reason}): re-export the file in that "
            "encoding or name the right one",
        ) from None


def sniff_delimiter(first_line: str) -> str:
    """The delimiter used most in the header line (comma when there is none)."""
    counts = {d: first_line.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_text_table(
    data: bytes, file_name: str, delimiter: str | None = None, encoding: str | None = None
) -> TextTable:
    """Decode and split a delimited export into header and records; refuses what is not a table."""
    text, encoding, note = decode(data, file_name, encoding)
    if not text.strip():
        raise FileRefused(file_name, EMPTY)
    first_line = _LINE_BREAK.split(text.lstrip("\r\n"), maxsplit=1)[0]
    delimiter = delimiter or sniff_delimiter(first_line)
    rows = _records(text, delimiter, file_name)
    _, header = next(rows, (None, None))
    if not header or not any(cell.strip() for cell in header.cells):
        raise FileRefused(file_name, NO_HEADER)
    names = header_names(header.cells, file_name)
    records = bounded_rows((rec for _, rec in rows), file_name)
    return TextTable(
        file_name=file_name,
        sha256=sha256_of(data),
        encoding=encoding,
        delimiter=delimiter,
        header=names,
        records=records,
        text=text,
        notes=[note],
    )


def header_names(cells: tuple[str, ...], file_name: str) -> list[str]:
    """Header names trimmed (spaces, BOM); a name holding a NUL character refuses the file."""
    names = [cell.strip().strip("\ufeff").strip() for cell in cells]
    for position, name in enumerate(names, start=1):
        if "\x00" in name:
            raise FileRefused(
                file_name,
                f"column {position} of the header holds a NUL character: not a text export",
            )
    return names


def bounded_rows(records: Iterator[Record], file_name: str) -> list[Record]:
    """The records, refusing the file once there are more than INVGOV_MAX_IMPORT_ROWS."""
    limit = get_settings().max_import_rows
    out: list[Record] = []
    for record in records:
        out.append(record)
        if len(out) > limit:
            raise FileRefused(
                file_name,
                f"more than {limit:,} rows (INVGOV_MAX_IMPORT_ROWS): split the file and import "
                "the parts one after another",
            )
    return out


def _records(text: str, delimiter: str, file_name: str) -> Iterator[tuple[int, Record]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield start, Record(start, previous_end, tuple(cells))
    except csv.Error as exc:
        raise FileRefused(
            file_name,
            f"the CSV cannot be split into fields near line {reader.line_num} ({exc}): "
            "check the quotes there, or export the file again",
        ) from None


def read_path(path: Path, delimiter: str | None = None) -> TextTable:
    """Read a file from disk as a text table."""
    return read_text_table(read_file(path), path.name, delimiter)


XLSX_MAGIC = b"PK\x03\x04"


def is_xlsx(data: bytes, file_name: str) -> bool:
    """Whether bytes look like an Excel workbook (a zip container, or an .xlsx name)."""
    return data.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm"))


def table_from_rows(
    rows: list[tuple[str, ...]], file_name: str, sha256: str, note: str
) -> TextTable:
    """A table from rows read elsewhere (a worksheet): row n is line n, the first is the header."""
    lines = ["\t".join(c.replace("\r", " ").replace("\n", " ") for c in row) for row in rows]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileRefused(file_name, NO_HEADER)
    records = [
        Record(line=n, end_line=n, cells=row)
        for n, row in enumerate(rows[1:], start=2)
        if any(cell.strip() for cell in row)
    ]
    return TextTable(
        file_name=file_name,
        sha256=sha256,
        encoding="xlsx",
        delimiter="\t",
        header=header_names(rows[0], file_name),
        records=records,
        text="\n".join(lines),
        notes=[note],
    )

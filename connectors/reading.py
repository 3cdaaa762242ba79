"""Reading delimited text exports as they are: encodings, BOMs, delimiters, line endings, quoted newlines."""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from connectors.errors import FileRefused

DELIMITERS = (",", ";", "\t")
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_BINARY_SNIFF_BYTES = 8192
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class Record:
    """One data row: its first physical line number (header is line 1) and its cells by column."""

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


def decode(data: bytes, file_name: str, encoding: str | None = None) -> tuple[str, str]:
    """Text and encoding name: UTF-16 or UTF-8 (BOM optional), else cp1252, else Latin-1; refuses binary.

    A named `encoding` (e.g. from a mapping file) is used as given, a BOM dropped.
    """
    utf16 = data.startswith(_UTF16_BOMS) or (encoding or "").lower().startswith("utf-16")
    if not utf16 and b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        raise FileRefused(file_name, "binary content (NUL bytes), not a delimited text export")
    if encoding:
        return _decode_as(data, file_name, encoding), encoding
    if data.startswith(_UTF16_BOMS):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xff") and not data.startswith(b"\xff\xfe"):
        data = data[1:]  # a stray 0xFF seen at the start of Excel re-saves
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1"), "latin-1"


def _decode_as(data: bytes, file_name: str, encoding: str) -> str:
    try:
        return data.decode(encoding).lstrip("\ufeff")
    except LookupError:
        raise FileRefused(file_name, f"unknown encoding {encoding!r}") from None
    except UnicodeDecodeError as exc:
        raise FileRefused(
            file_name, f"not {encoding} text: {exc.reason} at byte {exc.start}"
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
    text, encoding = decode(data, file_name, encoding)
    if not text.strip():
        raise FileRefused(file_name, "the file is empty")
    first_line = _LINE_BREAK.split(text.lstrip("\r\n"), maxsplit=1)[0]
    delimiter = delimiter or sniff_delimiter(first_line)
    rows = _records(text, delimiter, file_name)
    _, header = next(rows, (None, None))
    if not header or not any(cell.strip() for cell in header.cells):
        raise FileRefused(file_name, "no header line")
    names = [cell.strip().strip("\ufeff") for cell in header.cells]
    records = [rec for _, rec in rows]
    return TextTable(
        file_name=file_name,
        sha256=sha256_of(data),
        encoding=encoding,
        delimiter=delimiter,
        header=names,
        records=records,
        text=text,
    )


def _records(text: str, delimiter: str, file_name: str) -> Iterator[tuple[int, Record]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    previous_end = 0
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not cells or (len(cells) == 1 and not cells[0].strip()):
                continue
            yield start, Record(line=start, end_line=previous_end, cells=tuple(cells))
    except csv.Error as exc:
        raise FileRefused(file_name, f"malformed CSV near line {reader.line_num}: {exc}") from exc


def read_path(path: Path, delimiter: str | None = None) -> TextTable:
    """Read a file from disk as a text table."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise FileRefused(path.name, f"cannot read the file ({exc.strerror})") from exc
    return read_text_table(data, path.name, delimiter)


XLSX_MAGIC = b"PK\x03\x04"


def is_xlsx(data: bytes, file_name: str) -> bool:
    """Whether bytes look like an Excel workbook (a zip container, or an .xlsx name)."""
    return data.startswith(XLSX_MAGIC) or file_name.lower().endswith((".xlsx", ".xlsm"))


def read_xlsx_table(data: bytes, file_name: str, sheet: str | None = None) -> TextTable:
    """One worksheet of an XLSX workbook as a text table; line numbers are the sheet's row numbers."""
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and XML errors alike
        raise FileRefused(file_name, f"not a readable XLSX workbook ({exc})") from exc
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileRefused(
                file_name, f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
            )
        rows = [
            tuple(_xlsx_text(v) for v in values)
            for values in (book[sheet] if sheet else book.worksheets[0]).iter_rows(values_only=True)
        ]
    finally:
        book.close()
    return _table_from_rows(rows, file_name, sha256_of(data))


def _table_from_rows(rows: list[tuple[str, ...]], file_name: str, sha256: str) -> TextTable:
    lines = ["\t".join(c.replace("\r", " ").replace("\n", " ") for c in row) for row in rows]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileRefused(file_name, "no header line")
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
        header=[cell.strip() for cell in rows[0]],
        records=records,
        text="\n".join(lines),
    )


def _xlsx_text(value: object) -> str:
    """A cell as the text a person sees: whole floats without `.0`, dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()  # type: ignore[no-any-return]
    return str(value)

"""Reading one worksheet of an XLSX workbook within bounds: what it unpacks to, its rows and columns.

A workbook is a zip archive: a 2 MB file can unpack to gigabytes. Before openpyxl sees it, every
member's declared size is added up, then every member is unpacked once in small chunks counting
the bytes it really yields (a member that yields more or less than it declares is damaged); past
INVGOV_MAX_UNPACKED_MB the file is refused. The sheet is then read in openpyxl's streaming mode
(read_only), its declared dimensions ignored (a sheet may claim a million empty rows), refusing a
row wider than MAX_COLUMNS or more rows than INVGOV_MAX_IMPORT_ROWS as soon as they are seen.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime, time

from connectors.errors import FileRefused
from connectors.reading import MB, TextTable, sha256_of, table_from_rows
from core.settings import get_settings

MAX_COLUMNS = 1024
MAX_MEMBERS = 10_000
CHUNK = 1024 * 1024


def read_xlsx_table(data: bytes, file_name: str, sheet: str | None = None) -> TextTable:
    """One worksheet of an XLSX workbook as a text table; line numbers are the sheet's row numbers."""
    from openpyxl import load_workbook  # imported here: only XLSX imports need it

    check_unpacked_size(data, file_name, get_settings().max_unpacked_mb * MB)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # openpyxl raises zipfile, KeyError and XML errors alike
        raise FileRefused(file_name, NOT_A_WORKBOOK) from None
    try:
        if sheet is not None and sheet not in book.sheetnames:
            raise FileRefused(
                file_name, f"no sheet {sheet!r} (sheets: {', '.join(book.sheetnames)})"
            )
        worksheet = book[sheet] if sheet else book.worksheets[0]
        worksheet.reset_dimensions()  # never pad rows to what the sheet claims
        rows = _bounded_rows(worksheet, file_name)
    except FileRefused:
        raise
    except Exception:  # a damaged sheet surfaces while it is streamed
        raise FileRefused(file_name, NOT_A_WORKBOOK) from None
    finally:
        book.close()
    note = f"read as an XLSX workbook, sheet {worksheet.title!r}"
    return table_from_rows(rows, file_name, sha256_of(data), note)


NOT_A_WORKBOOK = (
    "not a readable XLSX workbook (damaged or another format): open it in a spreadsheet "
    "program and save it again as .xlsx, or export it as CSV"
)


def check_unpacked_size(data: bytes, file_name: str, limit: int) -> None:
    """Refuse a workbook whose members declare, or really unpack to, more than `limit` bytes."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError):
        raise FileRefused(file_name, NOT_A_WORKBOOK) from None
    with archive:
        members = archive.infolist()
        if len(members) > MAX_MEMBERS:
            raise FileRefused(
                file_name, f"{len(members):,} parts in the workbook: {NOT_A_WORKBOOK}"
            )
        declared = sum(m.file_size for m in members)
        if declared > limit:
            raise FileRefused(file_name, _too_large(declared, limit, "declares"))
        actual = 0
        for member in members:
            actual += _unpacked_size(archive, member, file_name, limit - actual)
            if actual > limit:
                raise FileRefused(file_name, _too_large(actual, limit, "unpacks to"))


def _unpacked_size(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, file_name: str, room: int
) -> int:
    size = 0
    try:
        with archive.open(member) as stream:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > room:
                    return size
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError):
        raise FileRefused(file_name, NOT_A_WORKBOOK) from None
    if size != member.file_size:
        raise FileRefused(file_name, NOT_A_WORKBOOK)
    return size


def _too_large(size: int, limit: int, verb: str) -> str:
    return (
        f"the workbook {verb} {size / MB:,.0f} MB of content, more than the {limit // MB:,} MB "
        "read from a workbook (INVGOV_MAX_UNPACKED_MB): export the sheet as CSV, or split it"
    )


def _bounded_rows(worksheet: object, file_name: str) -> list[tuple[str, ...]]:
    limit = get_settings().max_import_rows
    rows: list[tuple[str, ...]] = []
    for number, values in enumerate(worksheet.iter_rows(values_only=True), start=1):  # type: ignore[attr-defined]
        if len(values) > MAX_COLUMNS and any(v is not None for v in values[MAX_COLUMNS:]):
            raise FileRefused(
                file_name,
                f"row {number} has cells beyond column {MAX_COLUMNS:,}: not an export invgov "
                "reads; keep the columns the import needs",
            )
        rows.append(tuple(_xlsx_text(v) for v in values[:MAX_COLUMNS]))
        if len(rows) > limit + 1:  # the header is not a data row
            raise FileRefused(
                file_name,
                f"more than {limit:,} rows (INVGOV_MAX_IMPORT_ROWS): split the sheet and "
                "import the parts one after another",
            )
    return rows


def _xlsx_text(value: object) -> str:
    """A cell as the text a person sees: whole floats without `.0`, dates in ISO 8601."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value)

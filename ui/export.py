"""Spreadsheet-safe exports: cells a spreadsheet would run as formulas are neutralised (no Streamlit here)."""

from __future__ import annotations

from typing import Any

import pandas as pd

# A cell starting with one of these is read as a formula (or a formula in disguise) by Excel,
# LibreOffice and Google Sheets (OWASP "CSV Injection").
FORMULA_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")
NEUTRALISING_PREFIX = "'"


def neutralise_cell(value: Any) -> Any:
    """A text cell that would start a formula gets a leading apostrophe; other values pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return NEUTRALISING_PREFIX + value
    return value


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a table whose text cells and column names cannot start a formula."""
    safe = frame.map(neutralise_cell) if len(frame) else frame.copy()
    safe.columns = [neutralise_cell(str(c)) for c in frame.columns]
    return safe


def to_csv_bytes(frame: pd.DataFrame) -> bytes:
    """A UTF-8 CSV (with BOM, so Excel reads accents) of a table, formula-injection safe."""
    return neutralise_frame(frame).to_csv(index=False).encode("utf-8-sig")


def to_xlsx_bytes(frame: pd.DataFrame, sheet: str = "export") -> bytes:
    """An XLSX workbook of a table whose text cells are stored as text, never as formulas."""
    from io import BytesIO

    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(sheet[:31])
    worksheet.append([neutralise_cell(str(c)) for c in frame.columns])
    for row in neutralise_frame(frame).itertuples(index=False):
        worksheet.append([_xlsx_value(v) for v in row])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_value(value: Any) -> Any:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.tz_localize(None).to_pydatetime() if value.tzinfo else value.to_pydatetime()
    if hasattr(value, "tzinfo") and getattr(value, "tzinfo", None) is not None:
        return value.replace(tzinfo=None)  # Excel has no time zones; exports are in UTC
    return value

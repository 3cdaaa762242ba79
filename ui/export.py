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

"""Download buttons for tables: CSV and XLSX, formula-injection safe, built only when clicked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.export import to_csv_bytes, to_xlsx_bytes

XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def csv_download(frame: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """Two buttons that download a table as CSV and as XLSX (formula cells neutralised)."""
    stem = file_name.removesuffix(".csv")
    left, right = st.columns(2, gap="small", width=520)
    left.download_button(label, data=lambda: to_csv_bytes(frame), file_name=f"{stem}.csv",
                         mime="text/csv", key=key, on_click="ignore",
                         icon=":material/download:", disabled=frame.empty)  # fmt: skip
    right.download_button("XLSX", data=lambda: to_xlsx_bytes(frame), file_name=f"{stem}.xlsx",
                          mime=XLSX_MIME, key=f"{key}.xlsx", on_click="ignore",
                          icon=":material/table:", disabled=frame.empty)  # fmt: skip

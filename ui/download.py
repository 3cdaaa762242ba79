"""Download buttons for tables, as formula-injection-safe CSV built only when clicked."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui.export import to_csv_bytes


def csv_download(frame: pd.DataFrame, *, label: str, file_name: str, key: str) -> None:
    """A button that downloads a table as CSV (cells that would start a formula are neutralised)."""
    st.download_button(
        label,
        data=lambda: to_csv_bytes(frame),
        file_name=file_name,
        mime="text/csv",
        key=key,
        on_click="ignore",
        icon=":material/download:",
        disabled=frame.empty,
    )

"""Data: every import run and every quarantined row, filterable and downloadable as CSV."""

from __future__ import annotations

import streamlit as st

from ui import data, frame
from ui.auth import require
from ui.download import csv_download

actor = require("data")


def show_quarantine(ctx: frame.DataContext) -> None:
    """Quarantined rows with a file and reason filter, the raw text of a selected row, a CSV download."""
    files = data.quarantine_files(ctx.url, ctx.version)
    if not files:
        st.info(
            "No quarantined rows: every imported row could be read.", icon=":material/check_circle:"
        )
        return
    left, right = st.columns(2)
    file_name = left.selectbox(
        "File", files, index=None, placeholder="All files", key="quarantine.file"
    )
    reason = right.text_input("Reason contains", key="quarantine.reason", placeholder="e.g. date")
    rows, total = data.quarantined_rows(ctx.url, ctx.version, file_name, reason.strip() or None)
    st.caption(f"{len(rows):,} of {total:,} matching rows shown. Select a row to see its raw text.")
    picked = st.dataframe(
        rows,
        hide_index=True,
        key="quarantine.table",
        on_select="rerun",
        selection_mode="single-row",
    )
    if picked.selection.rows:
        chosen = rows.iloc[picked.selection.rows[0]]
        st.text(f"{chosen['file']}, line {chosen['line']}: {chosen['reason']}")
        st.code(chosen["raw row"], language=None, wrap_lines=True)
    csv_download(
        rows,
        label="Download quarantined rows (CSV)",
        file_name="invgov-quarantine.csv",
        key="dl_quarantine",
    )


ctx = frame.page_context()
st.title("Data")

st.subheader("Import history")
history = data.import_history(ctx.url, ctx.version)
if history.empty:
    st.info("No file has been imported yet.", icon=":material/upload_file:")
    st.code(frame.IMPORT_COMMANDS, language=None)
    st.text(f"DIR holds any of these canonical CSV files: {frame.CANONICAL_FILES}.")
else:
    st.caption(f"{len(history):,} import runs, newest first. Times in UTC.")
    st.dataframe(history, hide_index=True)
    csv_download(
        history,
        label="Download import history (CSV)",
        file_name="invgov-imports.csv",
        key="dl_imports",
    )

st.subheader("Quarantined rows")
show_quarantine(ctx)

"""The Sources page's read side: the running job's progress, its report, freshness and history per source."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from core.timeutil import utcnow
from pipeline import ImportReport
from ui import data, impact_views, import_jobs, source_queries
from ui import format as fmt
from ui.download import csv_download
from ui.frame import DataContext
from ui.sources_upload import JOB_KEY, inert

POLL_SECONDS = 1
ALL_SOURCES = "All sources"
WRITTEN = "per entity"
EXCEPTIONS = "exceptions"
REPORT_COLUMNS: dict[str, str] = {
    "file": "file",
    "source": "format",
    "system": "system",
    "status": "status",
    "read": "read",
    "inserted": "inserted",
    "updated": "updated",
    "unchanged": "unchanged",
    "quarantined": "quarantined",
    "duration_ms": "duration",
    "reason": "refused because",
}


def report_table(reports: Iterable[ImportReport]) -> pd.DataFrame:
    """One row per file of an import job: what was loaded, updated, left unchanged, quarantined,
    and per entity what those numbers are (items inserted vs SKU mappings recorded …)."""
    rows = [
        {
            **{
                label: fmt.duration_text(r.duration_ms)
                if name == "duration_ms"
                else getattr(r, name)
                for name, label in REPORT_COLUMNS.items()
            },
            WRITTEN: "; ".join(w.text() for w in r.written),
            EXCEPTIONS: r.exceptions.summary(past=True) if r.exceptions else "",
        }
        for r in reports
    ]
    columns = [*REPORT_COLUMNS.values(), WRITTEN, EXCEPTIONS]
    return pd.DataFrame(rows, columns=columns).fillna("")


def notes_table(reports: Iterable[ImportReport]) -> pd.DataFrame:
    """Every note of every file of a job (what was detected, counted, mapped, held)."""
    rows = [{"file": r.file, "note": note} for r in reports for note in r.notes]
    return pd.DataFrame(rows, columns=["file", "note"])


def job_panel(ctx: DataContext) -> None:
    """This session's import job: a progress bar while it runs, then its report."""
    job_id = st.session_state.get(JOB_KEY)
    if not job_id:
        return
    status = import_jobs.job_status(job_id)
    if status is None:  # the server restarted: the job's outcome is in the history below
        st.session_state.pop(JOB_KEY, None)
        return
    if status.finished:
        _report(status, ctx)
    else:
        _progress(job_id)


@st.fragment(run_every=POLL_SECONDS)
def _progress(job_id: str) -> None:
    """Polled every POLL_SECONDS: the bar; a full rerun when the job ends (history and report)."""
    status = import_jobs.job_status(job_id)
    if status is None or status.finished:
        st.rerun()
    st.progress(status.fraction, text=status.text)
    st.text("Importing " + ", ".join(status.files))
    st.caption("The import runs on the server: the rest of the app stays usable meanwhile.")


def _report(status: import_jobs.JobStatus, ctx: DataContext) -> None:
    st.subheader("Import report")
    if status.error:
        st.error(inert(status.error), icon=":material/error:")
    committed = [r for r in status.reports if r.ok]
    refused = [r for r in status.reports if not r.ok]
    st.text(
        f"{len(committed)} file(s) imported, {len(refused)} refused: "
        f"{sum(r.inserted for r in committed):,} rows loaded, "
        f"{sum(r.updated for r in committed):,} updated, "
        f"{sum(r.unchanged for r in committed):,} unchanged, "
        f"{sum(r.quarantined for r in committed):,} quarantined."
    )
    table = report_table(status.reports)
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Download import report (CSV)",
                 file_name="invgov-import-report.csv", key="sources.report_csv")  # fmt: skip
    for report in committed:
        if report.exceptions is not None and report.exceptions.by_type:
            st.text(f"{report.file}: {report.exceptions_text()}")
            st.dataframe(impact_views.impact_table(report.exceptions, past=True), hide_index=True)
        for warning in report.warnings:
            st.warning(inert(f"{report.file}: {warning}"), icon=":material/schedule:")
    notes = notes_table(status.reports)
    if not notes.empty:
        st.dataframe(notes, hide_index=True)
    _quarantine(ctx, [r.sha256 for r in committed if r.quarantined and r.sha256])
    st.button("Clear the report", key="sources.clear", on_click=_clear)


def _clear() -> None:
    st.session_state.pop(JOB_KEY, None)


def _quarantine(ctx: DataContext, shas: Sequence[str]) -> None:
    if not shas:
        return
    rows = source_queries.quarantined_of_files(data.engine_for(ctx.url), shas)
    table = fmt.quarantine_table(rows)
    st.text(f"Quarantined rows of these files ({len(table):,}), with the reason of each:")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Download quarantined rows (CSV)",
                 file_name="invgov-import-quarantine.csv", key="sources.quarantine_csv")  # fmt: skip


def freshness_table(rows: Iterable[dict[str, Any]], now: datetime) -> pd.DataFrame:
    """Per source and system: how long ago its latest import finished, when, and how many imports."""
    records = [
        {
            "source": r["source"],
            "system": r["system"] or "",
            "last import": fmt.age_text(r["finished_at"], now),
            "finished (UTC)": fmt.utc_text(r["finished_at"]),
            "imports": r["imports"],
        }
        for r in rows
    ]
    return pd.DataFrame(
        records, columns=["source", "system", "last import", "finished (UTC)", "imports"]
    )


def freshness_panel(ctx: DataContext) -> None:
    """The latest committed import per source and system."""
    latest = data.freshness(ctx.url, ctx.version)
    if not latest:
        st.info("Nothing has been imported yet.", icon=":material/upload_file:")
        return
    st.dataframe(freshness_table(latest, utcnow()), hide_index=True)


def history_panel(ctx: DataContext) -> None:
    """Every import run, newest first, filterable by source, with a CSV download."""
    history = data.import_history(ctx.url, ctx.version)
    if history.empty:
        st.caption("No import runs yet.")
        return
    sources = sorted(history["source"].unique())
    picked = st.selectbox("Source", [ALL_SOURCES, *sources], key="sources.history_source")
    shown = history if picked == ALL_SOURCES else history[history["source"] == picked]
    st.caption(f"{len(shown):,} import runs, newest first. Times in UTC.")
    st.dataframe(shown, hide_index=True)
    csv_download(shown, label="Download import history (CSV)",
                 file_name="invgov-imports.csv", key="sources.history_csv")  # fmt: skip

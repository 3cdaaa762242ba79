"""Display formatting: UTC times, ages, short hashes, durations and the tables pages show (no Streamlit)."""

from __future__ import annotations

import html
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import pandas as pd

UTC_FORMAT = "%Y-%m-%d %H:%M:%S"
SHA_SHORT = 12
# Age units, largest first: (seconds in the unit, suffix).
AGE_UNITS: tuple[tuple[int, str], ...] = ((86_400, "d"), (3_600, "h"), (60, "min"))

HISTORY_COLUMNS: dict[str, str] = {
    "file_name": "file",
    "source": "source",
    "system": "system",
    "sha256": "sha256",
    "finished_at": "finished (UTC)",
    "rows_read": "read",
    "inserted": "inserted",
    "updated": "updated",
    "unchanged": "unchanged",
    "quarantined": "quarantined",
    "duration_ms": "duration",
    "message": "notes",
}
QUARANTINE_COLUMNS: dict[str, str] = {
    "file_name": "file",
    "line_number": "line",
    "entity": "entity",
    "created_at": "quarantined (UTC)",
    "reason": "reason",
    "raw_text": "raw row",
}


def utc_text(value: datetime | None) -> str:
    """A timestamp as `YYYY-MM-DD HH:MM:SS` in UTC (label the column or line "UTC"); empty for None."""
    if value is None:
        return ""
    return value.astimezone(UTC).strftime(UTC_FORMAT)


def age_text(then: datetime | None, now: datetime) -> str:
    """How long ago, coarsely: `just now`, `5 min ago`, `3 h ago`, `2 d ago`; `never` for None."""
    if then is None:
        return "never"
    seconds = int((now - then).total_seconds())
    if seconds < 0:
        return "in the future"
    for size, suffix in AGE_UNITS:
        if seconds >= size:
            return f"{seconds // size} {suffix} ago"
    return "just now"


def short_sha(sha: str | None) -> str:
    """The first characters of a sha256, enough to tell files apart."""
    return (sha or "")[:SHA_SHORT]


def duration_text(ms: int | None) -> str:
    """A duration in milliseconds for people: `850 ms`, `1.2 s`, `2 min 5 s`."""
    ms = int(ms or 0)
    if ms < 1_000:
        return f"{ms} ms"
    if ms < 60_000:
        return f"{ms / 1000:.1f} s"
    minutes, seconds = divmod(round(ms / 1000), 60)
    return f"{minutes} min {seconds} s"


def plot_label(text: str | None) -> str:
    """Data text made inert for plotly, which reads a subset of HTML in labels and hover text."""
    return html.escape(text or "")


FORMATTERS: dict[str, Any] = {
    "sha256": short_sha,
    "finished_at": utc_text,
    "created_at": utc_text,
    "duration_ms": duration_text,
}


def _table(rows: Iterable[dict[str, Any]], columns: dict[str, str]) -> pd.DataFrame:
    records = [
        {label: FORMATTERS.get(name, _same)(row.get(name)) for name, label in columns.items()}
        for row in rows
    ]
    return pd.DataFrame(records, columns=list(columns.values()))


def _same(value: Any) -> Any:
    return "" if value is None else value


def history_table(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Import runs as the table people read (columns of HISTORY_COLUMNS, UTC times, short hashes)."""
    return _table(rows, HISTORY_COLUMNS)


def quarantine_table(rows: Iterable[dict[str, Any]]) -> pd.DataFrame:
    """Quarantined rows as the table people read (columns of QUARANTINE_COLUMNS)."""
    return _table(rows, QUARANTINE_COLUMNS)


def freshness_table(rows: Iterable[dict[str, Any]], now: datetime) -> pd.DataFrame:
    """Per source and system, how long ago its latest import finished."""
    records = [
        {
            "source": r["source"],
            "system": r["system"] or "",
            "last import": age_text(r["finished_at"], now),
        }
        for r in rows
    ]
    return pd.DataFrame(records, columns=["source", "system", "last import"])

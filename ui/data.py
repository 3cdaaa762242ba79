"""Cached data access for pages: one engine per database URL, bounded reads keyed by a data version.

Every cached read takes plain arguments: the database URL, the data-version token (so an import
committed by any process changes the cache key) and its own filters. Cached values are shared by
all sessions, so nothing here may depend on who is signed in unless that is an argument.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from core.db import get_engine
from core.settings import get_settings
from core.status import entity_counts as count_entities
from ui import format as fmt
from ui import queries
from ui.queries import DataVersion, FilterOptions

log = logging.getLogger(__name__)

TTL_SECONDS = 120
MAX_ENTRIES = 32
HISTORY_LIMIT = 5_000
QUARANTINE_LIMIT = 10_000


def database_url() -> str:
    """The configured database URL (INVGOV_DATABASE_URL)."""
    return get_settings().database_url


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    """The engine of a database URL, shared by every session (core.db owns its disposal)."""
    log.info("engine opened for the app")
    return get_engine(url)


def current_version(url: str) -> DataVersion:
    """The data-version token, read afresh on each run (one cheap query); raises SchemaMissing."""
    return queries.data_version(engine_for(url))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def entity_counts(url: str, version: DataVersion) -> dict[str, int]:
    """Rows per canonical entity plus `quarantined_rows` (`version` only keys the cache)."""
    return count_entities(engine_for(url))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def import_history(url: str, version: DataVersion, limit: int = HISTORY_LIMIT) -> pd.DataFrame:
    """Import runs, newest first, as the display table."""
    return fmt.history_table(queries.import_history(engine_for(url), limit))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def freshness(url: str, version: DataVersion) -> list[dict[str, object]]:
    """Latest committed import per source and system (raw times; ages are computed at display)."""
    return queries.freshness(engine_for(url))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def filter_options(url: str, version: DataVersion) -> FilterOptions:
    """Channels, locations and order-day span for the shared filters."""
    return queries.filter_options(engine_for(url))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def quarantine_files(url: str, version: DataVersion) -> list[str]:
    """Files that have quarantined rows."""
    return queries.quarantine_files(engine_for(url))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def quarantined_rows(
    url: str,
    version: DataVersion,
    file_name: str | None,
    reason_contains: str | None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[pd.DataFrame, int]:
    """Quarantined rows matching the filters (at most QUARANTINE_LIMIT, quarantined in [since,
    until) when given) and how many match in all."""
    rows, total = queries.quarantined_rows(
        engine_for(url),
        file_name=file_name,
        reason_contains=reason_contains,
        limit=QUARANTINE_LIMIT,
        since=since,
        until=until,
    )
    return fmt.quarantine_table(rows), total


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def orders_per_week(
    url: str,
    version: DataVersion,
    start: date,
    end: date,
    channels: tuple[str, ...],
    locations: tuple[str, ...],
) -> pd.DataFrame:
    """Orders placed per week and channel for the filters (aggregated in SQL)."""
    rows = queries.orders_per_week(
        engine_for(url), start=start, end=end, channels=channels, locations=locations
    )
    return pd.DataFrame(rows, columns=["week", "channel", "orders"])

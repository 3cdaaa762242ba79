"""The shared sidebar filters (dates, channels, locations), kept in session state under stable keys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import streamlit as st

from ui.queries import FilterOptions

DEFAULT_WEEKS = 12
# Bounds of the date picker; the default range follows the data.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


class FilterKey(StrEnum):
    """Session-state keys of the shared filters (pages read them through `get_filters`)."""

    DATES = "filter.dates"
    CHANNELS = "filter.channels"
    LOCATIONS = "filter.locations"
    DEFAULT_DATES = "filter.default_dates"


@dataclass(frozen=True)
class Filters:
    """What the user chose: an inclusive day range (UTC) and channels and locations (empty: all)."""

    start: date
    end: date
    channels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()


def default_dates(last_order_day: date | None, today: date) -> tuple[date, date]:
    """Whole ISO weeks, DEFAULT_WEEKS of them, up to the latest order day (or today without orders)."""
    end = last_order_day or today
    monday = end - timedelta(days=end.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), end


def _today() -> date:
    return datetime.now(UTC).date()


def get_filters(state: Any = None) -> Filters:
    """The current filters; defaults when the sidebar has not been drawn (e.g. a page run on its own)."""
    state = st.session_state if state is None else state
    fallback = state.get(FilterKey.DEFAULT_DATES) or default_dates(None, _today())
    picked = tuple(state.get(FilterKey.DATES) or ())
    if len(picked) == 2:
        start, end = picked
    elif len(picked) == 1:  # the user has picked a start and not yet an end
        start, end = picked[0], max(picked[0], fallback[1])
    else:
        start, end = fallback
    return Filters(
        start=start,
        end=end,
        channels=tuple(state.get(FilterKey.CHANNELS) or ()),
        locations=tuple(state.get(FilterKey.LOCATIONS) or ()),
    )


def _keep_known(key: FilterKey, options: tuple[str, ...]) -> None:
    """Drop chosen values the data no longer has, before the widget is drawn."""
    chosen = st.session_state.get(key)
    if chosen and any(v not in options for v in chosen):
        st.session_state[key] = [v for v in chosen if v in options]


def render_filters(options: FilterOptions) -> None:
    """Draw the shared filters in the current container (the sidebar)."""
    if FilterKey.DEFAULT_DATES not in st.session_state:
        st.session_state[FilterKey.DEFAULT_DATES] = default_dates(options.last_order_day, _today())
    st.date_input(
        "Dates (UTC)",
        value=st.session_state[FilterKey.DEFAULT_DATES],
        key=FilterKey.DATES,
        min_value=EARLIEST_DAY,
        max_value=LATEST_DAY,
        format="YYYY-MM-DD",
    )
    _keep_known(FilterKey.CHANNELS, options.channels)
    st.multiselect("Channels", options.channels, key=FilterKey.CHANNELS, placeholder="All channels")
    _keep_known(FilterKey.LOCATIONS, options.locations)
    st.multiselect(
        "Locations", options.locations, key=FilterKey.LOCATIONS, placeholder="All locations"
    )

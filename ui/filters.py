"""The shared sidebar filters (dates, channels, locations, ABC classes, categories), kept in the URL.

Each widget is bound to a query parameter named by its key (`?location=STORE-03&abc=A`), so the
filters survive moving between pages (the sidebar is drawn on every page) and a shared link opens
the same view. A parameter equal to the default (all; the data's last 12 weeks) is left out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

import streamlit as st

from metrics.kpi_slices import DEFAULT_WEEKS, KpiFilter
from ui.queries import FilterOptions

# Bounds of the date picker; the default range follows the data.
EARLIEST_DAY = date(2000, 1, 1)
LATEST_DAY = date(2100, 12, 31)


class FilterKey(StrEnum):
    """Session-state keys of the shared filters (pages read them through `get_filters`)."""

    DATES = "dates"
    CHANNELS = "channel"
    LOCATIONS = "location"
    ABC_CLASSES = "abc"
    CATEGORIES = "category"
    DEFAULT_DATES = "filter.default_dates"  # session state only: the default range of this session


@dataclass(frozen=True)
class Filters:
    """What the user chose: an inclusive day range (UTC), channels, locations, ABC classes and
    categories (empty: all), and whether the range is the person's choice (else the default)."""

    start: date
    end: date
    channels: tuple[str, ...] = ()
    locations: tuple[str, ...] = ()
    abc_classes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    dated: bool = False

    def kpi_filter(self) -> KpiFilter:
        """The filters as the KPI board reads them."""
        return KpiFilter(self.start, self.end, self.channels, self.locations, self.abc_classes,
                         self.categories, self.dated)  # fmt: skip

    def query_params(self, defaults: tuple[date, date] | None = None) -> dict[str, list[str]]:
        """The URL query parameters of these filters (a link that opens the same view)."""
        params: dict[str, list[str]] = {}
        if defaults is None or (self.start, self.end) != tuple(defaults):
            params[FilterKey.DATES] = [self.start.isoformat(), self.end.isoformat()]
        chosen = {
            FilterKey.CHANNELS: self.channels,
            FilterKey.LOCATIONS: self.locations,
            FilterKey.ABC_CLASSES: self.abc_classes,
            FilterKey.CATEGORIES: self.categories,
        }
        params.update({str(key): list(values) for key, values in chosen.items() if values})
        return params


def default_dates(last_order_day: date | None, today: date) -> tuple[date, date]:
    """Whole ISO weeks, DEFAULT_WEEKS of them, up to the latest order day (or today without orders)."""
    end = last_order_day or today
    monday = end - timedelta(days=end.weekday())
    return monday - timedelta(weeks=DEFAULT_WEEKS - 1), end


def _today() -> date:
    return datetime.now(UTC).date()


def default_range(state: Any = None) -> tuple[date, date] | None:
    """This session's default date range (None before the sidebar was drawn)."""
    state = st.session_state if state is None else state
    found = state.get(FilterKey.DEFAULT_DATES)
    return None if found is None else (found[0], found[1])


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
        abc_classes=tuple(state.get(FilterKey.ABC_CLASSES) or ()),
        categories=tuple(state.get(FilterKey.CATEGORIES) or ()),
        dated=(start, end) != tuple(fallback),
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
        bind="query-params",
    )
    for key, label, values in (
        (FilterKey.CHANNELS, "Channels", options.channels),
        (FilterKey.LOCATIONS, "Locations", options.locations),
        (FilterKey.ABC_CLASSES, "ABC classes", options.abc_classes),
        (FilterKey.CATEGORIES, "Categories", options.categories),
    ):
        _keep_known(key, values)
        st.multiselect(label, values, key=key, placeholder=f"All {label[0].lower()}{label[1:]}",
                       bind="query-params")  # fmt: skip

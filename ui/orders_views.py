"""The Orders and fulfilment page's parts: cached reads, a trend per rate, the channel bars, the
stalled orders and the records behind a click.

Numbers come from metrics.orders_views (the metric rows, summed over the chosen channels); a click
on a trend point or a channel bar opens the orders (or shipment rows) behind it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st

from metrics import orders_views as ov
from metrics.compute import reading
from metrics.settings_store import effective_settings
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.orders_charts import COUNTS, NAMES
from ui.queries import DataVersion

PICKS_KEY, SHOWN_KEY = "orders.picks", "orders.shown"  # session state of latest_pick
# What a click opens, per rate.
BEHIND = {
    ov.SPLIT: "split orders",
    ov.MULTI: "orders shipped from 2 or more locations",
    ov.REROUTE: "rerouted shipment rows",
    ov.FILL: "orders (short ones first)",
}
RECORD_HEADINGS = {
    "order_id": "order",
    "channel": "channel",
    "placed_at": "placed (UTC)",
    "cancelled_at": "cancelled (UTC)",
    "shipments": "shipments",
    "locations": "locations shipped from",
    "line_id": "line",
    "shipment_id": "shipment",
    "shipped_at": "shipped (UTC)",
    "quantity": "quantity (units)",
    "allocated_location_id": "allocated location",
    "location_id": "shipped from",
    "ordered": "ordered (units)",
    "shipped": "shipped (units)",
    "missing": "missing (units)",
}
HIDDEN_FLAGS = ("split", "multi_location", "rerouted", "stalled")
TIME_COLUMNS = ("placed_at", "cancelled_at", "shipped_at")
STALLED_HEADINGS = {
    "order_id": "order",
    "channel": "channel",
    "placed_at": "placed (UTC)",
    "age": "age",
    "age_hours": "age (hours)",
    "ordered": "ordered (units)",
    "shipped": "shipped (units)",
    "missing": "missing (units)",
}
HOURS_AS_DAYS = 48  # an age of 48 hours or more reads in days and hours


@dataclass(frozen=True)
class OrdersView:
    """Everything the page draws for one set of filters."""

    weeks: tuple[str, ...]
    trend: Mapping[str, tuple[ov.RateWeek, ...]]
    channels: Mapping[str, tuple[ov.ChannelRate, ...]]
    targets: Mapping[str, float]
    stalled: tuple[ov.ChannelCount, ...]
    sla_hours: int

    @property
    def empty(self) -> bool:
        """No rate has a week in the chosen dates and channels."""
        return not any(self.trend.values())

    @property
    def stalled_total(self) -> int:
        """Stalled orders now over the chosen channels."""
        return sum(c.stalled for c in self.stalled)


@dataclass(frozen=True)
class Pick:
    """What a click chose: a rate, its weeks and channels (empty: every channel) and its words."""

    metric: str
    weeks: tuple[str, ...]
    channels: tuple[str, ...]
    words: str


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def orders_view(
    url: str, version: DataVersion, token: object, as_of: datetime, filters: Filters
) -> OrdersView:
    """The page's numbers for the filters (`version`, `token` key the cache)."""
    weeks = ov.weeks_between(filters.start, filters.end)
    with reading(engine_for(url)) as conn:
        rows = ov.rate_rows(conn, as_of, weeks)
        targets = ov.targets(conn)
        stalled = ov.stalled_by_channel(conn, as_of, filters.channels)
        sla_hours = effective_settings(conn).stalled_order_sla_hours
    trend = ov.trend(rows, weeks, filters.channels)
    channels = ov.by_channel(rows, weeks, filters.channels)
    return OrdersView(
        tuple(weeks),
        {m: tuple(v) for m, v in trend.items()},
        {m: tuple(v) for m, v in channels.items()},
        targets,
        tuple(stalled),
        sla_hours,
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def behind_table(
    url: str, version: DataVersion, token: object, as_of: datetime, pick: Pick
) -> tuple[pd.DataFrame, int]:
    """The records behind a pick headed in plain words, and how many there are in all."""
    with reading(engine_for(url)) as conn:
        found = ov.orders_behind(conn, as_of, pick.metric, pick.weeks, pick.channels)
    return records_table(found.table), found.total


def records_table(table: pd.DataFrame) -> pd.DataFrame:
    """Records of a rate as people read them: UTC times, missing units, plain headings."""
    if table.empty:
        return pd.DataFrame(columns=["order", "channel"])
    table = table.drop(columns=[c for c in HIDDEN_FLAGS if c in table.columns])
    for column in TIME_COLUMNS:
        if column in table.columns:
            times = pd.to_datetime(table[column], utc=True)
            table[column] = times.dt.strftime("%Y-%m-%d %H:%M").fillna("")
    if {"ordered", "shipped"} <= set(table.columns):
        table["missing"] = table["ordered"].astype(int) - table["shipped"].astype(int)
    first = [c for c in ("order_id", "channel") if c in table.columns]
    table = table[first + [c for c in table.columns if c not in first]]
    return table.rename(columns=RECORD_HEADINGS)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def stalled_table(
    url: str, version: DataVersion, token: object, as_of: datetime, channels: tuple[str, ...]
) -> tuple[pd.DataFrame, int]:
    """The stalled orders now (oldest first), headed in plain words, and how many there are."""
    found = ov.stalled_records(engine_for(url), as_of, channels)
    table = found.table.assign(
        placed_at=pd.to_datetime(found.table["placed_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
        age=[age_words(h) for h in found.table["age_hours"]],
        age_hours=found.table["age_hours"].astype(float).round(1),
    )
    return table[list(STALLED_HEADINGS)].rename(columns=STALLED_HEADINGS), found.total


def age_words(hours: float) -> str:
    """An age in plain words: `30 hours` under 48 hours, else `3 days 4 hours` (whole hours)."""
    whole = int(hours)
    if whole < HOURS_AS_DAYS:
        return f"{whole} hour" if whole == 1 else f"{whole} hours"
    days, rest = divmod(whole, 24)
    day_text = f"{days} days"
    if not rest:
        return day_text
    return f"{day_text} {rest} hour" if rest == 1 else f"{day_text} {rest} hours"


def selected(state: object) -> Mapping[str, Any] | None:
    """The selection state of a chart as a mapping (None when absent)."""
    return state if isinstance(state, Mapping) else None


def pick_from(state: object, kind: str, filters: Filters, view: OrdersView) -> Pick | None:
    """The point or bar a selection chose (None when nothing is selected); `kind` is a rate id
    for a trend chart, or "channel" for the channel bars."""
    points = ((selected(state) or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    data = points[0].get("customdata") or []
    if kind == "channel" and len(data) >= 2:
        name, channel = str(data[0]), str(data[1])
        span = weeks_words(view.weeks)
        return Pick(name, view.weeks, (channel,), f"{NAMES[name]}: {channel}, {span}")
    week = str(data[0]) if data else str(points[0].get("x"))
    where = ", ".join(filters.channels) if filters.channels else "every channel"
    return Pick(kind, (week,), tuple(filters.channels), f"{NAMES[kind]}: {where}, week {week}")


def weeks_words(weeks: Sequence[str]) -> str:
    """The chosen weeks in words ("weeks 2026-W01 to 2026-W12")."""
    if not weeks:
        return "no weeks"
    return f"week {weeks[0]}" if len(weeks) == 1 else f"weeks {weeks[0]} to {weeks[-1]}"


def latest_pick(picks: Mapping[str, Pick | None]) -> Pick | None:
    """The selection made last among the charts' (a chart keeps its selection across reruns, so
    the one that changed since the previous run is the newest; else the one shown before)."""
    before: dict[str, Pick | None] = st.session_state.get(PICKS_KEY, {})
    st.session_state[PICKS_KEY] = dict(picks)
    changed = [p for kind, p in picks.items() if p is not None and before.get(kind) != p]
    shown = st.session_state.get(SHOWN_KEY)
    if changed:
        shown = changed[0]
    elif shown not in picks.values():
        shown = next((p for p in picks.values() if p is not None), None)
    st.session_state[SHOWN_KEY] = shown
    return shown


def weeks_table(view: OrdersView) -> pd.DataFrame:
    """The four rates per week as a table, values in per cent, counts beside them."""
    records: dict[str, dict[str, Any]] = {w: {"ISO week": w} for w in view.weeks}
    for name, weeks in view.trend.items():
        num_words, n_words = COUNTS[name]
        for w in weeks:
            records[w.week][f"{NAMES[name].lower()} (%)"] = (
                None if w.value is None else round(100 * w.value, 1)
            )
            records[w.week][f"{num_words} ({NAMES[name].lower()})"] = w.num
            records[w.week][f"{n_words} ({NAMES[name].lower()})"] = w.n
    rows = [r for r in records.values() if len(r) > 1]
    return pd.DataFrame(rows)


def channels_table(view: OrdersView) -> pd.DataFrame:
    """The channel bars as a table: rate, channel, per cent and its counts."""
    return pd.DataFrame(
        [
            {
                "rate": NAMES[c.metric],
                "channel": c.channel,
                "value (%)": None if c.value is None else round(100 * c.value, 1),
                "counted": c.num,
                "counted in": c.n,
                "what is counted": f"{COUNTS[c.metric][0]} of {COUNTS[c.metric][1]}",
            }
            for name in ov.RATE_METRICS
            for c in view.channels[name]
        ]
    )


def render_records(table: pd.DataFrame, total: int, pick: Pick) -> None:
    """The records behind a pick, with their downloads."""
    st.subheader(f"Records behind {pick.words}")
    shown = len(table)
    count = f"{total:,}" if shown == total else f"the first {shown:,} of {total:,}"
    st.caption(f"{BEHIND[pick.metric].capitalize()}: {count}.")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Records CSV", file_name="orders-behind.csv", key="dl.orders.behind")


def render_stalled(view: OrdersView, table: pd.DataFrame, total: int, filters: Filters) -> None:
    """Stalled orders now: the count per channel and the oldest orders, downloadable."""
    st.subheader("Stalled orders now")
    where = ", ".join(filters.channels) if filters.channels else "every channel"
    st.caption(
        f"Orders not cancelled, placed at least {view.sla_hours} hours ago, with fewer units "
        f"shipped than ordered ({where}). A snapshot now: the dates do not apply. Missing units: per line, "
        "ordered − shipped, a line shipped beyond its quantity counting as full."
    )
    st.metric("Stalled orders", f"{view.stalled_total:,}")
    if view.stalled:
        st.caption(" · ".join(f"{c.channel}: {c.stalled:,}" for c in view.stalled))
    if table.empty:
        st.success("No stalled orders.")
        return
    if len(table) < total:
        st.caption(f"The oldest {len(table):,} of {total:,} stalled orders.")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Stalled orders CSV", file_name="stalled-orders.csv",
                 key="dl.orders.stalled")  # fmt: skip


def filters_note(filters: Filters) -> str:
    """Which filters apply: dates and channels; locations, ABC classes and categories do not."""
    ignored = [
        words
        for chosen, words in (
            (filters.locations, "locations"),
            (filters.abc_classes, "ABC classes"),
            (filters.categories, "categories"),
        )
        if chosen
    ]
    note = (
        "Filters used: dates (the week the order was placed) and channels. Locations, ABC "
        "classes and categories do not apply: these rates are counted per order or shipment row "
        "and split only by channel, so they are for every location, class and category."
    )
    if ignored:
        note += f" Your choice of {' and '.join(ignored)} is not applied here."
    return note

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
import plotly.graph_objects as go
import streamlit as st

from metrics import orders_views as ov
from metrics.compute import reading
from metrics.settings_store import effective_settings
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR, channel_colours
from ui.queries import DataVersion

CHANNEL_KEY = "orders.channels"
PICKS_KEY, SHOWN_KEY = "orders.picks", "orders.shown"  # session state of latest_pick
NAMES = {
    ov.SPLIT: "Split order rate",
    ov.MULTI: "Multi-location rate",
    ov.REROUTE: "Reroute rate",
    ov.FILL: "Fill rate",
}
# Per rate: what num and n count, in plain words (hover text and tables).
COUNTS = {
    ov.SPLIT: ("split orders", "orders shipped"),
    ov.MULTI: ("orders from 2 or more locations", "orders shipped"),
    ov.REROUTE: ("rerouted shipment rows", "shipment rows with an allocated location"),
    ov.FILL: ("units shipped", "units ordered"),
}
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


def percent(value: float | None) -> str:
    """A share as a per cent with one decimal ("no value" for None)."""
    return "no value" if value is None else f"{100 * value:.1f} %"


def trend_key(name: str) -> str:
    """The widget key of a rate's trend chart."""
    return f"orders.trend.{name}"


def trend_figure(view: OrdersView, name: str, colour: str) -> go.Figure:
    """One rate per ISO week in per cent, its KPI target (when it has one) a dashed line."""
    weeks = view.trend[name]
    label, (num_words, n_words) = NAMES[name], COUNTS[name]
    figure = go.Figure(
        go.Scatter(
            x=[w.week for w in weeks],
            y=[None if w.value is None else 100 * w.value for w in weeks],
            mode="lines+markers",
            name=label,
            line={"color": colour},
            marker={"size": 10},
            customdata=[[w.week, f"{w.num:,}", f"{w.n:,}"] for w in weeks],
            hovertemplate=(
                f"{label} in week %{{customdata[0]}}: %{{y:.1f}} %<br>"
                f"%{{customdata[1]}} {num_words} of %{{customdata[2]}} {n_words}"
                "<br>Click to see the records<extra></extra>"
            ),
            showlegend=False,
        )
    )
    target = view.targets.get(name)
    if target is not None:
        figure.add_hline(
            y=100 * target,
            line_dash="dash",
            line_color=TARGET_COLOUR,
            annotation_text=f"target {100 * target:.0f} %",
            annotation_position="top right",
        )
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": list(view.weeks),
               "title": {"text": "ISO week (UTC)"}},
        yaxis={"title": {"text": f"{share_axis(name)} (%)"}, "ticksuffix": " %",
               "rangemode": "tozero"},
        clickmode="event+select",
    )  # fmt: skip
    return figure


def share_axis(name: str) -> str:
    """The y-axis title of a rate: what it is a share of."""
    return "share of units ordered" if name == ov.FILL else (
        "share of shipment rows" if name == ov.REROUTE else "share of orders"
    )  # fmt: skip


def channel_figure(view: OrdersView) -> go.Figure:
    """Each rate per channel as grouped bars in per cent (one colour per channel), targets dashed."""
    names = list(ov.RATE_METRICS)
    present = sorted({c.channel for rates in view.channels.values() for c in rates})
    colours = channel_colours(present)
    figure = go.Figure()
    for channel in present:
        bars = [next((c for c in view.channels[m] if c.channel == channel), None) for m in names]
        shown = [(m, b) for m, b in zip(names, bars, strict=True) if b is not None]
        figure.add_trace(
            go.Bar(
                x=[NAMES[m] for m, _ in shown],
                y=[None if b.value is None else 100 * b.value for _, b in shown],
                name=plot_label(channel),
                marker={"color": colours[channel]},
                customdata=[
                    [m, channel, f"{b.num:,}", f"{b.n:,}", COUNTS[m][0], COUNTS[m][1]]
                    for m, b in shown
                ],
                hovertemplate=(
                    f"%{{x}}, {plot_label(channel)}: %{{y:.1f}} %<br>"
                    "%{customdata[2]} %{customdata[4]} of %{customdata[3]} %{customdata[5]}"
                    "<br>Click to see the records<extra></extra>"
                ),
            )
        )
    for index, name in enumerate(names):
        target = view.targets.get(name)
        if target is not None:
            figure.add_shape(type="line", x0=index - 0.45, x1=index + 0.45, y0=100 * target,
                             y1=100 * target, xref="x", yref="y",
                             line={"color": TARGET_COLOUR, "dash": "dash", "width": 2})  # fmt: skip
    figure.update_layout(
        height=380,
        barmode="group",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.2, "title": {"text": "channel"}},
        xaxis={"type": "category", "categoryorder": "array",
               "categoryarray": [NAMES[m] for m in names], "title": {"text": "rate"}},
        yaxis={"title": {"text": "rate over the chosen weeks (%)"}, "ticksuffix": " %"},
        clickmode="event+select",
    )  # fmt: skip
    return figure


def trend_colour(index: int) -> str:
    """A neutral series colour per rate (rates are not channels or statuses)."""
    return SERIES_COLOURS[index % len(SERIES_COLOURS)]


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

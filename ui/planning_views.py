"""The Planning page's parts: reads (cached by data version and aggregates token), tables and charts.

Numbers come from metrics.planning_board (aggregates where they hold the instant, drill-down
functions for records); tables keep numeric columns so they sort, headed in plain words.
"""

from __future__ import annotations

from datetime import datetime

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.settings import get_settings
from governance import labels
from metrics import planning_board as board
from metrics.compute import reading
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.format import plot_label
from ui.queries import DataVersion

ALL_CHANNELS = "All channels"
DECIMALS = 2  # values are rounded for people (and their downloads); the metrics keep the floats
NO_CHANNEL = "no channel"
SERIES = (
    ("raw_units", "Raw demand"),
    ("fulfillable_units", "Fulfillable demand"),
    ("recovered_units", "Recovered from returns"),
)
TAB_KEY = "planning.tab"  # the chosen tab, bound to the URL
TABS = ("Demand", "Dead and stranded stock", "Safety stock", "Bundles", "Returns handoff")
DEMAND_COLUMNS = {
    "week": "ISO week",
    "channel": "channel",
    "raw_units": "raw demand (units)",
    "fulfillable_units": "fulfillable demand (units)",
    "recovered_units": "recovered (units)",
    "orders": "orders placed",
    "cancelled_share": "cancelled share (%)",
}


def current_token(url: str) -> board.BoardToken:
    """The aggregates' state and the effective settings, read afresh each run (two small reads)."""
    with reading(engine_for(url)) as conn:
        return board.board_token(conn)


def currency() -> str:
    """The currency money is shown in (setting `currency`)."""
    return get_settings().currency


def _channel_text(channel: str | None) -> str:
    return ALL_CHANNELS if channel == board.ALL else channel or NO_CHANNEL


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def demand_table(url: str, version: DataVersion, token: object, as_of: datetime) -> pd.DataFrame:
    """Demand per ISO week and channel with the cancelled share (`version`, `token` key the cache)."""
    with reading(engine_for(url)) as conn:
        weeks = board.demand_weeks(board.planning_rows(conn, as_of))
    rows = [
        {
            "week": w.week,
            "channel": _channel_text(w.channel),
            "raw_units": w.raw_units,
            "fulfillable_units": w.fulfillable_units,
            "recovered_units": w.recovered_units,
            "orders": w.orders,
            "cancelled_share": None
            if w.cancelled_share is None
            else round(100 * w.cancelled_share, 1),
        }
        for w in weeks
    ]
    return pd.DataFrame(rows, columns=list(DEMAND_COLUMNS)).rename(columns=DEMAND_COLUMNS)


def demand_figure(table: pd.DataFrame) -> go.Figure:
    """Three lines over ISO weeks: raw, fulfillable and recovered units."""
    figure = go.Figure()
    for column, name in SERIES:
        figure.add_trace(
            go.Scatter(
                x=table[DEMAND_COLUMNS["week"]],
                y=table[DEMAND_COLUMNS[column]],
                mode="lines+markers",
                name=name,
            )
        )
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"type": "category", "title": {"text": "ISO week (UTC)"}},
        yaxis={"title": {"text": "units"}, "rangemode": "tozero"},
    )
    return figure


def render_demand(table: pd.DataFrame) -> None:
    """The demand section: a channel choice, the three series and the weekly table."""
    st.subheader("Demand per week")
    st.caption(
        "Raw demand: units ordered. Fulfillable: units of orders not cancelled whose SKU is a "
        "known item. Recovered: returned units put back on sale (restock, refurbish), by the week "
        "of their disposition. Cancelled share: orders placed that week and cancelled since."
    )
    if table.empty:
        st.info("No orders placed and no returns dispositioned yet.")
        return
    channels = list(dict.fromkeys(table[DEMAND_COLUMNS["channel"]]))
    chosen = st.selectbox("Channel", channels, key="planning.demand.channel", width=300)
    shown = table[table[DEMAND_COLUMNS["channel"]] == chosen]
    st.plotly_chart(demand_figure(shown), config={"displaylogo": False}, key="planning-demand")
    st.dataframe(shown, hide_index=True, column_config=_percent(DEMAND_COLUMNS["cancelled_share"]))
    csv_download(table, label="Demand CSV", file_name="demand-per-week.csv", key="dl.demand")


def _cents(value: float | None) -> float | None:
    """Money rounded to cents for people (None stays None)."""
    return None if value is None else round(value, DECIMALS)


def _percent(column: str) -> dict[str, object]:
    return {column: st.column_config.NumberColumn(format="%.1f %%")}


def _money_config(*columns: str) -> dict[str, object]:
    return {c: st.column_config.NumberColumn(format="%.2f") for c in columns}


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def idle_tables(
    url: str, version: DataVersion, token: object, as_of: datetime
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Dead and stranded stock per location, and the SKUs behind it (`version`, `token` key it)."""
    money = currency()
    with reading(engine_for(url)) as conn:
        places = board.idle_stock(board.planning_rows(conn, as_of))
        positions = board.idle_positions(conn, as_of)
    by_location = pd.DataFrame(
        [
            {
                "location": "All locations" if p.location == board.ALL else p.location,
                "dead units": p.dead_units,
                f"dead value ({money})": _cents(p.dead_value),
                "stranded units": p.stranded_units,
                f"stranded value ({money})": _cents(p.stranded_value),
            }
            for p in places
        ]
    )
    skus = pd.DataFrame(
        [
            {
                "location": p.location,
                "SKU": p.sku,
                "why": "dead (no shipment in the window)" if p.dead else "stranded (not active)",
                "item status": p.lifecycle_status or "",
                "units": p.units,
                f"unit cost ({money})": _cents(board.money(p.unit_cost)),
                f"value ({money})": _cents(board.money(p.value)),
                "last shipped (UTC)": p.last_shipped_at.strftime("%Y-%m-%d %H:%M")
                if p.last_shipped_at
                else "never",
            }
            for p in positions
        ]
    )
    return by_location, skus


def render_idle(by_location: pd.DataFrame, skus: pd.DataFrame, days: int) -> None:
    """Dead and stranded stock: units and value per location, a chart, the SKU list."""
    money = currency()
    st.subheader("Dead and stranded stock")
    st.caption(
        f"Book sellable units. Dead: an active item created at least {days} days ago with no "
        f"shipment in the last {days} days. Stranded: an item that is draft or retired. Value: "
        f"units × unit cost, in {money} (blank when no unit cost is known)."
    )
    if by_location.empty:
        st.info("No book stock yet.")
        return
    places = by_location[by_location["location"] != "All locations"]
    figure = go.Figure()
    for column, name in (
        (f"dead value ({money})", "Dead"),
        (f"stranded value ({money})", "Stranded"),
    ):
        figure.add_trace(
            go.Bar(x=places["location"].map(plot_label), y=places[column].fillna(0), name=name)
        )
    figure.update_layout(
        barmode="group",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"type": "category", "title": {"text": "location"}},
        yaxis={"title": {"text": f"value ({money})"}, "rangemode": "tozero"},
    )
    st.plotly_chart(figure, config={"displaylogo": False}, key="planning-idle")
    money_columns = [c for c in by_location.columns if "value" in c]
    st.dataframe(by_location, hide_index=True, column_config=_money_config(*money_columns))
    csv_download(by_location, label="By location CSV", file_name="idle-stock-by-location.csv",
                 key="dl.idle")  # fmt: skip
    st.markdown("**SKUs**")
    if skus.empty:
        st.caption("No dead or stranded SKU.")
        return
    sku_money = [c for c in skus.columns if f"({money})" in c]
    st.dataframe(skus, hide_index=True, column_config=_money_config(*sku_money))
    csv_download(skus, label="SKUs CSV", file_name="idle-stock-skus.csv", key="dl.idle_skus")


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def safety_table(url: str, version: DataVersion, token: object, as_of: datetime) -> pd.DataFrame:
    """Safety stock per channel and SKU, largest shortfall first (`version`, `token` key it)."""
    with reading(engine_for(url)) as conn:
        pairs = board.safety_stock_table(conn, as_of)
    return pd.DataFrame(
        [
            {
                "channel": p.channel,
                "SKU": p.sku,
                "shortfall (units)": round(p.shortfall, DECIMALS),
                "short": "yes" if p.short else "no",
                "safety stock (units)": round(p.safety_stock, DECIMALS),
                "available (units)": p.available,
                "mean daily demand d̄ (units)": round(p.mean_daily, DECIMALS),
                "daily deviation σd (units)": round(p.sd_daily, DECIMALS),
                "lead time L (days)": round(float(p.lead_time_days), DECIMALS),
                "lead-time deviation σL (days)": round(float(p.lead_time_sd_days), DECIMALS),
                "service level (%)": round(100 * float(p.service_level), DECIMALS),
                "z": round(p.z, DECIMALS),
                "window demand (units)": p.demand_units,
            }
            for p in pairs
        ]
    )


def render_safety(table: pd.DataFrame, days: int) -> None:
    """The safety-stock table with the formula's inputs."""
    st.subheader("Safety stock by channel")
    st.caption(
        f"Safety stock = z · √(L · σd² + d̄² · σL²), from the daily demand of the last {days} days "
        "(orders not cancelled) and the channel's service level, lead time and its deviation "
        "(Ownership page). Available: book sellable units at the channel's locations and at "
        "shared ones. Click a column header to sort; largest shortfall first."
    )
    if table.empty:
        st.info(f"No channel has demand in the last {days} days.")
        return
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Safety stock CSV", file_name="safety-stock.csv", key="dl.safety")


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def bundle_table(url: str, version: DataVersion, token: object, as_of: datetime) -> pd.DataFrame:
    """Bundle breaches with their components (`version`, `token` key the cache)."""
    with reading(engine_for(url)) as conn:
        checks = board.bundle_breaches(conn, as_of)
    return pd.DataFrame(
        [
            {
                "system": c.system,
                "location": c.location,
                "bundle SKU": c.bundle_sku,
                "sold by the system (units)": c.system_units,
                "can be built (units)": c.buildable,
                "oversold (units)": c.system_units - c.buildable,
                "limited by": ", ".join(c.limiting),
                "components": "; ".join(
                    f"{p.sku}: {p.book_units} in stock, {p.quantity} per bundle"
                    for p in c.components
                ),
            }
            for c in checks
        ]
    )


def render_bundles(table: pd.DataFrame) -> None:
    """The bundle breaches and the components that limit them."""
    st.subheader("Bundle breaches")
    st.caption(
        "A system offers more bundles at a location than its components in the book system "
        "can build. Limited by: the components with the fewest buildable bundles."
    )
    if table.empty:
        st.success("No system offers more bundles than can be built.", icon=":material/check:")
        return
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Bundles CSV", file_name="bundle-breaches.csv", key="dl.bundles")


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def handoff_table(
    url: str, version: DataVersion, token: object, as_of: datetime, pairs: tuple[str, ...]
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The handoff funnel for the channel pairs (none: all) and every pair seen."""
    with reading(engine_for(url)) as conn:
        funnel = board.handoff(conn, as_of, pairs)
    table = pd.DataFrame(
        [
            {
                "step": labels.step_label(s.step),
                "returns waiting": s.count,
                "units": s.units,
                "median age (days)": None
                if s.median_age_days is None
                else round(s.median_age_days, 1),
                "owning team": s.team,
            }
            for s in funnel.steps
        ]
    )
    return table, funnel.channel_pairs


def render_handoff(url: str, version: DataVersion, token: object, as_of: datetime) -> None:
    """The returns handoff funnel, filterable by channel pair."""
    st.subheader("Returns handoff")
    st.caption(
        "Returns received and not yet complete, at the step they wait at. Age: time since the "
        "return was received. Channel pair: the sales channel → the receiving location's type."
    )
    _all, seen = handoff_table(url, version, token, as_of, ())
    pairs = st.multiselect("Channel pairs", seen, key="planning.handoff.pairs",
                           placeholder="All channel pairs", width=500)  # fmt: skip
    table, _seen = handoff_table(url, version, token, as_of, tuple(sorted(pairs)))
    figure = go.Figure(go.Funnel(y=table["step"], x=table["returns waiting"], textinfo="value"))
    figure.update_layout(
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": {"text": "returns waiting"}},
        yaxis={"title": {"text": "handoff step"}},
    )
    st.plotly_chart(figure, config={"displaylogo": False}, key="planning-handoff")
    st.dataframe(table, hide_index=True,
                 column_config={"median age (days)": st.column_config.NumberColumn(format="%.1f")})  # fmt: skip
    csv_download(table, label="Handoff CSV", file_name="returns-handoff.csv", key="dl.handoff")

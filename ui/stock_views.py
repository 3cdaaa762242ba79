"""The Stock truth page's parts: cached reads, the headline numbers, the trend, the bars by location
and by system, the pairs behind a click, the unmapped system SKUs and one SKU over time.

Numbers come from metrics.stock_views; money is written as the founder report writes it
(`<currency> 1,234.56`, "cost unknown" without a cost), in the currency setting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zlib import crc32

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.settings import get_settings
from core.timeutil import from_epoch, to_epoch
from metrics import stock_views as sv
from metrics.compute import reading
from metrics.model import MetricRow, make_context
from metrics.settings_store import effective_settings
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR
from ui.queries import DataVersion

TREND_KEY = "stock.trend"
LOCATION_KEY = "stock.by_location"
SYSTEM_KEY = "stock.by_system"
UNMAPPED_KEY = "stock.unmapped"
SKU_KEY = "stock.sku"
BAR_COLOUR = SERIES_COLOURS[0]  # a series colour, not a status
UNMAPPED_COLOUR = SERIES_COLOURS[1]
ALL_COLOUR = "#212121"
UNMAPPED_LIST_LIMIT = 1000
PAIR_HEADINGS = {
    "location": "location",
    "sku": "SKU",
    "system": "system",
    "system_qty": "system (units)",
    "book_system": "book system",
    "book_qty": "book (units)",
    "difference": "difference (units)",
    "overstated": "overstated (units)",
    "unit_cost": "unit cost",
    "oversell_exposure": "oversell exposure",
}
UNMAPPED_HEADINGS = {
    "system": "system",
    "system_sku": "system SKU",
    "stock_rows": "stock rows",
    "last_as_of": "last seen (UTC)",
}


def currency() -> str:
    """The currency money is shown in (setting `currency`, as the founder report reads it)."""
    return get_settings().currency


def money_text(amount: Decimal | None, money: str) -> str:
    """Money as the founder report writes it: `USD 1,234.56`, or "cost unknown"."""
    return "cost unknown" if amount is None else f"{money} {amount:,.2f}"


@dataclass(frozen=True)
class StockView:
    """Everything the page draws for one set of filters."""

    groups: tuple[sv.PairGroup, ...]
    by_location: tuple[sv.Total, ...]
    by_system: tuple[sv.Total, ...]
    total: sv.Total
    money: sv.Money
    unmapped: tuple[sv.UnmappedSystem, ...]
    unmapped_total: int
    history: tuple[sv.SnapshotPoint, ...]
    skus: tuple[str, ...]
    books: tuple[str, ...]
    systems: tuple[str, ...]
    discrepancy_target: float
    unmapped_target: float


@dataclass(frozen=True)
class Pick:
    """What a click chose: the instant, a system and a location (None: all) and its words."""

    as_of: datetime
    system: str | None
    location: str | None
    words: str


def history_days(filters: Filters, as_of: datetime) -> tuple[date, date]:
    """The day range of the history charts: the chosen dates; the default range (which ends on
    the last order day) reaches as_of's day, so the newest snapshot shows."""
    return filters.start, filters.end if filters.dated else max(filters.end, as_of.date())


def scope_of(filters: Filters) -> sv.Scope:
    """The filters that apply to the pairs."""
    return sv.Scope(filters.locations, filters.abc_classes, filters.categories)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def stock_view(
    url: str, version: DataVersion, token: object, as_of: datetime, filters: Filters
) -> StockView:
    """The page's numbers for the filters (`version`, `token` key the cache)."""
    scope = scope_of(filters)
    with reading(engine_for(url)) as conn:
        settings = effective_settings(conn)
        ctx = make_context(as_of, settings)
        pairs = sv.pair_rows(conn, ctx, scope)
        money = sv.overstated_money(conn, as_of, scope)
        rows = sv.current_rows(conn, as_of, settings)
        history = sv.snapshot_history(conn, *history_days(filters, as_of))
        discrepancy_target, unmapped_target = sv.targets(conn)
    unmapped_all = sv.metric_all(rows, sv.UNMAPPED)
    groups = sv.pair_groups(pairs)
    return StockView(
        tuple(groups),
        tuple(sv.totals_by(groups, "location")),
        tuple(sv.totals_by(groups, "system")),
        sv.overall(groups),
        money,
        tuple(sv.unmapped_by_system(rows)),
        0 if unmapped_all is None or unmapped_all.value is None else int(unmapped_all.value),
        tuple(history),
        tuple(sv.worst_skus(pairs)),
        sv.book_systems(groups),
        _systems(groups, history, rows),
        discrepancy_target,
        unmapped_target,
    )


def _systems(
    groups: Sequence[sv.PairGroup], history: Sequence[sv.SnapshotPoint], rows: Sequence[MetricRow]
) -> tuple[str, ...]:
    """Every system the page names: compared, in the kept history, or seen in stock rows."""
    found = {g.system for g in groups} | {str(p.key) for p in history if p.dim == "system"}
    found |= {u.system for u in sv.unmapped_by_system(rows)}
    return tuple(sorted(found))


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def pairs_table(
    url: str, version: DataVersion, token: object, pick: Pick, filters: Filters
) -> pd.DataFrame:
    """The differing pairs behind a pick, headed in plain words."""
    table = sv.pairs_behind(
        engine_for(url), pick.as_of, pick.system, pick.location, scope_of(filters)
    )
    table = table.assign(
        unit_cost=table["unit_cost"].map(_cents),
        oversell_exposure=table["oversell_exposure"].map(_cents),
    )
    return table.rename(columns=pair_headings(currency()))


def _cents(value: object) -> float | None:
    """Money rounded to cents for people (None stays None)."""
    return None if value is None or pd.isna(value) else round(float(value), 2)  # type: ignore[arg-type]


def pair_headings(money: str) -> dict[str, str]:
    """The pairs' columns in plain words, money columns in the currency."""
    return PAIR_HEADINGS | {
        "unit_cost": f"unit cost ({money})",
        "oversell_exposure": f"oversell exposure ({money})",
    }


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def unmapped_table(
    url: str, version: DataVersion, token: object, as_of: datetime, system: str | None
) -> pd.DataFrame:
    """The unmapped system SKUs (of one system, or all), headed in plain words."""
    table = sv.unmapped_list(engine_for(url), as_of, system)
    table = table.assign(
        last_as_of=pd.to_datetime(table["last_as_of"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
    )
    return table.rename(columns=UNMAPPED_HEADINGS)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def sku_table(
    url: str, version: DataVersion, token: object, as_of: datetime, sku: str, filters: Filters
) -> pd.DataFrame:
    """One SKU's units per system and the book over the snapshots (line, as_of, units)."""
    with reading(engine_for(url)) as conn:
        ctx = make_context(as_of, effective_settings(conn))
        start, end = history_days(filters, as_of)
        return sv.sku_history(conn, ctx, sku, filters.locations, start, end)


def system_colours(systems: Sequence[str]) -> dict[str, str]:
    """One series colour per line on this page: the book first, then each system in name order
    (the same system keeps its colour in every chart of the page)."""
    others = SERIES_COLOURS[1:]
    ordered = sorted(s for s in set(systems) if s != sv.BOOK_LINE)
    return {sv.BOOK_LINE: SERIES_COLOURS[0]} | {
        name: others[i % len(others)] for i, name in enumerate(ordered)
    }


def colour_of(view: StockView, line: str) -> str:
    """The colour of a system's (or the book's) line, fixed for the page by view.systems."""
    found = system_colours(view.systems).get(line)
    return found or SERIES_COLOURS[1 + crc32(line.encode()) % (len(SERIES_COLOURS) - 1)]


def trend_figure(view: StockView) -> go.Figure:
    """Pairs that differ at each kept snapshot: all systems and each system, the target dashed."""
    points = [p for p in view.history if p.metric == sv.DISCREPANCIES]
    systems = sorted({str(p.key) for p in points if p.dim == "system"})
    figure = go.Figure()
    for name, dim, key, colour in (
        ("All systems", "all", None, ALL_COLOUR),
        *((s, "system", s, colour_of(view, s)) for s in systems),
    ):
        line = [p for p in points if p.dim == dim and p.key == key]
        figure.add_trace(
            go.Scatter(
                x=[p.as_of for p in line],
                y=[p.value for p in line],
                mode="lines+markers",
                name=plot_label(name),
                line={"color": colour, "width": 3 if dim == "all" else 2},
                marker={"size": 9},
                customdata=[[to_epoch(p.as_of), key or "", p.n, int(p.num or 0)] for p in line],
                hovertemplate=(
                    f"{plot_label(name)}, snapshot %{{x|%Y-%m-%d %H:%M}} UTC: %{{y:,}} pairs differ"
                    "<br>of %{customdata[2]:,} compared, %{customdata[3]:,} units overstated"
                    "<br>Click to see the pairs<extra></extra>"
                ),
            )
        )
    figure.add_hline(
        y=view.discrepancy_target,
        line_dash="dash",
        line_color=TARGET_COLOUR,
        annotation_text=f"target {view.discrepancy_target:,.0f} pairs",
        annotation_position="top right",
    )
    figure.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": "snapshot time (UTC)"}},
        yaxis={"title": {"text": "pairs that differ"}, "rangemode": "tozero"},
        clickmode="event+select",
    )
    return figure


def bar_figure(view: StockView, totals: Sequence[sv.Total], by: str) -> go.Figure:
    """Pairs that differ per location or per system as bars, with units and money on hover."""
    money = currency()
    values = [
        money_text(
            view.money.value_of(location=t.key) if by == "location" else
            view.money.value_of(system=t.key), money)
        for t in totals
    ]  # fmt: skip
    figure = go.Figure(
        go.Bar(
            x=[plot_label(t.key) for t in totals],
            y=[t.differing for t in totals],
            marker={"color": BAR_COLOUR},
            customdata=[
                [t.key, t.pairs, t.overstated, v] for t, v in zip(totals, values, strict=True)
            ],
            hovertemplate=(
                f"{by.capitalize()} %{{x}}: %{{y:,}} pairs differ of %{{customdata[1]:,}} compared"
                "<br>%{customdata[2]:,} units overstated, worth %{customdata[3]}"
                "<br>Click to see the pairs<extra></extra>"
            ),
        )
    )
    figure.update_layout(
        height=320,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "title": {"text": by}},
        yaxis={"title": {"text": "pairs that differ"}, "rangemode": "tozero"},
        clickmode="event+select",
    )
    return figure


def unmapped_figure(view: StockView) -> go.Figure:
    """Unmapped system SKUs per system as bars, the target dashed."""
    figure = go.Figure(
        go.Bar(
            x=[plot_label(u.system) for u in view.unmapped],
            y=[u.unmapped for u in view.unmapped],
            marker={"color": UNMAPPED_COLOUR},
            customdata=[[u.system, u.seen] for u in view.unmapped],
            hovertemplate="%{x}: %{y:,} unmapped of %{customdata[1]:,} system SKUs seen"
            "<br>Click to list them<extra></extra>",
        )
    )
    figure.add_hline(y=view.unmapped_target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"target {view.unmapped_target:,.0f}")  # fmt: skip
    figure.update_layout(
        height=280,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "title": {"text": "system"}},
        yaxis={"title": {"text": "system SKUs"}, "rangemode": "tozero"},
        clickmode="event+select",
    )
    return figure


def sku_figure(view: StockView, table: pd.DataFrame, sku: str) -> go.Figure:
    """One SKU's sellable units per system and the book over the snapshots."""
    books = view.books
    figure = go.Figure()
    book_name = f"book ({', '.join(books)})" if books else "book"
    for line, group in table.groupby("line", sort=True):
        name = book_name if line == sv.BOOK_LINE else str(line)
        figure.add_trace(
            go.Scatter(
                x=group["as_of"],
                y=group["units"],
                mode="lines+markers",
                line={"color": colour_of(view, str(line)), "shape": "hv",
                      "width": 3 if line == sv.BOOK_LINE else 2},
                name=plot_label(name),
                hovertemplate=f"{plot_label(name)}, snapshot %{{x|%Y-%m-%d %H:%M}} UTC: "
                f"%{{y:,}} units of {plot_label(sku)}<extra></extra>",
            )
        )  # fmt: skip
    figure.update_layout(
        height=340,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"title": {"text": "snapshot time (UTC)"}},
        yaxis={"title": {"text": "sellable units"}, "rangemode": "tozero"},
    )
    return figure


def selected(state: object) -> Mapping[str, Any] | None:
    """The selection state of a chart as a mapping (None when absent)."""
    return state if isinstance(state, Mapping) else None


def _points(state: Mapping[str, Any] | None) -> list[Mapping[str, Any]]:
    return list(((state or {}).get("selection") or {}).get("points") or [])


def pick_from(
    state: Mapping[str, Any] | None, kind: str, as_of: datetime, filters: Filters
) -> Pick | None:
    """The bar or trend point a selection state chose (None when nothing is selected)."""
    points = _points(state)
    if not points:
        return None
    data = list(points[0].get("customdata") or [])
    where = ", ".join(filters.locations) if filters.locations else "every location"
    if kind == "location" and data:
        location = str(data[0])
        return Pick(as_of, None, location, f"{location}, every system")
    if kind == "system" and data:
        system = str(data[0])
        return Pick(as_of, system, None, f"{system} at {where}")
    if kind == "trend" and len(data) >= 2:
        instant = from_epoch(int(data[0]))
        system = str(data[1]) or None
        return Pick(instant, system, None,
                    f"{system or 'every system'} at {where}, snapshot {instant:%Y-%m-%d %H:%M} UTC")  # fmt: skip
    return None


def unmapped_pick(state: Mapping[str, Any] | None) -> str | None:
    """The system whose unmapped bar was clicked (None: nothing selected)."""
    points = _points(state)
    data = list(points[0].get("customdata") or []) if points else []
    return str(data[0]) if data else None


def render_headline(view: StockView) -> None:
    """The four numbers: pairs that differ, units and money overstated, unmapped SKUs."""
    money = currency()
    total = view.total
    cols = st.columns(4)
    cols[0].metric("Stock discrepancies", f"{total.differing:,}")
    cols[0].caption(f"of {total.pairs:,} compared pairs · target {view.discrepancy_target:,.0f}")
    cols[1].metric("Units overstated", f"{total.overstated:,}")
    cols[1].caption("Σ max(0, system − book) over the compared pairs")
    cols[2].metric("Money overstated", money_text(view.money.value, money))
    uncosted = view.money.uncosted
    cols[2].caption(
        "Oversell exposure: units overstated × unit cost"
        + (f"; {uncosted:,} pairs without a unit cost are not valued" if uncosted else "")
    )
    cols[3].metric("Unmapped system SKUs", f"{view.unmapped_total:,}")
    cols[3].caption(f"every location · target {view.unmapped_target:,.0f}")


def render_pairs(table: pd.DataFrame, pick: Pick) -> None:
    """The pairs behind a pick, with their downloads."""
    st.subheader(f"Pairs behind {pick.words}")
    st.caption(
        "Each (location, SKU) where a system's sellable units differ from the book's: both "
        "quantities, the difference (system − book), the units overstated and their value at "
        f"unit cost ({currency()})."
    )
    money = pair_headings(currency())
    config = {money[c]: st.column_config.NumberColumn(format="%.2f")
              for c in ("unit_cost", "oversell_exposure")}  # fmt: skip
    st.dataframe(table, hide_index=True, column_config=config)
    csv_download(table, label="Pairs CSV", file_name="stock-pairs-behind.csv", key="dl.stock.pairs")


def render_unmapped(url: str, version: DataVersion, token: object, as_of: datetime,
                    view: StockView) -> None:  # fmt: skip
    """Unmapped system SKUs by system and the list of them."""
    st.subheader("Unmapped system SKUs")
    st.caption(
        "System SKUs seen in stock rows (any status) that resolve to no SKU, by system. Over "
        "every location, ABC class and category: an unmapped SKU has no item, and the metric "
        "counts it once per system, wherever it was seen. Click a bar to list that system's."
    )
    if not view.unmapped:
        st.info("No stock rows yet.")
        return
    state = st.plotly_chart(unmapped_figure(view), config={"displaylogo": False},
                            key=UNMAPPED_KEY, on_select="rerun", selection_mode="points")  # fmt: skip
    system = unmapped_pick(selected(state))
    table = unmapped_table(url, version, token, as_of, system)
    words = system or "every system"
    if table.empty:
        st.success(f"No unmapped system SKUs in {words}.")
        return
    shown = f"the first {UNMAPPED_LIST_LIMIT:,} of " if len(table) > UNMAPPED_LIST_LIMIT else ""
    st.caption(f"Unmapped system SKUs of {words}: {shown}{len(table):,}.")
    st.dataframe(table.head(UNMAPPED_LIST_LIMIT), hide_index=True)
    csv_download(table, label="Unmapped CSV", file_name="unmapped-system-skus.csv",
                 key="dl.stock.unmapped")  # fmt: skip


def render_sku(url: str, version: DataVersion, token: object, as_of: datetime,
               view: StockView, filters: Filters) -> None:  # fmt: skip
    """One SKU's units in every system and the book over the snapshots."""
    st.subheader("One SKU across the systems")
    st.caption(
        "Sellable units of one SKU in each system and in the book, summed over the chosen "
        "locations, at each stock snapshot in the chosen dates (a location's newest snapshot so "
        "far counts). The list starts with the SKU whose systems differ most from the book."
    )
    if not view.skus:
        st.info("No compared SKUs in the chosen locations, ABC classes and categories.")
        return
    sku = st.selectbox("SKU", view.skus, index=0, key=SKU_KEY)
    table = sku_table(url, version, token, as_of, str(sku), filters)
    if table.empty:
        st.info(f"No sellable stock snapshots of {sku} in the chosen dates.")
        return
    st.plotly_chart(sku_figure(view, table, str(sku)), config={"displaylogo": False},
                    key="stock.sku_chart")  # fmt: skip
    with st.expander("Table of the snapshots"):
        shown = table.assign(
            as_of=pd.to_datetime(table["as_of"], utc=True).dt.strftime("%Y-%m-%d %H:%M")
        ).rename(columns={"line": "system", "as_of": "snapshot (UTC)", "units": "units"})
        st.dataframe(shown, hide_index=True)
        csv_download(shown, label="SKU CSV", file_name=f"stock-{sku}.csv", key="dl.stock.sku")

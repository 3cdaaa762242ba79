"""The Overview's KPI section: a tile per KPI (worst first) and a trend chart per KPI family, filtered.

Everything shown is read from the precomputed aggregates through metrics.kpi_filtered, cached by
the data-version token, the aggregates' own token (a refresh without an import changes it), the
current ISO week and the filters. Each tile links to the page that holds the records behind it,
with the current filters in the link.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError

from core.settings import get_settings
from core.timeutil import utcnow, week_label
from governance import labels
from governance.permissions import Actor
from metrics.aggregates import state_token
from metrics.compute import reading
from metrics.kpi_filtered import DATES, FilteredTile, filtered_tiles, filtered_trends, trend_weeks
from metrics.kpi_slices import DIMENSION_NAMES, KpiFilter
from metrics.kpis import KPIS, KpiFamily, Rag, Unit
from ui import auth
from ui.charts import kpi_trend_figure
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.filters import Filters
from ui.page_registry import BY_KEY
from ui.queries import DataVersion

log = logging.getLogger(__name__)

TILES_PER_ROW = 4
# Worst first: red, then amber, then green, then the KPIs without a value.
STATUS_ORDER: dict[str, int] = {Rag.RED: 0, Rag.AMBER: 1, Rag.GREEN: 2, Rag.NO_DATA: 3}
STATUS_ICON: dict[str, str] = {
    Rag.GREEN: ":material/check_circle:",
    Rag.AMBER: ":material/warning:",
    Rag.RED: ":material/error:",
    Rag.NO_DATA: ":material/help:",
}
# The band across the top of a tile: Streamlit's coloured alert boxes (grey text for no data).
BANDS: dict[str, Callable[..., Any]] = {
    Rag.RED: st.error,
    Rag.AMBER: st.warning,
    Rag.GREEN: st.success,
}
STATUS_WORD: dict[str, str] = labels.RAG_WORDS  # on target, near target, off target, no data
NOT_SPLIT_NAMES: dict[str, str] = {**DIMENSION_NAMES, DATES: "date"}
# Where each KPI leads: (its analytic page's key, the exception type on the All exceptions page
# or None); tests/test_tile_links.py keeps it in step with the KPIs, pages and rules.
TILE_LINKS: dict[str, tuple[str, str | None]] = {
    "inventory_record_accuracy": ("accuracy", "accuracy_below_target"),
    "unit_accuracy": ("accuracy", "accuracy_below_target"),
    "split_order_rate": ("orders", "stalled_order"),
    "reroute_rate": ("orders", "stalled_order"),
    "fill_rate": ("orders", "stalled_order"),
    "stalled_orders": ("orders", "stalled_order"),
    "return_lag_p90_hours": ("returns", "return_lag_breach"),
    "black_hole_returns": ("returns", "black_hole_return"),
    "sku_quality_rate": ("items", "missing_attributes"),
    "integration_failure_rate": ("integrations", "integration_failure_spike"),
    "stock_discrepancies": ("stock", "stock_discrepancy"),
    "unmapped_system_skus": ("stock", "unmapped_system_sku"),
    "dead_stock_units": ("planning", "dead_stock"),
    "safety_stock_shortfalls": ("planning", "safety_stock_shortfall"),
    "bundle_availability_breaches": ("planning", "bundle_availability_breach"),
}
EXCEPTION_TYPE_PARAM = "exceptions.type"  # the All exceptions page's type filter, bound to the URL
NOT_COMPUTED = (
    "KPIs are computed when data is imported. For data already here, run "
    "`python manage.py metrics refresh`."
)
NO_TABLES = "The KPI tables are missing: run `python manage.py init` to upgrade the database."


def aggregates_token(url: str) -> tuple[int, int] | None:
    """The aggregates' (version, as_of), read afresh each run; None when their tables are missing."""
    try:
        with reading(engine_for(url)) as conn:
            return state_token(conn)
    except DBAPIError:
        log.warning("metric aggregate tables are missing", exc_info=True)
        return None


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def kpi_board(
    url: str, version: DataVersion, token: tuple[int, int], week: str, chosen: KpiFilter
) -> tuple[list[FilteredTile], pd.DataFrame]:
    """Tiles and trend points under the filters as of now (version, token and week key the cache)."""
    now = utcnow()
    with reading(engine_for(url)) as conn:
        tiles = filtered_tiles(conn, now, chosen)
        points = [(p.metric, p.week, p.value) for p in filtered_trends(conn, now, chosen)]
    return tiles, pd.DataFrame(points, columns=["metric", "week", "value"])


def worst_first(tiles: list[FilteredTile]) -> list[FilteredTile]:
    """Red, then amber, then green, then no data; KPI order within each."""
    return sorted(tiles, key=lambda t: STATUS_ORDER[t.status])


def value_text(value: float | None, unit: Unit) -> str:
    """A KPI value as a tile shows it (governance.labels.kpi_value_text, money in the currency
    setting)."""
    return labels.kpi_value_text(value, unit, get_settings().currency)


def change_text(change: float | None, unit: Unit) -> str | None:
    """A change from the week before as a tile shows it."""
    return labels.kpi_change_text(change, unit, get_settings().currency)


def scope_text(tile: FilteredTile) -> str:
    """What the value covers: the filters it follows and those its metric is not split by."""
    notes = []
    if tile.filtered_by:
        notes.append("filtered by " + " and ".join(DIMENSION_NAMES[d] for d in tile.filtered_by))
    if tile.not_split:
        names = " or ".join(NOT_SPLIT_NAMES[d] for d in tile.not_split)
        notes.append(f"not split by {names}: value for all")
    return "; ".join(notes)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def period_text(tile: FilteredTile) -> str:
    """Which week (or snapshot) the value is of, saying when the latest week had no data."""
    if tile.no_data_in:
        return f"No data in {tile.no_data_in}; showing {tile.period}, the last week with data"
    return f"Week {tile.period}" if tile.kpi.weekly else _sentence(tile.period)


@dataclass(frozen=True)
class TileLink:
    """Where a tile leads: a page file, the link's words, what it opens, its query parameters."""

    page: str
    label: str
    help: str
    params: dict[str, list[str]]


def tile_links(actor: Actor, tile: FilteredTile) -> list[TileLink]:
    """Where a tile leads: its analytic page, then its exceptions (each only when the role may
    open that page). The filters' widgets are bound to the URL and carry them along; the link
    adds only the target page's own parameters."""
    key, kind = TILE_LINKS[tile.kpi.metric]
    links = []
    spec = BY_KEY.get(key)
    if spec is not None and auth.may_view(actor, key):
        links.append(TileLink(spec.file, f"Open {spec.title}",
                              f"The {spec.title} page, same filters", {}))  # fmt: skip
    if kind is not None and auth.may_view(actor, "exceptions"):
        name = labels.type_label(kind)
        links.append(TileLink(BY_KEY["exceptions"].file, "Open exceptions",
                              f"All exceptions of type {name}",
                              {EXCEPTION_TYPE_PARAM: [name]}))  # fmt: skip
    return links


def target_text(tile: FilteredTile) -> str:
    """The tile's target as people read it: `≥ 98.0 %`, `≤ 3.0 days`."""
    target = tile.target
    return labels.kpi_target_text(target.comparator, target.target, tile.kpi.unit,
                                  get_settings().currency)  # fmt: skip


def status_band(status: Rag) -> None:
    """A tile's status as a coloured band with its word and icon."""
    word = f"**{STATUS_WORD[status].upper()}**"
    band = BANDS.get(status)
    if band is None:
        st.markdown(f":gray-background[{STATUS_ICON[status]} {word}]")
    else:
        band(word, icon=STATUS_ICON[status])


@dataclass(frozen=True)
class TileFace:
    """What a tile's metric shows: its label, value and change (None: no change known)."""

    label: str
    value: str
    delta: str | None


def tile_face(tile: FilteredTile) -> TileFace:
    """The label, value and change of a tile. Money is shown in whole units with the currency in
    the label ("Dead stock value (USD)", "69,677"), so a five- or six-figure value fits a quarter
    of a 1440-pixel-wide page; the exact value is in the tile's help."""
    unit, label = tile.kpi.unit, tile.kpi.label
    if unit is not Unit.MONEY:
        return TileFace(label, value_text(tile.value, unit), change_text(tile.change, unit))
    value = labels.DASH if tile.value is None else f"{tile.value:,.0f}"
    delta = None if tile.change is None else f"{tile.change:+,.0f}"
    if delta is not None and not any(digit in delta for digit in "123456789"):
        delta = labels.NO_CHANGE
    return TileFace(f"{label} ({get_settings().currency})", value, delta)


def _tile(column: Any, tile: FilteredTile, links: list[TileLink]) -> None:
    status, unit, target = tile.status, tile.kpi.unit, tile.target
    aim = target_text(tile)
    margin = labels.margin_text(tile.kpi.metric, target.amber_margin)
    face = tile_face(tile)
    flat = face.delta == labels.NO_CHANGE  # neither better nor worse: grey, without an arrow
    exact = f"{value_text(tile.value, unit)}. " if unit is Unit.MONEY else ""
    with column.container(border=True):
        status_band(status)
        st.metric(
            face.label,
            face.value,
            delta=face.delta,
            delta_color="off" if flat else "normal" if target.comparator == ">=" else "inverse",
            delta_arrow="off" if flat else "auto",
            help=f"{exact}Target {aim}, amber within {margin}; change from the week (or snapshot) "
            "before.",
        )
        scope = scope_text(tile)
        st.caption(f"{period_text(tile)}{' · ' + _sentence(scope) if scope else ''}")
        st.caption(f"Target {aim} · owner {target.owner_team or 'unassigned'}")
        for link in links:
            st.page_link(link.page, label=link.label, icon=":material/arrow_forward:",
                         help=link.help, query_params=link.params)  # fmt: skip


def render_tiles(actor: Actor, tiles: list[FilteredTile]) -> None:
    """One tile per KPI, worst first, TILES_PER_ROW to a row."""
    ordered = worst_first(tiles)
    for offset in range(0, len(ordered), TILES_PER_ROW):
        row = ordered[offset : offset + TILES_PER_ROW]
        for column, tile in zip(st.columns(TILES_PER_ROW), row, strict=False):
            _tile(column, tile, tile_links(actor, tile))


def render_trends(tiles: list[FilteredTile], points: pd.DataFrame, weeks: list[str]) -> None:
    """A tab per KPI family, each with one small chart per KPI and its target line."""
    targets = {tile.kpi.metric: tile.target.target for tile in tiles}
    families = list(KpiFamily)
    for family, tab in zip(families, st.tabs([f.value for f in families]), strict=True):
        panels = [
            {"metric": k.metric, "label": k.label, "target": targets[k.metric],
             "share": k.unit is Unit.SHARE}
            for k in KPIS
            if k.family is family
        ]  # fmt: skip
        with tab:
            st.plotly_chart(
                kpi_trend_figure(points, panels, weeks),
                config={"displaylogo": False},
                key=f"kpi-trend-{family.name.lower()}",
            )


def filter_caption(chosen: Filters, weeks: list[str]) -> str:
    """The filters the KPIs follow, in words."""
    parts = [f"Weeks {weeks[0]} to {weeks[-1]}" if weeks else "No complete week in range"]
    for name, values in (("channel", chosen.channels), ("location", chosen.locations),
                         ("ABC class", chosen.abc_classes), ("category", chosen.categories)):  # fmt: skip
        if values:
            parts.append(f"{name} {', '.join(values)}")
    return " · ".join(parts)


def render_kpis(actor: Actor, url: str, version: DataVersion, chosen: Filters) -> None:
    """The KPI section of the Overview, under the shared filters."""
    st.subheader("KPIs")
    token = aggregates_token(url)
    if token is None:
        st.warning(NO_TABLES, icon=":material/database:")
        return
    if token == (0, 0):
        st.info(NOT_COMPUTED, icon=":material/calculate:")
        return
    now: datetime = utcnow()
    board_filter = chosen.kpi_filter()
    tiles, points = kpi_board(url, version, token, week_label(now), board_filter)
    weeks = trend_weeks(board_filter, now)
    st.caption(
        f"{filter_caption(chosen, weeks)}. Weekly KPIs show the latest complete ISO week (UTC) in "
        "the range; snapshot KPIs the latest snapshot kept. Worst first."
    )
    render_tiles(actor, tiles)
    st.subheader("Trends")
    st.caption("Dashed line: the target. Snapshot KPIs show the latest snapshot of each week.")
    render_trends(tiles, points, weeks)

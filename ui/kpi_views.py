"""The Overview's KPI section: a tile per KPI and a 12-week trend chart per KPI family.

Everything shown is read from the precomputed aggregates (never from raw rows), through a cache
keyed by the data-version token, the aggregates' own token (a refresh without an import changes
it) and the current ISO week.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy.exc import DBAPIError

from core.timeutil import utcnow, week_label, week_label_from_monday_day
from metrics.aggregates import day_of_week, state_token
from metrics.compute import reading
from metrics.kpi_board import TREND_WEEKS, KpiTile, kpi_tiles, kpi_trends, latest_complete_week
from metrics.kpis import KPI_BY_METRIC, KPIS, KpiFamily, Rag, Unit
from ui.charts import kpi_trend_figure
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.queries import DataVersion

log = logging.getLogger(__name__)

TILES_PER_ROW = 4
# Markdown of the status mark in a tile's label (a coloured Material icon).
STATUS_MARK: dict[str, str] = {
    Rag.GREEN: ":green[:material/check_circle:]",
    Rag.AMBER: ":orange[:material/warning:]",
    Rag.RED: ":red[:material/error:]",
    Rag.NO_DATA: ":gray[:material/help:]",
}
STATUS_WORD: dict[str, str] = {
    Rag.GREEN: "on target",
    Rag.AMBER: "near target",
    Rag.RED: "off target",
    Rag.NO_DATA: "no data",
}
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


def _tile_view(tile: KpiTile) -> dict[str, Any]:
    target = tile.target
    return {
        "metric": tile.kpi.metric,
        "period": tile.period,
        "value": tile.value,
        "change": tile.change,
        "status": tile.status.value,
        "comparator": target.comparator,
        "target": target.target,
        "amber_margin": target.amber_margin,
        "owner_team": target.owner_team,
    }


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def kpi_board(
    url: str, version: DataVersion, token: tuple[int, int], week: str
) -> tuple[list[dict[str, Any]], pd.DataFrame]:
    """Tiles and 12-week trend points as of now (the arguments besides `url` only key the cache)."""
    now = utcnow()
    with reading(engine_for(url)) as conn:
        tiles = [_tile_view(tile) for tile in kpi_tiles(conn, now)]
        points = pd.DataFrame(kpi_trends(conn, now), columns=["metric", "week", "value"])
    return tiles, points


def number_text(value: float | None, unit: Unit) -> str:
    """A KPI value as shown: per cent, hours or a whole count; a dash for none."""
    if value is None:
        return "–"
    if unit is Unit.SHARE:
        return f"{value:.1%}"
    if unit is Unit.HOURS:
        return f"{value:,.1f} h"
    if unit is Unit.MONEY:
        return f"{value:,.2f}"
    return f"{value:,.0f}"


NO_CHANGE = "no change"


def change_text(change: float | None, unit: Unit) -> str | None:
    """A week-over-week change as shown (percentage points for shares)."""
    if change is None:
        return None
    if unit is Unit.SHARE:
        text = f"{change * 100:+.1f} pp"
    elif unit is Unit.HOURS:
        text = f"{change:+,.1f} h"
    elif unit is Unit.MONEY:
        text = f"{change:+,.2f}"
    else:
        text = f"{change:+,.0f}"
    return text if any(digit in text for digit in "123456789") else NO_CHANGE


def _tile(column: Any, view: dict[str, Any]) -> None:
    kpi = KPI_BY_METRIC[view["metric"]]
    status = view["status"]
    target = f"{view['comparator']} {number_text(view['target'], kpi.unit)}"
    margin = number_text(view["amber_margin"], kpi.unit)
    delta = change_text(view["change"], kpi.unit)
    flat = delta == NO_CHANGE  # neither better nor worse: grey, without an arrow
    column.metric(
        f"{STATUS_MARK[status]} {kpi.label}",
        number_text(view["value"], kpi.unit),
        delta=delta,
        delta_color="off" if flat else "normal" if view["comparator"] == ">=" else "inverse",
        delta_arrow="off" if flat else "auto",
        help=f"Target {target}, amber within {margin}. {view['period']}; change week over week.",
        border=True,
    )
    column.caption(
        f"{STATUS_WORD[status]}{' in ' + view['period'] if status == Rag.NO_DATA else ''} · "
        f"target {target} · owner {view['owner_team'] or 'unassigned'}"
    )


def render_tiles(tiles: list[dict[str, Any]]) -> None:
    """One tile per KPI, TILES_PER_ROW to a row, in KPI order."""
    for offset in range(0, len(tiles), TILES_PER_ROW):
        row = tiles[offset : offset + TILES_PER_ROW]
        for column, view in zip(st.columns(TILES_PER_ROW), row, strict=False):
            _tile(column, view)


def trend_weeks(now: datetime) -> list[str]:
    """The ISO weeks of the trend charts: the last TREND_WEEKS complete ones and the current one."""
    last = day_of_week(latest_complete_week(now))
    return [week_label_from_monday_day(last - 7 * i) for i in range(TREND_WEEKS - 1, -1, -1)] + [
        week_label(now)
    ]


def render_trends(tiles: list[dict[str, Any]], points: pd.DataFrame, now: datetime) -> None:
    """A tab per KPI family, each with one small chart per KPI and its target line."""
    targets = {view["metric"]: view["target"] for view in tiles}
    weeks = trend_weeks(now)
    families = list(KpiFamily)
    for family, tab in zip(families, st.tabs([f.value for f in families]), strict=True):
        panels = [
            {
                "metric": k.metric,
                "label": k.label,
                "target": targets[k.metric],
                "share": k.unit is Unit.SHARE,
            }
            for k in KPIS
            if k.family is family
        ]
        with tab:
            st.plotly_chart(
                kpi_trend_figure(points, panels, weeks),
                config={"displaylogo": False},
                key=f"kpi-trend-{family.name.lower()}",
            )


def render_kpis(url: str, version: DataVersion) -> None:
    """The KPI section of the Overview."""
    st.subheader("KPIs")
    token = aggregates_token(url)
    if token is None:
        st.warning(NO_TABLES, icon=":material/database:")
        return
    if token == (0, 0):
        st.info(NOT_COMPUTED, icon=":material/calculate:")
        return
    now = utcnow()
    tiles, points = kpi_board(url, version, token, week_label(now))
    st.caption(
        f"Weekly KPIs: ISO week {latest_complete_week(now)}, the latest complete week (UTC). "
        "Snapshot KPIs: the latest snapshot kept. Changes are week over week."
    )
    render_tiles(tiles)
    st.subheader("12-week trends")
    st.caption("Dashed line: the target. Snapshot KPIs show the latest snapshot of each week.")
    render_trends(tiles, points, now)

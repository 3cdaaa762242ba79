"""The Inventory accuracy page's parts: cached reads, the trend, the heatmap, ABC classes, the counts.

Numbers come from metrics.accuracy_views (the metric rows, summed over the chosen locations);
a click on a trend point or a heatmap cell opens the cycle counts behind it (records_behind).
The heatmap is drawn as square scatter markers so a single click selects one cell.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from metrics import accuracy_views as av
from metrics.compute import reading
from ui.data import MAX_ENTRIES, TTL_SECONDS, engine_for
from ui.download import csv_download
from ui.filters import Filters
from ui.format import plot_label
from ui.queries import DataVersion

TREND_KEY = "accuracy.trend"
HEATMAP_KEY = "accuracy.heatmap"
IRA_COLOUR = "#1f77b4"  # a series colour, not a status
UNIT_COLOUR = "#9467bd"
TARGET_COLOUR = "grey"
COUNT_HEADINGS = {
    "location": "location",
    "counted_at": "counted at (UTC)",
    "sku": "SKU",
    "abc_class": "ABC class",
    "counted_qty": "counted (units)",
    "system_qty": "system (units)",
    "abs_diff": "difference (units)",
    "accurate": "within tolerance",
    "counted_by": "counted by",
    "count_id": "count",
}


@dataclass(frozen=True)
class AccuracyView:
    """Everything the page draws for one set of filters."""

    weeks: tuple[av.AccuracyWeek, ...]
    cells: tuple[av.AccuracyCell, ...]
    classes: tuple[av.ClassAccuracy, ...]
    drifting: tuple[Any, ...]
    drift_week: str | None
    ira_target: float
    unit_target: float


@dataclass(frozen=True)
class Pick:
    """What a click chose: weeks and locations (empty: every chosen location) and its words."""

    weeks: tuple[str, ...]
    locations: tuple[str, ...]
    words: str


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def accuracy_view(
    url: str, version: DataVersion, token: object, as_of: datetime, filters: Filters
) -> AccuracyView:
    """The page's numbers for the filters (`version`, `token` key the cache)."""
    weeks = av.weeks_between(filters.start, filters.end)
    classes = tuple(
        getattr(filters, "abc_classes", ())
    )  # the sidebar's ABC filter, when it has one
    with reading(engine_for(url)) as conn:
        rows = av.accuracy_rows(conn, as_of)
        trend = av.trend(rows, weeks, filters.locations)
        drift_week = trend[-1].week if trend else None
        drifting = av.drifting(conn, drift_week, filters.locations) if drift_week else []
        ira_target, unit_target = av.targets(conn)
    return AccuracyView(
        tuple(trend),
        tuple(av.location_cells(rows, weeks, filters.locations)),
        tuple(av.by_abc_class(rows, weeks, classes)),
        tuple(drifting),
        drift_week,
        ira_target,
        unit_target,
    )


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def counts_table(
    url: str, version: DataVersion, token: object, as_of: datetime, pick: Pick
) -> pd.DataFrame:
    """The cycle counts behind a pick, headed in plain words."""
    table = av.counts_behind(engine_for(url), as_of, pick.weeks, pick.locations)
    table = table.assign(
        counted_at=pd.to_datetime(table["counted_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M"),
        accurate=table["accurate"].map(lambda v: "yes" if int(v) else "no"),
        abc_class=table["abc_class"].fillna("none"),
    )
    return table.rename(columns=COUNT_HEADINGS)


def _percent(value: float | None) -> str:
    return "no value" if value is None else f"{100 * value:.1f} %"


def trend_figure(view: AccuracyView) -> go.Figure:
    """IRA and unit accuracy per ISO week in per cent, each target a dashed line."""
    weeks = [w.week for w in view.weeks]
    figure = go.Figure()
    for name, values, colour, target in (
        ("Inventory record accuracy", [w.ira for w in view.weeks], IRA_COLOUR, view.ira_target),
        ("Unit accuracy", [w.unit_accuracy for w in view.weeks], UNIT_COLOUR, view.unit_target),
    ):
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=[None if v is None else 100 * v for v in values],
                mode="lines+markers",
                name=name,
                line={"color": colour},
                marker={"size": 10},
                customdata=[[w.week, w.accurate, w.counts] for w in view.weeks],
                hovertemplate=(
                    f"{name} in week %{{customdata[0]}}: %{{y:.1f}} %<br>"
                    "%{customdata[1]} of %{customdata[2]} counts within tolerance"
                    "<br>Click to see the counts<extra></extra>"
                ),
            )
        )
        figure.add_hline(
            y=100 * target,
            line_dash="dash",
            line_color=colour,
            annotation_text=f"{name} target {100 * target:.0f} %",
            annotation_position="bottom right",
        )
    figure.update_layout(
        height=360,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.25},
        xaxis={"type": "category", "title": {"text": "ISO week (UTC)"}},
        yaxis={"title": {"text": "accuracy (%)"}, "ticksuffix": " %"},
        clickmode="event+select",
    )
    return figure


def heatmap_figure(view: AccuracyView) -> go.Figure:
    """Location × week IRA as square markers coloured by accuracy in per cent (a sequential scale)."""
    cells = view.cells
    weeks = [w.week for w in view.weeks]
    locations = sorted({c.location for c in cells}, reverse=True)
    figure = go.Figure(
        go.Scatter(
            x=[c.week for c in cells],
            y=[plot_label(c.location) for c in cells],
            mode="markers",
            marker={
                "symbol": "square",
                "size": 26,
                "color": [None if c.ira is None else 100 * c.ira for c in cells],
                "colorscale": "Blues",
                "cmin": 50,
                "cmax": 100,
                "colorbar": {"title": {"text": "accuracy (%)"}, "ticksuffix": " %"},
            },
            customdata=[[c.location, c.week, c.accurate, c.counts] for c in cells],
            hovertemplate=(
                "%{y}, week %{x}: %{marker.color:.1f} % accurate<br>"
                "%{customdata[2]} of %{customdata[3]} counts within tolerance"
                "<br>Click to see the counts<extra></extra>"
            ),
            showlegend=False,
        )
    )
    figure.update_layout(
        height=max(260, 40 * len(locations) + 120),
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "categoryorder": "array", "categoryarray": weeks,
               "title": {"text": "ISO week (UTC)"}},
        yaxis={"type": "category", "categoryorder": "array",
               "categoryarray": [plot_label(x) for x in locations], "title": {"text": "location"}},
        clickmode="event+select",
    )  # fmt: skip
    return figure


def class_figure(view: AccuracyView) -> go.Figure:
    """IRA per ABC class as bars in per cent, the IRA target dashed."""
    names = [f"class {c.abc_class}" if c.abc_class else "no class" for c in view.classes]
    figure = go.Figure(
        go.Bar(
            x=names,
            y=[None if c.ira is None else 100 * c.ira for c in view.classes],
            marker={"color": IRA_COLOUR},
            customdata=[[c.accurate, c.counts] for c in view.classes],
            hovertemplate="%{x}: %{y:.1f} % accurate<br>%{customdata[0]} of %{customdata[1]} "
            "counts within tolerance<extra></extra>",
        )
    )
    figure.add_hline(y=100 * view.ira_target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"target {100 * view.ira_target:.0f} %")  # fmt: skip
    figure.update_layout(
        height=300,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"type": "category", "title": {"text": "ABC class"}},
        yaxis={"title": {"text": "inventory record accuracy (%)"}, "ticksuffix": " %"},
    )
    return figure


def pick_from(state: Mapping[str, Any] | None, filters: Filters, kind: str) -> Pick | None:
    """The cell or point a selection state chose (None when nothing is selected)."""
    points = ((state or {}).get("selection") or {}).get("points") or []
    if not points:
        return None
    data = points[0].get("customdata") or []
    if kind == "heatmap" and len(data) >= 2:
        location, week = str(data[0]), str(data[1])
        return Pick((week,), (location,), f"{location} in week {week}")
    week = str(data[0]) if data else str(points[0].get("x"))
    where = ", ".join(filters.locations) if filters.locations else "every location"
    return Pick((week,), tuple(filters.locations), f"{where} in week {week}")


def trend_table(view: AccuracyView) -> pd.DataFrame:
    """The trend as a table, values in per cent."""
    return pd.DataFrame(
        [
            {
                "ISO week": w.week,
                "counts": w.counts,
                "within tolerance": w.accurate,
                "inventory record accuracy (%)": None if w.ira is None else round(100 * w.ira, 1),
                "unit accuracy (%)": None
                if w.unit_accuracy is None
                else round(100 * w.unit_accuracy, 1),
            }
            for w in view.weeks
        ]
    )


def drift_sentences(view: AccuracyView) -> list[str]:
    """Each drifting location in plain words."""
    return [
        f"{d.location}: {_percent(d.recent)} over the 4 weeks to {view.drift_week} "
        f"({d.recent_counts} counts), down from {_percent(d.earlier)} over the 4 weeks before "
        f"({d.earlier_counts} counts), {100 * d.drop:.1f} points lower."
        for d in view.drifting
    ]


def render_counts(table: pd.DataFrame, pick: Pick) -> None:
    """The counts behind a pick, with their downloads."""
    st.subheader(f"Counts behind {pick.words}")
    st.caption(
        "Each cycle count of that location and week: the units counted, what the system held, "
        "and whether the difference was within the tolerance of the item's ABC class."
    )
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Counts CSV", file_name="counts-behind.csv", key="dl.accuracy.counts")


def render_drift(view: AccuracyView) -> None:
    """Locations drifting down, in plain words."""
    st.subheader("Locations drifting down")
    if view.drift_week is None:
        st.info("No cycle counts in the chosen dates.")
        return
    sentences = drift_sentences(view)
    if not sentences:
        st.success(
            f"No location's accuracy fell over the 4 weeks to {view.drift_week} against the "
            "4 weeks before (read from the pre-computed aggregates)."
        )
        return
    st.markdown("\n".join(f"- {s}" for s in sentences))


def selected(state: object) -> Mapping[str, Any] | None:
    """The selection state of a chart as a mapping (None when absent)."""
    return state if isinstance(state, Mapping) else None


def render_classes(view: AccuracyView, filters: Filters) -> None:
    """IRA by ABC class."""
    st.subheader("By ABC class")
    note = "Over every location: the aggregates hold ABC class and location apart."
    st.caption(note if filters.locations else "Over every location and the chosen weeks.")
    if not view.classes:
        st.info("No cycle counts in the chosen dates.")
        return
    st.plotly_chart(class_figure(view), config={"displaylogo": False}, key="accuracy.classes")


def weeks_shown(view: AccuracyView) -> Sequence[str]:
    """The weeks with counts, oldest first."""
    return [w.week for w in view.weeks]

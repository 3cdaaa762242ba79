"""Plotly figures of already-aggregated tables (the figure JSON carries the data, so aggregate first)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.format import plot_label


def orders_per_week_figure(table: pd.DataFrame) -> go.Figure:
    """Stacked bars of orders placed per ISO week, one colour per channel."""
    shown = table.assign(channel=table["channel"].map(plot_label))
    figure = px.bar(
        shown,
        x="week",
        y="orders",
        color="channel",
        labels={"week": "ISO week (UTC)", "orders": "orders placed", "channel": "channel"},
    )
    figure.update_layout(
        barmode="stack",
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        legend={"orientation": "h", "y": -0.2},
        xaxis={"type": "category"},
    )
    return figure


def kpi_trend_figure(
    points: pd.DataFrame, panels: list[dict[str, object]], weeks: list[str]
) -> go.Figure:
    """One small line chart per KPI of a family over the given ISO weeks, its target dashed.

    `points` holds metric, week, value; each panel names a metric, label, target and whether the
    value is a share (shown in per cent).
    """
    figure = make_subplots(
        rows=1,
        cols=len(panels),
        subplot_titles=[plot_label(str(p["label"])) for p in panels],
        horizontal_spacing=0.08,
    )
    for column, panel in enumerate(panels, start=1):
        shown = points[points["metric"] == panel["metric"]].sort_values("week")
        figure.add_trace(
            go.Scatter(
                x=shown["week"],
                y=shown["value"],
                mode="lines+markers",
                name=plot_label(str(panel["label"])),
                showlegend=False,
            ),
            row=1,
            col=column,
        )
        figure.add_hline(
            y=float(panel["target"]),  # type: ignore[arg-type]
            line_dash="dash",
            line_color="grey",
            row=1,
            col=column,
        )
        figure.update_xaxes(type="category", categoryorder="array", categoryarray=weeks, row=1, col=column)  # fmt: skip
        if panel.get("share"):
            figure.update_yaxes(tickformat=".1%", row=1, col=column)
    figure.update_layout(height=260, margin={"l": 10, "r": 10, "t": 30, "b": 10})
    return figure

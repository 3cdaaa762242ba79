"""Plotly figures of already-aggregated tables (the figure JSON carries the data, so aggregate first)."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import plotly.graph_objects as go

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

"""The Orders and fulfilment page's charts: a trend per rate with its KPI target, and the rates per
channel as grouped bars (one fixed colour per channel)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import plotly.graph_objects as go

from metrics import orders_views as ov
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR, channel_colours

CHANNEL_KEY = "orders.channels"  # the widget key of the channel bars
# One neutral series colour for every rate's trend (each has its own chart; a rate over the
# chosen channels is neither a channel nor a status).
RATE_COLOUR = SERIES_COLOURS[0]

if TYPE_CHECKING:
    from ui.orders_views import OrdersView

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


def trend_key(name: str) -> str:
    """The widget key of a rate's trend chart."""
    return f"orders.trend.{name}"


def trend_figure(view: OrdersView, name: str) -> go.Figure:
    """One rate per ISO week in per cent, its KPI target (when it has one) a dashed line."""
    weeks = view.trend[name]
    label, (num_words, n_words) = NAMES[name], COUNTS[name]
    figure = go.Figure(
        go.Scatter(
            x=[w.week for w in weeks],
            y=[None if w.value is None else 100 * w.value for w in weeks],
            mode="lines+markers",
            name=label,
            line={"color": RATE_COLOUR},
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

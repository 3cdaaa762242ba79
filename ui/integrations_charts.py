"""The Integrations page's figures: the failure rate per integration and week, the rate per
integration, failures per error type and quarantined rows per week.

Integration names and error types in plain words (never their snake_case ids), per-cent axes, the
KPI target dashed, series colours from ui.palette (none of them a status colour).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import plotly.graph_objects as go

from governance.labels import words
from metrics import integrations_views as iv
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR

FAILURE_COLOUR = SERIES_COLOURS[1]
QUARANTINE_COLOUR = SERIES_COLOURS[3]
NO_TYPE = "No error type given"
DASHES = ("solid", "dot", "dashdot", "longdash")  # after five integrations the colours repeat
# Integration names are free text; these parts read as the acronyms they are.
ACRONYMS = {"wms": "WMS", "pos": "POS", "erp": "ERP", "api": "API", "edi": "EDI", "3pl": "3PL",
            "oms": "OMS", "sftp": "SFTP", "csv": "CSV", "ftp": "FTP"}  # fmt: skip


def name_words(name: str | None) -> str:
    """An integration name or an error type in plain words: `wms_order_export` -> "WMS order
    export", `unmapped_sku` -> "Unmapped SKU"."""
    text = words(name)
    parts = [ACRONYMS.get(p.lower(), p) for p in text.split(" ")]
    joined = " ".join(parts)
    return joined[:1].upper() + joined[1:]


def type_words(error_type: str | None) -> str:
    """An error type in plain words (None: no type given)."""
    return NO_TYPE if error_type is None else name_words(error_type)


def _layout(figure: go.Figure, height: int, x_title: str, y_title: str, **axes: Any) -> None:
    figure.update_layout(
        height=height,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"title": {"text": x_title}, **axes.get("xaxis", {})},
        yaxis={"title": {"text": y_title}, **axes.get("yaxis", {})},
        clickmode="event+select",
        showlegend=axes.get("legend", False),
        legend={"orientation": "h", "y": -0.3},
    )


def _target(figure: go.Figure, target: float) -> None:
    figure.add_hline(y=100 * target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"target at most {100 * target:.1f} %",
                     annotation_position="top right")  # fmt: skip


def trend_figure(points: Sequence[iv.RatePoint], weeks: Sequence[str], target: float) -> go.Figure:
    """The failure rate per ISO week in per cent, a line per integration, the KPI target dashed."""
    names = sorted({p.integration or "" for p in points})
    figure = go.Figure()
    for i, name in enumerate(names):
        mine = [p for p in points if (p.integration or "") == name]
        label = plot_label(name_words(name))
        figure.add_trace(
            go.Scatter(
                x=[p.week for p in mine],
                y=[None if p.rate is None else 100 * p.rate for p in mine],
                mode="lines+markers",
                name=label,
                line={"color": SERIES_COLOURS[i % len(SERIES_COLOURS)],
                      "dash": DASHES[(i // len(SERIES_COLOURS)) % len(DASHES)]},
                marker={"size": 9},
                customdata=[[name, p.week, p.failed, p.events] for p in mine],
                hovertemplate=(
                    f"{label}, week %{{customdata[1]}}: %{{y:.1f}} % of events failed<br>"
                    "%{customdata[2]:,} of %{customdata[3]:,} events"
                    "<br>Click to see the failed events<extra></extra>"
                ),
            )
        )  # fmt: skip
    _target(figure, target)
    _layout(figure, 380, "ISO week (UTC)", "share of events failed (%)",
            xaxis={"type": "category", "categoryorder": "array", "categoryarray": list(weeks)},
            yaxis={"ticksuffix": " %", "rangemode": "tozero"}, legend=True)  # fmt: skip
    return figure


def integration_figure(points: Sequence[iv.RatePoint], target: float) -> go.Figure:
    """The failure rate per integration over the chosen weeks, the KPI target dashed."""
    figure = go.Figure(
        go.Bar(
            x=[plot_label(name_words(p.integration)) for p in points],
            y=[None if p.rate is None else 100 * p.rate for p in points],
            marker={"color": SERIES_COLOURS[0]},
            customdata=[[p.integration or "", p.failed, p.events] for p in points],
            hovertemplate="%{x}: %{y:.1f} % of events failed<br>%{customdata[1]:,} of "
            "%{customdata[2]:,} events<br>Click to see the failed events<extra></extra>",
        )
    )
    _target(figure, target)
    _layout(figure, 300, "integration", "share of events failed (%)",
            xaxis={"type": "category"}, yaxis={"ticksuffix": " %", "rangemode": "tozero"})  # fmt: skip
    return figure


def types_figure(totals: Mapping[str | None, int]) -> go.Figure:
    """Failed events per error type over the chosen weeks, horizontal bars, most at the top."""
    types = list(reversed(list(totals)))
    figure = go.Figure(
        go.Bar(
            y=[plot_label(type_words(t)) for t in types],
            x=[totals[t] for t in types],
            orientation="h",
            marker={"color": FAILURE_COLOUR},
            customdata=[[t or "", 0 if t is None else 1] for t in types],
            hovertemplate="%{y}: %{x:,} failed events<br>Click to see them<extra></extra>",
        )
    )
    _layout(figure, max(220, 40 * len(types) + 100), "failed events (count)", "error type",
            xaxis={"rangemode": "tozero", "tickformat": ",d"})  # fmt: skip
    return figure


def quarantine_figure(weeks: Sequence[iv.QuarantineWeek], all_weeks: Sequence[str]) -> go.Figure:
    """Rows quarantined per ISO week of the import, as bars."""
    figure = go.Figure(
        go.Bar(
            x=[w.week for w in weeks],
            y=[w.rows for w in weeks],
            marker={"color": QUARANTINE_COLOUR},
            customdata=[[w.week] for w in weeks],
            hovertemplate="Week %{x}: %{y:,} rows quarantined<br>Click to see them<extra></extra>",
        )
    )
    _layout(figure, 280, "ISO week (UTC)", "rows quarantined (count)",
            xaxis={"type": "category", "categoryorder": "array", "categoryarray": list(all_weeks)},
            yaxis={"rangemode": "tozero", "tickformat": ",d"})  # fmt: skip
    return figure

"""The Item master page's figures: the quality trend, failures by check, categories, coverage.

Plain names for the checks (never their ids), per-cent axes, the KPI target dashed, series
colours from ui.palette (none of them a status colour).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

from metrics import items_views as iv
from metrics.sku_checks import Check
from ui.format import plot_label
from ui.palette import SERIES_COLOURS, TARGET_COLOUR

RATE_COLOUR = SERIES_COLOURS[0]  # a series colour, not a status
FAILURE_COLOUR = SERIES_COLOURS[1]
COVERAGE_PARTS = (  # (field of MappingCoverage, legend words, colour)
    ("through_mapping", "through a mapping", SERIES_COLOURS[0]),
    ("same_sku", "is an item's SKU itself", SERIES_COLOURS[2]),
    ("unresolved", "resolves to no SKU", SERIES_COLOURS[4]),
)
FAILURE_NAMES: dict[Check, str] = {
    Check.APPROVED: "Active but not approved",
    Check.NAMING_CONVENTION: "Breaks the SKU naming rule",
    Check.REQUIRED_ATTRIBUTES: "Missing required fields",
    Check.UNIQUE_BARCODE: "Barcode shared with another item",
    Check.VALID_BARCODE: "Invalid barcode",
}
NO_CATEGORY = "no category"
COVERAGE_AXIS = {"range": [0, 100], "tickvals": list(range(0, 101, 20)),
                 "ticktext": [f"{v} %" for v in range(0, 101, 20)]}  # fmt: skip


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


def trend_figure(weeks: Sequence[iv.QualityWeek], target: float) -> go.Figure:
    """The SKU quality rate per ISO week created in per cent, the KPI target dashed."""
    figure = go.Figure(
        go.Scatter(
            x=[w.week for w in weeks],
            y=[None if w.rate is None else 100 * w.rate for w in weeks],
            mode="lines+markers",
            name="SKU quality rate",
            line={"color": RATE_COLOUR},
            marker={"size": 10},
            customdata=[[w.week, w.passing, w.items] for w in weeks],
            hovertemplate=(
                "Week %{customdata[0]}: %{y:.1f} % of new items pass every check<br>"
                "%{customdata[1]} of %{customdata[2]} items created"
                "<br>Click to see the failing items<extra></extra>"
            ),
        )
    )
    figure.add_hline(y=100 * target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"target {100 * target:.0f} %",
                     annotation_position="bottom right")  # fmt: skip
    _layout(figure, 340, "ISO week created (UTC)", "items passing every check (%)",
            xaxis={"type": "category"}, yaxis={"ticksuffix": " %", "rangemode": "tozero"})  # fmt: skip
    return figure


def checks_figure(counts: Sequence[iv.CheckCount]) -> go.Figure:
    """Items failing each check, as horizontal bars named in plain words."""
    checks = list(reversed(counts))
    figure = go.Figure(
        go.Bar(
            y=[FAILURE_NAMES[c.check] for c in checks],
            x=[c.failing for c in checks],
            orientation="h",
            marker={"color": FAILURE_COLOUR},
            customdata=[[c.check.value, c.items] for c in checks],
            hovertemplate="%{y}: %{x:,} of %{customdata[1]:,} items created"
            "<br>Click to see them<extra></extra>",
        )
    )
    _layout(figure, 280, "items failing (count)", "check", xaxis={"rangemode": "tozero"})
    return figure


def category_figure(categories: Sequence[iv.CategoryRate], target: float) -> go.Figure:
    """The quality rate per category over the chosen weeks, the KPI target dashed."""
    names = [plot_label(c.category) if c.category else NO_CATEGORY for c in categories]
    figure = go.Figure(
        go.Bar(
            x=names,
            y=[None if c.rate is None else 100 * c.rate for c in categories],
            marker={"color": RATE_COLOUR},
            customdata=[[c.category or "", c.passing, c.items] for c in categories],
            hovertemplate="%{x}: %{y:.1f} % pass every check<br>%{customdata[1]} of "
            "%{customdata[2]} items created<br>Click to see the failing items<extra></extra>",
        )
    )
    figure.add_hline(y=100 * target, line_dash="dash", line_color=TARGET_COLOUR,
                     annotation_text=f"target {100 * target:.0f} %")  # fmt: skip
    _layout(figure, 300, "category", "items passing every check (%)",
            xaxis={"type": "category"}, yaxis={"ticksuffix": " %", "rangemode": "tozero"})  # fmt: skip
    return figure


def coverage_figure(coverage: Sequence[iv.MappingCoverage]) -> go.Figure:
    """Per system, its stock system SKUs by how they resolve, stacked in per cent of those seen."""
    systems = [c for c in coverage if c.seen]
    figure = go.Figure()
    for field, words, colour in COVERAGE_PARTS:
        counts = [getattr(c, field) for c in systems]
        figure.add_trace(
            go.Bar(
                y=[plot_label(c.system) for c in systems],
                x=[100 * n / c.seen for n, c in zip(counts, systems, strict=True)],
                orientation="h",
                name=words,
                marker={"color": colour},
                customdata=[[c.system, n, c.seen] for n, c in zip(counts, systems, strict=True)],
                hovertemplate=f"%{{y}}: %{{customdata[1]:,}} of %{{customdata[2]:,}} system SKUs "
                f"{words} (%{{x:.1f}} %)<br>Click to see the unresolved ones<extra></extra>",
            )
        )
    figure.update_layout(barmode="stack", legend_traceorder="normal")
    _layout(figure, max(220, 50 * len(systems) + 120), "share of the system's SKUs seen (%)",
            "system", xaxis=COVERAGE_AXIS,
            legend=True)  # fmt: skip
    return figure

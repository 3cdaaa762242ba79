"""Small inline SVG charts for printed reports: a sparkline with an optional target line, a bar."""

from __future__ import annotations

from collections.abc import Sequence

INK, TARGET_INK, BAR_INK, TRACK_INK = "#1f4e79", "#9e9e9e", "#c62828", "#eeeeee"


def _scale(lo: float, hi: float, height: float, pad: float) -> tuple[float, float]:
    span = hi - lo or 1.0
    return lo, (height - 2 * pad) / span


def sparkline(
    values: Sequence[float | None],
    *,
    width: float = 90,
    height: float = 18,
    target: float | None = None,
    label: str = "trend",
) -> str:
    """A line through the values (gaps where None), the target dashed; empty box without values."""
    known = [v for v in values if v is not None]
    box = f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" aria-label="{label}">'
    if not known:
        return box + "</svg>"
    pad = 2.0
    lo, per = _scale(min([*known, *([target] if target is not None else [])]),
                     max([*known, *([target] if target is not None else [])]), height, pad)  # fmt: skip
    step = (width - 2 * pad) / max(1, len(values) - 1)

    def y(v: float) -> float:
        return height - pad - (v - lo) * per

    parts = [box]
    if target is not None:
        parts.append(
            f'<line x1="0" x2="{width}" y1="{y(target):.1f}" y2="{y(target):.1f}" stroke="{TARGET_INK}" stroke-width="0.7" stroke-dasharray="2,1.5"/>'
        )
    segment: list[str] = []
    for i, v in enumerate([*values, None]):
        if v is None:
            if len(segment) > 1:
                parts.append(
                    f'<polyline fill="none" stroke="{INK}" stroke-width="1.1" points="{" ".join(segment)}"/>'
                )
            segment = []
            continue
        segment.append(f"{pad + i * step:.1f},{y(v):.1f}")
    last = max(i for i, v in enumerate(values) if v is not None)
    parts.append(
        f'<circle cx="{pad + last * step:.1f}" cy="{y(values[last]):.1f}" r="1.5" fill="{INK}"/>'
    )  # type: ignore[arg-type]
    return "".join(parts) + "</svg>"


def bar(
    value: float, largest: float, *, part: float = 0, width: float = 80, height: float = 8
) -> str:
    """A horizontal bar of value / largest on a light track, its first `part` in red."""

    def size(amount: float) -> float:
        return 0.0 if largest <= 0 else width * max(0.0, min(1.0, amount / largest))

    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f'<rect width="{width}" height="{height}" fill="{TRACK_INK}"/>'
        f'<rect width="{size(value):.1f}" height="{height}" fill="{INK}"/>'
        f'<rect width="{size(part):.1f}" height="{height}" fill="{BAR_INK}"/></svg>'
    )

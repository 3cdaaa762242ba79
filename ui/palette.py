"""Chart colours that mean something, shared by every page: status colours for status only,
one fixed colour per channel, neutral series colours for the rest."""

from __future__ import annotations

from collections.abc import Iterable
from zlib import crc32

from metrics.kpis import Rag

# Status colours (the Overview's bands and the founder page use the same hues).
STATUS_COLOURS: dict[Rag, str] = {
    Rag.GREEN: "#1a7f37",
    Rag.AMBER: "#f0a202",
    Rag.RED: "#c62828",
    Rag.NO_DATA: "#bdbdbd",
}
TARGET_COLOUR = "#616161"  # the dashed target line or band edge
# SPEC's four channels keep their colour on every page; none of them is a status hue.
CHANNEL_COLOURS: dict[str, str] = {
    "shopify": "#5e8e3e",
    "amazon": "#ff9900",
    "pos": "#1f77b4",
    "wholesale": "#8c564b",
}
# Other channels (SPEC allows them) draw from this list by a stable hash of their name.
EXTRA_CHANNEL_COLOURS: tuple[str, ...] = ("#9467bd", "#17becf", "#e377c2", "#7f7f7f", "#bcbd22")
SERIES_COLOURS: tuple[str, ...] = ("#1f77b4", "#9467bd", "#17becf", "#8c564b", "#7f7f7f")


def channel_colour(channel: str) -> str:
    """The colour of one channel, the same on every page and every run."""
    known = CHANNEL_COLOURS.get(channel.strip().lower())
    if known is not None:
        return known
    return EXTRA_CHANNEL_COLOURS[crc32(channel.encode()) % len(EXTRA_CHANNEL_COLOURS)]


def channel_colours(channels: Iterable[str]) -> dict[str, str]:
    """A plotly `color_discrete_map` for the channels named (keys as given)."""
    return {channel: channel_colour(channel) for channel in channels}

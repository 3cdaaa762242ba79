"""Commands about metrics: metrics [--json] [--as-of] (filled by the metrics work)."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""

"""Commands about people: users add / disable / role / team / password (filled by the accounts work)."""

from __future__ import annotations

from typing import Any


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""

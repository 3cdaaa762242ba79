"""What governance does after an import commits (implemented by the exceptions work)."""

from __future__ import annotations

from sqlalchemy import Engine


def after_import(engine: Engine, *, run_id: int | None, actor: str | None) -> None:
    """Run exception detection after a committed import."""
    return None

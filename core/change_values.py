"""Row values as JSON for the import change log, and back to what a column binds."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric, Table

from core.timeutil import UTCEpoch, from_epoch, to_epoch


def plain(value: Any) -> Any:
    """A value JSON can hold: a time as epoch seconds (what its column stores), a decimal as text."""
    if isinstance(value, datetime):
        return to_epoch(value)
    if isinstance(value, Decimal):
        return str(value)
    return value


def plain_row(row: Mapping[str, Any], columns: Iterable[str] | None = None) -> dict[str, Any]:
    """The given columns of a row (all when None) as JSON-ready values."""
    names = row.keys() if columns is None else columns
    return {name: plain(row.get(name)) for name in names}


_KEY_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)  # built once: fast


def key_text(key: Iterable[Any]) -> str:
    """A natural key as the JSON list the change log is searched by (one spelling per key)."""
    return _KEY_ENCODER.encode([plain(part) for part in key])


def key_values(table: Table, key_columns: tuple[str, ...], text: str) -> dict[str, Any]:
    """A stored key back as bindable values by column name."""
    return typed(table, dict(zip(key_columns, json.loads(text), strict=True)))


def typed(table: Table, values: Mapping[str, Any]) -> dict[str, Any]:
    """Stored JSON values back as the Python values their columns hold (times, decimals)."""
    out: dict[str, Any] = {}
    for name, value in values.items():
        column_type = table.c[name].type
        if value is not None and isinstance(column_type, UTCEpoch):
            value = from_epoch(value)
        elif value is not None and isinstance(column_type, Numeric) and column_type.asdecimal:
            value = Decimal(value)
        out[name] = value
    return out

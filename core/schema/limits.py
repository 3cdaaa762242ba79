"""What a value must be for both databases to hold it, declared once per column type.

Each column type of the models has one limit, the stricter of SQLite's and PostgreSQL's: an
INTEGER holds PostgreSQL's 32-bit range (SQLite would take 64 bits), a BIGINT 64 bits, a
timestamp (epoch seconds) the supported years, a VARCHAR(n) n characters, any text no NUL
character (PostgreSQL refuses it, SQLite would keep it), a NUMERIC(p, s) p − s whole digits and
s decimals. `problem(column, value)` says why a value does not fit, naming the column and the
limit, so an import can quarantine the row before any write, identically on both databases.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, Column, Date, Float, Integer, Numeric, String
from sqlalchemy.types import TypeEngine

from core.timeutil import FIRST_YEAR, LAST_YEAR, UTCEpoch

# FIRST_YEAR, LAST_YEAR: weeks are computed from non-negative epoch seconds (metrics.sql.monday_day),
# and due dates and windows add days to stored times: the supported years leave room on both sides.
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=UTC)
LATEST = datetime(LAST_YEAR, 12, 31, 23, 59, 59, tzinfo=UTC)
INT32 = (-(2**31), 2**31 - 1)
INT64 = (-(2**63), 2**63 - 1)
NUL = "\x00"
NUL_SHOWN = "\u2400"  # ␀, how a NUL character is shown in kept raw text


@dataclass(frozen=True)
class Limit:
    """What one column type holds: a one-line description and a check returning the reason or None."""

    describes: str
    check: Callable[[str, Any], str | None]


def _integer(low: int, high: int, kind: str) -> Limit:
    article = "an" if kind[0] in "AEIOU" else "a"

    def check(name: str, value: Any) -> str | None:
        if isinstance(value, int) and not low <= value <= high:
            return f"{name} {value} is outside what {article} {kind} column holds ({low:,} to {high:,})"
        return None

    return Limit(f"{kind}, {low:,} to {high:,}", check)


def _timestamp() -> Limit:
    def check(name: str, value: Any) -> str | None:
        if isinstance(value, datetime) and not EARLIEST <= value <= LATEST:
            return f"{name} {value.isoformat()} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
        return None

    return Limit(f"timestamp, years {FIRST_YEAR}–{LAST_YEAR} (UTC)", check)


def _text(length: int | None) -> Limit:
    def check(name: str, value: Any) -> str | None:
        if not isinstance(value, str):
            return None
        if NUL in value:
            return f"{name} contains a NUL character (byte 0), which text columns cannot hold"
        if length is not None and len(value) > length:
            return f"{name} is longer than {length} characters ({len(value):,})"
        return None

    return Limit(
        f"text of at most {length} characters, no NUL" if length else "text, no NUL", check
    )


def _decimal(precision: int, scale: int) -> Limit:
    whole = precision - scale

    def check(name: str, value: Any) -> str | None:
        if not isinstance(value, Decimal):
            return None
        if abs(value) >= Decimal(10) ** whole:
            return f"{name} {value} has more than {whole} digits before the decimal point"
        if value != value.quantize(Decimal(1).scaleb(-scale)):
            return f"{name} {value} has more than {scale} decimal places"
        return None

    return Limit(f"decimal, {whole} digits and {scale} decimals", check)


def _json() -> Limit:
    def check(name: str, value: Any) -> str | None:
        if not isinstance(value, Mapping):
            return None
        for key, item in value.items():
            if NUL in str(key) or NUL in str(item):
                return f"{name} {str(key)!r} contains a NUL character (byte 0)"
        return None

    return Limit("JSON of texts, no NUL", check)


def _float() -> Limit:
    def check(name: str, value: Any) -> str | None:
        if isinstance(value, float) and not math.isfinite(value):
            return f"{name} {value} is not a finite number"
        return None

    return Limit("finite floating-point number", check)


def _date() -> Limit:
    def check(name: str, value: Any) -> str | None:
        if isinstance(value, date) and not FIRST_YEAR <= value.year <= LAST_YEAR:
            return f"{name} {value.isoformat()} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}"
        return None

    return Limit(f"date, years {FIRST_YEAR}–{LAST_YEAR}", check)


def limit_of(type_: TypeEngine[Any]) -> Limit:
    """The limit of a column type (the first kind in the table it is an instance of)."""
    for kind, make in KINDS:
        if isinstance(type_, kind):
            return make(type_)
    raise TypeError(f"no limit declared for column type {type_!r}")


# The one table of column kinds: the order matters (a subclass before its base).
KINDS: tuple[tuple[type[TypeEngine[Any]], Callable[[Any], Limit]], ...] = (
    (UTCEpoch, lambda _t: _timestamp()),
    (BigInteger, lambda _t: _integer(*INT64, "BIGINT")),
    (Integer, lambda _t: _integer(*INT32, "INTEGER")),
    (Numeric, lambda t: _decimal(t.precision or 38, t.scale or 0)),
    (String, lambda t: _text(t.length)),
    (JSON, lambda _t: _json()),
    (Boolean, lambda _t: Limit("true or false", lambda _n, _v: None)),
    (Float, lambda _t: _float()),
    (Date, lambda _t: _date()),
)


_by_column: dict[tuple[str, str], Limit] = {}


def problem(column: Column[Any], value: Any) -> str | None:
    """Why `value` cannot be stored in `column` (naming the column and the limit), or None."""
    if value is None:
        return None
    key = (column.table.name, column.name)
    limit = _by_column.get(key)
    if limit is None:
        limit = _by_column[key] = limit_of(column.type)
    return limit.check(column.name, value)


def shown(text: str) -> str:
    """Text fit for any text column: a NUL character shown as ␀ (for raw file text kept as evidence)."""
    return text.replace(NUL, NUL_SHOWN)

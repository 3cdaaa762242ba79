"""SQL helpers that read the same on every engine: epoch arithmetic, ISO weeks, flags."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ColumnElement, and_, case, cast, func, literal, or_, type_coerce
from sqlalchemy.sql.elements import KeyedColumnElement

from core.engines import integer_division
from core.timeutil import MONDAY_SHIFT_DAYS, SECONDS_PER_DAY

Column = ColumnElement[Any]


def epoch(column: Column) -> ColumnElement[int]:
    """A UTCEpoch column as the plain integer of epoch seconds it is stored as."""
    return type_coerce(column, BigInteger)


def number(value: int) -> ColumnElement[int]:
    """An integer constant typed BIGINT (exact integer arithmetic on every engine)."""
    return literal(int(value), BigInteger)


def monday_day(column: Column) -> ColumnElement[int]:
    """Day number (since 1970-01-01) of the Monday starting the ISO week of an epoch column.

    floor(epoch / 86400) − ((floor(epoch / 86400) + 3) mod 7): the engine's integer division
    truncates, which is the floor for the non-negative epochs stored.
    """
    days = integer_division(epoch(column), number(SECONDS_PER_DAY))
    return days - (days + number(MONDAY_SHIFT_DAYS)) % number(7)


def happened(column: Column, at: int) -> ColumnElement[bool]:
    """The timestamp is set and at or before epoch second `at` (an event at `at` has happened)."""
    return and_(column.is_not(None), epoch(column) <= number(at))


def not_yet(column: Column, at: int) -> ColumnElement[bool]:
    """The timestamp is unset or after epoch second `at`."""
    return or_(column.is_(None), epoch(column) > number(at))


def flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """1 where the condition holds, else 0 (a summable part)."""
    return case((condition, number(1)), else_=number(0))


def integer_sum(column: KeyedColumnElement[Any] | Column) -> ColumnElement[int]:
    """SUM as BIGINT, 0 over no rows (PostgreSQL sums BIGINT as NUMERIC otherwise)."""
    return cast(func.coalesce(func.sum(column), number(0)), BigInteger)


def fraction(value: Decimal) -> tuple[int, int]:
    """A non-negative decimal setting as an integer ratio (num, den), e.g. 0.02 -> (1, 50)."""
    num, den = Decimal(value).as_integer_ratio()
    return int(num), int(den)


def by_key(column: Column, table: dict[str, int], default: int) -> ColumnElement[int]:
    """An integer chosen by a text column's value from a table, `default` for others and NULL."""
    if not table:
        return number(default)
    whens = {key: number(value) for key, value in table.items()}
    return case(whens, value=column, else_=number(default))


def text_by_key(column: Column, table: dict[str, str], default: str) -> ColumnElement[str]:
    """A text chosen by a text column's value from a table, `default` for others."""
    if not table:
        return literal(default)
    return case(table, value=column, else_=literal(default))


def within(column: Column, window: tuple[int, int] | None) -> list[ColumnElement[bool]]:
    """Conditions keeping an epoch column inside a window [start, end) (none without a window).

    The column is compared as stored, so an index on it serves the range.
    """
    if window is None:
        return []
    start, end = window
    return [epoch(column) >= number(start), epoch(column) < number(end)]

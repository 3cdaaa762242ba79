"""UTC time helpers: epoch-second storage, ISO 8601 parsing and ISO week labels."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Dialect
from sqlalchemy.types import TypeDecorator

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SECOND = timedelta(seconds=1)
SECONDS_PER_DAY = 86_400
# 1970-01-01 was a Thursday; adding 3 makes Monday the start of each 7-day block.
MONDAY_SHIFT_DAYS = 3
# The years invgov stores and computes (weeks assume non-negative epoch seconds; see
# core.schema.limits, which holds every other column limit).
FIRST_YEAR, LAST_YEAR = 1970, 2999
_WEEK_LABEL = re.compile(r"([0-9]{4})-W([0-9]{2})")


class TimeOutOfRange(ValueError):
    """A timestamp outside the supported years (or beyond what a datetime holds in UTC)."""


class UTCEpoch(TypeDecorator[datetime]):
    """An aware UTC datetime stored as integer epoch seconds, so SQL arithmetic is exact on every dialect."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: datetime | int | None, dialect: object) -> int | None:
        if value is None or isinstance(value, int):
            return value
        return to_epoch(value)

    def bind_processor(self, dialect: Dialect) -> Callable[[Any], int | None] | None:
        """process_bind_param without TypeDecorator's wrapper: bulk writes bind millions of these
        (BigInteger has no processor of its own on any supported dialect; kept if one had)."""
        inner = self.impl_instance.dialect_impl(dialect).bind_processor(dialect)
        if inner is not None:
            return super().bind_processor(dialect)

        def process(value: datetime | int | None) -> int | None:
            if value is None or isinstance(value, int):
                return value
            return to_epoch(value)

        return process

    def process_result_value(self, value: int | None, dialect: object) -> datetime | None:
        return None if value is None else from_epoch(value)


def utcnow() -> datetime:
    """Now, aware, in UTC, to the second."""
    return datetime.now(UTC).replace(microsecond=0)


def to_epoch(value: datetime) -> int:
    """Epoch seconds of a datetime (naive means UTC), sub-seconds dropped."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return (value - EPOCH) // _SECOND  # floor division of timedeltas: an int


def from_epoch(seconds: int) -> datetime:
    """Aware UTC datetime of epoch seconds."""
    return EPOCH + timedelta(seconds=int(seconds))


def parse_iso(text: str) -> datetime:
    """Parse ISO 8601 (date, datetime, `Z` or offset); no offset means UTC. Raises ValueError."""
    raw = text.strip()
    if not raw:
        raise ValueError("empty timestamp")
    if not raw.isascii():
        raise ValueError(f"not an ISO 8601 timestamp: {raw!r}")
    parsed = datetime.fromisoformat(raw)
    try:
        value = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except OverflowError:
        value = None
    if value is None or not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise TimeOutOfRange(f"{raw!r} is outside the supported years {FIRST_YEAR}–{LAST_YEAR}")
    return value


def iso_z(value: datetime) -> str:
    """A UTC timestamp written with `Z`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def week_monday_day(epoch_seconds: int) -> int:
    """Days since 1970-01-01 of the Monday starting the ISO week holding this instant."""
    days = epoch_seconds // SECONDS_PER_DAY
    return days - (days + MONDAY_SHIFT_DAYS) % 7


def week_label_from_monday_day(monday_day: int) -> str:
    """The `YYYY-Www` label of the ISO week starting on this day number."""
    monday = date(1970, 1, 1) + timedelta(days=int(monday_day))
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def week_label(value: datetime) -> str:
    """The `YYYY-Www` ISO week label of a timestamp (UTC)."""
    year, week, _ = value.astimezone(UTC).isocalendar()
    return f"{year}-W{week:02d}"


def week_start(label: str) -> datetime:
    """The Monday 00:00 UTC starting an ISO week label `YYYY-Www` (ValueError otherwise)."""
    match = _WEEK_LABEL.fullmatch(label.strip())
    if match is None or not FIRST_YEAR <= int(match[1]) <= LAST_YEAR:
        raise ValueError(f"not an ISO week label YYYY-Www in {FIRST_YEAR}–{LAST_YEAR}: {label!r}")
    return datetime.fromisocalendar(int(match[1]), int(match[2]), 1).replace(tzinfo=UTC)

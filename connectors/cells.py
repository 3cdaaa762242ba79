"""Cell conventions of source exports: identifiers kept as text, `not stocked`, local timestamps, snapshot times."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.errors import ConnectorError
from connectors.fields import YEARS, RowError, parse_int
from core.timeutil import iso_z, utcnow

NOT_STOCKED = "not stocked"
_SCIENTIFIC = re.compile(r"^[+-]?\d+(?:[.,]\d+)?[eE][+-]?\d+$")
_DATE_ORDERS = {
    True: ("%d/%m/%Y", "%d.%m.%Y", "%d-%m-%Y"),
    False: ("%m/%d/%Y", "%m.%d.%Y", "%m-%d-%Y"),
}
_CLOCKS = (" %H:%M:%S", " %H:%M", " %I:%M:%S %p", " %I:%M %p", "")
_OFFSET_FORMATS = ("%Y-%m-%d %H:%M:%S %z", "%Y-%m-%d %H:%M %z")


def identifier(raw: str, name: str) -> str:
    """An identifier as text: trimmed, one leading apostrophe removed; refuses spreadsheet damage."""
    value = raw.strip()
    if value.startswith("'"):
        value = value[1:].strip()
    if _SCIENTIFIC.match(value):
        raise RowError(
            f"{name} {value!r} was turned into a number by a spreadsheet (scientific notation); "
            f"the real {name} is lost: re-export from the source system or format the column as text"
        )
    return value


def is_not_stocked(raw: str) -> bool:
    """Whether a quantity cell says the item is not stocked at that location (unlike 0)."""
    return raw.strip().lower() == NOT_STOCKED


def optional_int(raw: str, name: str) -> int | None:
    """A whole number, or None for an empty cell; the reason names the column."""
    if not raw.strip():
        return None
    try:
        return parse_int(raw)
    except RowError as exc:
        raise RowError(f"{name}: {exc}") from None


def zone(name: str) -> ZoneInfo:
    """A configured IANA time zone; an unknown name is a configuration error."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConnectorError(f"unknown time zone {name!r}") from exc


@dataclass
class LocalTimes:
    """Parses source timestamps: explicit offsets kept, times without one read in a configured zone."""

    tz: ZoneInfo
    day_first: bool
    formats: tuple[str, ...] = ()
    used_local: bool = field(default=False, init=False)

    def parse(self, raw: str, name: str) -> datetime:
        """An aware UTC datetime; RowError naming the column when the cell is no known timestamp."""
        value = raw.strip()
        parsed = self._parse(value) if value.isascii() else None
        if parsed is None:
            order = "day first" if self.day_first else "month first"
            raise RowError(f"{name}: not a timestamp: {value!r} (dates read {order})")
        if parsed.tzinfo is None:
            self.used_local = True
            parsed = parsed.replace(tzinfo=self.tz)
        try:
            return parsed.astimezone(UTC)
        except OverflowError:  # a time near year 1 or 9999 whose offset leaves datetime's range
            raise RowError(f"{name}: {value!r} is outside the supported years {YEARS}") from None

    def optional(self, raw: str, name: str) -> datetime | None:
        """Like parse, but None for an empty cell."""
        return self.parse(raw, name) if raw.strip() else None

    def note(self) -> str | None:
        """What a person should know when times without offset were read in the configured zone."""
        if not self.used_local:
            return None
        order = "day first" if self.day_first else "month first"
        return f"timestamps without offset read in time zone {self.tz.key} (dates {order})"

    def _parse(self, value: str) -> datetime | None:
        for fmt in self.formats:
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            pass
        for fmt in (*_OFFSET_FORMATS, *self._spreadsheet_formats()):
            try:
                return datetime.strptime(value, fmt)
            except ValueError:
                continue
        return None

    def _spreadsheet_formats(self) -> tuple[str, ...]:
        return tuple(d + c for d in _DATE_ORDERS[self.day_first] for c in _CLOCKS)


SNAPSHOT_WARNING = "warning: "  # a note starting so is shown as a warning (page and CLI)
HOW_TO_SET = (
    "the file does not say when its stock was counted: if that is wrong, set the snapshot time "
    "with --as-of ISO (the as-of field on the Sources page) and import again"
)


def snapshot_time(
    as_of: datetime | None,
    file_mtime: datetime | None,
    file_time: str = "the file's modification time",
) -> tuple[datetime, str]:
    """The time a stock snapshot stands for, and a note saying where it came from (a warning
    naming the file's or the import's time and how to set it, when no --as-of was given)."""
    if as_of is not None:
        value = as_of if as_of.tzinfo else as_of.replace(tzinfo=UTC)
        return value.astimezone(UTC), f"snapshot time taken from --as-of ({iso_z(value)})"
    if file_mtime is not None:
        value = file_mtime.astimezone(UTC)
        return value, (
            f"{SNAPSHOT_WARNING}snapshot time taken from {file_time} ({iso_z(value)}); {HOW_TO_SET}"
        )
    now = utcnow()
    return (
        now,
        f"{SNAPSHOT_WARNING}snapshot time taken from the import time ({iso_z(now)}); {HOW_TO_SET}",
    )

"""The typed values of a parallel run: what is compared, the tallies per day and the pairs behind them."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from core.timeutil import SECONDS_PER_DAY, to_epoch

EPOCH_DAY = date(1970, 1, 1)


@dataclass(frozen=True)
class Scope:
    """What a parallel run compares: two systems, from a first day, at some locations (empty: all)."""

    old: str
    new: str
    start: date
    locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class Tally:
    """Pairs compared, pairs equal, units differing (Σ abs difference), pairs each side holds."""

    compared: int = 0
    equal: int = 0
    units_differing: int = 0
    old_pairs: int = 0
    new_pairs: int = 0

    @property
    def differing(self) -> int:
        """Pairs whose quantities differ."""
        return self.compared - self.equal

    @property
    def match_rate(self) -> float | None:
        """equal / compared (None when nothing was compared)."""
        return self.equal / self.compared if self.compared else None

    def plus(self, other: Tally) -> Tally:
        """The two tallies summed (every part is additive)."""
        return Tally(
            self.compared + other.compared,
            self.equal + other.equal,
            self.units_differing + other.units_differing,
            self.old_pairs + other.old_pairs,
            self.new_pairs + other.new_pairs,
        )

    def as_dict(self) -> dict[str, Any]:
        """The counts of `migration report --json`."""
        return {
            "compared": self.compared,
            "equal": self.equal,
            "units_differing": self.units_differing,
            "match_rate": self.match_rate,
            "old_pairs": self.old_pairs,
            "new_pairs": self.new_pairs,
        }


@dataclass(frozen=True)
class Cell:
    """The tally of one day, location and status (the grain the database groups at)."""

    day: date
    location: str
    status: str
    tally: Tally


@dataclass(frozen=True)
class Comparison:
    """Every day a parallel run compared, up to as_of, with its cells."""

    scope: Scope
    as_of: datetime
    days: tuple[date, ...]
    cells: tuple[Cell, ...] = field(default=())

    def complete(self, day: date) -> bool:
        """Whether the day had ended by as_of (the current day is judged at as_of)."""
        return to_epoch(self.as_of) >= day_number(day) * SECONDS_PER_DAY + SECONDS_PER_DAY - 1

    def total(self, day: date) -> Tally:
        """The tally of a whole day."""
        return _summed(c.tally for c in self.cells if c.day == day)

    def by_location(self, day: date) -> dict[str, Tally]:
        """A day's tallies per location, by location id."""
        return _grouped(self.cells, day, lambda c: c.location)

    def by_status(self, day: date) -> dict[str, Tally]:
        """A day's tallies per status, by status."""
        return _grouped(self.cells, day, lambda c: c.status)


@dataclass(frozen=True)
class Pair:
    """One compared (location, sku, status) of a day: each side's quantity and whether it has a row."""

    day: date
    location: str
    sku: str
    status: str
    old_qty: int
    new_qty: int
    on_old: bool
    on_new: bool

    @property
    def difference(self) -> int:
        """new − old."""
        return self.new_qty - self.old_qty

    @property
    def key(self) -> tuple[str, str, str]:
        """(location, sku, status)."""
        return (self.location, self.sku, self.status)


def _summed(tallies: Iterable[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total = total.plus(tally)
    return total


def _grouped(cells: Iterable[Cell], day: date, key: Callable[[Cell], str]) -> dict[str, Tally]:
    groups: dict[str, Tally] = {}
    for cell in cells:
        if cell.day == day:
            groups[key(cell)] = groups.get(key(cell), Tally()).plus(cell.tally)
    return dict(sorted(groups.items()))


def day_number(day: date) -> int:
    """Days since 1970-01-01."""
    return (day - EPOCH_DAY).days


def day_of(number_of_day: int) -> date:
    """The date of a day number."""
    return EPOCH_DAY + timedelta(days=int(number_of_day))

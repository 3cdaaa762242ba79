"""The demo brand's frame: seed, size, calendar and the network of locations it trades through."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

DEFAULT_ORDERS = 6000
HISTORY_WEEKS = 12
DAY = timedelta(days=1)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class Location:
    """One place that holds stock: its id, display name, type and the channel it sells for."""

    location_id: str
    name: str
    type: str
    channel: str = ""
    weight: float = 1.0  # relative store traffic


DC = "DC-01"
TPL = "3PL-01"
AMAZON_FC = "AMZ-FC-01"
STORES: tuple[Location, ...] = (
    Location("STORE-01", "Flagship - Portland Pearl", "store", "pos", 1.6),
    Location("STORE-02", "Seattle Capitol Hill", "store", "pos", 1.2),
    Location("STORE-03", "San Francisco Hayes Valley", "store", "pos", 1.1),
    Location("STORE-04", "Denver LoHi", "store", "pos", 0.9),
    Location("STORE-05", "Austin South Congress", "store", "pos", 1.0),
    Location("STORE-06", "Chicago Wicker Park", "store", "pos", 1.0),
    Location("STORE-07", "Brooklyn Williamsburg", "store", "pos", 1.3),
    Location("STORE-08", "Boston Seaport", "store", "pos", 0.8),
)
LOCATIONS: tuple[Location, ...] = (
    Location(DC, "Main DC - Reno", "dc"),
    Location(TPL, "East Coast 3PL - Allentown", "3pl"),
    *STORES,
    Location(AMAZON_FC, "Amazon FBA (US)", "marketplace_fc", "amazon"),
)
STORE_IDS: tuple[str, ...] = tuple(s.location_id for s in STORES)

# The planted problems, chosen once so every module and the summary agree.
DRIFTING_STORE = "STORE-03"
STUCK_RETURN_STORES: tuple[str, ...] = ("STORE-05", "STORE-07")
SPLIT_CHANNEL = "shopify"
OVERSTATING_SYSTEM = "shopify"
SPIKING_INTEGRATION = "shopify_inventory_sync"


@dataclass(frozen=True)
class DemoPlan:
    """Everything the generators share: the seed, the order volume and the calendar."""

    seed: int
    end: date
    orders: int = DEFAULT_ORDERS

    @property
    def cutoff(self) -> datetime:
        """The last instant of history: 23:59:59 UTC on the end date."""
        return datetime.combine(self.end, time(23, 59, 59), tzinfo=UTC)

    @property
    def first_day(self) -> date:
        """The first day of history (12 weeks ending on `end`)."""
        return self.end - timedelta(days=HISTORY_WEEKS * 7 - 1)

    @property
    def start(self) -> datetime:
        """Midnight UTC of the first day."""
        return at(self.first_day)

    @property
    def days(self) -> list[date]:
        """Every day of history, oldest first."""
        return [self.first_day + timedelta(days=i) for i in range(HISTORY_WEEKS * 7)]

    @property
    def scale(self) -> float:
        """Order volume relative to the default size."""
        return self.orders / DEFAULT_ORDERS

    @property
    def weeks(self) -> list[date]:
        """Mondays of the ISO weeks that hold history, oldest first."""
        first = monday(self.first_day)
        count = (monday(self.end) - first).days // 7 + 1
        return [first + timedelta(days=7 * i) for i in range(count)]

    @property
    def spike_week(self) -> date:
        """Monday of the last complete ISO week before `end`: when the integration fails."""
        return monday(self.end) - timedelta(days=7)

    @property
    def bad_batch_week(self) -> date:
        """Monday of the ISO week when SKUs were created without barcode or approval."""
        return monday(self.end) - timedelta(days=14)

    def rng(self, topic: str) -> random.Random:
        """An independent, reproducible random stream per topic (so topics do not shift each other)."""
        return random.Random(f"invgov-demo:{self.seed}:{topic}")


def monday(day: date) -> date:
    """The Monday starting the ISO week of a day."""
    return day - timedelta(days=day.weekday())


def at(day: date, hours: float = 0.0) -> datetime:
    """A UTC instant `hours` after midnight of a day, to the second."""
    return datetime.combine(day, time(0), tzinfo=UTC) + timedelta(seconds=round(hours * 3600))


def iso_week(day: date) -> str:
    """The `YYYY-Www` label of a day."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def last_whole_day() -> date:
    """Yesterday (UTC): the default end of history, so no demo record lies after the load (a
    record stamped later today would keep the aggregates from answering until it happened)."""
    return datetime.now(UTC).date() - timedelta(days=1)

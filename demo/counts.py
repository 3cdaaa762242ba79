"""Weekly cycle counts at every location: accurate almost everywhere, drifting down at one store."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from demo.catalog import Sku
from demo.listings import Listings
from demo.plan import AMAZON_FC, DC, DRIFTING_STORE, STORE_IDS, TPL, DemoPlan, at
from demo.stock import BASE_QTY, LOCATION_KIND

TOLERANCE_PERCENT = {"A": 0, "B": 2, "C": 5}  # SPEC section 3 defaults; "" or unknown: 0
COUNT_WEIGHT = {"A": 3.0, "B": 2.0, "C": 1.0, "": 1.0}  # A items are counted more often
DRIFT_FROM, DRIFT_TO = 0.97, 0.74


@dataclass(frozen=True)
class CountRoutine:
    """How a location counts: counts per week, weekdays (0 = Monday), UTC hour, accuracy, counters."""

    counts: int
    weekdays: tuple[int, ...]
    hour: float
    accuracy: float
    counters: tuple[str, ...]


def routines() -> dict[str, CountRoutine]:
    """Each location's counting routine."""
    table = {
        DC: CountRoutine(51, (1, 2, 3), 13.0, 0.992, ("j.ramos", "k.lee", "t.nguyen")),
        TPL: CountRoutine(30, (2,), 14.0, 0.99, ("allentown.icqa", "allentown.lead")),
        AMAZON_FC: CountRoutine(15, (4,), 9.0, 0.995, ("amazon.reconciliation",)),
    }
    for n, store in enumerate(STORE_IDS):
        code = store.replace("-", "").lower()
        table[store] = CountRoutine(20, (n % 3,), 15.5, 0.988, (f"{code}.lead", f"{code}.assoc"))
    return table


CountRow = tuple[str, datetime, str, str, int, int, str]


def build_counts(plan: DemoPlan, listings: Listings) -> list[CountRow]:
    """Every cycle count of the history, location by location, week by week."""
    rng = plan.rng("counts")
    rows: list[CountRow] = []
    for loc, routine in routines().items():
        expected = rng.random()  # phase of the running error budget
        for index, monday in enumerate(plan.weeks):
            days = _count_days(plan, monday, routine)
            n = round(routine.counts * len(days) / len(routine.weekdays))
            accuracy = _accuracy(loc, routine, index, len(plan.weeks))
            before, expected = expected, expected + n * (1 - accuracy)
            errors = min(n, math.floor(expected) - math.floor(before))
            wrong = set(rng.sample(range(n), errors))
            for i in range(n):
                day, slot = days[i % len(days)], i // len(days)
                counted_at = at(day, routine.hour + slot * 0.1)  # one count every 6 minutes
                rows.append(_count(rng, loc, routine, counted_at, listings, i in wrong, i))
    return rows


def _count_days(plan: DemoPlan, monday: date, routine: CountRoutine) -> list[date]:
    days = [monday + timedelta(days=d) for d in routine.weekdays]
    return [d for d in days if plan.first_day <= d <= plan.end]


def _accuracy(loc: str, routine: CountRoutine, index: int, weeks: int) -> float:
    """The share of accurate counts a location achieves in a week of history."""
    if loc != DRIFTING_STORE:
        return routine.accuracy
    return DRIFT_FROM - (DRIFT_FROM - DRIFT_TO) * index / max(1, weeks - 1)


def _count(
    rng: random.Random,
    loc: str,
    routine: CountRoutine,
    counted_at: datetime,
    listings: Listings,
    wrong: bool,
    seq: int,
) -> CountRow:
    item = _pick(rng, listings.assortment[loc], counted_at)
    low, high = BASE_QTY[LOCATION_KIND[loc]][item.abc_class]
    system = rng.randint(low, max(low, high))
    counted = system + (_error(rng, item, system, loc) if wrong else _noise(rng, item, system))
    count_id = f"CC-{loc}-{counted_at:%Y%m%d}-{seq + 1:03d}"
    return (count_id, counted_at, loc, item.sku, system, counted, rng.choice(routine.counters))


def _pick(rng: random.Random, items: list[Sku], when: datetime) -> Sku:
    live = [i for i in items if i.created_at <= when]
    return rng.choices(live, weights=[COUNT_WEIGHT[i.abc_class] for i in live])[0]


def allowed_difference(abc: str, system: int) -> int:
    """The largest whole-unit difference still accurate: tolerance × |system|, rounded down."""
    return abs(system) * TOLERANCE_PERCENT.get(abc, 0) // 100


def _noise(rng: random.Random, item: Sku, system: int) -> int:
    """An accurate count: exact, or off by no more than the class tolerance."""
    allowed = allowed_difference(item.abc_class, system)
    if allowed and rng.random() < 0.3:
        return rng.choice((-1, 1)) * rng.randint(1, allowed)
    return 0


def _error(rng: random.Random, item: Sku, system: int, loc: str) -> int:
    """An inaccurate count: beyond tolerance, mostly shrink (fewer units found than expected)."""
    extra = rng.randint(1, 4) if loc == DRIFTING_STORE else rng.randint(0, 2)
    diff = allowed_difference(item.abc_class, system) + 1 + extra
    if system - diff >= 0 and rng.random() < 0.7:
        return -diff
    return diff

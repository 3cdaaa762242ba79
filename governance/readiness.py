"""Cutover readiness of a migration: the match-rate streak, the unexplained differing pairs, the blockers.

Ready when each of the last `required_days` complete days (consecutive, ending with the latest
complete day) had a match rate ≥ the target, compared exactly, and no pair of the latest complete
day differing by more than the units threshold is unexplained. The current day, not over yet, is
shown but not judged.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, select

from core.schema import MigrationExplanation
from core.timeutil import iso_z
from metrics.migration_kept import comparison as kept_comparison
from metrics.parallel_model import Comparison, Pair, Scope, Tally
from metrics.parallel_run import pairs_of_day


@dataclass(frozen=True)
class Rules:
    """What readiness asks: the match-rate target, for how many days, the units threshold."""

    target: Decimal
    required_days: int
    units_threshold: int

    def meets(self, tally: Tally) -> bool:
        """Whether a day's match rate reaches the target (exactly: equal/compared ≥ target)."""
        return tally.compared > 0 and Fraction(tally.equal, tally.compared) >= Fraction(self.target)


@dataclass(frozen=True)
class Explanation:
    """A steward's note on a differing pair, with the quantities seen when it was written."""

    location: str
    sku: str
    status: str
    note: str
    day: date
    old_qty: int
    new_qty: int
    by: str
    at: datetime
    version: int

    @property
    def key(self) -> tuple[str, str, str]:
        """(location, sku, status)."""
        return (self.location, self.sku, self.status)


@dataclass(frozen=True)
class DayVerdict:
    """One day of the readiness trend: its tally, whether it is over, met the target, the streak."""

    day: date
    tally: Tally
    complete: bool
    meets_target: bool
    streak: int  # consecutive complete days at target ending with this one (0 for the current day)


@dataclass(frozen=True)
class Readiness:
    """The verdict: ready or not, the streak, the judged day, what still blocks the cutover."""

    rules: Rules
    comparison: Comparison
    days: tuple[DayVerdict, ...]
    streak: int
    judged_day: date | None
    unexplained: tuple[Pair, ...]
    explanations: dict[tuple[str, str, str], Explanation] = field(default_factory=dict)
    blockers: tuple[str, ...] = ()

    @property
    def ready(self) -> bool:
        """Whether nothing blocks the cutover."""
        return not self.blockers


def explanations(conn: Connection, migration_id: int) -> dict[tuple[str, str, str], Explanation]:
    """Every explained pair of a migration by (location, sku, status)."""
    table = MigrationExplanation.__table__
    rows = conn.execute(select(table).where(table.c.migration_id == migration_id)).mappings()
    found = [
        Explanation(r["location_id"], r["sku"], r["status"], r["note"], r["day"], r["old_qty"],
                    r["new_qty"], r["explained_by"], r["explained_at"], r["version"])
        for r in rows
    ]  # fmt: skip
    return {e.key: e for e in sorted(found, key=lambda e: e.key)}


def verdicts(comparison: Comparison, rules: Rules) -> tuple[DayVerdict, ...]:
    """Each day with its tally, target verdict and the streak of complete days ending with it."""
    found, streak = [], 0
    for day in comparison.days:
        tally, complete = comparison.total(day), comparison.complete(day)
        meets = rules.meets(tally)
        if complete:
            streak = streak + 1 if meets else 0
        found.append(DayVerdict(day, tally, complete, meets, streak if complete else 0))
    return tuple(found)


def assess(
    conn: Connection, *, migration_id: int, scope: Scope, rules: Rules, as_of: datetime
) -> Readiness:
    """Compare every day up to as_of and judge the latest complete one."""
    comparison = kept_comparison(conn, scope, as_of)  # kept after detection, else computed
    days = verdicts(comparison, rules)
    complete = [d for d in days if d.complete]
    judged = complete[-1] if complete else None
    explained = explanations(conn, migration_id)
    unexplained: tuple[Pair, ...] = ()
    if judged is not None:
        differing = pairs_of_day(conn, scope, as_of, judged.day)
        unexplained = tuple(
            p for p in differing
            if abs(p.difference) > rules.units_threshold and p.key not in explained
        )  # fmt: skip
    streak = judged.streak if judged else 0
    blockers = _blockers(rules, judged, streak, unexplained, scope)
    return Readiness(rules, comparison, days, streak, judged.day if judged else None,
                     unexplained, explained, blockers)  # fmt: skip


def _blockers(
    rules: Rules,
    judged: DayVerdict | None,
    streak: int,
    unexplained: tuple[Pair, ...],
    scope: Scope,
) -> tuple[str, ...]:
    if judged is None:
        return (
            f"no complete day compared yet: {scope.old} and {scope.new} both need stock "
            f"snapshots from {scope.start.isoformat()} on, and a day must be over",
        )
    found = []
    if streak < rules.required_days:
        rate = judged.tally.match_rate
        shown = "no pairs" if rate is None else f"{rate:.2%} on {judged.day.isoformat()}"
        found.append(
            f"{streak} of {rules.required_days} consecutive complete days at a match rate ≥ "
            f"{percent(rules.target)} ({shown})"
        )
    if unexplained:
        found.append(
            f"{len(unexplained)} pair(s) differing by more than {rules.units_threshold} unit(s) "
            f"on {judged.day.isoformat()} not explained"
        )
    return tuple(found)


def percent(rate: Decimal) -> str:
    """A rate as a percentage without trailing zeros (0.995 -> 99.5 %)."""
    text = f"{rate * 100:f}".rstrip("0").rstrip(".")
    return f"{text} %"


def readiness_dict(readiness: Readiness) -> dict[str, Any]:
    """The readiness part of `migration report --json`."""
    return {
        "ready": readiness.ready,
        "streak": readiness.streak,
        "judged_day": readiness.judged_day.isoformat() if readiness.judged_day else None,
        "blockers": list(readiness.blockers),
        "unexplained": [pair_dict(p) for p in readiness.unexplained],
        "explained": [explanation_dict(e) for e in readiness.explanations.values()],
    }


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    """An explanation as JSON."""
    e = explanation
    return {"location": e.location, "sku": e.sku, "status": e.status, "note": e.note,
            "day": e.day.isoformat(), "old_qty": e.old_qty, "new_qty": e.new_qty, "by": e.by,
            "at": iso_z(e.at)}  # fmt: skip


def pair_dict(pair: Pair) -> dict[str, Any]:
    """A pair as JSON."""
    return {
        "day": pair.day.isoformat(),
        "location": pair.location,
        "sku": pair.sku,
        "status": pair.status,
        "old_qty": pair.old_qty,
        "new_qty": pair.new_qty,
        "difference": pair.difference,
    }

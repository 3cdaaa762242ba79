"""The vocabulary of exception rules: what a rule declares, what detection finds, what it is evaluated in."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection

from core.settings import Settings
from core.timeutil import iso_z
from governance.targets import Target
from governance.vocabulary import Domain, Severity
from metrics.model import Context, make_context


@dataclass(frozen=True)
class DetectContext:
    """What every rule is evaluated against: the instant, the settings and the KPI targets."""

    metrics: Context
    targets: Mapping[str, Target]
    owners: Mapping[str, str] = field(default_factory=dict)  # domain -> owning system
    memo: dict[str, Any] = field(default_factory=dict)  # results rules share within one run

    def once(self, name: str, compute: Callable[[], Any]) -> Any:
        """A value computed once per detection run (e.g. item checks several rules read)."""
        if name not in self.memo:
            self.memo[name] = compute()
        return self.memo[name]

    @property
    def as_of(self) -> datetime:
        """The instant detection judges the data at (UTC)."""
        return self.metrics.as_of

    @property
    def now(self) -> int:
        """as_of in epoch seconds."""
        return self.metrics.now

    @property
    def settings(self) -> Settings:
        """The settings in force."""
        return self.metrics.settings

    @property
    def item_master_system(self) -> str:
        """The system that owns the item master (field ownership table, else the setting)."""
        return self.owners.get("item_master", self.settings.item_master_system)


def make_detect_context(
    as_of: datetime,
    targets: Mapping[str, Target],
    owners: Mapping[str, str] | None = None,
    settings: Settings | None = None,
) -> DetectContext:
    """A detection context for an instant."""
    return DetectContext(make_context(as_of, settings), targets, dict(owners or {}))


@dataclass(frozen=True)
class Found:
    """One instance of a problem found at as_of: its fingerprint values, severity and facts."""

    key: tuple[str, ...]
    severity: Severity
    facts: dict[str, Any]

    @property
    def fingerprint(self) -> str:
        """The canonical text of the fingerprint (a JSON array of its values)."""
        return fingerprint_text(self.key)

    @property
    def entity(self) -> str:
        """What the exception concerns, as a person reads it."""
        return " / ".join(self.key)


def fingerprint_text(values: Iterable[object]) -> str:
    """The canonical string of fingerprint values: a compact JSON array of strings."""
    return json.dumps([str(v) for v in values], separators=(",", ":"), ensure_ascii=False)


def plain(value: Any) -> Any:
    """A fact value fit for JSON: times as ISO Z, decimals as float, other objects as text."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return str(value)


Finder = Callable[[Connection, DetectContext], Iterable[Found]]


@dataclass(frozen=True)
class ExceptionRule:
    """One row of SPEC section 4's rule table, declared once.

    `reads`: the canonical entities (SPEC section 2 names without `.csv`) the rule's finder reads.
    A person's resolution waits for an import of one of them committed after it: only such a
    file is new evidence (SPEC section 4). Every rule declares at least one.
    `folds`: types of less severe rules describing the same problem; where one of them is found
    with the same fingerprint values as this rule, it is folded into this rule's exception (its
    facts added) instead of becoming a second exception.
    `historical`: the problem is a past event the data cannot undo (a quarantined file, a week's
    failure spike), so a person's resolution stands unless a `material` fact changes.
    `material`: facts whose change reopens a won't-fix (besides a rise in severity).
    """

    type: str
    domain: Domain
    found_when: str
    fingerprint: tuple[str, ...]
    facts: tuple[str, ...]
    severity: str  # how severity is chosen, as documented
    find: Finder
    reads: tuple[str, ...] = field(default=())
    folds: tuple[str, ...] = field(default=())
    historical: bool = False
    material: tuple[str, ...] = field(default=())

    def found(self, record: Mapping[str, Any], severity: Severity) -> Found:
        """A Found from a record holding the fingerprint fields and the facts."""
        key = tuple("" if record[name] is None else str(record[name]) for name in self.fingerprint)
        facts = {name: plain(record.get(name)) for name in self.facts}
        return Found(key, severity, facts)

    def material_facts(self, facts: Mapping[str, Any]) -> dict[str, Any]:
        """The facts whose change reopens a closed exception of this rule."""
        return {name: facts.get(name) for name in self.material}

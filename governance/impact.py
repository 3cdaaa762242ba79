"""What a detection run did to the exceptions, per type: how many it opened, cleared and reopened."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from governance.labels import type_label

OUTCOMES = ("opened", "cleared", "reopened")


@dataclass(frozen=True)
class TypeImpact:
    """One exception type's changes in a run, with its plain label."""

    type: str
    label: str
    opened: int = 0
    cleared: int = 0
    reopened: int = 0


@dataclass(frozen=True)
class ExceptionImpact:
    """A run's exception changes: totals and per type (types with no change left out)."""

    opened: int = 0
    cleared: int = 0
    reopened: int = 0
    by_type: tuple[TypeImpact, ...] = ()

    def count(self, outcome: str, exception_type: str) -> int:
        """How many exceptions of a type had this outcome (0 when none)."""
        return next((getattr(t, outcome) for t in self.by_type if t.type == exception_type), 0)

    def summary(self, *, past: bool = False) -> str:
        """One line a person reads, e.g. `opens 3 (Unmapped system SKU 3), clears 0, reopens 0`."""
        verbs = OUTCOMES if past else ("opens", "clears", "reopens")
        return ", ".join(
            f"{verb} {getattr(self, outcome):,}{self._detail(outcome)}"
            for verb, outcome in zip(verbs, OUTCOMES, strict=True)
        )

    def _detail(self, outcome: str) -> str:
        parts = [f"{t.label} {getattr(t, outcome):,}" for t in self.by_type if getattr(t, outcome)]
        return f" ({'; '.join(parts)})" if parts else ""


def impact_from(by_type: Counter[tuple[str, str]]) -> ExceptionImpact:
    """The impact of a run from its (outcome, type) -> count tally (`Reconciled.by_type`)."""
    types = sorted({exception_type for _outcome, exception_type in by_type})
    rows = tuple(
        TypeImpact(t, type_label(t), *(by_type.get((outcome, t), 0) for outcome in OUTCOMES))
        for t in types
        if any(by_type.get((outcome, t), 0) for outcome in OUTCOMES)
    )
    totals = (sum(getattr(r, outcome) for r in rows) for outcome in OUTCOMES)
    return ExceptionImpact(*totals, by_type=rows)

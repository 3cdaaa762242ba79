"""Review completion, defined once: exception lines of a week's review marked reviewed / its exception lines.

SPEC section 4: "share of open exception lines reviewed that week". KPI lines are on the agenda
too but are not exception lines, so they count apart (`kpi_lines`). The Weekly review page, its
minutes and `review kpis --json` all read this one figure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

EXCEPTION_LINES = "exceptions"  # review_items.kind of an exception line


@dataclass(frozen=True)
class Completion:
    """How much of a review's agenda is reviewed."""

    reviewed: int  # exception lines reviewed
    lines: int  # exception lines
    kpi_reviewed: int
    kpi_lines: int

    @property
    def share(self) -> float | None:
        """Review completion (None without exception lines)."""
        return self.reviewed / self.lines if self.lines else None

    @property
    def percent(self) -> str:
        """The share as people read it: `9 %` (a dash when there is nothing to review)."""
        return "–" if self.share is None else f"{100 * self.share:.0f} %"

    def text(self) -> str:
        """`1 of 11 exception lines reviewed (9 %); KPI lines: 2 of 7 reviewed`."""
        head = f"{self.reviewed} of {self.lines} exception lines reviewed ({self.percent})"
        return head + f"; KPI lines: {self.kpi_reviewed} of {self.kpi_lines} reviewed"


def completion(items: Iterable[Mapping[str, Any] | Any]) -> Completion:
    """The completion of agenda items (dicts as review_view gives them, or ReviewItem rows)."""
    counts = {"reviewed": 0, "lines": 0, "kpi_reviewed": 0, "kpi_lines": 0}
    for item in items:
        kind = item["kind"] if isinstance(item, Mapping) else item.kind
        done = bool(item["reviewed"] if isinstance(item, Mapping) else item.reviewed)
        prefix = "" if kind == EXCEPTION_LINES else "kpi_"
        counts[f"{prefix}lines"] += 1
        counts[f"{prefix}reviewed"] += int(done)
    return Completion(**counts)


def unreviewed(items: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The agenda items not reviewed yet, in agenda order."""
    return [item for item in items if not item["reviewed"]]

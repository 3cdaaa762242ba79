"""integration_failure_rate and integration_failures (SPEC section 3), by week of occurred_at."""

from __future__ import annotations

from tests.spec_oracle.data import Data
from tests.spec_oracle.records import Event
from tests.spec_oracle.rows import Row, Settings, group_rows, iso_week, ratio, row


def _events(data: Data, as_of: int) -> list[Event]:
    """SPEC: "Every event after as_of is ignored": events with occurred_at ≤ as_of."""
    return [e for e in data.all("integration_events") if e.occurred_at <= as_of]


def integration_failure_rate(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """SPEC: "failed / events"; dims integration; n events, num failed events."""
    facts = [
        (iso_week(e.occurred_at), {"integration": e.integration}, e.status == "failed")
        for e in _events(data, as_of)
    ]

    def finish(group: list[bool]) -> tuple[float, int, int]:
        failed = sum(1 for g in group if g)
        return ratio(failed, len(group)), len(group), failed

    return group_rows("integration_failure_rate", facts, ("integration",), finish)


def integration_failures(data: Data, as_of: int, settings: Settings) -> list[Row]:
    """dim error_type: "failed events of that type"; n "failed events that week"; "lists only the
    error types seen that week" (a failed event with no error_type: key null)."""
    failed_by_week: dict[str, list[Event]] = {}
    for event in _events(data, as_of):
        if event.status == "failed":
            failed_by_week.setdefault(iso_week(event.occurred_at), []).append(event)
    rows = []
    for week, failed in failed_by_week.items():
        for error_type in {e.error_type for e in failed}:
            of_type = sum(1 for e in failed if e.error_type == error_type)
            rows.append(
                row(
                    "integration_failures",
                    week,
                    "error_type",
                    error_type,
                    of_type,
                    len(failed),
                    None,
                )
            )
    return rows

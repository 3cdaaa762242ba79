"""What the Integrations page shows, as typed values: the failure rate per integration and ISO week,
failures per error type, the failed events behind a point or bar, and quarantined import rows.

Weekly numbers are the metrics' own rows (integration_failure_rate by integration,
integration_failures by error type; ISO week of occurred_at): read from the stored aggregates
when they hold the instant, else computed. A value over several weeks or integrations is the
measure finished over the summed parts (Σ failed / Σ events), never an average of shares. The
failed events come from the metrics' own record query (metrics.integrations.event_records),
bounded by a LIMIT. Quarantined rows (SPEC section 2: a row that could not be read, kept with its
file, line and reason) have no weekly metric; they are counted here per ISO week of created_at.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, func, select

from core.schema import ImportRun, QuarantinedRow
from core.settings import Settings
from core.timeutil import to_epoch, week_label_from_monday_day, week_start
from metrics.aggregates import stored_weekly_rows
from metrics.compute import compute_rows
from metrics.current import holding_state
from metrics.integrations import event_records
from metrics.kpis import load_targets
from metrics.model import MetricRow, make_context
from metrics.registry import metric
from metrics.settings_store import effective_settings
from metrics.sql import epoch, monday_day, number
from metrics.summed import summed_row

RATE = "integration_failure_rate"
FAILURES = "integration_failures"
EVENT_METRICS = (RATE, FAILURES)
EVENT_LIMIT = 5_000
# Columns of the failed-events table (see failed_events).
EVENT_COLUMNS = ("event_id", "integration", "entity_type", "entity_key", "error_type",
                 "occurred_at", "week", "message")  # fmt: skip
# Columns of the quarantine breakdown (see quarantine_counts).
QUARANTINE_COUNT_COLUMNS = ("file_name", "source", "entity", "reason", "rows", "last_at")


def event_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow]:
    """Every weekly row of the two integration metrics at as_of (aggregates when they hold it)."""
    chosen = settings or effective_settings(conn)
    if holding_state(conn, as_of, chosen) is not None:
        return stored_weekly_rows(conn, EVENT_METRICS)
    return compute_rows(conn, as_of, [metric(m) for m in EVENT_METRICS], chosen)


def failure_target(conn: Connection) -> float:
    """The KPI target (a share, at most) of the failure rate: the stored row, else the default."""
    return float(load_targets(conn)[RATE].target)


def _sum(rows: Iterable[MetricRow]) -> tuple[int, int]:
    """(failed, events) summed over failure-rate rows."""
    total = summed_row(rows)
    return (0, 0) if total is None else (int(total.num or 0), int(total.n))


@dataclass(frozen=True)
class RatePoint:
    """Failed events of events for one integration (None: every integration) in one ISO week."""

    integration: str | None
    week: str
    events: int
    failed: int

    @property
    def rate(self) -> float | None:
        """Failed / events (None when no event)."""
        return self.failed / self.events if self.events else None


def rate_trend(rows: Sequence[MetricRow], weeks: Sequence[str]) -> list[RatePoint]:
    """Per integration and week of `weeks` with events, by integration then week."""
    wanted = set(weeks)
    found = []
    for r in rows:
        if r.metric == RATE and r.dim == "integration" and r.week in wanted and r.n:
            failed, events = _sum([r])
            found.append(RatePoint(str(r.key), str(r.week), events, failed))
    order = {w: i for i, w in enumerate(weeks)}
    return sorted(found, key=lambda p: (p.integration or "", order[p.week]))


def overall(rows: Sequence[MetricRow], weeks: Sequence[str]) -> RatePoint:
    """Every integration over `weeks`: Σ failed / Σ events of the `all` rows."""
    wanted = set(weeks)
    failed, events = _sum(
        r for r in rows if r.metric == RATE and r.dim == "all" and r.week in wanted
    )
    return RatePoint(None, "", events, failed)


def by_integration(rows: Sequence[MetricRow], weeks: Sequence[str]) -> list[RatePoint]:
    """Per integration over `weeks` (Σ failed / Σ events), by name."""
    wanted = set(weeks)
    picked: dict[str, list[MetricRow]] = defaultdict(list)
    for r in rows:
        if r.metric == RATE and r.dim == "integration" and r.week in wanted:
            picked[str(r.key)].append(r)
    found = []
    for key, group in picked.items():
        failed, events = _sum(group)
        if events:
            found.append(RatePoint(key, "", events, failed))
    return sorted(found, key=lambda p: p.integration or "")


@dataclass(frozen=True)
class TypeCount:
    """Failed events of one error type (None: failed with no type given) in one ISO week."""

    error_type: str | None
    week: str
    failed: int


def failures_by_type(rows: Sequence[MetricRow], weeks: Sequence[str]) -> list[TypeCount]:
    """The integration_failures rows of `weeks`, by week then error type (no type first)."""
    order = {w: i for i, w in enumerate(weeks)}
    found = [
        TypeCount(None if r.key is None else str(r.key), str(r.week), int(r.value or 0))
        for r in rows
        if r.metric == FAILURES and r.dim == "error_type" and r.week in order
    ]
    return sorted(
        found, key=lambda t: (order[t.week], t.error_type is not None, t.error_type or "")
    )


def type_totals(counts: Iterable[TypeCount]) -> dict[str | None, int]:
    """Failed events per error type summed over weeks, most first (then by name)."""
    totals: dict[str | None, int] = defaultdict(int)
    for c in counts:
        totals[c.error_type] += c.failed
    return dict(sorted(totals.items(), key=lambda kv: (-kv[1], kv[0] or "")))


def week_window(weeks: Sequence[str]) -> tuple[int, int]:
    """[Monday 00:00 of the first week, Monday 00:00 after the last) in epoch seconds."""
    first = week_start(weeks[0])
    return to_epoch(first), to_epoch(week_start(weeks[-1]) + timedelta(days=7))


@dataclass(frozen=True)
class FailedEvents:
    """The failed events behind a pick (at most `limit`, newest first) and how many there are."""

    table: pd.DataFrame  # EVENT_COLUMNS
    total: int


def failed_events(
    conn: Connection,
    as_of: datetime,
    weeks: Sequence[str],
    *,
    integration: str | None = None,
    error_type: str | None = None,
    any_type: bool = True,
    limit: int = EVENT_LIMIT,
    settings: Settings | None = None,
) -> FailedEvents:
    """Failed events that occurred by as_of in `weeks`, of one integration and/or error type when
    given (`any_type` False with error_type None: failed with no type), newest first."""
    if not weeks:
        return FailedEvents(pd.DataFrame(columns=list(EVENT_COLUMNS)), 0)
    ctx = make_context(as_of, settings or effective_settings(conn), week_window(weeks))
    rec = event_records(ctx).subquery("events")
    wanted = [int(to_epoch(week_start(w)) // 86_400) for w in weeks]
    conditions = [rec.c.failed > number(0), rec.c.wd.in_(wanted)]
    if integration is not None:
        conditions.append(rec.c.integration == integration)
    if not any_type:
        column = rec.c.error_type
        conditions.append(column.is_(None) if error_type is None else column == error_type)
    total = conn.execute(select(func.count()).select_from(rec).where(*conditions)).scalar_one()
    query = (
        select(rec)
        .where(*conditions)
        .order_by(rec.c.occurred_at.desc(), rec.c.event_id)
        .limit(limit)
    )
    frame = pd.DataFrame([dict(r) for r in conn.execute(query).mappings()])
    if frame.empty:
        return FailedEvents(pd.DataFrame(columns=list(EVENT_COLUMNS)), int(total))
    frame["week"] = [week_label_from_monday_day(int(d)) for d in frame["wd"]]
    return FailedEvents(frame[list(EVENT_COLUMNS)].reset_index(drop=True), int(total))


@dataclass(frozen=True)
class QuarantineWeek:
    """Rows quarantined in one ISO week (of created_at)."""

    week: str
    rows: int


def quarantine_weeks(
    conn: Connection, as_of: datetime, weeks: Sequence[str]
) -> list[QuarantineWeek]:
    """Quarantined rows per ISO week of `weeks` (created ≤ as_of), weeks with rows only."""
    if not weeks:
        return []
    table = QuarantinedRow.__table__
    start, end = week_window(weeks)
    stop = min(end, to_epoch(as_of) + 1)
    day = monday_day(table.c.created_at).label("wd")
    query = (
        select(day, func.count())
        .where(epoch(table.c.created_at) >= number(start), epoch(table.c.created_at) < number(stop))
        .group_by(day)
        .order_by(day)
    )
    return [
        QuarantineWeek(week_label_from_monday_day(int(d)), int(n)) for d, n in conn.execute(query)
    ]


def quarantine_counts(
    conn: Connection, as_of: datetime, weeks: Sequence[str], limit: int = 500
) -> pd.DataFrame:
    """Quarantined rows per file, import source, entity and reason in `weeks` (created ≤ as_of),
    most first (at most `limit` groups), in QUARANTINE_COUNT_COLUMNS."""
    if not weeks:
        return pd.DataFrame(columns=list(QUARANTINE_COUNT_COLUMNS))
    table, runs = QuarantinedRow.__table__, ImportRun.__table__
    start, end = week_window(weeks)
    stop = min(end, to_epoch(as_of) + 1)
    rows = func.count().label("rows")
    query = (
        select(table.c.file_name, runs.c.source, table.c.entity, table.c.reason, rows,
               func.max(table.c.created_at).label("last_at"))
        .select_from(table.outerjoin(runs, runs.c.id == table.c.import_run_id))
        .where(epoch(table.c.created_at) >= number(start), epoch(table.c.created_at) < number(stop))
        .group_by(table.c.file_name, runs.c.source, table.c.entity, table.c.reason)
        .order_by(rows.desc(), table.c.file_name, table.c.reason)
        .limit(limit)
    )  # fmt: skip
    frame = pd.DataFrame([dict(r) for r in conn.execute(query).mappings()])
    if frame.empty:
        return pd.DataFrame(columns=list(QUARANTINE_COUNT_COLUMNS))
    frame = frame.sort_values(
        ["rows", "file_name", "reason"], ascending=[False, True, True], kind="stable"
    )  # fmt: skip  (the same order on every collation)
    return frame[list(QUARANTINE_COUNT_COLUMNS)].reset_index(drop=True)

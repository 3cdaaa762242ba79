"""Governance KPIs (`review kpis --json`): review completion, exception aging, time to acknowledge and resolve, reopen rate.

- review_completion: agenda lines of exceptions reviewed / exception lines of the week's review
  (num: reviewed lines, n: lines; governance.completion defines it for every place that shows it);
  review_completion_exceptions weighs each line by its open count.
- exception_age_mean_days, exception_age_median_days: age at as_of of active exceptions
  (as_of − first_seen_at, in days; n: active exceptions).
- mean_time_to_acknowledge_hours: acknowledged_at − opened_at over exceptions acknowledged
  in their current cycle (n: those exceptions).
- mean_time_to_resolve_hours: resolved_at − opened_at over resolved exceptions, whether a person
  or the data resolved them (n: those); won't-fix is not a resolution.
- reopen_rate: exceptions reopened at least once / exceptions ever closed (num: reopened).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import Review
from governance.completion import EXCEPTION_LINES, completion
from governance.exception_store import TABLE
from governance.review_read import items_of
from governance.vocabulary import ACTIVE, CLOSED, Status

SECONDS_PER_HOUR = 3600
SECONDS_PER_DAY = 86_400


def _row(
    kpi: str, values: Sequence[float], num: int | None = None, value: Any = "mean"
) -> dict[str, Any]:
    if value == "mean":
        value = statistics.fmean(values) if values else None
    elif value == "median":
        value = statistics.median(values) if values else None
    return {"kpi": kpi, "value": value, "n": len(values), "num": num}


def _share(kpi: str, num: int, n: int) -> dict[str, Any]:
    return {"kpi": kpi, "value": num / n if n else None, "n": n, "num": num}


def review_completion(session: Session, week: str) -> list[dict[str, Any]]:
    """Review completion of a week's review (both rows null-valued when it has no review)."""
    review = session.scalars(select(Review).where(Review.week == week)).first()
    items = [] if review is None else items_of(session, review)
    done = completion(items)
    lines = [i for i in items if i.kind == EXCEPTION_LINES]
    weight = [int((line.summary or {}).get("open", 0)) for line in lines]
    reviewed_weight = [int((line.summary or {}).get("open", 0)) for line in lines if line.reviewed]
    return [
        _share("review_completion", done.reviewed, done.lines),
        _share("review_completion_exceptions", sum(reviewed_weight), sum(weight)),
    ]


def _hours(later: datetime | None, earlier: datetime | None) -> float | None:
    if later is None or earlier is None or later < earlier:
        return None
    return (later - earlier).total_seconds() / SECONDS_PER_HOUR


def exception_kpis(session: Session, as_of: datetime) -> list[dict[str, Any]]:
    """Aging, time to acknowledge and resolve, and reopen rate over the stored exceptions."""
    columns = (
        TABLE.c.status,
        TABLE.c.first_seen_at,
        TABLE.c.opened_at,
        TABLE.c.acknowledged_at,
        TABLE.c.resolved_at,
        TABLE.c.reopen_count,
    )
    rows = session.execute(select(*columns)).all()
    ages = [
        (as_of - r.first_seen_at).total_seconds() / SECONDS_PER_DAY
        for r in rows
        if Status(r.status) in ACTIVE and r.first_seen_at <= as_of
    ]
    to_ack = [h for r in rows if (h := _hours(r.acknowledged_at, r.opened_at)) is not None]
    to_resolve = [
        h
        for r in rows
        if r.status == Status.RESOLVED and (h := _hours(r.resolved_at, r.opened_at)) is not None
    ]
    reopened = sum(1 for r in rows if r.reopen_count > 0)
    ever_closed = sum(1 for r in rows if r.reopen_count > 0 or Status(r.status) in CLOSED)
    return [
        _row("exception_age_mean_days", ages),
        _row("exception_age_median_days", ages, value="median"),
        _row("mean_time_to_acknowledge_hours", to_ack),
        _row("mean_time_to_resolve_hours", to_resolve),
        _share("reopen_rate", reopened, ever_closed),
    ]


def governance_kpis(session: Session, *, as_of: datetime, week: str) -> list[dict[str, Any]]:
    """Every governance KPI row: {kpi, value, n, num}."""
    return [*review_completion(session, week), *exception_kpis(session, as_of)]

"""Reading weekly reviews: week labels, a review with its agenda items as plain data, its minutes."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.schema import Review, ReviewItem
from core.timeutil import iso_z, utcnow, week_label
from governance.agenda import week_bounds
from governance.errors import GovernanceError, NotFound
from governance.minutes import render_csv, render_markdown


class ReviewStatus(StrEnum):
    """A review is open until it is closed; closed minutes never change."""

    OPEN = "open"
    CLOSED = "closed"


def parse_week(raw: str) -> str:
    """A canonical `YYYY-Www` label; GovernanceError otherwise."""
    text = raw.strip().upper()
    try:
        start, _ = week_bounds(text)
    except ValueError:
        raise GovernanceError(
            f"{raw!r} is not an ISO week: write YYYY-Www, e.g. 2026-W05"
        ) from None
    if week_label(start) != text:
        raise GovernanceError(f"{raw!r} is not an ISO week: write YYYY-Www, e.g. 2026-W05")
    return text


def agenda_instant(week: str, now: datetime | None = None) -> datetime:
    """When a week's agenda is judged: now, or the week's last second once the week is over."""
    _, end = week_bounds(week)
    return min(now or utcnow(), end - timedelta(seconds=1))


def review_row(session: Session, week: str) -> Review | None:
    return session.scalars(select(Review).where(Review.week == parse_week(week))).first()


def require_review(session: Session, week: str) -> Review:
    """The review of a week; NotFound saying how to open it otherwise."""
    review = review_row(session, week)
    if review is None:
        raise NotFound(f"no review for {parse_week(week)}: a steward opens it first")
    return review


def item_view(item: ReviewItem) -> dict[str, Any]:
    return {
        "key": item.key,
        "kind": item.kind,
        "position": item.position,
        "title": item.title,
        "team": item.team,
        "summary": dict(item.summary or {}),
        "reviewed": item.reviewed,
        "decision": item.decision,
        "next_action": item.next_action,
        "due_date": item.due_date.isoformat() if item.due_date else None,
        "recorded_by": item.recorded_by,
        "recorded_at": iso_z(item.recorded_at) if item.recorded_at else None,
        "version": item.version,
    }


def items_of(session: Session, review: Review) -> list[ReviewItem]:
    """The agenda items of a review in agenda order."""
    query = select(ReviewItem).where(ReviewItem.review_id == review.id)
    return list(session.scalars(query.order_by(ReviewItem.position)))


def review_view(session: Session, review: Review) -> dict[str, Any]:
    """A review with its items as plain data (pages, the CLI and the minutes read this)."""
    return {
        "week": review.week,
        "status": review.status,
        "opened_by": review.opened_by,
        "opened_at": iso_z(review.opened_at),
        "closed_by": review.closed_by,
        "closed_at": iso_z(review.closed_at) if review.closed_at else None,
        "version": review.version,
        "items": [item_view(item) for item in items_of(session, review)],
    }


def get_review(session: Session, week: str) -> dict[str, Any] | None:
    """The review of a week as plain data, or None."""
    review = review_row(session, week)
    return None if review is None else review_view(session, review)


def minutes(session: Session, week: str, fmt: str = "md") -> str:
    """The minutes of a week: frozen once closed, else a draft of the current state."""
    if fmt not in ("md", "csv"):
        raise GovernanceError(f"unknown format {fmt!r}: choose md or csv")
    review = require_review(session, week)
    if review.status == ReviewStatus.CLOSED:
        frozen = review.minutes_md if fmt == "md" else review.minutes_csv
        return frozen or ""
    view = review_view(session, review)
    return render_markdown(view) if fmt == "md" else render_csv(view)

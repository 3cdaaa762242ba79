"""The weekly exception review: one per ISO week; open it, walk the agenda recording decisions, close it.

Opening builds the agenda (governance.agenda) and stores one item per line; `refresh_agenda`
adds lines that appeared since and updates counts. Owners record decisions on their own team's
lines, stewards and admins on any; a line is reviewed only when the person says so. Closing
freezes the minutes (Markdown and CSV) for good; with lines not reviewed it is refused, naming
them, unless the closer confirms (`allow_unreviewed`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from core.schema import Review, ReviewItem
from core.timeutil import iso_z, utcnow
from governance.agenda import build_agenda
from governance.audit import record
from governance.completion import unreviewed
from governance.errors import ConflictError, GovernanceError, NotFound, UnreviewedLines
from governance.minutes import render_csv, render_markdown
from governance.permissions import Action, Actor, authorize
from governance.review_read import (
    ReviewStatus,
    agenda_instant,
    item_view,
    items_of,
    parse_week,
    require_review,
    review_row,
    review_view,
)

MAX_TEXT = 4000


def _sync_agenda(session: Session, review: Review, by: Actor) -> int:
    """Store the agenda's lines: new lines are appended (and audited), known ones get new counts."""
    known = {item.key: item for item in items_of(session, review)}
    position = max((item.position for item in known.values()), default=0)
    added = 0
    for line in build_agenda(session, review.week, agenda_instant(review.week)):
        item = known.get(line.key)
        if item is not None:
            item.title, item.summary = line.title, dict(line.summary)
            continue
        position += 1
        session.add(
            ReviewItem(
                review_id=review.id,
                key=line.key,
                kind=line.kind,
                position=position,
                title=line.title,
                team=line.team,
                summary=dict(line.summary),
                reviewed=False,
                version=1,
            )
        )
        record(
            session,
            actor=by,
            action="review.agenda",
            object_type="review",
            object_id=review.week,
            field="item",
            new=f"#{position} {line.title}",
        )
        added += 1
    session.flush()
    return added


def open_review(*, session: Session, actor: Actor, week: str) -> dict[str, Any]:
    """Open the review of an ISO week (one per week) and build its agenda."""
    me = authorize(session, actor, Action.OPEN_REVIEW)
    label = parse_week(week)
    existing = review_row(session, label)
    if existing is not None:
        raise GovernanceError(f"the review of {label} already exists ({existing.status})")
    review = Review(
        week=label, status=ReviewStatus.OPEN.value, opened_by=me.name, opened_at=utcnow(), version=1
    )
    session.add(review)
    session.flush()
    record(
        session,
        actor=me,
        action="review.open",
        object_type="review",
        object_id=label,
        field="status",
        new=ReviewStatus.OPEN.value,
    )
    _sync_agenda(session, review, me)
    return review_view(session, review)


def _open_review_row(session: Session, week: str) -> Review:
    review = require_review(session, week)
    if review.status != ReviewStatus.OPEN:
        raise GovernanceError(f"the review of {review.week} is closed: its minutes are frozen")
    return review


def refresh_agenda(*, session: Session, actor: Actor, week: str) -> int:
    """Add the lines that appeared since the review opened; returns how many were added."""
    me = authorize(session, actor, Action.OPEN_REVIEW)
    return _sync_agenda(session, _open_review_row(session, week), me)


def _due(raw: date | str | None) -> date | None:
    if raw is None or isinstance(raw, date):
        return raw
    try:
        return date.fromisoformat(raw.strip()) if raw.strip() else None
    except ValueError:
        raise GovernanceError(f"due date {raw!r} is not a date: write YYYY-MM-DD") from None


def _text(raw: str | None, what: str) -> str | None:
    text = (raw or "").strip() or None
    if text is not None and len(text) > MAX_TEXT:
        raise GovernanceError(f"the {what} has at most {MAX_TEXT} characters")
    return text


def _item(session: Session, review: Review, key: str) -> ReviewItem:
    item = session.scalars(
        select(ReviewItem).where(ReviewItem.review_id == review.id, ReviewItem.key == key)
    ).first()
    if item is None:
        raise NotFound(f"the review of {review.week} has no agenda item {key!r}")
    return item


def record_decision(
    *,
    session: Session,
    actor: Actor,
    week: str,
    key: str,
    decision: str | None = None,
    next_action: str | None = None,
    due_date: date | str | None = None,
    reviewed: bool = True,
    seen_version: int | None = None,
) -> dict[str, Any]:
    """Record an agenda line's decision, next action and due date, and whether it was reviewed
    (only what the person says: a decision alone does not mark it reviewed)."""
    review = require_review(session, week)
    item = _item(session, review, key)
    me = authorize(session, actor, Action.RECORD_REVIEW_DECISION, team=item.team)
    if review.status != ReviewStatus.OPEN:
        raise GovernanceError(f"the review of {review.week} is closed: its minutes are frozen")
    values = {
        "reviewed": bool(reviewed),
        "decision": _text(decision, "decision"),
        "next_action": _text(next_action, "next action"),
        "due_date": _due(due_date),
    }
    based_on = item.version if seen_version is None else int(seen_version)
    _write_decision(session, item, values, based_on, me, f"{review.week}/{key}")
    return item_view(item)


def _write_decision(
    session: Session,
    item: ReviewItem,
    values: dict[str, Any],
    based_on: int,
    me: Actor,
    object_id: str,
) -> None:
    """Update an agenda item under its optimistic lock and audit each changed field."""
    changed = {k: v for k, v in values.items() if getattr(item, k) != v}
    result = session.execute(
        update(ReviewItem.__table__)
        .where(ReviewItem.id == item.id, ReviewItem.version == based_on)
        .values(**changed, recorded_by=me.name, recorded_at=utcnow(), version=based_on + 1)
    )
    if result.rowcount != 1:
        session.refresh(item)
        raise ConflictError(
            f"agenda item {item.key} changed under you (now version {item.version}, recorded by "
            f"{item.recorded_by or 'nobody'}): reload it and decide again",
            item_view(item),
        )
    for name, new in changed.items():
        record(
            session,
            actor=me,
            action="review.decision",
            object_type="review_item",
            object_id=object_id,
            field=name,
            old=getattr(item, name),
            new=new,
        )
    session.refresh(item)


def _freeze(
    session: Session, review: Review, view: dict[str, Any], based_on: int, now: datetime
) -> None:
    """Store the closed state and the minutes, if the review is still open at `based_on`."""
    still_open = (Review.version == based_on) & (Review.status == ReviewStatus.OPEN.value)
    result = session.execute(
        update(Review.__table__)
        .where(Review.id == review.id, still_open)
        .values(
            status=ReviewStatus.CLOSED.value,
            closed_by=view["closed_by"],
            closed_at=now,
            version=based_on + 1,
            minutes_md=render_markdown(view),
            minutes_csv=render_csv(view),
        )
    )
    if result.rowcount != 1:
        session.refresh(review)
        raise ConflictError(
            f"the review of {review.week} changed under you (now {review.status}, "
            f"version {review.version}): reload it",
            review_view(session, review),
        )


def unreviewed_lines_text(lines: list[dict[str, Any]]) -> str:
    """The agenda lines not reviewed, named: `#2 Stock discrepancy (inventory control): …`."""
    return "; ".join(f"#{line['position']} {line['title']}" for line in lines)


def close_review(
    *,
    session: Session,
    actor: Actor,
    week: str,
    seen_version: int | None = None,
    allow_unreviewed: bool = False,
) -> dict[str, Any]:
    """Close the review: the minutes (Markdown and CSV) are rendered and frozen.

    With agenda lines not reviewed it raises UnreviewedLines naming them, unless
    `allow_unreviewed` (the closer confirmed); the audit row then says how many were left.
    """
    me = authorize(session, actor, Action.CLOSE_REVIEW)
    review = _open_review_row(session, week)
    based_on = review.version if seen_version is None else int(seen_version)
    current = review_view(session, review)
    left = unreviewed(current["items"])
    if left and not allow_unreviewed:
        raise UnreviewedLines(
            f"{len(left)} of {len(current['items'])} agenda lines of {review.week} are not "
            f"reviewed: {unreviewed_lines_text(left)}. Record them, or close anyway "
            "(in the CLI: --allow-unreviewed)",
            left,
        )
    now = utcnow()
    closed = {"status": ReviewStatus.CLOSED.value, "closed_by": me.name, "closed_at": iso_z(now)}
    view = {**current, **closed, "version": based_on + 1}
    _freeze(session, review, view, based_on, now)
    record(
        session,
        actor=me,
        action="review.close",
        object_type="review",
        object_id=review.week,
        field="status",
        old=ReviewStatus.OPEN.value,
        new=ReviewStatus.CLOSED.value,
        detail=f"minutes frozen: {len(view['items'])} agenda items, {len(left)} not reviewed",
    )
    session.expire(review)
    return view

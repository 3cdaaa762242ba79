"""Alerts after detection: new high-severity exceptions and KPIs turning red, one webhook message per run.

After each detection run (`alert_after_detection`, called by the import pipeline, `manage.py
detect` and the worker) the alert is worked out from state, not from the run's report: an active
high exception alerts once per opening (a reopening or a rise to high alerts again), a KPI alerts
when it is red and was not red at the last run. The marks of what was alerted and the message
are written in one transaction (`alert_marks`, `alert_outbox`), then delivered after the commit;
a message not delivered stays in the outbox and is retried at every later run, so nothing is
lost silently. Nothing happens while INVGOV_ALERT_WEBHOOK_URL is unset.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Engine, delete, or_, select, update
from sqlalchemy.orm import Session

from core.db import read_session, write_session
from core.engines import serialise
from core.schema import AlertMark, AlertOutbox, ExceptionRecord
from core.settings import get_settings
from core.timeutil import iso_z, to_epoch, utcnow
from governance import labels
from governance.vocabulary import ACTIVE, Severity
from governance.webhook import host_of, post_json
from metrics.kpi_board import KpiTile, kpi_tiles
from metrics.kpis import Rag

log = logging.getLogger(__name__)
ALERT_LOCK = 74_110_017  # PostgreSQL advisory lock key: one alert composition at a time
CLAIM_SECONDS = 120
EXAMPLES = 3
EXCEPTION, KPI = "exception:", "kpi:"
MARKS, OUTBOX = AlertMark.__table__, AlertOutbox.__table__


@dataclass(frozen=True)
class NewHigh:
    """A high-severity exception not alerted in its current opening."""

    id: int
    type: str
    team: str
    entity: str


@dataclass(frozen=True)
class AlertRun:
    """What one run queued and delivered."""

    queued: int
    delivered: int
    pending: int


def _slack(text_: str) -> str:
    """Data text made inert for Slack's markup (&, < and > are its control characters)."""
    return text_.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _serialize(session: Session) -> None:
    serialise(session.connection(), ALERT_LOCK)


def _new_highs(session: Session, marks: dict[str, str]) -> tuple[list[NewHigh], dict[str, str]]:
    table = ExceptionRecord.__table__
    query = select(table.c.id, table.c.type, table.c.team, table.c.entity, table.c.opened_at)
    query = query.where(
        table.c.severity == Severity.HIGH.value,
        table.c.status.in_([s.value for s in ACTIVE]),
    ).order_by(table.c.id)
    new, states = [], {}
    for row in session.execute(query):
        key, state = f"{EXCEPTION}{row.id}", f"{to_epoch(row.opened_at)}:high"
        states[key] = state
        if marks.get(key) != state:
            new.append(NewHigh(row.id, row.type, row.team, row.entity))
    return new, states


def _turned_red(tiles: list[KpiTile], marks: dict[str, str]) -> list[KpiTile]:
    return [
        t for t in tiles if t.status is Rag.RED and marks.get(f"{KPI}{t.kpi.metric}") != Rag.RED
    ]


def compose(new: list[NewHigh], red: list[KpiTile], base_url: str) -> tuple[str, dict[str, object]]:
    """The one message of a run (summary line, Slack-compatible payload), grouped with counts."""
    parts = []
    if new:
        parts.append(f"{len(new)} new high-severity exception{'s' * (len(new) != 1)}")
    if red:
        parts.append(f"{len(red)} KPI{'s' * (len(red) != 1)} turned red")
    summary = "invgov: " + ", ".join(parts)
    lines = [summary]
    groups = Counter((n.type, n.team) for n in new)
    for (kind, team), count in sorted(groups.items(), key=lambda kv: (-kv[1], kv[0])):
        examples = [n.entity for n in new if (n.type, n.team) == (kind, team)][:EXAMPLES]
        more = ", …" if count > len(examples) else ""
        lines.append(f"• {kind} ({team}): {count} new, e.g. {', '.join(examples)}{more}")
    for tile in red:
        target = tile.target
        lines.append(
            f"• KPI {tile.kpi.label} is red: {labels.format_value(tile.value, tile.kpi.unit.value)} ({tile.period}; "
            f"target {labels.target_text(tile.kpi.metric, target.comparator, target.target)}, owner {target.owner_team or 'none'})"
        )
    lines.append(f"Open the queue: {base_url.rstrip('/')}/queue")
    return summary, {"text": _slack("\n".join(lines))}


def queue_alert(engine: Engine) -> int:
    """Work out this run's alert and keep it in the outbox with the new marks (one transaction)."""
    now = utcnow()
    with write_session(engine) as session:
        _serialize(session)
        marks = {r.key: r.state for r in session.execute(select(MARKS.c.key, MARKS.c.state))}
        new, states = _new_highs(session, marks)
        tiles = kpi_tiles(session.connection(), now)
        red = _turned_red(tiles, marks)
        states |= {f"{KPI}{t.kpi.metric}": t.status.value for t in tiles}
        session.execute(delete(MARKS))
        if states:
            session.execute(
                MARKS.insert(), [{"key": k, "state": v, "at": now} for k, v in states.items()]
            )
        if not new and not red:
            return 0
        summary, payload = compose(new, red, get_settings().base_url)
        session.execute(OUTBOX.insert().values(created_at=now, summary=summary, payload=payload,
                                               attempts=0))  # fmt: skip
    log.info("alert queued: %s", summary)
    return 1


def _claim(engine: Engine, alert_id: int) -> bool:
    now = utcnow()
    with write_session(engine) as session:
        free = or_(OUTBOX.c.claimed_until.is_(None), OUTBOX.c.claimed_until < now)
        result = session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id == alert_id, OUTBOX.c.delivered_at.is_(None), free)
            .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
        )
        return result.rowcount == 1


def deliver_pending(engine: Engine) -> tuple[int, int]:
    """Post every undelivered alert, oldest first; returns (delivered now, still pending)."""
    settings = get_settings()
    if settings.alert_webhook_url is None:
        return 0, pending_count(engine)
    url = settings.alert_webhook_url.get_secret_value()
    with read_session(engine) as session:
        waiting = session.execute(
            select(OUTBOX.c.id, OUTBOX.c.payload, OUTBOX.c.summary, OUTBOX.c.attempts)
            .where(OUTBOX.c.delivered_at.is_(None))
            .order_by(OUTBOX.c.id)
        ).all()
    delivered = 0
    for row in waiting:
        if not _claim(engine, row.id):
            continue  # another process is posting it now
        outcome = post_json(url, dict(row.payload), tries=settings.alert_retries,
                            timeout=settings.alert_timeout_seconds)  # fmt: skip
        now = utcnow()
        with write_session(engine) as session:
            session.execute(
                update(OUTBOX)
                .where(OUTBOX.c.id == row.id)
                .values(attempts=row.attempts + outcome.tries, last_attempt_at=now,
                        last_error=outcome.error, claimed_until=None,
                        delivered_at=now if outcome.delivered else None)
            )  # fmt: skip
        if outcome.delivered:
            delivered += 1
            log.info("alert %d delivered to %s: %s", row.id, host_of(url), row.summary)
        else:
            log.error("alert %d not delivered to %s after %d tries (%s); kept for the next run",
                      row.id, host_of(url), row.attempts + outcome.tries, outcome.error)  # fmt: skip
    return delivered, pending_count(engine)


def pending_count(engine: Engine) -> int:
    """How many alerts wait for delivery."""
    return len(pending_alerts(engine))


def pending_alerts(engine: Engine) -> list[dict[str, object]]:
    """The undelivered alerts, oldest first: id, created, summary, attempts, last error."""
    with read_session(engine) as session:
        rows = session.execute(
            select(OUTBOX).where(OUTBOX.c.delivered_at.is_(None)).order_by(OUTBOX.c.id)
        ).mappings()
        return [
            {"id": r["id"], "created_at": iso_z(r["created_at"]), "summary": r["summary"],
             "attempts": r["attempts"], "last_error": r["last_error"]}
            for r in rows
        ]  # fmt: skip


def alert_after_detection(engine: Engine) -> AlertRun | None:
    """Queue this run's alert and deliver what waits; never raises (the import has committed)."""
    if get_settings().alert_webhook_url is None:
        return None
    try:
        queued = queue_alert(engine)
        delivered, pending = deliver_pending(engine)
    except Exception:  # alerts must never break an import or a detection run
        log.exception("alerting after detection failed; undelivered alerts are retried next run")
        return None
    return AlertRun(queued, delivered, pending)

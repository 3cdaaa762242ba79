"""The worker: the weekly cadence on a schedule (APScheduler 3), one job at a time across workers.

Jobs (intervals from settings, all UTC unless INVGOV_SCHEDULE_TIMEZONE says otherwise):
- `watch`: a pass over the drop folders every INVGOV_WATCH_POLL_SECONDS; detection (and its
  alert) runs once after a pass that imported files, through the import path;
- `detect`: detection every INVGOV_WORKER_DETECT_SECONDS (stalled orders and overdue returns age
  without any import), then alerts, including a retry of undelivered ones;
- `digest`: every INVGOV_WORKER_CHECK_SECONDS, sends the latest complete week's digests once it
  is due (INVGOV_DIGEST_WEEKDAY at INVGOV_DIGEST_HOUR) and no worker has sent them yet;
- `review`: the same check opens the current week's review on the meeting weekday
  (INVGOV_REVIEW_WEEKDAY at INVGOV_REVIEW_HOUR), as INVGOV_WORKER_USER, unless it exists.
Checks rather than fixed cron times make a worker that was down at the hour catch up, and the
records (digest runs, reviews) make it happen once. Each run takes the job's database lease
(cadence.lease), logs its outcome and keeps it on the lease row; a failing job is logged and
the worker goes on. SIGTERM or SIGINT stops it cleanly: no new runs, running ones finish.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from types import FrameType
from zoneinfo import ZoneInfo

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import Engine, select

from cadence import lease
from cadence.mailer import send_digests
from cadence.watch import watch_once
from core.db import read_session, write_session
from core.schema import DigestRun
from core.settings import get_settings
from core.timeutil import utcnow, week_label
from governance.alerts import alert_after_detection, deliver_pending, pending_count
from governance.detection import detect
from governance.errors import GovernanceError
from governance.permissions import actor_by_name
from governance.review import open_review
from governance.review_read import review_row
from metrics.kpi_board import latest_complete_week

log = logging.getLogger(__name__)
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Job = Callable[["Worker"], str]


class JobFailed(Exception):
    """A job's expected failure (logged in one line, without a traceback)."""


def due(now: datetime, weekday: str, hour: int, zone: str) -> bool:
    """Whether this week's moment (weekday at hour, in the zone) has come."""
    local = now.astimezone(ZoneInfo(zone))
    moment = (WEEKDAYS.index(weekday), hour)
    return (local.weekday(), local.hour) >= moment


def job_watch(worker: Worker) -> str:
    """A pass over the drop folders."""
    runs = watch_once(worker.engine, sleep=worker.stopping.wait, renew=worker.renew_for("watch"))
    if pending_count(worker.engine):
        deliver_pending(worker.engine)
    busy = [r for r in runs if r.outcomes or r.problem]
    return "; ".join(r.summary() for r in busy)  # empty: nothing arrived (logged quietly)


def job_detect(worker: Worker) -> str:
    """Detection now, then alerts (and a retry of undelivered ones)."""
    report = detect(worker.engine, trigger="scheduled by the worker")
    alert_after_detection(worker.engine)
    return report.summary()


def job_digest(worker: Worker) -> str:
    """The latest complete week's digests, once they are due and not yet sent by a worker."""
    settings = get_settings()
    now = utcnow()
    if not settings.smtp_host:
        return "digests are off: INVGOV_SMTP_HOST is not set"
    if not due(now, settings.digest_weekday, settings.digest_hour, settings.schedule_timezone):
        return "not due yet"
    week = latest_complete_week(now)
    query = select(DigestRun.id).where(DigestRun.week == week, DigestRun.trigger == "worker")
    with read_session(worker.engine) as session:
        if session.execute(query).first() is not None:
            return f"digests of {week} already sent"
    outcome = send_digests(worker.engine, week, trigger="worker")
    text = f"digests of {week}: {len(outcome.sent)} sent, {len(outcome.not_reached)} not reached"
    if outcome.not_reached:
        raise RuntimeError(
            text + ": " + "; ".join(f"{r} ({why})" for r, why in outcome.not_reached)
        )
    return text + (f", no email: {', '.join(outcome.no_email)}" if outcome.no_email else "")


def job_review(worker: Worker) -> str:
    """Open this week's review on the meeting weekday, unless it exists."""
    settings = get_settings()
    now = utcnow()
    if not due(now, settings.review_weekday, settings.review_hour, settings.schedule_timezone):
        return "not the meeting day yet"
    week = week_label(now)
    with write_session(worker.engine) as session:
        if review_row(session, week) is not None:
            return f"the review of {week} exists"
        actor = actor_by_name(session, settings.worker_user)
        view = open_review(session=session, actor=actor, week=week)
    return (
        f"opened the review of {week} as {settings.worker_user}: {len(view['items'])} agenda items"
    )


def schedule() -> dict[str, tuple[Job, float]]:
    """Every job and its interval in seconds, from the settings."""
    s = get_settings()
    return {
        "watch": (job_watch, s.watch_poll_seconds),
        "detect": (job_detect, s.worker_detect_seconds),
        "digest": (job_digest, s.worker_check_seconds),
        "review": (job_review, s.worker_check_seconds),
    }


class Worker:
    """A scheduler running the jobs under database leases until told to stop."""

    def __init__(self, engine: Engine, jobs: dict[str, tuple[Job, float]] | None = None) -> None:
        self.engine = engine
        self.jobs = jobs or schedule()
        self.identity = lease.worker_identity()
        self.stopping = threading.Event()
        self.lease_seconds = get_settings().worker_lease_seconds

    def renew_for(self, job: str) -> Callable[[], bool]:
        """A callback long jobs call between steps: renews the lease, False when we must stop."""

        def renew() -> bool:
            if self.stopping.is_set():
                return False
            return lease.renew(self.engine, job, self.identity, self.lease_seconds)

        return renew

    def run_job(self, name: str) -> None:
        """Run one job under its lease, log and keep its outcome; never raises."""
        job, _interval = self.jobs[name]
        if self.stopping.is_set():
            return
        try:
            if not lease.acquire(self.engine, name, self.identity, self.lease_seconds):
                log.info("job %s: another worker holds it; skipped", name)
                return
        except Exception:
            log.exception("job %s: cannot take its lease (database unreachable?)", name)
            return
        started = time.perf_counter()
        outcome, message = "ok", ""
        try:
            message = job(self)
        except (JobFailed, GovernanceError) as exc:  # expected: one line, no traceback
            outcome, message = "failed", str(exc)
        except Exception as exc:  # a failing job is logged; the worker goes on
            outcome, message = "failed", f"{type(exc).__name__}: {exc}"
            log.exception("job %s failed", name)
        seconds = time.perf_counter() - started
        level = logging.ERROR if outcome != "ok" else logging.INFO if message else logging.DEBUG
        log.log(
            level, "job %s %s in %.2f s: %s", name, outcome, seconds, message or "nothing to do"
        )
        try:
            lease.release(self.engine, name, self.identity, outcome, message)
        except Exception:
            log.exception("job %s: cannot release its lease (it expires by itself)", name)

    def start(self) -> BackgroundScheduler:
        """Start the scheduler: every job now, then at its interval."""
        scheduler = BackgroundScheduler(
            timezone="UTC",
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 60},
        )
        first = datetime.now(ZoneInfo("UTC")) + timedelta(milliseconds=100)
        for name, (_job, interval) in self.jobs.items():
            scheduler.add_job(self.run_job, IntervalTrigger(seconds=max(0.1, interval)),
                              args=[name], id=name, name=name, next_run_time=first)  # fmt: skip
        scheduler.start()
        log.info("worker %s started: %s", self.identity,
                 ", ".join(f"{n} every {i:g} s" for n, (_j, i) in self.jobs.items()))  # fmt: skip
        return scheduler

    def serve(self) -> None:
        """Run until SIGTERM or SIGINT, then stop: no new runs, the running ones finish."""

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("worker: %s received, stopping", signal.Signals(signum).name)
            self.stopping.set()

        previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
        scheduler = self.start()
        try:
            while not self.stopping.wait(0.5):
                pass
        finally:
            scheduler.shutdown(wait=True)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        log.info("worker %s stopped cleanly", self.identity)

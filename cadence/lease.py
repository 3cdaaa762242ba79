"""Job leases in the database: at most one worker, on any host, runs a scheduled job at a time.

A lease is a `worker_leases` row per job: its holder and when the lease expires. Taking it is one
conditional UPDATE (free, expired, or already ours) or the first INSERT; the database serialises
those, on SQLite (write lock) and PostgreSQL (row lock; a concurrent INSERT loses on the primary
key) alike, so of two workers exactly one wins. A file lock would only hold on one host. A worker
that dies leaves its lease to expire (INVGOV_WORKER_LEASE_SECONDS); hosts need synchronised clocks.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import IntegrityError

from core.db import read_session, write_session
from core.schema import WorkerLease
from core.timeutil import utcnow

log = logging.getLogger(__name__)
TABLE = WorkerLease.__table__
MAX_MESSAGE = 2000


def worker_identity() -> str:
    """A name for this worker process: host, pid and a random part (unique across restarts)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True)
class LeaseState:
    """A job's lease and its last outcome, as stored."""

    job: str
    holder: str | None
    expires_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    outcome: str | None
    message: str | None


def acquire(engine: Engine, job: str, holder: str, seconds: int) -> bool:
    """Take the job's lease for `seconds` if it is free, expired or ours; whether we hold it now."""
    now = utcnow()
    values = {"holder": holder, "expires_at": now + timedelta(seconds=seconds), "started_at": now}
    free = or_(TABLE.c.holder.is_(None), TABLE.c.holder == holder, TABLE.c.expires_at <= now)
    try:
        with write_session(engine) as session:
            taken = session.execute(
                update(TABLE).where(TABLE.c.job == job, free).values(**values)
            ).rowcount
            if taken == 1:
                return True
            exists = session.execute(select(TABLE.c.job).where(TABLE.c.job == job)).first()
            if exists is not None:
                return False
            session.execute(TABLE.insert().values(job=job, **values))
            return True
    except IntegrityError:  # another worker inserted the row first: it holds the lease
        return False


def renew(engine: Engine, job: str, holder: str, seconds: int) -> bool:
    """Extend our lease (long jobs call this between steps); False when it is no longer ours."""
    until = utcnow() + timedelta(seconds=seconds)
    with write_session(engine) as session:
        result = session.execute(
            update(TABLE)
            .where(TABLE.c.job == job, TABLE.c.holder == holder)
            .values(expires_at=until)
        )
        return result.rowcount == 1


def release(engine: Engine, job: str, holder: str, outcome: str, message: str | None) -> None:
    """Give the lease back and keep how the run ended (ok or failed, with a message)."""
    with write_session(engine) as session:
        session.execute(
            update(TABLE)
            .where(TABLE.c.job == job, TABLE.c.holder == holder)
            .values(holder=None, expires_at=None, finished_at=utcnow(), outcome=outcome,
                    message=(message or "")[:MAX_MESSAGE] or None)
        )  # fmt: skip


def leases(engine: Engine) -> list[LeaseState]:
    """Every job's lease and last outcome, by job name."""
    with read_session(engine) as session:
        rows = session.execute(select(TABLE).order_by(TABLE.c.job)).all()
    return [
        LeaseState(r.job, r.holder, r.expires_at, r.started_at, r.finished_at, r.outcome, r.message)
        for r in rows
    ]

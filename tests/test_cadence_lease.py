"""Job leases: of two workers exactly one runs a job; an expired lease can be taken over."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import Engine, update

from cadence import lease
from core.db import write_session
from core.schema import WorkerLease
from core.timeutil import utcnow


def test_one_holder_at_a_time_and_takeover_after_expiry(engine: Engine) -> None:
    assert lease.acquire(engine, "watch", "a", 60)
    assert not lease.acquire(engine, "watch", "b", 60)  # a holds it
    assert lease.acquire(engine, "watch", "a", 60)  # a may take its own lease again
    assert lease.acquire(engine, "detect", "b", 60)  # another job is another lease
    assert lease.renew(engine, "watch", "a", 60)
    assert not lease.renew(engine, "watch", "b", 60)
    with write_session(engine) as session:  # a died: its lease ran out a second ago
        session.execute(update(WorkerLease.__table__).where(WorkerLease.job == "watch")
                        .values(expires_at=utcnow().replace(microsecond=0) - timedelta(seconds=1)))  # fmt: skip
    assert lease.acquire(engine, "watch", "b", 60)
    assert not lease.renew(engine, "watch", "a", 60)  # a learns it lost the lease
    lease.release(engine, "watch", "b", "ok", "1 imported")
    (detect, watch) = lease.leases(engine)
    assert (watch.holder, watch.outcome, watch.message) == (None, "ok", "1 imported")
    assert detect.holder == "b"
    assert lease.acquire(engine, "watch", "a", 60)  # released: free again


def test_racing_workers_get_the_first_lease_exactly_once(engine: Engine) -> None:
    barrier = threading.Barrier(4)
    won: list[str] = []

    def worker(name: str) -> None:
        barrier.wait()
        if lease.acquire(engine, "digest", name, 60):
            won.append(name)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(won) == 1, won

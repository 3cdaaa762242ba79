"""Database engines and units of work: SQLite in WAL mode with short immediate write transactions.

A writer that finds the SQLite write lock taken waits the busy timeout, then tries again (a
bounded number of times), telling whoever listens (`lock_wait_notices`) that it is waiting; when
it gives up it raises DatabaseBusy, a message a person can act on, never the driver's text. Every
write transaction's lock hold is timed for `watch_write_locks` (the benchmark's max_lock_hold_s).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from core import engines
from core.settings import get_settings

log = logging.getLogger(__name__)
_engines: dict[str, Engine] = {}
_lock = threading.Lock()
BEGAN = "invgov_write_began"
WRITE = "write"  # a write transaction's purpose when none is named
# (attempt, retries, seconds waited so far): called each time a writer has to wait again.
WaitNotice = Callable[[int, int, float], None]
_wait_notice: ContextVar[WaitNotice | None] = ContextVar("invgov_wait_notice", default=None)


class DatabaseBusy(Exception):
    """Another writer held the database for longer than a writer waits: nothing was written."""

    def __init__(self, waited_s: float) -> None:
        super().__init__(
            f"another import or detection kept the database busy for {waited_s:.0f} s; "
            "nothing was written: try again when it has finished"
        )
        self.waited_s = waited_s


@dataclass(eq=False)  # watchers are told apart by identity
class LockHolds:
    """Write transactions seen while watching: how many, and the longest hold in seconds."""

    count: int = 0
    longest_s: float = 0.0
    holds: list[float] = field(default_factory=list, repr=False)
    longest_by_purpose: dict[str, float] = field(default_factory=dict)  # e.g. "import", "refresh"

    def add(self, seconds: float, purpose: str = WRITE) -> None:
        """Record one write transaction's hold."""
        self.count += 1
        self.longest_s = max(self.longest_s, seconds)
        self.holds.append(seconds)
        self.longest_by_purpose[purpose] = max(self.longest_by_purpose.get(purpose, 0.0), seconds)


_watchers: list[LockHolds] = []


def make_engine(url: str) -> Engine:
    """A new engine for a URL of a supported database (core.engines sets it up per engine);
    SQLite writers begin with BEGIN IMMEDIATE, waiting again as `_begin_immediate` says."""
    return engines.new_engine(
        url, busy_timeout_ms=get_settings().sqlite_busy_timeout_ms, begin_writer=_begin_immediate
    )


def _begin_immediate(conn: Any) -> None:
    """BEGIN IMMEDIATE, waiting the busy timeout up to `write_lock_retries` more times."""
    retries = get_settings().write_lock_retries
    started = time.monotonic()
    for attempt in range(retries + 1):
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
            return
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise
            waited = time.monotonic() - started
            if attempt == retries:
                raise DatabaseBusy(waited) from None
            log.info("database write lock taken for %.0f s: waiting again", waited)
            notice = _wait_notice.get()
            if notice is not None:
                notice(attempt + 1, retries, waited)


@contextmanager
def lock_wait_notices(notice: WaitNotice) -> Iterator[None]:
    """Inside the block, a writer that has to wait for the lock calls `notice` before waiting again."""
    token = _wait_notice.set(notice)
    try:
        yield
    finally:
        _wait_notice.reset(token)


@contextmanager
def watch_write_locks() -> Iterator[LockHolds]:
    """Time every write transaction committed in this process while the block runs."""
    holds = LockHolds()
    with _lock:
        _watchers.append(holds)
    try:
        yield holds
    finally:
        with _lock:
            _watchers.remove(holds)


def record_hold(seconds: float, purpose: str) -> None:
    """Tell every watcher of one write transaction's lock hold."""
    with _lock:
        for holds in _watchers:
            holds.add(seconds, purpose)


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for a URL (default: the configured database)."""
    url = url or get_settings().database_url
    with _lock:
        if url not in _engines:
            _engines[url] = make_engine(url)
        return _engines[url]


def dispose_engines() -> None:
    """Close every cached engine (tests, reset)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()


@contextmanager
def read_session(engine: Engine | None = None) -> Iterator[Session]:
    """A session for reading; nothing it does is committed."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        yield session


@contextmanager
def write_session(engine: Engine | None = None, purpose: str = WRITE) -> Iterator[Session]:
    """One unit of work holding the write lock from its first statement; commits on success.

    `purpose` names the hold for `watch_write_locks` (the benchmark tells imports from refreshes)."""
    try:
        with (
            engines.writer(engine or get_engine()) as bind,
            Session(bind, expire_on_commit=False) as session,
        ):
            event.listen(session, "after_begin", _note_began)
            with session.begin():
                yield session
            began = session.info.pop(BEGAN, None)
    except engines.WriterBusy as busy:  # DuckDB: the process's writer lock stayed taken
        raise DatabaseBusy(busy.waited_s) from None
    if began is not None:  # the lock was held from BEGIN (IMMEDIATE) until the commit returned
        record_hold(time.perf_counter() - began, purpose)


@contextmanager
def trial_session(engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work like `write_session` that is always rolled back: a dry run writes nothing
    (a kill meanwhile leaves no trace either: its transaction never committed)."""
    try:
        with (
            engines.writer(engine or get_engine()) as bind,
            Session(bind, expire_on_commit=False) as session,
        ):
            transaction = session.begin()
            try:
                yield session
            finally:
                transaction.rollback()
    except engines.WriterBusy as busy:
        raise DatabaseBusy(busy.waited_s) from None


def _note_began(session: Session, _transaction: Any, _connection: Any) -> None:
    session.info.setdefault(BEGAN, time.perf_counter())

"""Database engines and units of work: short write transactions holding each engine's writer lock."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core import engines
from core.settings import get_settings

_engines: dict[str, Engine] = {}
_lock = threading.Lock()


def make_engine(url: str) -> Engine:
    """A new engine for a URL of a supported database (core.engines sets it up per engine)."""
    return engines.new_engine(url, busy_timeout_ms=get_settings().sqlite_busy_timeout_ms)


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
def write_session(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work holding the write lock from its first statement; commits on success."""
    with (
        engines.writer(engine or get_engine()) as bind,
        Session(bind, expire_on_commit=False) as session,
        session.begin(),
    ):
        yield session

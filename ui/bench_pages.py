"""The benchmark's page timings: each page's server-side run through streamlit's AppTest."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from streamlit.testing.v1 import AppTest

from core.db import dispose_engines, get_engine, write_session
from core.settings import get_settings
from governance.accounts import create_first_admin
from governance.permissions import actor_by_name
from governance.sessions import start_session
from ui.auth import TOKEN_KEY
from ui.page_registry import BY_KEY, PAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"
BENCH_ADMIN = "bench-admin"
SIGN_IN_TITLE = "Sign in to invgov"
TIMEOUT_S = 900  # one page's run at millions of orders on a busy machine


@dataclass(frozen=True)
class PageTimes:
    """Seconds of each page's run with its default filters, and the errors any run raised."""

    seconds: dict[str, float]
    errors: dict[str, list[str]]


def session_token(name: str, url: str) -> str:
    """A fresh sign-in session of an account (as signing in starts one); returns its token."""
    with write_session(get_engine(url)) as session:
        return start_session(session=session, actor=actor_by_name(session, name))


@contextmanager
def app_database(url: str) -> Iterator[None]:
    """Point the app (its settings and engines) at a database while the block runs."""
    previous = os.environ.get("INVGOV_DATABASE_URL")
    os.environ["INVGOV_DATABASE_URL"] = url
    get_settings.cache_clear()
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("INVGOV_DATABASE_URL", None)
        else:
            os.environ["INVGOV_DATABASE_URL"] = previous
        get_settings.cache_clear()
        dispose_engines()


def time_pages(url: str) -> PageTimes:
    """Sign in as a new admin (the first account of a fresh database) and time every page."""
    with write_session(get_engine(url)) as session:
        create_first_admin(session=session, name=BENCH_ADMIN, password="bench password 123")
    seconds: dict[str, float] = {}
    errors: dict[str, list[str]] = {}
    with app_database(url):
        for page in (spec.key for spec in PAGES):
            at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
            at.session_state[TOKEN_KEY] = session_token(BENCH_ADMIN, url)
            at.run()  # the landing page and the sign-in, not timed
            started = time.perf_counter()
            at.switch_page(BY_KEY[page].file).run()
            seconds[page] = round(time.perf_counter() - started, 3)
            if at.exception:
                errors[page] = [str(e.value) for e in at.exception]
            elif [t.value for t in at.title] == [SIGN_IN_TITLE]:
                errors[page] = ["the page drew the sign-in form: the session was not accepted"]
    return PageTimes(seconds, errors)

"""The benchmark's page timings: each page's server-side run through streamlit's AppTest."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from core.db import dispose_engines, get_engine, write_session
from core.settings import get_settings
from governance.accounts import create_first_admin
from governance.permissions import actor_by_name
from governance.sessions import start_session
from ui import queries
from ui.auth import TOKEN_KEY
from ui.filters import FilterKey
from ui.page_registry import BY_KEY, PAGES

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = PROJECT_ROOT / "app.py"
BENCH_ADMIN = "bench-admin"
SIGN_IN_TITLE = "Sign in to invgov"
TIMEOUT_S = 900  # one page's run at millions of orders on a busy machine


FILTER_WEEKS = 4  # the filtered view timed: the last four weeks of orders


@dataclass(frozen=True)
class PageTimes:
    """Seconds of each page's run with its default filters and with the filtered view of
    `filter_params`, the view itself, and the errors any run raised."""

    seconds: dict[str, float]
    errors: dict[str, list[str]]
    filtered_seconds: dict[str, float] = field(default_factory=dict)
    filters: dict[str, list[str]] = field(default_factory=dict)


def filter_params(url: str) -> dict[str, list[str]]:
    """A filtered view as a shared link carries it: the last FILTER_WEEKS weeks of orders, the
    first channel, the first location, the first ABC class and the first category."""
    options = queries.filter_options(get_engine(url))
    params: dict[str, list[str]] = {}
    if options.last_order_day is not None:
        start = options.last_order_day - timedelta(weeks=FILTER_WEEKS) + timedelta(days=1)
        params[FilterKey.DATES] = [start.isoformat(), options.last_order_day.isoformat()]
    for key, values in (
        (FilterKey.CHANNELS, options.channels),
        (FilterKey.LOCATIONS, options.locations),
        (FilterKey.ABC_CLASSES, options.abc_classes),
        (FilterKey.CATEGORIES, options.categories),
    ):
        if values:
            params[str(key)] = [values[0]]
    return params


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


def _time_page(url: str, page: str, params: dict[str, list[str]]) -> tuple[float, list[str]]:
    """One cold run of a page (every cached reading cleared first) opened with query params:
    its seconds and what went wrong, if anything."""
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT_S)
    at.session_state[TOKEN_KEY] = session_token(BENCH_ADMIN, url)
    at.run()  # the landing page and the sign-in, not timed
    for name, values in params.items():
        at.query_params[name] = values
    started = time.perf_counter()
    at.switch_page(BY_KEY[page].file).run()
    seconds = round(time.perf_counter() - started, 3)
    if at.exception:
        return seconds, [str(e.value) for e in at.exception]
    if [t.value for t in at.title] == [SIGN_IN_TITLE]:
        return seconds, ["the page drew the sign-in form: the session was not accepted"]
    return seconds, []


def time_pages(url: str) -> PageTimes:
    """Sign in as a new admin (the first account of a fresh database) and time every page cold,
    with the default filters and with the filtered view of `filter_params`."""
    with write_session(get_engine(url)) as session:
        create_first_admin(session=session, name=BENCH_ADMIN, password="bench password 123")
    chosen = filter_params(url)
    seconds: dict[str, float] = {}
    filtered: dict[str, float] = {}
    errors: dict[str, list[str]] = {}
    with app_database(url):
        for page in (spec.key for spec in PAGES):
            seconds[page], wrong = _time_page(url, page, {})
            filtered[page], wrong_filtered = _time_page(url, page, chosen)
            if wrong or wrong_filtered:
                errors[page] = wrong + [f"filtered: {e}" for e in wrong_filtered]
    return PageTimes(seconds, errors, filtered, chosen)

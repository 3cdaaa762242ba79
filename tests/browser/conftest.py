"""Browser fixtures: a real `streamlit run` server per test and headless Debian Chromium via Playwright."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from core.db import get_engine, write_session
from governance.accounts import add_user, create_first_admin
from tests.conftest import PROJECT_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
PASSWORD = "browser-pass-1"
PEOPLE = {
    "ada": ("admin", None),
    "vic": ("viewer", None),
    "olga": ("owner", "inventory control"),
    "sam": ("steward", "merchandising"),
}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class AppServer:
    """A running app: its base URL and database URL."""

    url: str
    db_url: str


def start_server(db_url: str) -> tuple[subprocess.Popen[bytes], str]:
    """Start `streamlit run serve.py` (the app with its sign-in routes) on a free port and wait
    until /_stcore/health answers ok."""
    port = _free_port()
    env = {**os.environ, "INVGOV_DATABASE_URL": db_url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "serve.py", "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--global.developmentMode", "false"],
        cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as reply:
                if reply.read() == b"ok":
                    return proc, base
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("streamlit did not answer /_stcore/health within 60 s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server started by start_server: SIGTERM, then SIGKILL if it lingers (a loaded
    machine can take longer than the grace period to shut Streamlit down)."""
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=20)


@pytest.fixture
def people_db(sqlite_url: str) -> str:
    """An SQLite database with one account per role (password PASSWORD)."""
    with write_session(get_engine(sqlite_url)) as session:
        admin = create_first_admin(session=session, name="ada", password=PASSWORD)
        for name, (role, team) in PEOPLE.items():
            if name != "ada":
                add_user(session=session, actor=admin, name=name, role=role, team=team,
                         password=PASSWORD)  # fmt: skip
    return sqlite_url


@pytest.fixture
def app_server(people_db: str) -> Iterator[AppServer]:
    """A fresh app server on the accounts database, stopped after the test."""
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Headless Debian Chromium driven by Playwright (skips where either is missing)."""
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip(
            "Debian's chromium is not installed (make test installs it where apt-get exists)"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """A new browser page (own cookies) for one test."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
    tab = context.new_page()
    tab.set_default_timeout(30_000)
    yield tab
    context.close()


def wait_idle(page: object) -> None:
    """Wait until the app is connected and its script has finished running."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")  # type: ignore[attr-defined]
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")  # type: ignore[attr-defined]
    page.wait_for_timeout(300)  # type: ignore[attr-defined]


def wait_heading(page: object, title: str) -> None:
    """Wait until the page's title (h1) reads title: a rerun may still be under way after wait_idle."""
    page.locator("h1", has_text=title).first.wait_for(timeout=30_000)  # type: ignore[attr-defined]
    wait_idle(page)


def fill_sign_in(page: object, name: str, password: str = PASSWORD) -> None:
    """Fill and send the served sign-in form (the page must show it)."""
    page.locator("h1", has_text="Sign in to invgov").wait_for()  # type: ignore[attr-defined]
    page.get_by_label("User name").fill(name)  # type: ignore[attr-defined]
    page.get_by_label("Password").fill(password)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Sign in", exact=True).click()  # type: ignore[attr-defined]


def sign_in(page: object, base: str, name: str, path: str = "") -> None:
    """Open a page signed out (the gate shows the sign-in form), sign in, wait for the app."""
    page.goto(f"{base}/{path}")  # type: ignore[attr-defined]
    fill_sign_in(page, name)
    page.get_by_text(f"Signed in as {name}").wait_for()  # type: ignore[attr-defined]
    wait_idle(page)

"""The sign-in session as the web side sees it: the cookie's name, looking a token up, safe `next` paths.

Shared by the app script (ui.auth reads the cookie Streamlit saw at connection) and the sign-in
routes served beside it (ui.signin_web sets and clears the cookie). No Streamlit here.
"""

from __future__ import annotations

import hashlib
import logging
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlsplit

from sqlalchemy.exc import SQLAlchemyError

from core.db import get_engine, read_session, write_session
from core.settings import get_settings, safe_url
from governance.errors import GovernanceError
from governance.sessions import Resumed, end_session, limits, resume, touch

log = logging.getLogger(__name__)
COOKIE_PREFIX = "invgov_session_"
# True once ui.signin_web built its routes (serve.py): the app script then relies on the cookie.
SERVED = {"active": False}
_toucher = ThreadPoolExecutor(max_workers=1, thread_name_prefix="invgov-session-touch")


def cookie_name(database_url: str | None = None) -> str:
    """The session cookie's name, distinct per database.

    Browsers do not scope cookies by port: two invgov servers on one host (e.g. :8501 and :8502)
    share cookies, so each database gets its own name and never reads the other's token.
    """
    url = safe_url(database_url or get_settings().database_url)
    return COOKIE_PREFIX + hashlib.sha256(url.encode("utf-8")).hexdigest()[:12]


def resume_token(token: str | None) -> Resumed | None:
    """The valid session of a token (read only; its last use is written in the background)."""
    if not token:
        return None
    try:
        with read_session(get_engine()) as session:
            resumed = resume(session, token, within=limits())
    except (GovernanceError, SQLAlchemyError):
        log.warning("could not check a sign-in session", exc_info=True)
        return None
    if resumed is not None and resumed.stale:
        _toucher.submit(_touch, resumed.session_id)
    return resumed


def _touch(session_id: int) -> None:
    try:
        with write_session(get_engine()) as session:
            touch(session=session, session_id=session_id)
    except SQLAlchemyError:  # never sign anyone out for a busy database: the next use retries
        log.info("session %s: last use not recorded this time", session_id, exc_info=True)


def end_token(token: str | None) -> bool:
    """Sign out: end the session of a token server-side (whether one was ended)."""
    if not token:
        return False
    with write_session(get_engine()) as session:
        return end_session(session=session, token=token)


def safe_next(raw: str | None, pages: set[str]) -> str | None:
    """A same-site path to one of the app's pages (with its query), or None for anything else.

    Refuses absolute URLs, `//host` and backslash tricks, and paths that are no page.
    """
    if not raw or not raw.startswith("/") or raw.startswith("//") or "\\" in raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme or parts.netloc:
        return None
    page = parts.path.strip("/")
    if page not in pages:
        return None
    return f"/{page}" + (f"?{parts.query}" if parts.query else "")


def sentence(text: str) -> str:
    """A message as a sentence: first letter capital, a full stop at the end."""
    text = text.strip()
    if not text:
        return text
    return text[:1].upper() + text[1:] + ("" if text.endswith((".", "!", "?")) else ".")

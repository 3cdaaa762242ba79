"""Sign-in and the guard every page starts with: who is signed in, and which pages their role may see.

Who is signed in comes from a server-side session (governance.sessions): its random token is in an
HttpOnly cookie set by the sign-in routes served beside the app (ui.signin_web, `streamlit run
serve.py`), which Streamlit passes to the script as `st.context.cookies`. Without those routes
(`streamlit run app.py`, AppTest) the in-app form starts the same kind of session and keeps its
token in this tab's server-side session state. Every run checks the session again (ended, idle,
account disabled, role or password changed), so signing out or a revoked account counts at once.
No password or hash ever reaches the browser or page scripts.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import streamlit as st
from sqlalchemy import select

from core.db import DatabaseBusy, read_session, write_session
from core.schema import User
from governance.errors import AuthenticationError, GovernanceError
from governance.permissions import Action, Actor, Role, actor_by_name, may_ever
from governance.sessions import start_session
from governance.signin import authenticate
from ui import data, frame
from ui.gov_actions import BUSY
from ui.page_registry import PAGES
from ui.web_session import SERVED, cookie_name, end_token, resume_token, sentence

log = logging.getLogger(__name__)
TOKEN_KEY = "invgov.session_token"

# What a role must hold to see a page (keyed by the page's url_path); every page is listed.
PAGE_ACCESS: dict[str, Action] = {spec.key: spec.access for spec in PAGES}  # ui.page_registry
# Where a role lands after signing in (and at the root URL): owners work their queue.
LANDING: dict[Role, str] = {Role.OWNER: "queue"}
DEFAULT_LANDING = "overview"


def landing_page(actor: Actor) -> str:
    """The page key a role lands on: My queue for owners, the Overview for everyone else."""
    return LANDING.get(actor.role, DEFAULT_LANDING)


def landing_path(actor: Actor) -> str:
    """The URL path of the role's landing page."""
    return f"/{landing_page(actor)}"


def sso_configured() -> bool:
    """Whether `.streamlit/secrets.toml` configures OpenID Connect (`[auth]`)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all is the common case
        return False


def _token() -> str | None:
    """The session token of this browser: the cookie, else the one the in-app form started."""
    try:
        cookie = st.context.cookies.get(cookie_name())
    except Exception:  # no browser context (a page run outside a session)
        cookie = None
    if not isinstance(cookie, str):  # AppTest has no browser: its cookie store is a stand-in
        cookie = None
    return cookie or st.session_state.get(TOKEN_KEY)


def current_actor() -> Actor | None:
    """The signed-in, enabled actor of this session, or None."""
    resumed = resume_token(_token())
    if resumed is not None:
        return resumed.actor
    st.session_state.pop(TOKEN_KEY, None)
    if sso_configured() and st.user.is_logged_in:
        return _sso_actor(str(st.user.get("email") or ""))
    return None


def _sso_actor(email: str) -> Actor | None:
    if not email:
        return None
    with read_session(data.engine_for(data.database_url())) as session:
        name = session.scalar(select(User.name).where(User.email == email.strip().lower()))
        try:
            actor = actor_by_name(session, name) if name else None
        except GovernanceError:
            actor = None
    return None if actor is None or actor.disabled else actor


def may_view(actor: Actor, page_key: str) -> bool:
    """Whether the actor's role may open a page (unknown pages: no)."""
    action = PAGE_ACCESS.get(page_key)
    return action is not None and may_ever(actor, action)


def require(page_key: str) -> Actor:
    """The guard: the signed-in actor allowed on this page; otherwise show sign-in or a refusal and stop."""
    frame.data_context()  # stops with what to do when the database has no schema
    actor = current_actor()
    if actor is None:
        show_sign_in_only()
    if not may_view(actor, page_key):
        st.error("Your role does not give access to this page.", icon=":material/block:")
        st.stop()
    return actor


def _asked_page() -> str | None:
    """The app page the browser's address names, if any."""
    try:
        url = st.context.url
    except Exception:  # no browser context
        return None
    if not isinstance(url, str):
        return None
    path = urlsplit(url).path
    page = path.rstrip("/").rsplit("/", 1)[-1]
    return page if page in PAGE_ACCESS else None


def show_sign_in_only() -> None:
    """Make the sign-in form the only page of this session, and stop the script.

    The form also answers at the address the browser asked for (a hidden page of that url path),
    so Streamlit shows no "Page not found", and once signed in the same address opens its page.
    """
    pages = [st.Page(sign_in_page, title="Sign in", url_path="signin", default=True)]
    asked = _asked_page()
    if asked:
        pages.append(st.Page(sign_in_page, title="Sign in", url_path=asked, visibility="hidden"))
    st.navigation(pages, position="hidden").run()
    st.stop()


def sign_in_page() -> None:
    """Sign-in: a pointer to the served form, or (without it) the in-app form; SSO when configured."""
    st.title("Sign in to invgov")
    if SERVED["active"]:
        st.info("You are signed out: your session ended or was closed.", icon=":material/lock:")
        st.button("Sign in again", type="primary", on_click=st.logout, key="auth.again")
    else:
        _in_app_form()
    if sso_configured():
        if st.user.is_logged_in:
            st.warning(f"{st.user.get('email')} has no invgov account; ask an admin.")
            st.button("Sign out of single sign-on", on_click=st.logout)
        else:
            st.button("Sign in with single sign-on", on_click=st.login)


def _in_app_form() -> None:
    with st.form("signin", enter_to_submit=True):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        _try_sign_in(name, password)
    st.caption(
        "Signed in here, you stay signed in in this tab only; served with `streamlit run "
        "serve.py` (as `make run` does), a refresh keeps you signed in."
    )


def _try_sign_in(name: str, password: str) -> None:
    if not name.strip() or not password:
        st.error("Enter your user name and password.")
        return
    try:
        with write_session(data.engine_for(data.database_url())) as session:
            actor = authenticate(session, name, password)
            token = start_session(session=session, actor=actor)
    except AuthenticationError as refused:
        st.error(sentence(str(refused)))
        return
    except DatabaseBusy:
        st.error(BUSY)
        return
    st.session_state[TOKEN_KEY] = token
    st.rerun()


def sign_out() -> None:
    """End this browser's session server-side (its cookie is refused from now on), then leave."""
    try:
        end_token(_token())
    except GovernanceError:
        log.warning("sign-out: the session could not be ended", exc_info=True)
    st.session_state.pop(TOKEN_KEY, None)
    if SERVED["active"] or (sso_configured() and st.user.is_logged_in):
        st.logout()  # the browser goes to /auth/logout, then to the sign-in form


def render_identity(actor: Actor) -> None:
    """Who is signed in, with a sign-out button, at the top of the sidebar."""
    with st.sidebar:
        team = f" · {actor.team}" if actor.team else ""
        st.text(f"Signed in as {actor.name} ({actor.role}{team})")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:", key="auth.signout")

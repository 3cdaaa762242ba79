"""Sign-in and the guard every page starts with: who is signed in, and which pages their role may see.

Only the user's name is kept in `st.session_state` (server-side, per browser session): no password,
hash or token ever reaches the browser or page scripts. The actor is reloaded from the database on
every run, so a disabled account or a changed role takes effect at once. A browser refresh starts
a new session and asks to sign in again.
"""

from __future__ import annotations

import logging

import streamlit as st
from sqlalchemy import select

from core.db import read_session, write_session
from core.schema import User
from governance.errors import AuthenticationError, GovernanceError
from governance.permissions import Action, Actor, actor_by_name, may_ever
from governance.signin import authenticate
from ui import data, frame

log = logging.getLogger(__name__)
USER_KEY = "invgov.user"

# What a role must hold to see a page (keyed by the page's url_path); every page is listed.
PAGE_ACCESS: dict[str, Action] = {
    "overview": Action.READ,
    "queue": Action.READ,
    "exceptions": Action.READ,
    "review": Action.READ,
    "approvals": Action.READ,
    "ownership": Action.READ,
    "migration": Action.READ,
    "data": Action.READ,
    "sources": Action.READ,
    "account": Action.READ,
    "admin": Action.MANAGE_USERS,
}


def sso_configured() -> bool:
    """Whether `.streamlit/secrets.toml` configures OpenID Connect (`[auth]`)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all is the common case
        return False


def current_actor() -> Actor | None:
    """The signed-in, enabled actor of this session, or None."""
    name = st.session_state.get(USER_KEY)
    if name is None and sso_configured() and st.user.is_logged_in:
        name = _user_for_email(str(st.user.get("email") or ""))
    if name is None:
        return None
    try:
        with read_session(data.engine_for(data.database_url())) as session:
            actor = actor_by_name(session, name)
    except GovernanceError:
        actor = None
    if actor is None or actor.disabled:
        st.session_state.pop(USER_KEY, None)
        return None
    st.session_state[USER_KEY] = actor.name
    return actor


def _user_for_email(email: str) -> str | None:
    if not email:
        return None
    with read_session(data.engine_for(data.database_url())) as session:
        return session.scalar(select(User.name).where(User.email == email.strip().lower()))


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


def show_sign_in_only() -> None:
    """Make the sign-in page the only page of this session, and stop the script."""
    st.navigation(
        [st.Page(sign_in_page, title="Sign in", url_path="signin")], position="hidden"
    ).run()
    st.stop()


def sign_in_page() -> None:
    """The sign-in form (local accounts), plus single sign-on when configured."""
    st.title("Sign in to invgov")
    with st.form("signin", enter_to_submit=True):
        name = st.text_input("User name", autocomplete="username")
        password = st.text_input("Password", type="password", autocomplete="current-password")
        submitted = st.form_submit_button("Sign in", type="primary")
    if submitted:
        _try_sign_in(name, password)
    if sso_configured():
        if st.user.is_logged_in:
            st.warning(f"{st.user.get('email')} has no invgov account; ask an admin.")
            st.button("Sign out of single sign-on", on_click=st.logout)
        else:
            st.button("Sign in with single sign-on", on_click=st.login)
    st.caption("Refreshing the browser asks you to sign in again.")


def _try_sign_in(name: str, password: str) -> None:
    if not name.strip() or not password:
        st.error("Enter your user name and password.")
        return
    try:
        with write_session(data.engine_for(data.database_url())) as session:
            actor = authenticate(session, name, password)
    except AuthenticationError as refused:
        st.error(str(refused))
        return
    st.session_state[USER_KEY] = actor.name
    st.rerun()


def sign_out() -> None:
    """End this session's sign-in (and the SSO session when there is one)."""
    st.session_state.pop(USER_KEY, None)
    if sso_configured() and st.user.is_logged_in:
        st.logout()


def render_identity(actor: Actor) -> None:
    """Who is signed in, with a sign-out button, at the top of the sidebar."""
    with st.sidebar:
        team = f" · {actor.team}" if actor.team else ""
        st.text(f"Signed in as {actor.name} ({actor.role}{team})")
        st.button("Sign out", on_click=sign_out, icon=":material/logout:", key="auth.signout")

"""Server-side sign-in sessions and the sign-in routes served beside the app (SQLite and PostgreSQL).

A session is a random token (only its sha256 stored) with an idle expiry; signing out, disabling
the account, changing its role or password end it. The routes set the token in an HttpOnly,
SameSite=Strict cookie and send a page request without a valid session to the form first.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import Engine, select
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from core.db import read_session, write_session
from core.schema import SignInSession
from core.timeutil import utcnow
from governance import accounts
from governance.permissions import Actor
from governance.sessions import SessionLimits, end_session, resume, start_session, token_hash
from tests.governance_support import PASSWORD, make_people
from ui import signin_web
from ui.web_session import cookie_name, safe_next

LIMITS = SessionLimits(idle=timedelta(hours=12), maximum=timedelta(days=7))


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role (password PASSWORD)."""
    return make_people(engine)


def _start(engine: Engine, name: str) -> str:
    with write_session(engine) as session:
        actor = accounts.authenticate(session, name, PASSWORD)
        return start_session(session=session, actor=actor)


def _who(engine: Engine, token: str, later: timedelta = timedelta()) -> str | None:
    with read_session(engine) as session:
        resumed = resume(session, token, now=utcnow() + later, within=LIMITS)
    return None if resumed is None else resumed.actor.name


def test_a_session_is_a_random_token_stored_only_as_its_hash(
    engine: Engine, people: dict[str, Actor]
) -> None:
    first, second = _start(engine, "owner.inv"), _start(engine, "owner.inv")
    assert first != second and len(first) >= 43  # 32 random bytes, URL-safe base64
    with read_session(engine) as session:
        stored = session.scalars(select(SignInSession.token_sha256)).all()
    assert sorted(stored) == sorted([token_hash(first), token_hash(second)])
    assert first not in stored and second not in stored
    assert _who(engine, first) == "owner.inv"
    assert _who(engine, "not-a-token") is None


def test_a_session_ends_when_idle_too_long_and_at_its_maximum_age(
    engine: Engine, people: dict[str, Actor]
) -> None:
    token = _start(engine, "viewer1")
    assert _who(engine, token, timedelta(hours=11, minutes=59)) == "viewer1"
    assert _who(engine, token, timedelta(hours=12, minutes=1)) is None  # idle > 12 h
    with write_session(engine) as session:  # used 6 days from now: idle resets, age does not
        row = session.scalars(select(SignInSession)).one()
        row.last_seen_at = utcnow() + timedelta(days=6, hours=23)
    assert _who(engine, token, timedelta(days=6, hours=23, minutes=30)) == "viewer1"
    assert _who(engine, token, timedelta(days=7, minutes=1)) is None  # older than 7 days


@pytest.mark.parametrize(
    "change", ["sign_out", "disable", "role", "reset_password", "own_password"]
)
def test_sign_out_disable_role_and_password_changes_end_the_session(
    engine: Engine, people: dict[str, Actor], change: str
) -> None:
    token, other = _start(engine, "owner.inv"), _start(engine, "steward1")
    admin, owner = people["admin1"], people["owner.inv"]
    with write_session(engine) as session:
        if change == "sign_out":
            assert end_session(session=session, token=token)
        elif change == "disable":
            accounts.disable_user(session=session, actor=admin, name="owner.inv")
        elif change == "role":
            accounts.change_role(session=session, actor=admin, name="owner.inv", role="viewer")
        elif change == "reset_password":
            accounts.reset_password(session=session, actor=admin, name="owner.inv",
                                    password="another-password-1")  # fmt: skip
        else:
            accounts.change_own_password(session=session, actor=owner, current_password=PASSWORD,
                                         new_password="another-password-1")  # fmt: skip
    assert _who(engine, token) is None
    assert _who(engine, other) == "steward1"  # someone else's session is untouched
    with read_session(engine) as session:
        why = session.scalar(
            select(SignInSession.ended_why).where(SignInSession.token_sha256 == token_hash(token))
        )
    expected = {"sign_out": "signed_out", "disable": "account_disabled", "role": "role_changed"}
    assert why == expected.get(change, "password_changed")


def test_a_role_changed_behind_the_accounts_module_still_ends_the_session(
    engine: Engine, people: dict[str, Actor]
) -> None:
    token = _start(engine, "steward1")
    with write_session(engine) as session:  # a direct edit of the account row
        session.execute(
            accounts.User.__table__.update()
            .where(accounts.User.name == "steward1")
            .values(role="viewer")
        )
    assert _who(engine, token) is None


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("/queue", "/queue"),
        ("/exceptions?exception=12", "/exceptions?exception=12"),
        ("/", "/"),
        ("//evil.example/queue", None),
        ("https://evil.example/queue", None),
        ("/\\evil.example", None),
        ("/nowhere", None),
        ("queue", None),
        (None, None),
    ],
)
def test_only_the_apps_own_pages_are_a_next_address(raw: str | None, safe: str | None) -> None:
    assert safe_next(raw, signin_web.PAGES) == safe


def _client() -> TestClient:
    async def page(request: object) -> PlainTextResponse:
        return PlainTextResponse("the app")

    app = Starlette(
        routes=[*signin_web.routes(), Route("/{path:path}", page)],
        middleware=signin_web.middleware(),
    )
    return TestClient(app, base_url="http://invgov.test", follow_redirects=False)


def _csrf(client: TestClient, query: str = "") -> str:
    form = client.get(f"/signin{query}")
    assert form.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', form.text).group(1)  # type: ignore[union-attr]


def test_the_gate_sends_a_deep_link_to_sign_in_and_back(
    engine: Engine, people: dict[str, Actor]
) -> None:
    client = _client()
    asked = client.get("/exceptions?exception=7")
    assert (asked.status_code, asked.headers["location"]) == (
        303,
        "/signin?next=/exceptions%3Fexception%3D7",
    )
    assert client.get("/_stcore/health").text == "the app"  # not a page: never gated
    csrf = _csrf(client, "?next=/exceptions%3Fexception%3D7")
    signed = client.post(
        "/signin",
        data={"csrf": csrf, "next": "/exceptions?exception=7", "name": "Steward1",
              "password": PASSWORD},
        headers={"origin": "http://invgov.test"},
    )  # fmt: skip
    assert (signed.status_code, signed.headers["location"]) == (303, "/exceptions?exception=7")
    cookie = signed.headers["set-cookie"]
    assert cookie.startswith(f"{cookie_name()}=")
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain HTTP here; over HTTPS the cookie is Secure
    assert client.get("/exceptions?exception=7").text == "the app"
    assert client.get("/signin").headers["location"] == "/overview"  # already signed in


def test_an_owner_lands_on_my_queue_and_a_foreign_next_is_ignored(
    engine: Engine, people: dict[str, Actor]
) -> None:
    client = _client()
    signed = client.post(
        "/signin",
        data={"csrf": _csrf(client), "next": "https://evil.example/", "name": "owner.inv",
              "password": PASSWORD},
    )  # fmt: skip
    assert signed.headers["location"] == "/queue"
    assert client.get("/admin").headers["location"] == "/queue"  # not an owner's page


def test_the_form_refuses_bad_passwords_missing_tokens_and_foreign_origins(
    engine: Engine, people: dict[str, Actor]
) -> None:
    client = _client()
    csrf = _csrf(client)
    wrong = client.post("/signin", data={"csrf": csrf, "name": "viewer1", "password": "nope"})
    assert wrong.status_code == 401 and "Wrong user name or password." in wrong.text
    assert "set-cookie" not in wrong.headers or cookie_name() not in wrong.headers["set-cookie"]
    no_token = client.post("/signin", data={"csrf": "forged", "name": "viewer1",
                                            "password": PASSWORD})  # fmt: skip
    assert no_token.status_code == 400 and cookie_name() not in str(no_token.headers)
    foreign = client.post(
        "/signin",
        data={"csrf": _csrf(client), "name": "viewer1", "password": PASSWORD},
        headers={"origin": "https://evil.example"},
    )
    assert foreign.status_code == 403
    page = client.get("/signin")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["x-frame-options"] == "DENY"


def test_an_ended_session_is_refused_and_its_cookie_cleared(
    engine: Engine, people: dict[str, Actor]
) -> None:
    client = _client()
    client.post("/signin", data={"csrf": _csrf(client), "name": "viewer1", "password": PASSWORD})
    token = client.cookies[cookie_name()]
    with write_session(engine) as session:
        end_session(session=session, token=token)
    again = client.get("/overview")
    assert again.headers["location"] == "/signin?next=/overview"
    assert f'{cookie_name()}=""' in again.headers["set-cookie"]


def test_the_form_renders_nothing_typed_as_markup(engine: Engine, people: dict[str, Actor]) -> None:
    client = _client()
    typed = '"><script>alert(1)</script>'
    page = client.post("/signin", data={"csrf": _csrf(client), "name": typed, "password": "x"})
    assert page.status_code == 401
    assert "<script>" not in page.text and "&lt;script&gt;" in page.text
    assert client.get("/signin?next=%22%3E%3Cscript%3E").text.count("<script>") == 0

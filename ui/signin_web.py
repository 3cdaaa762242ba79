"""Sign-in served beside the app (`st.App` routes and middleware): an HttpOnly session cookie.

- `GET /signin` shows a plain HTML form (our own fixed text; nothing from the data is rendered).
- `POST /signin` checks the name and password (governance.signin: argon2, lock-out, every attempt
  logged), starts a server-side session (governance.sessions) and sets its random token in a cookie
  that is HttpOnly, SameSite=Strict, Secure over HTTPS, then sends the browser to the page it
  asked for (`next`, only one of the app's own pages) or to the role's landing page.
- `SignInGate` stands before every page request: without a valid session the browser goes to
  `/signin?next=<the page>`, so a deep link lands on its page after signing in.
Signing out ends the session in the database (ui.auth), so an old cookie is refused from then on.
"""

from __future__ import annotations

import hmac
import html
import logging
import secrets
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from core.db import get_engine, write_session
from core.settings import get_settings
from governance.errors import AuthenticationError
from governance.sessions import start_session
from governance.signin import authenticate
from ui.auth import PAGE_ACCESS, landing_path, may_view, sso_configured
from ui.web_session import SERVED, cookie_name, resume_token, safe_next, sentence

log = logging.getLogger(__name__)
CSRF_COOKIE = "invgov_signin_csrf"
MAX_FORM_BYTES = 8 * 1024
SIGNIN_PATH = "/signin"
SSO_START = "sso"  # /?sso=start lets the in-app single sign-on button through the gate
STREAMLIT_SSO_COOKIE = "_streamlit_user"
PAGES = set(PAGE_ACCESS) | {""}
SECURITY_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",  # "no-referrer" would make the form post say Origin: null
}


def _secure(request: Request) -> bool:
    setting = get_settings().cookie_secure.strip().lower()
    if setting in ("true", "false"):
        return setting == "true"
    forwarded = request.headers.get("x-forwarded-proto", "").split(",")[0].strip().lower()
    return request.url.scheme == "https" or forwarded == "https"


def _redirect(location: str) -> RedirectResponse:
    response = RedirectResponse(location, status_code=303)
    response.headers["Cache-Control"] = "no-store"
    return response


PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Sign in · invgov</title>
<style>body{{font-family:system-ui,sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;
color:#262730}}h1{{font-size:1.8rem}}label{{display:block;margin:1rem 0 .3rem}}
input{{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}}
button{{margin-top:1.2rem;padding:.55rem 1.2rem;font-size:1rem;background:#ff4b4b;color:#fff;
border:0;border-radius:.4rem}}.error{{background:#ffecec;color:#7d353b;padding:.7rem;
border-radius:.4rem}}.note{{color:#555;font-size:.9rem;margin-top:1.5rem}}</style></head>
<body><h1>Sign in to invgov</h1>{error}
<form method="post" action="{action}">
<input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="next" value="{next}">
<label for="name">User name</label>
<input id="name" name="name" autocomplete="username" value="{name}" required autofocus>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button></form>{sso}
<p class="note">You stay signed in while you use invgov, up to {idle} without using it.</p>
</body></html>"""


def _form(request: Request, *, error: str = "", name: str = "", status: int = 200) -> Response:
    csrf = secrets.token_urlsafe(24)
    raw_next = request.query_params.get("next", "")
    sso = (
        f'<p class="note"><a href="{html.escape(_base())}/?{SSO_START}=start">'
        "Sign in with single sign-on</a></p>"
        if sso_configured()
        else ""
    )
    hours = get_settings().session_idle_hours
    body = PAGE.format(
        error=f'<p class="error" role="alert">{html.escape(error)}</p>' if error else "",
        action=html.escape(_base() + SIGNIN_PATH),
        csrf=csrf,
        next=html.escape(safe_next(raw_next, PAGES) or ""),
        name=html.escape(name),
        sso=sso,
        idle=f"{hours:g} hour{'' if hours == 1 else 's'}",
    )
    response = HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)
    response.set_cookie(CSRF_COOKIE, csrf, max_age=3600, httponly=True, samesite="strict",
                        secure=_secure(request), path=_base() + SIGNIN_PATH)  # fmt: skip
    return response


def _base() -> str:
    from streamlit import config

    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def _same_origin(request: Request) -> bool:
    """A form post must come from a page of this host (Origin, else Referer, when sent)."""
    origin = request.headers.get("origin") or request.headers.get("referer")
    if not origin or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")


async def sign_in_page(request: Request) -> Response:
    """GET: the form (or, already signed in, straight on to the page asked for)."""
    resumed = await run_in_threadpool(resume_token, request.cookies.get(cookie_name()))
    if resumed is not None:
        wanted = safe_next(request.query_params.get("next"), PAGES)
        return _redirect(_base() + (wanted or landing_path(resumed.actor)))
    return _form(request)


async def sign_in(request: Request) -> Response:
    """POST: check the name and password, start a session, set its cookie, go to the page."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES or not _same_origin(request):
        return Response("Refused.", status_code=403, headers=SECURITY_HEADERS)
    form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace")).items()}
    name, password = form.get("name", "").strip(), form.get("password", "")
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, form.get("csrf", "")):
        why = "The sign-in form expired or this browser refused its cookie: please try again."
        return _form(request, error=why, name=name, status=400)
    if not name or not password:
        return _form(request, error="Enter your user name and password.", name=name, status=400)
    try:
        actor, token = await run_in_threadpool(_authenticate, name, password)
    except AuthenticationError as refused:
        return _form(request, error=sentence(str(refused)), name=name, status=401)
    wanted = safe_next(form.get("next"), PAGES)
    response = _redirect(_base() + (wanted or landing_path(actor)))
    response.set_cookie(cookie_name(), token, httponly=True, samesite="strict",
                        secure=_secure(request), path=_base() or "/")  # fmt: skip
    response.delete_cookie(CSRF_COOKIE, path=_base() + SIGNIN_PATH)
    return response


def _authenticate(name: str, password: str) -> tuple[Any, str]:
    with write_session(get_engine()) as session:
        actor = authenticate(session, name, password)
        return actor, start_session(session=session, actor=actor)


class SignInGate:
    """ASGI middleware: a page request without a valid session goes to the sign-in form first."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Let everything but page loads through; check the session of a page load."""
        page = _page_of(scope)
        if page is None:
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        if _sso_passes(request):
            await self.app(scope, receive, send)
            return
        token = request.cookies.get(cookie_name())
        resumed = await run_in_threadpool(resume_token, token)
        if resumed is None:
            wanted = scope["path"] + (f"?{request.url.query}" if request.url.query else "")
            asked = quote(wanted[len(_base()) :], safe="/")
            response: Response = _redirect(f"{_base()}{SIGNIN_PATH}?next={asked}")
            if token:
                response.delete_cookie(cookie_name(), path=_base() or "/")
            await response(scope, receive, send)
            return
        if page and not may_view(resumed.actor, page):
            await _redirect(_base() + landing_path(resumed.actor))(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _page_of(scope: Scope) -> str | None:
    """The app page a GET asks for ("" for the root), or None for anything else."""
    if scope["type"] != "http" or scope.get("method") not in ("GET", "HEAD"):
        return None
    path = str(scope.get("path", ""))
    base = _base()
    if base and not path.startswith(base):
        return None
    page = path[len(base) :].strip("/")
    return page if page in PAGES else None


def _sso_passes(request: Request) -> bool:
    """Single sign-on (st.login) keeps its own cookie: the app maps it to an account itself."""
    if not sso_configured():
        return False
    return STREAMLIT_SSO_COOKIE in request.cookies or request.query_params.get(SSO_START) == "start"


def routes() -> list[Route]:
    """The sign-in routes to mount beside the app."""
    path = _base() + SIGNIN_PATH
    return [
        Route(path, sign_in_page, methods=["GET"]),
        Route(path, sign_in, methods=["POST"]),
    ]


def middleware() -> list[Middleware]:
    """The gate in front of every page."""
    return [Middleware(SignInGate)]


def serve_beside_the_app() -> tuple[list[Route], list[Middleware]]:
    """Routes and gate for `st.App`, and tell the app script it is served with them."""
    SERVED["active"] = True
    return routes(), middleware()

"""Sign-in and the guard in the app: nobody sees a page without signing in; roles see only their pages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from core.db import get_engine, write_session
from core.schema import AuditEntry, LoginAttempt, User
from governance.accounts import add_user, create_first_admin
from tests.governance_support import session_token
from ui.auth import PAGE_ACCESS, TOKEN_KEY

PROJECT_ROOT = Path(__file__).resolve().parent.parent
APP = str(PROJECT_ROOT / "app.py")
PAGE_FILES = sorted((PROJECT_ROOT / "pages").glob("*.py"))
PASSWORD = "correct-horse-1"


@pytest.fixture
def people(db_url: str) -> str:
    """An admin, a viewer and an owner with known passwords."""
    with write_session(get_engine(db_url)) as session:
        admin = create_first_admin(session=session, name="ada", password=PASSWORD)
        add_user(session=session, actor=admin, name="vic", role="viewer", password=PASSWORD)
        add_user(session=session, actor=admin, name="olga", role="owner", team="inventory control",
                 password=PASSWORD)  # fmt: skip
    return db_url


def signed_in(user: str | None) -> AppTest:
    """The app run once with `user` signed in (None: nobody)."""
    at = AppTest.from_file(APP, default_timeout=30)
    if user:
        at.session_state[TOKEN_KEY] = session_token(user)
    return at.run()


def shows_only_sign_in(at: AppTest) -> bool:
    """Whether the run drew the sign-in page and nothing else."""
    titles = [t.value for t in at.title]
    return titles == ["Sign in to invgov"] and not at.metric and not at.dataframe


def test_every_page_file_starts_with_the_guard() -> None:
    assert {p.stem for p in PAGE_FILES} == set(PAGE_ACCESS)
    for path in PAGE_FILES:
        body = [n for n in ast.parse(path.read_text()).body
                if not isinstance(n, ast.Import | ast.ImportFrom)
                and not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))]  # fmt: skip
        first = body[0]
        assert isinstance(first, ast.Assign), path.name
        call = first.value
        assert isinstance(call, ast.Call) and getattr(call.func, "id", None) == "require", path.name
        assert [a.value for a in call.args] == [path.stem], path.name


def test_a_visitor_sees_only_the_sign_in_page(people: str) -> None:
    at = signed_in(None)
    assert not at.exception
    assert shows_only_sign_in(at)


@pytest.mark.parametrize("page", [p.name for p in PAGE_FILES])
def test_a_page_file_run_on_its_own_shows_only_sign_in(people: str, page: str) -> None:
    # A cold deep link runs the page file without app.py; the guard must still stop it.
    at = AppTest.from_file(str(PROJECT_ROOT / "pages" / page), default_timeout=30).run()
    assert not at.exception
    assert shows_only_sign_in(at)


def test_signing_in_with_the_form_opens_the_app(people: str) -> None:
    at = signed_in(None)
    at.text_input[0].input("Ada")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert TOKEN_KEY in at.session_state  # a server-side session was started for this tab
    assert "Signed in as ada (admin)" in [t.value for t in at.sidebar.text]
    assert [t.value for t in at.title] == ["Overview"]


def test_an_owner_lands_on_my_queue(people: str) -> None:
    at = signed_in(None)
    at.text_input[0].input("olga")
    at.text_input[1].input(PASSWORD)
    at.button[0].click().run()
    assert not at.exception
    assert [t.value for t in at.title] == ["My queue"]


def test_five_wrong_passwords_are_slowed_down_and_logged(people: str) -> None:
    at = signed_in(None)
    for _ in range(5):
        at.text_input[0].input("vic")
        at.text_input[1].input("wrong-password")
        at.button[0].click().run()
        assert [e.value for e in at.error] == ["Wrong user name or password."]
    at.text_input[0].input("vic")
    at.text_input[1].input(PASSWORD)  # even the right password now waits
    at.button[0].click().run()
    assert at.error[0].value.startswith("Too many failed sign-ins; try again in 15 minutes")
    assert TOKEN_KEY not in at.session_state
    with get_engine(people).connect() as conn:
        reasons = conn.execute(
            select(LoginAttempt.reason).where(LoginAttempt.user_name == "vic").order_by(LoginAttempt.id)
        ).scalars().all()  # fmt: skip
    assert reasons == ["bad_password"] * 5 + ["locked"]


def test_roles_see_only_their_pages(people: str) -> None:
    admin = signed_in("ada")
    viewer = signed_in("vic")
    assert not admin.exception and not viewer.exception
    # The viewer's menu has no admin page (switch_page knows only registered pages) ...
    with pytest.raises(ValueError, match="Could not find a navigation page"):
        viewer.switch_page("pages/admin.py")
    # ... and running the file anyway, as a cold deep link would, is refused by the guard.
    refused = AppTest.from_file(str(PROJECT_ROOT / "pages" / "admin.py"), default_timeout=30)
    refused.session_state[TOKEN_KEY] = session_token("vic")
    refused.run()
    assert [e.value for e in refused.error] == ["Your role does not give access to this page."]
    assert not refused.dataframe
    allowed = signed_in("ada").switch_page("pages/admin.py").run()
    assert [t.value for t in allowed.title] == ["Admin"]


def test_a_viewer_sees_no_edit_control(people: str) -> None:
    for page in ("pages/overview.py", "pages/data.py"):
        at = signed_in("vic").switch_page(page).run()
        assert not at.exception
        labels = [b.label for b in at.button]
        assert labels == ["Sign out"] or set(labels) <= {"Sign out"}, labels


def test_a_disabled_account_is_signed_out_at_once(people: str) -> None:
    at = signed_in("vic")
    assert [t.value for t in at.title] == ["Overview"]
    with write_session(get_engine(people)) as session:
        session.execute(User.__table__.update().where(User.name == "vic").values(disabled=True))
    at.run()
    assert shows_only_sign_in(at)


def test_admin_adds_a_user_from_the_admin_page(people: str) -> None:
    at = signed_in("ada").switch_page("pages/admin.py").run()
    form_inputs = {t.label: t for t in at.text_input}
    form_inputs["User name"].input("nina")
    at.selectbox[0].select("steward")
    form_inputs["Initial password (10+ characters)"].input("a-long-password")
    [add] = [b for b in at.button if b.label == "Add user"]
    add.click().run()
    assert not at.exception
    assert [s.value for s in at.success] == ["Added nina."]
    with get_engine(people).connect() as conn:
        role = conn.execute(select(User.role).where(User.name == "nina")).scalar_one()
        audited = conn.execute(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.actor == "ada")
        ).scalar_one()
    assert role == "steward" and audited >= 1

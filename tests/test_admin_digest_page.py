"""The Admin page takes emails (digests go to them) and edits who receives the founder digest."""

from __future__ import annotations

from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from core.db import read_session
from core.schema import User
from governance.founders import founder_recipients
from tests.governance_support import audit_after, last_audit_id, make_people
from tests.test_auth_ui import signed_in


def _admin_page() -> AppTest:
    at = signed_in("admin1").switch_page("pages/admin.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def _email(engine: Engine, name: str) -> str | None:
    with read_session(engine) as session:
        return session.scalars(select(User.email).where(User.name == name)).one()


def test_admin_adds_a_user_with_an_email_changes_it_and_names_a_founder(engine: Engine) -> None:
    make_people(engine)
    before = last_audit_id(engine)
    at = _admin_page()
    inputs = {t.label: t for t in at.text_input}
    inputs["User name"].input("fiona")
    inputs["Initial password (10+ characters)"].input("a-long-password")
    inputs["Email (weekly digests, single sign-on)"].input("Fiona@Example.com")
    next(b for b in at.button if b.label == "Add user").click().run()
    assert [s.value for s in at.success] == ["Added fiona."]
    assert _email(engine, "fiona") == "fiona@example.com"

    at = _admin_page()
    change = next(s for s in at.selectbox if s.label == "Change" and "Change email" in s.options)
    next(s for s in at.selectbox if s.label == "User").select("owner.inv")
    change.select("Change email")
    next(t for t in at.text_input if t.label == "New email (empty: none)").input("inv@example.com")
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception and _email(engine, "owner.inv") == "inv@example.com"

    at = _admin_page()
    at.selectbox(key="admin.founders.name").select("fiona")
    [apply] = [b for b in at.button if b.label == "Apply"][-1:]
    apply.click().run()
    assert not at.exception
    with read_session(engine) as session:
        assert [(f.name, f.email, f.account) for f in founder_recipients(session)] == [
            ("fiona", "fiona@example.com", "enabled")
        ]
    rows = [(r[0], r[1], r[3], r[4], r[6]) for r in audit_after(engine, before)]
    assert ("admin1", "user.email", "owner.inv", "email", "inv@example.com") in rows
    assert ("admin1", "founder_digest.add", "fiona", None, None) in rows

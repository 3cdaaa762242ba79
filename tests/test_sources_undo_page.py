"""The Sources page's undo: a steward picks a run, confirms, and sees what it did beside the button."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from streamlit.testing.v1 import AppTest

import pipeline
from core.db import get_engine, write_session
from core.schema import ImportRun, Order
from governance.accounts import add_user, create_first_admin
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.governance_support import session_token
from ui.auth import TOKEN_KEY
from ui.sources_undo import RUN_KEY

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/sources.py"
ORDERS = FIXTURES / "canonical" / "orders.csv"
PASSWORD = "correct-horse-1"


@pytest.fixture
def imported(db_url: str) -> int:
    """An admin, a viewer, an owner and a steward; the fixture's orders imported (its run id)."""
    with write_session(get_engine(db_url)) as session:
        admin = create_first_admin(session=session, name="ada", password=PASSWORD)
        add_user(session=session, actor=admin, name="vic", role="viewer", password=PASSWORD)
        add_user(session=session, actor=admin, name="olly", role="owner", team="inventory control",
                 password=PASSWORD)  # fmt: skip
        add_user(session=session, actor=admin, name="sam", role="steward", team="merchandising",
                 password=PASSWORD)  # fmt: skip
    (report,) = pipeline.import_paths([ORDERS], "canonical")
    assert report.ok and report.inserted == 3  # the fixture's three orders
    return report.run_id or 0


def sources_page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def orders(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Order)).scalar_one()


def test_a_steward_confirms_and_sees_the_undo(imported: int, engine: Engine) -> None:
    at = sources_page("sam")
    assert at.selectbox(key=RUN_KEY).value == imported
    at.button(key="sources.undo").click().run()
    assert orders(engine) == 3  # asking is not undoing: a confirmation comes first
    assert (
        [w.value for w in at.warning][-1]
        .replace("\\", "")
        .startswith(
            f"Undo import run {imported} (orders.csv)? The 3 row(s) it inserted are deleted"
        )
    )
    at.button(key="sources.undo_cancel").click().run()
    assert not at.warning and orders(engine) == 3
    at.button(key="sources.undo").click().run()
    at.button(key="sources.undo_yes").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert orders(engine) == 0
    (done,) = [s.value.replace("\\", "") for s in at.success]
    assert done.startswith(f"Import run {imported} (orders.csv) undone by sam: 3 row(s)")
    with engine.connect() as conn:
        assert conn.execute(select(ImportRun.status)).scalar_one() == "undone"
    assert "sources.undo" not in [b.key for b in at.button]  # no committed run left to undo
    assert any("No committed import to undo" in c.value for c in at.caption)


@pytest.mark.parametrize("user", ["vic", "olly"])
def test_viewers_and_owners_see_no_undo(imported: int, user: str) -> None:
    at = sources_page(user)
    assert RUN_KEY not in [s.key for s in at.selectbox]
    assert "Undo an import" not in [h.value for h in at.subheader]

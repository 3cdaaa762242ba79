"""Emails on accounts: demo accounts carry example addresses, demo.admin gets the founder digest."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from cli.main import main
from core.db import read_session, write_session
from core.schema import User
from governance import accounts
from governance.errors import GovernanceError
from governance.founders import founder_recipients
from tests.governance_support import make_people


def test_demo_accounts_have_example_addresses_and_a_founder(engine: Engine) -> None:
    with write_session(engine) as session:
        accounts.create_demo_accounts(session)
        accounts.create_demo_accounts(session)  # idempotent
    with read_session(engine) as session:
        emails = dict(session.execute(select(User.name, User.email)).all())
        recipients = founder_recipients(session)
    assert emails == {a.name: f"{a.name}@example.com" for a in accounts.DEMO_ACCOUNTS}
    assert [(r.name, r.email, r.account) for r in recipients] == [
        ("demo.admin", "demo.admin@example.com", "enabled")
    ]
    with write_session(engine) as session:
        accounts.remove_demo_accounts(session)
    with read_session(engine) as session:  # kept, and reported as missing when digests go
        assert [(r.name, r.account) for r in founder_recipients(session)] == [
            ("demo.admin", "missing")
        ]


def test_users_email_on_the_command_line(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    make_people(engine)
    assert main(["users", "email", "owner.inv", "Inv@Example.com", "--user", "root"]) == 0
    assert main(["users", "email", "owner.merch", "inv@example.com", "--user", "root"]) == 1
    assert main(["users", "email", "owner.merch", "not-an-address", "--user", "root"]) == 1
    assert main(["users", "email", "owner.merch", "m@example.com", "--user", "steward1"]) == 1
    err = capsys.readouterr().err
    assert "another user already has the email 'inv@example.com'" in err
    assert "'not-an-address' is not an email address" in err
    assert "steward1 (steward) may not manage users" in err
    with read_session(engine) as session:
        assert session.scalars(select(User.email).where(User.name == "owner.inv")).one() == (
            "inv@example.com"
        )
    with write_session(engine) as session, pytest.raises(GovernanceError, match="not an email"):
        accounts.add_user(session=session, actor=accounts.actor_by_name(session, "root"),
                          name="x1", role="viewer", password="a-long-password", email="x@y")  # fmt: skip

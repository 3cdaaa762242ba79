"""Accounts: sign-in and its rate limit, passwords, bootstrap, demo accounts, guards, audit, CLI."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import Engine, select

from cli.main import main as cli_main
from core.db import read_session, write_session
from core.schema import AuditEntry, LoginAttempt, Team, User
from core.schema.accounts import AuditLogIsAppendOnly
from core.settings import get_settings
from governance import accounts, passwords
from governance.audit import audit_rows, read_audit_log, record
from governance.errors import AuthenticationError, GovernanceError, PermissionDenied
from governance.permissions import Actor, Role, actor_by_name

PASSWORD = "correct horse battery"
OTHER_PASSWORD = "another long password"
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
PROJECT_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Cheapest argon2 parameters while testing (production parameters have their own test)."""
    passwords.use_profile(profiles.CHEAPEST)
    yield
    passwords.use_profile(passwords.PRODUCTION_PROFILE)


@pytest.fixture
def root(engine: Engine) -> Actor:
    """The first admin, `root`."""
    with write_session(engine) as session:
        return accounts.create_first_admin(session=session, name="root", password=PASSWORD)


def add(engine: Engine, root: Actor, name: str, role: str, team: str | None = None) -> Actor:
    """Add an account as root, password PASSWORD."""
    with write_session(engine) as session:
        return accounts.add_user(
            session=session, actor=root, name=name, role=role, team=team, password=PASSWORD
        )


def sign_in(engine: Engine, name: str, password: str, now: datetime | None = None) -> Actor:
    """authenticate in its own unit of work, as the sign-in page does."""
    with write_session(engine) as session:
        return accounts.authenticate(session, name, password, now=now)


def attempts(engine: Engine, name: str) -> list[tuple[bool, str | None]]:
    """(success, reason) of every recorded attempt for a name, oldest first."""
    with read_session(engine) as session:
        query = select(LoginAttempt).where(LoginAttempt.user_name == name).order_by(LoginAttempt.id)
        return [(row.success, row.reason) for row in session.scalars(query)]


def stored_user(engine: Engine, name: str) -> User:
    """The users row of a name."""
    with read_session(engine) as session:
        return session.scalars(select(User).where(User.name == name)).one()


# ---- sign-in ---------------------------------------------------------------------------------


def test_authenticate_good_password_returns_actor(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "owner", "finance")
    assert sign_in(engine, "  Alice ", PASSWORD) == Actor("alice", Role.OWNER, "finance", False)
    assert attempts(engine, "alice") == [(True, "ok")]


def test_wrong_password_and_unknown_user_are_refused_alike(
    engine: Engine, root: Actor, caplog: pytest.LogCaptureFixture
) -> None:
    add(engine, root, "alice", "viewer")
    caplog.set_level(logging.WARNING)
    with pytest.raises(AuthenticationError, match=r"^wrong user name or password$"):
        sign_in(engine, "alice", OTHER_PASSWORD)
    with pytest.raises(AuthenticationError, match=r"^wrong user name or password$"):
        sign_in(engine, "nobody", OTHER_PASSWORD)
    assert attempts(engine, "alice") == [(False, "bad_password")]
    assert attempts(engine, "nobody") == [(False, "unknown_user")]
    assert "alice" in caplog.text and "nobody" in caplog.text
    assert OTHER_PASSWORD not in caplog.text


def test_disabled_user_cannot_sign_in(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    with write_session(engine) as session:
        accounts.disable_user(session=session, actor=root, name="alice")
    with pytest.raises(AuthenticationError, match="disabled"):
        sign_in(engine, "alice", PASSWORD)
    assert attempts(engine, "alice") == [(False, "disabled")]


def test_five_failures_lock_the_name_for_fifteen_minutes(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    for second in range(5):
        with pytest.raises(AuthenticationError, match="wrong user name or password"):
            sign_in(engine, "alice", OTHER_PASSWORD, now=T0 + timedelta(seconds=second))
    # Locked even with the right password; the first failure (T0) leaves the window at T0+15min.
    with pytest.raises(
        AuthenticationError, match=r"^too many failed sign-ins; try again in 15 minutes$"
    ):
        sign_in(engine, "alice", PASSWORD, now=T0 + timedelta(seconds=30))
    with pytest.raises(AuthenticationError, match=r"try again in 1 minute$"):
        sign_in(engine, "alice", PASSWORD, now=T0 + timedelta(minutes=14, seconds=30))
    assert attempts(engine, "alice") == [(False, "bad_password")] * 5 + [(False, "locked")] * 2
    assert (
        sign_in(engine, "alice", PASSWORD, now=T0 + timedelta(minutes=15, seconds=1)).name
        == "alice"
    )


def test_a_success_or_time_breaks_the_run_of_failures(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    moments = [T0 + timedelta(seconds=s) for s in range(10)]
    for moment in moments[:4]:
        with pytest.raises(AuthenticationError):
            sign_in(engine, "alice", OTHER_PASSWORD, now=moment)
    sign_in(engine, "alice", PASSWORD, now=moments[4])
    for moment in moments[5:9]:
        with pytest.raises(AuthenticationError):
            sign_in(engine, "alice", OTHER_PASSWORD, now=moment)
    # 4 failures, a success, 4 failures: no 5 consecutive failures, so the password works.
    assert sign_in(engine, "alice", PASSWORD, now=moments[9]).name == "alice"
    later = T0 + timedelta(hours=1)
    for second in range(4):
        with pytest.raises(AuthenticationError):
            sign_in(engine, "bob", OTHER_PASSWORD, now=later + timedelta(seconds=second))
    # An old failure (outside the 15 minutes) does not complete a run of five.
    with pytest.raises(AuthenticationError, match="wrong user name"):
        sign_in(engine, "bob", OTHER_PASSWORD, now=later + timedelta(minutes=16))


def test_password_hashes_are_argon2_and_policy_applies(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    assert stored_user(engine, "alice").password_hash.startswith("$argon2id$")
    assert PASSWORD not in stored_user(engine, "alice").password_hash
    with pytest.raises(GovernanceError, match="at least 10 characters"), write_session(engine) as s:
        accounts.add_user(session=s, actor=root, name="bob", role="viewer", password="9chars!!!")
    with write_session(engine) as s:
        accounts.add_user(session=s, actor=root, name="bob", role="viewer", password="10chars!!!")


def test_production_parameters_and_rehash_on_sign_in(engine: Engine, root: Actor) -> None:
    passwords.use_profile(passwords.PRODUCTION_PROFILE)
    production_hash = passwords.hash_password(PASSWORD)
    assert production_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(production_hash, PASSWORD)
    cheap_hash = stored_user(engine, "root").password_hash
    assert "m=8,t=1,p=1" in cheap_hash
    sign_in(engine, "root", PASSWORD)  # the weaker hash is replaced on a successful sign-in
    assert stored_user(engine, "root").password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_change_own_password(engine: Engine, root: Actor) -> None:
    viewer = add(engine, root, "alice", "viewer")
    with pytest.raises(AuthenticationError, match="current password"), write_session(engine) as s:
        accounts.change_own_password(
            session=s, actor=viewer, current_password=OTHER_PASSWORD, new_password="x" * 12
        )
    with write_session(engine) as s:
        accounts.change_own_password(
            session=s, actor=viewer, current_password=PASSWORD, new_password=OTHER_PASSWORD
        )
    assert sign_in(engine, "alice", OTHER_PASSWORD).name == "alice"
    with pytest.raises(AuthenticationError):
        sign_in(engine, "alice", PASSWORD)
    with write_session(engine) as s:
        accounts.disable_user(session=s, actor=root, name="alice")
    with pytest.raises(PermissionDenied, match="disabled"), write_session(engine) as s:
        accounts.change_own_password(
            session=s, actor=viewer, current_password=OTHER_PASSWORD, new_password=PASSWORD
        )
    with read_session(engine) as s:
        events = [(r.actor, r.action) for r in audit_rows(s, object_id="alice")]
    assert ("alice", "user.password_change") in events


# ---- bootstrap and demo accounts ----------------------------------------------------------------


def test_ensure_first_admin_generates_once(engine: Engine) -> None:
    with write_session(engine) as session:
        generated = accounts.ensure_first_admin(session)
    assert generated is not None and len(generated) >= 10
    with write_session(engine) as session:
        assert accounts.ensure_first_admin(session) is None
    assert sign_in(engine, "admin", generated) == Actor("admin", Role.ADMIN, None, False)
    with read_session(engine) as session:
        assert session.scalars(select(User.name)).all() == ["admin"]


def test_ensure_first_admin_uses_the_configured_password(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_ADMIN_PASSWORD", OTHER_PASSWORD)
    get_settings.cache_clear()
    with write_session(engine) as session:
        assert accounts.ensure_first_admin(session) is None
    assert sign_in(engine, "admin", OTHER_PASSWORD).role is Role.ADMIN


def test_first_admin_only_while_no_account_exists(engine: Engine, root: Actor) -> None:
    with pytest.raises(GovernanceError, match="already exist"), write_session(engine) as s:
        accounts.create_first_admin(session=s, name="second", password=PASSWORD)
    with write_session(engine) as session:
        assert accounts.ensure_first_admin(session) is None  # root is an admin


def test_demo_accounts_create_and_remove(engine: Engine, root: Actor) -> None:
    add(engine, root, "viewer", "viewer")  # a real account holding a demo name is left alone
    with write_session(engine) as session:
        demo = accounts.create_demo_accounts(session)
    names = {name for name, _, _, _ in demo}
    assert names == {
        "owner.inventory",
        "owner.merch",
        "owner.stores",
        "steward",
        "steward2",
        "demo.admin",
    }
    assert {role for _, role, _, _ in demo} == {"owner", "steward", "admin"}
    for name, role, team, password in demo:
        assert sign_in(engine, name, password) == Actor(name, Role(role), team, False)
    with read_session(engine) as session:
        teams = set(session.scalars(select(Team.name)))
    assert teams == {
        "merchandising",
        "inventory control",
        "operations",
        "store operations",
        "systems / IT",
        "finance",
    }
    assert stored_user(engine, "steward").is_demo and not stored_user(engine, "viewer").is_demo
    with write_session(engine) as session:
        assert accounts.create_demo_accounts(session) == demo  # idempotent
        assert accounts.remove_demo_accounts(session) == len(demo)
    with read_session(engine) as session:
        assert session.scalars(select(User.name).order_by(User.name)).all() == ["root", "viewer"]
        assert set(session.scalars(select(Team.name))) == teams


def test_demo_accounts_cover_every_role_on_an_empty_database(engine: Engine) -> None:
    with write_session(engine) as session:
        demo = accounts.create_demo_accounts(session)
    assert {role for _, role, _, _ in demo} == {"viewer", "owner", "steward", "admin"}
    assert all(len(password) >= 10 for _, _, _, password in demo)


# ---- guards ------------------------------------------------------------------------------------


def test_the_last_enabled_admin_stays(engine: Engine, root: Actor) -> None:
    for change in (
        lambda s: accounts.disable_user(session=s, actor=root, name="root"),
        lambda s: accounts.change_role(session=s, actor=root, name="root", role="viewer"),
    ):
        with pytest.raises(GovernanceError, match="last enabled admin"), write_session(engine) as s:
            change(s)
    add(engine, root, "second", "admin")
    with write_session(engine) as s:
        accounts.change_role(session=s, actor=root, name="root", role="viewer")
    assert stored_user(engine, "root").role == "viewer"


def test_owners_need_a_team(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    refusals = (
        lambda s: accounts.add_user(
            session=s, actor=root, name="o", role="owner", password=PASSWORD
        ),
        lambda s: accounts.change_role(session=s, actor=root, name="alice", role="owner"),
    )
    for refused in refusals:
        with pytest.raises(GovernanceError, match="needs a team"), write_session(engine) as s:
            refused(s)
    owner = add(engine, root, "bob", "owner", "Store  Operations")
    assert owner.team == "Store Operations"
    with pytest.raises(GovernanceError, match="needs a team"), write_session(engine) as s:
        accounts.change_team(session=s, actor=root, name="bob", team=None)
    assert add(engine, root, "carol", "owner", "store operations").team == "Store Operations"


def test_a_revoked_role_counts_at_once(engine: Engine, root: Actor) -> None:
    second = add(engine, root, "second", "admin")
    with write_session(engine) as s:
        accounts.change_role(session=s, actor=root, name="second", role="viewer")
    # `second` still holds an Actor saying admin; the check re-reads the database.
    with (
        pytest.raises(PermissionDenied, match=r"^second \(viewer\) may not"),
        write_session(engine) as s,
    ):
        accounts.disable_user(session=s, actor=second, name="root")


def test_unknown_names_and_roles_are_refused(engine: Engine, root: Actor) -> None:
    with pytest.raises(GovernanceError, match="unknown user"), read_session(engine) as s:
        actor_by_name(s, "ghost")
    with pytest.raises(GovernanceError, match="unknown role"), write_session(engine) as s:
        accounts.add_user(session=s, actor=root, name="x", role="wizard", password=PASSWORD)
    with pytest.raises(GovernanceError, match="not valid"), write_session(engine) as s:
        accounts.add_user(session=s, actor=root, name="a b", role="viewer", password=PASSWORD)
    with pytest.raises(GovernanceError, match="already exists"), write_session(engine) as s:
        accounts.add_user(session=s, actor=root, name="ROOT", role="viewer", password=PASSWORD)


# ---- audit log ---------------------------------------------------------------------------------


def test_audit_rows_record_changes_and_filter(engine: Engine, root: Actor) -> None:
    add(engine, root, "alice", "viewer")
    with write_session(engine) as s:
        accounts.change_role(session=s, actor=root, name="alice", role="steward")
    with read_session(engine) as s:
        rows = audit_rows(s, object_type="user", object_id="alice")
        fields = [(r.actor, r.action, r.field, r.old_value, r.new_value) for r in rows]
        assert fields == [
            ("root", "user.role", "role", "viewer", "steward"),
            ("root", "user.add", None, None, None),
        ]
        assert audit_rows(s, actor="nobody") == []
        assert len(audit_rows(s, since=rows[0].at)) >= 1
        assert audit_rows(s, until=rows[-1].at - timedelta(days=1)) == []
        assert read_audit_log(session=s, reader=root, object_id="alice")[0].action == "user.role"
        with pytest.raises(PermissionDenied, match="read the audit log"):
            read_audit_log(session=s, reader=actor_by_name(s, "alice"))


def test_audit_log_is_append_only(engine: Engine, root: Actor) -> None:
    with write_session(engine) as s:
        record(s, actor=root, action="test.event", object_type="thing", object_id=1, new=True)
    for change in ("update", "delete"):
        with pytest.raises(AuditLogIsAppendOnly), write_session(engine) as s:
            entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "test.event")).one()
            if change == "update":
                entry.detail = "rewritten"
            else:
                s.delete(entry)
    with read_session(engine) as s:
        entry = s.scalars(select(AuditEntry).where(AuditEntry.action == "test.event")).one()
        assert (entry.new_value, entry.detail) == ("true", None)


# ---- command line ------------------------------------------------------------------------------


def run_cli(
    argv: list[str], stdin: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    """Run manage.py in-process: exit status, stdout, stderr."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    capsys.readouterr()
    status = cli_main(argv)
    out, err = capsys.readouterr()
    return status, out, err


def test_cli_bootstrap_and_list(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run_cli(
        ["users", "add", "boss", "--role", "viewer"], PASSWORD, monkeypatch, capsys
    )
    assert (status, err) == (1, "error: no account exists yet: the first one must be an admin\n")
    status, _, err = run_cli(["users", "add", "boss", "--role", "admin"], "\n", monkeypatch, capsys)
    assert (status, err) == (
        1,
        "error: no password given: write it as one line on standard input\n",
    )
    status, out, _ = run_cli(
        ["users", "add", "boss", "--role", "admin"], PASSWORD + "\n", monkeypatch, capsys
    )
    assert (status, out) == (0, "added boss (admin)\n")
    status, _, err = run_cli(
        ["users", "add", "x", "--role", "admin"], PASSWORD, monkeypatch, capsys
    )
    assert (status, err) == (
        1,
        "error: --user NAME is required: name the admin who adds the account\n",
    )
    argv = ["users", "add", "alice", "--role", "owner", "--team", "finance", "--user", "boss"]
    assert run_cli(argv, PASSWORD, monkeypatch, capsys)[0] == 0
    status, out, _ = run_cli(["users", "list", "--json"], "", monkeypatch, capsys)
    listed = [
        (u["name"], u["role"], u["team"], u["disabled"], u["is_demo"]) for u in json.loads(out)
    ]
    assert listed == [
        ("alice", "owner", "finance", False, False),
        ("boss", "admin", None, False, False),
    ]
    assert sign_in(engine, "alice", PASSWORD).team == "finance"


def test_cli_refusals_are_one_line(
    engine: Engine, root: Actor, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cases = {
        ("users", "role", "root", "viewer", "--user", "root"): "root is the last enabled admin",
        ("users", "role", "ghost", "viewer", "--user", "root"): "unknown user 'ghost'",
        ("users", "disable", "root", "--user", "ghost"): "unknown user 'ghost'",
        ("users", "role", "root", "wizard", "--user", "root"): "unknown role 'wizard'",
    }
    for argv, message in cases.items():
        status, _, err = run_cli(list(argv), "", monkeypatch, capsys)
        assert status == 1 and err.startswith(f"error: {message}") and err.count("\n") == 1, err


def test_manage_py_subprocess(db_url: str, root: Actor) -> None:
    env = {**os.environ, "INVGOV_DATABASE_URL": db_url, "PYTHONPATH": PROJECT_ROOT}
    command = [sys.executable, "manage.py", "users", "add", "alice", "--role", "viewer"]
    done = subprocess.run(
        [*command, "--user", "root"],
        input=PASSWORD + "\n",
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (done.returncode, done.stdout) == (0, "added alice (viewer)\n"), done.stderr
    refused = subprocess.run(
        [sys.executable, "manage.py", "users", "disable", "root", "--user", "alice"],
        env=env,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode == 1
    assert refused.stderr == (
        "error: alice (viewer) may not manage users, roles and teams; allowed for: admin\n"
    )

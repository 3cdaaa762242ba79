"""SPEC section 4's roles-and-permissions table, cell by cell, through `allowed`, the Python API and the CLI.

To cover a new governed action, add its row to MUTATIONS: the matrix runs it as every role.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from cli.main import main as cli_main
from core.db import read_session, write_session
from core.schema import AuditEntry, Base, User
from governance import accounts, passwords
from governance.errors import PermissionDenied
from governance.permissions import Action, Actor, Role, actor_by_name, allowed, check, may_ever

# The table of SPEC section 4, copied cell by cell (viewer, owner, steward, admin):
# "" is an empty cell, "yes" a ✓, "own team" "own team's", "not own" "✓ (not own)".
SPEC_TABLE: dict[str, tuple[str, str, str, str]] = {
    "read": ("yes", "yes", "yes", "yes"),
    "comment_exception": ("", "own team", "yes", "yes"),
    "acknowledge_exception": ("", "own team", "yes", "yes"),
    "start_exception": ("", "own team", "yes", "yes"),
    "resolve_exception": ("", "own team", "yes", "yes"),
    "wont_fix_exception": ("", "own team", "yes", "yes"),
    "record_review_decision": ("", "own team", "yes", "yes"),
    "open_review": ("", "", "yes", "yes"),
    "close_review": ("", "", "yes", "yes"),
    "assign_exception": ("", "", "yes", "yes"),
    "edit_routing": ("", "", "yes", "yes"),
    "edit_field_ownership": ("", "", "yes", "yes"),
    "edit_kpi_targets": ("", "", "yes", "yes"),
    "request_sku": ("", "yes", "yes", "yes"),
    "request_item_edit": ("", "yes", "yes", "yes"),
    "approve_sku_request": ("", "", "not own", "not own"),
    "reject_sku_request": ("", "", "not own", "not own"),
    "confirm_mapping": ("", "", "not own", "not own"),
    "import_files": ("", "", "yes", "yes"),
    "run_detection": ("", "", "yes", "yes"),
    "manage_users": ("", "", "", "yes"),
    "read_audit_log": ("", "", "", "yes"),
}
ROLES = ("viewer", "owner", "steward", "admin")
# One acting account per role (owners belong to a team; the steward to the data steward's).
ROLE_ACTORS = {
    "viewer": ("v.user", None),
    "owner": ("o.user", "inventory control"),
    "steward": ("s.user", "merchandising"),
    "admin": ("a.user", None),
}
# Contexts an action can be asked in: (object's team, request's requester).
CONTEXTS = [
    (None, None),
    ("inventory control", None),
    ("merchandising", None),
    ("finance", None),
    (None, "ACTOR"),
    (None, "someone.else"),
]
PASSWORD = "correct horse battery"
NEW_PASSWORD = "another long password"
TARGET = "target.user"


def expected(
    cell: str, actor: tuple[str, str | None], team: str | None, requester: str | None
) -> bool:
    """What a cell of SPEC's table allows, in a context."""
    name, actor_team = actor
    return {
        "": False,
        "yes": True,
        "own team": team is not None and team == actor_team,
        "not own": requester != name,
    }[cell]


def test_every_action_has_a_row_in_the_spec_table() -> None:
    assert {action.value for action in Action} == set(SPEC_TABLE)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", sorted(SPEC_TABLE))
def test_allowed_matches_spec_table(action: str, role: str) -> None:
    name, team = ROLE_ACTORS[role]
    actor = Actor(name=name, role=Role(role), team=team)
    cell = SPEC_TABLE[action][ROLES.index(role)]
    for obj_team, requester in CONTEXTS:
        requester = name if requester == "ACTOR" else requester
        want = expected(cell, (name, team), obj_team, requester)
        got = allowed(actor, Action(action), team=obj_team, requester=requester)
        assert got == want, (action, role, obj_team, requester)
        if not want:
            with pytest.raises(PermissionDenied, match=rf"^{name} \({role}\) may not "):
                check(actor, Action(action), team=obj_team, requester=requester)
    assert may_ever(actor, Action(action)) == (cell != "")
    disabled = Actor(name=name, role=Role(role), team=team, disabled=True)
    assert not any(allowed(disabled, Action(action), team=t, requester=r) for t, r in CONTEXTS)
    assert not may_ever(disabled, Action(action))


# ---- every mutating action, as every role -----------------------------------------------------


@dataclass(frozen=True)
class Mutation:
    """A governed change: its table row, how to do it in Python and in the CLI, how to see it done."""

    action: str  # key of SPEC_TABLE
    call: Callable[[Session, Actor], object]
    argv: list[str]  # the CLI command; `--user NAME` is appended
    done: Callable[[Session], bool]
    stdin: str = ""
    setup: Callable[[Session, Actor], object] | None = None  # run as the root admin first
    team: str | None = None  # the context the expectation is computed in
    requester: str | None = None


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.name == name)).one()


def _team_of(session: Session, name: str) -> str | None:
    return actor_by_name(session, name).team


MUTATIONS: dict[str, Mutation] = {
    "add user": Mutation(
        "manage_users",
        lambda s, a: accounts.add_user(
            session=s, actor=a, name="newcomer", role="owner", team="finance", password=NEW_PASSWORD
        ),
        ["users", "add", "newcomer", "--role", "owner", "--team", "finance"],
        lambda s: _user(s, "newcomer").role == "owner" and _team_of(s, "newcomer") == "finance",
        stdin=NEW_PASSWORD + "\n",
    ),
    "disable user": Mutation(
        "manage_users",
        lambda s, a: accounts.disable_user(session=s, actor=a, name=TARGET),
        ["users", "disable", TARGET],
        lambda s: _user(s, TARGET).disabled,
    ),
    "enable user": Mutation(
        "manage_users",
        lambda s, a: accounts.enable_user(session=s, actor=a, name=TARGET),
        ["users", "enable", TARGET],
        lambda s: not _user(s, TARGET).disabled,
        setup=lambda s, root: accounts.disable_user(session=s, actor=root, name=TARGET),
    ),
    "change role": Mutation(
        "manage_users",
        lambda s, a: accounts.change_role(session=s, actor=a, name=TARGET, role="steward"),
        ["users", "role", TARGET, "steward"],
        lambda s: _user(s, TARGET).role == "steward",
    ),
    "change team": Mutation(
        "manage_users",
        lambda s, a: accounts.change_team(session=s, actor=a, name=TARGET, team="operations"),
        ["users", "team", TARGET, "operations"],
        lambda s: _team_of(s, TARGET) == "operations",
    ),
    "reset password": Mutation(
        "manage_users",
        lambda s, a: accounts.reset_password(
            session=s, actor=a, name=TARGET, password=NEW_PASSWORD
        ),
        ["users", "password", TARGET],
        lambda s: _verifies(_user(s, TARGET).password_hash, NEW_PASSWORD),
        stdin=NEW_PASSWORD + "\n",
    ),
}


def _verifies(password_hash: str | None, password: str) -> bool:
    try:
        return PasswordHasher().verify(password_hash or "", password)
    except Exception:
        return False


@pytest.fixture(autouse=True)
def cheap_hashing() -> Iterator[None]:
    """Cheapest argon2 parameters while testing (production parameters are tested separately)."""
    passwords.use_profile(profiles.CHEAPEST)
    yield
    passwords.use_profile(passwords.PRODUCTION_PROFILE)


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """A root admin, one account per role and a target viewer; returns the role actors."""
    with write_session(engine) as session:
        root = accounts.create_first_admin(session=session, name="root", password=PASSWORD)
        actors = {"root": root}
        for role, (name, team) in ROLE_ACTORS.items():
            actors[role] = accounts.add_user(
                session=session, actor=root, name=name, role=role, team=team, password=PASSWORD
            )
        accounts.add_user(
            session=session, actor=root, name=TARGET, role="viewer", password=PASSWORD
        )
    return actors


def snapshot(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, in primary-key order."""
    with engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(table.select().order_by(*table.primary_key.columns)).all()
            ]
            for table in Base.metadata.sorted_tables
        }


def _audit_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM audit_log")).scalar_one()


def _prepare(engine: Engine, mutation: Mutation, people: dict[str, Actor]) -> None:
    if mutation.setup is not None:
        with write_session(engine) as session:
            mutation.setup(session, people["root"])


def _expectation(mutation: Mutation, role: str) -> bool:
    cell = SPEC_TABLE[mutation.action][ROLES.index(role)]
    return expected(cell, ROLE_ACTORS[role], mutation.team, mutation.requester)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_as_role_python(
    engine: Engine, people: dict[str, Actor], name: str, role: str
) -> None:
    mutation = MUTATIONS[name]
    _prepare(engine, mutation, people)
    before, audits_before = snapshot(engine), _audit_count(engine)
    actor = people[role]
    if _expectation(mutation, role):
        with write_session(engine) as session:
            mutation.call(session, actor)
        _assert_done(engine, mutation, actor, audits_before)
    else:
        refused = pytest.raises(PermissionDenied, match=rf"^{actor.name} \({role}\) may not ")
        with refused, write_session(engine) as session:
            mutation.call(session, actor)
        assert snapshot(engine) == before


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutation_as_role_cli(
    engine: Engine,
    people: dict[str, Actor],
    name: str,
    role: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    mutation = MUTATIONS[name]
    _prepare(engine, mutation, people)
    before, audits_before = snapshot(engine), _audit_count(engine)
    actor = people[role]
    monkeypatch.setattr("sys.stdin", io.StringIO(mutation.stdin))
    capsys.readouterr()
    status = cli_main([*mutation.argv, "--user", actor.name])
    err = capsys.readouterr().err
    if _expectation(mutation, role):
        assert status == 0, err
        _assert_done(engine, mutation, actor, audits_before)
    else:
        assert status != 0
        assert err.startswith(f"error: {actor.name} ({role}) may not ")
        assert err.count("\n") == 1
        assert snapshot(engine) == before


def _assert_done(engine: Engine, mutation: Mutation, actor: Actor, audits_before: int) -> None:
    with read_session(engine) as session:
        assert mutation.done(session)
        rows = session.scalars(select(AuditEntry).order_by(AuditEntry.id)).all()
    assert len(rows) > audits_before
    assert {row.actor for row in rows[audits_before:]} == {actor.name}

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
from core.schema import (
    AuditEntry,
    Base,
    ExceptionComment,
    ExceptionRecord,
    ImportRun,
    Item,
    Review,
    ReviewItem,
    SkuMapping,
    SkuRequest,
    SkuSuggestion,
    User,
)
from governance import (
    accounts,
    assignment,
    book_systems,
    bulk_exceptions,
    bulk_mappings,
    cutover,
    freeze,
    import_undo,
    lifecycle,
    mappings,
    migration,
    not_tracked,
    ownership,
    passwords,
    review,
    sku_requests,
)
from governance.detection import run_detection
from governance.errors import PermissionDenied
from governance.kpi_targets import update_kpi_target
from governance.permissions import Action, Actor, Role, actor_by_name, allowed, check, may_ever
from governance.vocabulary import Severity
from metrics.kpis import load_targets
from tests.governance_support import AS_OF, gtin, insert_exception, item, stock

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
    "manage_migration": ("", "", "yes", "yes"),  # not in SPEC's table: issue 18's steward actions
    "undo_import": ("", "", "yes", "yes"),  # not in SPEC's table: issue 14's undo
    "bulk_exceptions": ("", "", "yes", "yes"),  # not in SPEC's table: issue 14's line actions
    "mark_not_tracked": ("", "", "yes", "yes"),  # not in SPEC's table: issue 14's not tracked
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
    detects_after: bool = False  # the CLI runs the system's detection after the commit


def _user(session: Session, name: str) -> User:
    return session.scalars(select(User).where(User.name == name)).one()


def _team_of(session: Session, name: str) -> str | None:
    return actor_by_name(session, name).team


# ---- governance mutations (exceptions, reviews, routing, SKU approval, mappings) -------------
GOV_WEEK = "2026-W04"
EXCEPTION_TEAM = "inventory control"  # the acting owner's team (ROLE_ACTORS)
LINE_KEY = f"exceptions:stock_discrepancy:{EXCEPTION_TEAM}"
NEW_SKU = {"name": "Linen Shirt", "category": "Tops", "brand": "Acme", "barcode": gtin(900)}


def _exception(session: Session, root: Actor) -> int:
    return insert_exception(session, team=EXCEPTION_TEAM)


def _merch_exception(session: Session, root: Actor) -> int:
    return insert_exception(session, team="merchandising", type_="duplicate_barcode")


def _exception_status(session: Session) -> str:
    return session.scalars(select(ExceptionRecord.status).where(ExceptionRecord.id == 1)).one()


def _open_review(session: Session, root: Actor) -> object:
    _exception(session, root)
    return review.open_review(session=session, actor=root, week=GOV_WEEK)


def _review_status(session: Session) -> str | None:
    return session.scalars(select(Review.status).where(Review.week == GOV_WEEK)).first()


def _decision(session: Session) -> str | None:
    return session.scalars(select(ReviewItem.decision).where(ReviewItem.key == LINE_KEY)).first()


def _root_request(session: Session, root: Actor) -> object:
    return sku_requests.request_sku(session=session, actor=root, sku="NEW-1", fields=NEW_SKU)


def _request_status(session: Session) -> str | None:
    return session.scalars(select(SkuRequest.status).where(SkuRequest.id == 1)).first()


def _unapproved_item(session: Session, root: Actor) -> None:
    session.add(item("IMP-1", 1, approved_at=None, approved_by=None))


def _suggestion(session: Session, root: Actor) -> None:
    session.add_all(
        [
            item("SKU-A", 2),
            SkuSuggestion(
                system="amazon",
                system_sku="AMZ-1",
                suggested_sku="SKU-A",
                status="open",
                created_at=AS_OF,
                updated_at=AS_OF,
                version=1,
            ),
        ]
    )


def _suggestion_status(session: Session) -> str:
    return session.get_one(SkuSuggestion, ("amazon", "AMZ-1")).status


def _item_setup(session: Session, root: Actor) -> None:
    session.add(item("OLD-1", 3))


def _detection_ran(session: Session) -> bool:
    return (
        session.scalars(select(AuditEntry).where(AuditEntry.action == "detection.run")).first()
        is not None
    )


MIGRATION_START = AS_OF.date()


def _freeze_on(session: Session, root: Actor) -> object:
    return freeze.set_freeze(session=session, actor=root, active=True, reason="migration")


def _frozen(session: Session) -> bool:
    return freeze.freeze_state(session).active


def _open_migration(session: Session, root: Actor) -> object:
    return migration.open_migration(
        session=session, actor=root, old="wms", new="wms2", start=MIGRATION_START
    )


def _differing_pair(session: Session, root: Actor) -> object:
    session.add_all(
        [item("SKU-A", 4), stock("wms", "DC1", "SKU-A", 5), stock("wms2", "DC1", "SKU-A", 9)]
    )
    session.flush()
    return _open_migration(session, root)


def _migration_status(session: Session) -> str | None:
    found = migration.current_migration(session)
    return None if found is None else found.status.value


def _explained(session: Session) -> bool:
    found = migration.current_migration(session)
    return found is not None and bool(
        migration.readiness(session, found, AS_OF.now(AS_OF.tzinfo)).explanations
    )


def _imported_item(session: Session, root: Actor) -> None:
    """An import run that inserted one item (what undoing it deletes)."""
    session.add(ImportRun(id=7, source="items", system="erp", file_name="items.csv",
                          sha256="0" * 64, status="committed", started_at=AS_OF))  # fmt: skip
    session.add(item("SKU-U", 9, import_run_id=7))


def _run_undone(session: Session) -> bool:
    return session.get_one(ImportRun, 7).status == "undone" and session.get(Item, "SKU-U") is None


def _exact_suggestion(session: Session, root: Actor) -> None:
    _suggestion(session, root)
    session.flush()
    session.get_one(SkuSuggestion, ("amazon", "AMZ-1")).score = 1.0


def _not_tracked(session: Session, root: Actor) -> object:
    return not_tracked.mark_not_tracked(session=session, actor=root, system="amazon")


def _not_tracked_rows(session: Session) -> int:
    return len(not_tracked.settings(session))


def _resolve_call(verb: str) -> Callable[[Session, Actor], object]:
    return lambda s, a: lifecycle.transition(
        session=s, actor=a, exception_id=1, verb=verb, reason="fixed_at_source", note="done"
    )


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
    "acknowledge exception": Mutation(
        "acknowledge_exception",
        lambda s, a: lifecycle.acknowledge(session=s, actor=a, exception_id=1),
        ["exceptions", "acknowledge", "1"],
        lambda s: _exception_status(s) == "acknowledged",
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "acknowledge another team's exception": Mutation(
        "acknowledge_exception",
        lambda s, a: lifecycle.acknowledge(session=s, actor=a, exception_id=1),
        ["exceptions", "acknowledge", "1"],
        lambda s: _exception_status(s) == "acknowledged",
        setup=_merch_exception,
        team="merchandising",
    ),
    "start exception": Mutation(
        "start_exception",
        lambda s, a: lifecycle.start(session=s, actor=a, exception_id=1),
        ["exceptions", "start", "1"],
        lambda s: _exception_status(s) == "in_progress",
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "resolve exception": Mutation(
        "resolve_exception",
        _resolve_call("resolve"),
        ["exceptions", "resolve", "1", "--reason", "fixed_at_source", "--note", "done"],
        lambda s: _exception_status(s) == "resolved",
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "won't-fix exception": Mutation(
        "wont_fix_exception",
        _resolve_call("wont_fix"),
        ["exceptions", "wont-fix", "1", "--reason", "fixed_at_source", "--note", "done"],
        lambda s: _exception_status(s) == "wont_fix",
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "comment exception": Mutation(
        "comment_exception",
        lambda s, a: lifecycle.comment(session=s, actor=a, exception_id=1, body="on it"),
        ["exceptions", "comment", "1", "--text", "on it"],
        lambda s: s.scalars(select(ExceptionComment.body)).all() == ["on it"],
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "assign exception": Mutation(
        "assign_exception",
        lambda s, a: assignment.assign(session=s, actor=a, exception_id=1, assignee="o.user"),
        ["exceptions", "assign", "1", "--to", "o.user"],
        lambda s: s.get_one(ExceptionRecord, 1).assignee == "o.user",
        setup=_exception,
        team=EXCEPTION_TEAM,
    ),
    "run detection": Mutation(
        "run_detection",
        lambda s, a: run_detection(session=s, actor=a, as_of=AS_OF),
        ["detect", "--as-of", "2026-01-21T09:30:00Z"],
        _detection_ran,
    ),
    "open review": Mutation(
        "open_review",
        lambda s, a: review.open_review(session=s, actor=a, week=GOV_WEEK),
        ["review", "open", "--week", GOV_WEEK],
        lambda s: _review_status(s) == "open",
    ),
    "close review": Mutation(
        "close_review",
        lambda s, a: review.close_review(session=s, actor=a, week=GOV_WEEK, allow_unreviewed=True),
        ["review", "close", "--week", GOV_WEEK, "--allow-unreviewed"],
        lambda s: _review_status(s) == "closed",
        setup=_open_review,
    ),
    "record review decision": Mutation(
        "record_review_decision",
        lambda s, a: review.record_decision(
            session=s, actor=a, week=GOV_WEEK, key=LINE_KEY, decision="recount"
        ),
        ["review", "decide", "--week", GOV_WEEK, "--item", LINE_KEY, "--decision", "recount"],
        lambda s: _decision(s) == "recount",
        setup=_open_review,
        team=EXCEPTION_TEAM,
    ),
    "edit routing": Mutation(
        "edit_routing",
        lambda s, a: ownership.set_route(
            session=s, actor=a, domain="returns_intake", team="finance"
        ),
        ["routing", "set", "returns_intake", "finance"],
        lambda s: ownership.routing_table(s)["returns_intake"] == "finance",
    ),
    "edit SLA": Mutation(
        "edit_routing",
        lambda s, a: ownership.set_sla(session=s, actor=a, severity="high", hours=24),
        ["sla", "set", "high", "24"],
        lambda s: ownership.sla_hours(s)[Severity.HIGH] == 24,
    ),
    "edit field ownership": Mutation(
        "edit_field_ownership",
        lambda s, a: ownership.set_field_owner(
            session=s, actor=a, domain="item_master", system="shopify"
        ),
        ["ownership", "set", "item_master", "shopify"],
        lambda s: ownership.field_owners(s)["item_master"] == "shopify",
    ),
    "request SKU": Mutation(
        "request_sku",
        lambda s, a: sku_requests.request_sku(session=s, actor=a, sku="NEW-1", fields=NEW_SKU),
        ["sku", "request", "NEW-1", *(f"--field={k}={v}" for k, v in NEW_SKU.items())],
        lambda s: _request_status(s) == "pending",
    ),
    "request item edit": Mutation(
        "request_item_edit",
        lambda s, a: sku_requests.request_item_edit(
            session=s, actor=a, sku="OLD-1", changes={"name": "Renamed"}
        ),
        ["sku", "edit", "OLD-1", "--field", "name=Renamed"],
        lambda s: _request_status(s) == "pending",
        setup=_item_setup,
    ),
    "approve SKU request": Mutation(
        "approve_sku_request",
        lambda s, a: sku_requests.approve(session=s, actor=a, request_id=1),
        ["sku", "approve", "1"],
        lambda s: s.get(Item, "NEW-1") is not None,
        setup=_root_request,
        requester="root",
    ),
    "reject SKU request": Mutation(
        "reject_sku_request",
        lambda s, a: sku_requests.reject(session=s, actor=a, request_id=1, reason="duplicate"),
        ["sku", "reject", "1", "--reason", "duplicate"],
        lambda s: _request_status(s) == "rejected",
        setup=_root_request,
        requester="root",
    ),
    "approve imported SKUs": Mutation(
        "approve_sku_request",
        lambda s, a: sku_requests.bulk_approve_imported(session=s, actor=a),
        ["sku", "approve-imported"],
        lambda s: s.get_one(Item, "IMP-1").approved_at is not None,
        setup=_unapproved_item,
    ),
    "confirm mapping": Mutation(
        "confirm_mapping",
        lambda s, a: mappings.confirm_mapping(
            session=s, actor=a, system="amazon", system_sku="AMZ-1"
        ),
        ["mappings", "confirm", "amazon", "AMZ-1"],
        lambda s: s.get_one(SkuMapping, ("amazon", "AMZ-1")).origin == "steward",
        setup=_suggestion,
    ),
    "reject mapping": Mutation(
        "confirm_mapping",
        lambda s, a: mappings.reject_mapping(
            session=s, actor=a, system="amazon", system_sku="AMZ-1", reason="not the same"
        ),
        ["mappings", "reject", "amazon", "AMZ-1", "--reason", "not the same"],
        lambda s: _suggestion_status(s) == "rejected",
        setup=_suggestion,
    ),
    "freeze on": Mutation(
        "manage_migration",
        lambda s, a: freeze.set_freeze(session=s, actor=a, active=True, reason="migration"),
        ["freeze", "on", "--reason", "migration"],
        _frozen,
    ),
    "freeze off": Mutation(
        "manage_migration",
        lambda s, a: freeze.set_freeze(session=s, actor=a, active=False, reason="cut over"),
        ["freeze", "off", "--reason", "cut over"],
        lambda s: not _frozen(s),
        setup=_freeze_on,
    ),
    "open migration": Mutation(
        "manage_migration",
        lambda s, a: migration.open_migration(
            session=s, actor=a, old="wms", new="wms2", start=MIGRATION_START
        ),
        [
            "migration",
            "open",
            "--old",
            "wms",
            "--new",
            "wms2",
            "--from",
            MIGRATION_START.isoformat(),
        ],
        lambda s: _migration_status(s) == "open",
    ),
    "explain migration pair": Mutation(
        "manage_migration",
        lambda s, a: migration.explain_pair(
            session=s,
            actor=a,
            migration_id=1,
            location="DC1",
            sku="SKU-A",
            status="sellable",
            note="counted twice",
        ),
        [
            "migration",
            "explain",
            "--location",
            "DC1",
            "--sku",
            "SKU-A",
            "--status",
            "sellable",
            "--note",
            "counted twice",
        ],
        _explained,
        setup=_differing_pair,
    ),
    "cut over migration": Mutation(
        "manage_migration",
        lambda s, a: cutover.close_migration(
            session=s, actor=a, migration_id=1, note="deadline", accept_blockers=True
        ),
        ["migration", "close", "--note", "deadline", "--accept-blockers"],
        lambda s: _migration_status(s) == "cutover",
        setup=_open_migration,
    ),
    "abandon migration": Mutation(
        "manage_migration",
        lambda s, a: cutover.abandon_migration(session=s, actor=a, migration_id=1, note="no"),
        ["migration", "close", "--abandon", "--note", "no"],
        lambda s: _migration_status(s) == "abandoned",
        setup=_open_migration,
    ),
    "undo import": Mutation(
        "undo_import",
        lambda s, a: import_undo.undo_import(session=s, actor=a, run_id=7),
        ["imports", "undo", "7"],
        _run_undone,
        setup=_imported_item,
        detects_after=True,
    ),
    "bulk resolve a line": Mutation(
        "bulk_exceptions",
        lambda s, a: bulk_exceptions.act_on_line(
            session=s,
            actor=a,
            verb="resolve",
            type="stock_discrepancy",
            team=EXCEPTION_TEAM,
            reason="fixed_at_source",
            note="done",
        ),
        [
            "exceptions",
            "bulk",
            "resolve",
            "--type",
            "stock_discrepancy",
            "--owner",
            EXCEPTION_TEAM,
            "--reason",
            "fixed_at_source",
            "--note",
            "done",
        ],
        lambda s: _exception_status(s) == "resolved",
        setup=_exception,
    ),
    "confirm exact mappings": Mutation(
        "confirm_mapping",
        lambda s, a: bulk_mappings.confirm_exact(session=s, actor=a),
        ["mappings", "bulk", "confirm-exact"],
        lambda s: s.get_one(SkuMapping, ("amazon", "AMZ-1")).origin == "steward",
        setup=_exact_suggestion,
    ),
    "reject mappings by glob": Mutation(
        "confirm_mapping",
        lambda s, a: bulk_mappings.reject_matching(
            session=s, actor=a, system="amazon", pattern="AMZ-*", reason="not ours"
        ),
        [
            "mappings",
            "bulk",
            "reject",
            "--system",
            "amazon",
            "--pattern",
            "AMZ-*",
            "--reason",
            "not ours",
        ],
        lambda s: _suggestion_status(s) == "rejected",
        setup=_suggestion,
    ),
    "mark not tracked": Mutation(
        "mark_not_tracked",
        lambda s, a: not_tracked.mark_not_tracked(session=s, actor=a, system="amazon"),
        ["mappings", "not-tracked", "amazon"],
        lambda s: _not_tracked_rows(s) == 1,
    ),
    "lift not tracked": Mutation(
        "mark_not_tracked",
        lambda s, a: not_tracked.lift_not_tracked(session=s, actor=a, system="amazon"),
        ["mappings", "not-tracked", "amazon", "--lift"],
        lambda s: _not_tracked_rows(s) == 0,
        setup=_not_tracked,
    ),
    "set book system": Mutation(
        "edit_field_ownership",
        lambda s, a: book_systems.set_book_system(
            session=s, actor=a, location="DC1", system="wms2"
        ),
        ["book", "set", "DC1", "wms2"],
        lambda s: book_systems.book_of(s, "DC1").system == "wms2",
    ),
    "edit kpi target": Mutation(
        "edit_kpi_targets",
        lambda s, a: update_kpi_target(
            session=s,
            actor=a,
            metric="fill_rate",
            target=0.95,
            seen_version=load_targets(s.connection())["fill_rate"].version,
        ),
        ["kpis", "set", "fill_rate", "--target", "0.95"],
        lambda s: load_targets(s.connection())["fill_rate"].target == 0.95,
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
    after = rows[audits_before:]
    if mutation.detects_after:  # the detection that follows is the system's, as after an import
        after = [r for r in after if (r.actor, r.action) != ("system", "detection.run")]
    assert {row.actor for row in after} == {actor.name}

"""Commands about people: users add / disable / enable / role / team / password / list.

Every change names its actor with `--user` and is checked like the same change in the app.
One exception bootstraps an empty database: while no account exists, `users add NAME --role admin`
needs no `--user` and creates the first admin.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from cli import CommandError
from core.db import get_engine, read_session, write_session
from core.timeutil import iso_z
from governance import accounts
from governance.directory import has_accounts
from governance.errors import GovernanceError
from governance.permissions import Actor, Role, actor_by_name

ROLE_NAMES = [role.value for role in Role]


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""
    users = commands.add_parser("users", help="accounts, roles and teams")
    sub = users.add_subparsers(dest="users_command", required=True, metavar="ACTION")

    p = sub.add_parser("add", help="add an account (password read from standard input)")
    p.add_argument("name")
    p.add_argument("--role", required=True, help=" | ".join(ROLE_NAMES))
    p.add_argument("--team", help="the team (owners need one; created if new)")
    p.add_argument("--email", help="email for the weekly digest and single sign-on")
    p.add_argument("--user", help="the admin who adds it (not needed for the very first account)")
    p.set_defaults(handler=cmd_add)

    for verb, helptext, handler in (
        ("disable", "disable an account", cmd_disable),
        ("enable", "enable a disabled account", cmd_enable),
        ("password", "reset an account's password (read from standard input)", cmd_password),
    ):
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("name")
        _actor_argument(p)
        p.set_defaults(handler=handler)

    p = sub.add_parser("role", help="change an account's role")
    p.add_argument("name")
    p.add_argument("role", help=" | ".join(ROLE_NAMES))
    _actor_argument(p)
    p.set_defaults(handler=cmd_role)

    p = sub.add_parser("team", help="move an account to a team (created if new)")
    p.add_argument("name")
    p.add_argument("team")
    _actor_argument(p)
    p.set_defaults(handler=cmd_team)

    p = sub.add_parser("email", help="set an account's email (empty string: none)")
    p.add_argument("name")
    p.add_argument("email")
    _actor_argument(p)
    p.set_defaults(handler=cmd_email)

    p = sub.add_parser("list", help="list the accounts")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_list)


def _actor_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, help="who makes the change (an admin)")


@contextmanager
def _unit_of_work() -> Iterator[Session]:
    """A write session whose governance refusals become one-line CLI errors."""
    try:
        with write_session(get_engine()) as session:
            yield session
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc


def read_password() -> str:
    """One line from standard input (a hidden prompt on a terminal); refuses an empty one."""
    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if not password:
        raise CommandError("no password given: write it as one line on standard input")
    return password


def cmd_add(args: argparse.Namespace) -> int:
    """Add an account; the first account of an empty database may be added without --user."""
    password = read_password()
    with _unit_of_work() as session:
        if args.user is None:
            if has_accounts(session):
                raise CommandError("--user NAME is required: name the admin who adds the account")
            if args.role.strip().lower() != Role.ADMIN:
                raise CommandError("no account exists yet: the first one must be an admin")
            added = accounts.create_first_admin(session=session, name=args.name, password=password)
        else:
            added = accounts.add_user(
                session=session,
                actor=actor_by_name(session, args.user),
                name=args.name,
                role=args.role,
                team=args.team,
                password=password,
                email=args.email,
            )
    print(f"added {_describe(added)}")
    return 0


def cmd_disable(args: argparse.Namespace) -> int:
    """Disable an account."""
    with _unit_of_work() as session:
        user = accounts.disable_user(
            session=session, actor=actor_by_name(session, args.user), name=args.name
        )
    print(f"disabled {_describe(user)}")
    return 0


def cmd_enable(args: argparse.Namespace) -> int:
    """Enable an account."""
    with _unit_of_work() as session:
        user = accounts.enable_user(
            session=session, actor=actor_by_name(session, args.user), name=args.name
        )
    print(f"enabled {_describe(user)}")
    return 0


def cmd_role(args: argparse.Namespace) -> int:
    """Change an account's role."""
    with _unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        user = accounts.change_role(session=session, actor=actor, name=args.name, role=args.role)
    print(f"role set: {_describe(user)}")
    return 0


def cmd_team(args: argparse.Namespace) -> int:
    """Move an account to a team."""
    with _unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        user = accounts.change_team(session=session, actor=actor, name=args.name, team=args.team)
    print(f"team set: {_describe(user)}")
    return 0


def cmd_email(args: argparse.Namespace) -> int:
    """Set or clear an account's email."""
    with _unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        user = accounts.change_email(session=session, actor=actor, name=args.name,
                                     email=args.email)  # fmt: skip
    print(f"email of {user.name} set to {args.email.strip().lower() or 'none'}")
    return 0


def cmd_password(args: argparse.Namespace) -> int:
    """Reset an account's password (read from standard input)."""
    password = read_password()
    with _unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        user = accounts.reset_password(
            session=session, actor=actor, name=args.name, password=password
        )
    print(f"password reset for {user.name}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the accounts."""
    with read_session(get_engine()) as session:
        rows = [
            {
                key: iso_z(value) if isinstance(value, datetime) else value
                for key, value in row.items()
            }
            for row in accounts.list_users(session)
        ]
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        flags = " ".join(
            f for f, on in (("disabled", row["disabled"]), ("demo", row["is_demo"])) if on
        )
        print(f"{row['name']:<24} {row['role']:<8} {row['team'] or '-':<24} {flags}".rstrip())
    return 0


def _describe(actor: Actor) -> str:
    team = f", team {actor.team}" if actor.team else ""
    state = ", disabled" if actor.disabled else ""
    return f"{actor.name} ({actor.role}{team}{state})"

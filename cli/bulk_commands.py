"""Bulk commands: `exceptions bulk VERB` (a whole line), `mappings bulk confirm-exact|reject`, `mappings not-tracked`.

Each command is one transaction: everything it names changes, or nothing does.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict
from typing import Any

from cli import CommandError
from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from governance import bulk_exceptions, bulk_mappings, not_tracked
from governance.permissions import actor_by_name
from governance.vocabulary import Reason

GLOB_HELP = "a glob over the system SKU, case-sensitive: * any characters, ? one, [AB] one of"


def register_exceptions(sub: Any) -> None:
    """`exceptions bulk VERB --type T --owner TEAM …`."""
    p = sub.add_parser(
        "bulk", help="act on every active exception of a line (type and team; stewards, admins)"
    )
    p.add_argument("verb", choices=["acknowledge", "assign", "resolve", "wont-fix"])
    p.add_argument("--type", required=True, help="the exception type of the line")
    p.add_argument("--owner", required=True, help="the owning team of the line")
    p.add_argument("--reason", help="resolve, wont-fix: " + " | ".join(r.value for r in Reason))
    p.add_argument("--note", help="resolve, wont-fix: what was done, or why it stays")
    p.add_argument("--to", help="assign: the person ('-' unassigns)")
    p.add_argument("--team", help="assign: the new owning team")
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    actor_argument(p)
    p.set_defaults(handler=cmd_exceptions_bulk)


def register_mappings(sub: Any) -> None:
    """`mappings bulk confirm-exact|reject …` and `mappings not-tracked …`."""
    p = sub.add_parser("bulk", help="decide many suggestions at once (stewards, admins)")
    verbs = p.add_subparsers(dest="mappings_bulk_command", required=True, metavar="DECISION")
    q = verbs.add_parser("confirm-exact", help="confirm every open suggestion with score 1.0")
    q.add_argument("--system", help="only this system's (default: every system)")
    q.add_argument("--json", action="store_true", help="print the outcome as JSON")
    actor_argument(q)
    q.set_defaults(handler=cmd_confirm_exact)
    q = verbs.add_parser("reject", help="reject the open suggestions of a system (or a SKU glob)")
    q.add_argument("--system", required=True)
    q.add_argument("--pattern", help=f"only SKUs matching it; {GLOB_HELP}")
    q.add_argument("--reason", required=True)
    q.add_argument("--json", action="store_true", help="print the outcome as JSON")
    actor_argument(q)
    q.set_defaults(handler=cmd_reject_matching)
    p = sub.add_parser(
        "not-tracked",
        help="mark a system's SKUs not tracked (no unmapped exceptions), --lift to undo; "
        "without SYSTEM: list the standing settings",
    )
    p.add_argument("system", nargs="?")
    p.add_argument("--pattern", help=f"only SKUs matching it (default: all); {GLOB_HELP}")
    p.add_argument("--note", help="why (kept with the setting)")
    p.add_argument("--lift", action="store_true", help="track them again")
    p.add_argument("--user", help="who acts (required to mark or lift)")
    p.set_defaults(handler=cmd_not_tracked)


def cmd_exceptions_bulk(args: argparse.Namespace) -> int:
    """Apply one verb to every active exception of a line."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        done = bulk_exceptions.act_on_line(session=session, actor=actor,
                                           verb=args.verb.replace("-", "_"), type=args.type,
                                           team=args.owner, reason=args.reason, note=args.note,
                                           assignee=args.to, to_team=args.team)  # fmt: skip
    if args.json:
        print_json({**asdict(done), "ids": list(done.ids)})
    else:
        print(done.summary())
    return 0


def _print_mapping(done: bulk_mappings.MappingBulkOutcome, as_json: bool) -> None:
    if as_json:
        print_json(asdict(done))
    else:
        print(done.summary())


def cmd_confirm_exact(args: argparse.Namespace) -> int:
    """Confirm every exact suggestion (of a system)."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        done = bulk_mappings.confirm_exact(session=session, actor=actor, system=args.system)
    _print_mapping(done, args.json)
    return 0


def cmd_reject_matching(args: argparse.Namespace) -> int:
    """Reject the open suggestions of a system matching a glob."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        done = bulk_mappings.reject_matching(session=session, actor=actor, system=args.system,
                                             pattern=args.pattern, reason=args.reason)  # fmt: skip
    _print_mapping(done, args.json)
    return 0


def cmd_not_tracked(args: argparse.Namespace) -> int:
    """Mark, lift or list not-tracked settings."""
    if args.system is None:
        with reading() as session:
            print_json([asdict(s) for s in not_tracked.settings(session)])
        return 0
    if not args.user:
        raise CommandError("name who acts with --user NAME (stewards, admins)")
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        if args.lift:
            made = not_tracked.lift_not_tracked(session=session, actor=actor, system=args.system,
                                                pattern=args.pattern)  # fmt: skip
        else:
            made = not_tracked.mark_not_tracked(session=session, actor=actor, system=args.system,
                                                pattern=args.pattern, note=args.note)  # fmt: skip
    print(made.summary() + " Run `python manage.py detect` to apply it now.")
    return 0

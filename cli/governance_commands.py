"""Commands about exceptions: detect, exceptions list/show/acknowledge/start/resolve/wont-fix/comment/assign.

Every change names its actor with `--user` and is checked like the same change in the app;
`--version N` makes it conditional on the version the person saw (default: the stored one).
Also registers the review and steward command groups (cli.review_commands, cli.steward_commands).
"""

from __future__ import annotations

import argparse
from typing import Any

from cli import CommandError, bulk_commands, review_commands, steward_commands
from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from core.db import get_engine, read_session
from core.timeutil import parse_iso
from governance import assignment, lifecycle, queue
from governance.alerts import alert_after_detection
from governance.detection import detect
from governance.errors import GovernanceError
from governance.labels import status_label, type_label
from governance.permissions import actor_by_name
from governance.vocabulary import Reason


def register(commands: Any) -> None:
    """Add this group's commands (and the review and steward groups) to the parser."""
    p = commands.add_parser("detect", help="run exception detection")
    p.add_argument("--as-of", type=parse_iso, default=None, help="judge the data at this instant")
    p.add_argument("--user", help="who runs it (checked: stewards and admins)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(handler=cmd_detect)
    _register_exceptions(commands)
    review_commands.register(commands)
    steward_commands.register(commands)


def _register_exceptions(commands: Any) -> None:
    group = commands.add_parser("exceptions", help="the exception queue")
    sub = group.add_subparsers(dest="exceptions_command", required=True, metavar="ACTION")
    p = sub.add_parser("list", help="list exceptions (grouped by type and team without --json)")
    p.add_argument("--json", action="store_true", help="one JSON object per exception")
    p.add_argument("--status", help="open, acknowledged, in_progress, resolved, wont_fix, active")
    p.add_argument("--owner", help="the owning team")
    p.add_argument("--type", help="the exception type")
    p.set_defaults(handler=cmd_list)
    p = sub.add_parser(
        "show", help="one exception: state, verification, closings (reason, note), history"
    )
    p.add_argument("id", type=int)
    p.add_argument("--json", action="store_true", help="as JSON (the default output)")
    p.set_defaults(handler=cmd_show)
    for verb, helptext in (
        ("acknowledge", "acknowledge an exception"),
        ("start", "mark an exception in progress"),
    ):
        p = sub.add_parser(verb, help=helptext)
        _change_arguments(p)
        p.set_defaults(handler=cmd_transition, verb=verb)
    for verb, helptext in (
        ("resolve", "resolve with a reason and a note"),
        ("wont-fix", "close as won't fix with a reason and a note"),
    ):
        p = sub.add_parser(verb, help=helptext)
        _change_arguments(p)
        p.add_argument("--reason", required=True, help=" | ".join(r.value for r in Reason))
        p.add_argument("--note", required=True, help="what was done, or why it stays")
        p.set_defaults(handler=cmd_transition, verb=verb.replace("-", "_"))
    p = sub.add_parser("comment", help="comment on an exception")
    _change_arguments(p)
    p.add_argument("--text", required=True)
    p.set_defaults(handler=cmd_comment)
    p = sub.add_parser("assign", help="assign to a person and/or a team (stewards, admins)")
    _change_arguments(p)
    p.add_argument("--to", help="the person ('-' unassigns)")
    p.add_argument("--team", help="the owning team")
    p.set_defaults(handler=cmd_assign)
    bulk_commands.register_exceptions(sub)
    p = sub.add_parser("acknowledge-all", help="acknowledge every open exception of a type")
    p.add_argument("--type", required=True)
    p.add_argument("--owner", help="only this team's")
    actor_argument(p)
    p.set_defaults(handler=cmd_acknowledge_all)


def _change_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("id", type=int, help="the exception id")
    parser.add_argument("--version", type=int, help="the version you saw (refused if it changed)")
    actor_argument(parser)


def cmd_detect(args: argparse.Namespace) -> int:
    """Run detection at --as-of (default now) and print what it found and changed."""
    try:
        actor = None
        if args.user:
            with read_session(get_engine()) as session:
                actor = actor_by_name(session, args.user)
        report = detect(get_engine(), as_of=args.as_of, actor=actor)
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc
    if args.as_of is None:  # alerts speak of now, not of a past instant
        alert_after_detection(get_engine())
    if args.json:
        print_json(report.as_dict())
        return 0
    print(report.summary())
    for kind, count in report.found.items():
        print(f"  {type_label(kind):<32} {count:>6,}")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Print the exceptions (JSON) or the queue's lines by type and team."""
    with reading() as session:
        rows = queue.list_exceptions(session, status=args.status, team=args.owner, type=args.type)
    if args.json:
        print_json(rows)
        return 0
    lines = queue.group_lines(rows)
    print(f"{'type':<32} {'team':<20} {'count':>6} {'high':>5} {'overdue':>8}  earliest due (UTC)")
    for line in lines:
        due = line["earliest_due"].replace("T", " ")[:16] if line["earliest_due"] else "-"
        print(
            f"{type_label(line['type']):<32} {line['team']:<20} {line['count']:>6,} "
            f"{line['severity']['high']:>5,} {line['overdue']:>8,}  {due}"
        )
    print(f"{len(rows)} exception(s) in {len(lines)} line(s)")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one exception as JSON: status, verification, closings, history and comments."""
    with reading() as session:
        print_json(queue.detail(session, args.id))
    return 0


def cmd_transition(args: argparse.Namespace) -> int:
    """Acknowledge, start, resolve or close as won't fix."""
    with unit_of_work() as session:
        state = lifecycle.transition(
            session=session,
            actor=actor_by_name(session, args.user),
            exception_id=args.id,
            verb=args.verb,
            seen_version=args.version,
            reason=getattr(args, "reason", None),
            note=getattr(args, "note", None),
        )
    now = status_label(state["status"], state.get("verification")).lower()
    print(f"exception {state['id']} is now {now} (version {state['version']})")
    return 0


def cmd_comment(args: argparse.Namespace) -> int:
    """Comment on an exception."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        lifecycle.comment(session=session, actor=actor, exception_id=args.id, body=args.text)
    print(f"comment added to exception {args.id}")
    return 0


def cmd_assign(args: argparse.Namespace) -> int:
    """Assign an exception to a person and/or a team."""
    with unit_of_work() as session:
        state = assignment.assign(
            session=session,
            actor=actor_by_name(session, args.user),
            exception_id=args.id,
            assignee=args.to,
            team=args.team,
            seen_version=args.version,
        )
    who = state["assignee"] or "nobody"
    print(f"exception {state['id']}: team {state['team']}, assigned to {who}")
    return 0


def cmd_acknowledge_all(args: argparse.Namespace) -> int:
    """Acknowledge every open exception of a type (and team): one agenda line at once."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        rows = queue.list_exceptions(session, status="open", team=args.owner, type=args.type)
        done = lifecycle.bulk_acknowledge(
            session=session, actor=actor, exception_ids=[r["id"] for r in rows]
        )
    print(f"acknowledged {len(done)} exception(s)")
    return 0

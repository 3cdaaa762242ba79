"""Commands about the weekly review: review open/refresh/decide/close/show/export/kpis."""

from __future__ import annotations

import argparse
from typing import Any

from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from core.timeutil import iso_z, parse_iso, utcnow, week_label
from governance import review, review_read
from governance.completion import completion
from governance.gov_kpis import governance_kpis
from governance.labels import metric_label, metric_value
from governance.permissions import actor_by_name


def register(commands: Any) -> None:
    """Add the review group's commands to the parser."""
    group = commands.add_parser("review", help="the weekly exception review")
    sub = group.add_subparsers(dest="review_command", required=True, metavar="ACTION")
    for verb, helptext, handler in (
        ("open", "open the review of a week and build its agenda", cmd_open),
        ("refresh", "add agenda lines that appeared since it opened", cmd_refresh),
        ("close", "close the review: the minutes are frozen", cmd_close),
    ):
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("--week", required=True, help="YYYY-Www")
        actor_argument(p)
        p.set_defaults(handler=handler)
        if verb == "close":
            p.add_argument("--allow-unreviewed", action="store_true",
                           help="close even with agenda lines nobody marked reviewed")  # fmt: skip
    p = sub.add_parser("decide", help="record the decision on an agenda item")
    p.add_argument("--week", required=True, help="YYYY-Www")
    p.add_argument("--item", required=True, help="the agenda item key (see review show)")
    p.add_argument("--decision", help="what was decided")
    p.add_argument("--next-action", help="what happens next")
    p.add_argument("--due", help="due date of the next action (YYYY-MM-DD)")
    p.add_argument("--not-reviewed", action="store_true", help="mark the item not reviewed")
    p.add_argument("--version", type=int, help="the version you saw (refused if it changed)")
    actor_argument(p)
    p.set_defaults(handler=cmd_decide)
    p = sub.add_parser("show", help="a review and its agenda as JSON")
    p.add_argument("--week", required=True, help="YYYY-Www")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("export", help="the minutes (frozen once closed, else a draft)")
    p.add_argument("--week", required=True, help="YYYY-Www")
    p.add_argument("--format", choices=("md", "csv"), default="md")
    p.set_defaults(handler=cmd_export)
    p = sub.add_parser("kpis", help="the governance KPIs")
    p.add_argument("--json", action="store_true", help="as JSON")
    p.add_argument("--week", help="the review week for completion (default: this week)")
    p.add_argument("--as-of", type=parse_iso, default=None, help="judge aging at this instant")
    p.set_defaults(handler=cmd_kpis)


def cmd_open(args: argparse.Namespace) -> int:
    """Open a week's review."""
    with unit_of_work() as session:
        view = review.open_review(
            session=session, actor=actor_by_name(session, args.user), week=args.week
        )
    print(f"review {view['week']} opened with {len(view['items'])} agenda item(s)")
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Add new agenda lines to an open review."""
    with unit_of_work() as session:
        added = review.refresh_agenda(
            session=session, actor=actor_by_name(session, args.user), week=args.week
        )
    print(f"{added} agenda item(s) added")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    """Close a week's review."""
    with unit_of_work() as session:
        view = review.close_review(
            session=session,
            actor=actor_by_name(session, args.user),
            week=args.week,
            allow_unreviewed=args.allow_unreviewed,
        )
    done = completion(view["items"])
    print(f"review {view['week']} closed; minutes frozen ({done.text()})")
    return 0


def cmd_decide(args: argparse.Namespace) -> int:
    """Record the decision on one agenda item."""
    with unit_of_work() as session:
        item = review.record_decision(
            session=session,
            actor=actor_by_name(session, args.user),
            week=args.week,
            key=args.item,
            decision=args.decision,
            next_action=args.next_action,
            due_date=args.due,
            reviewed=not args.not_reviewed,
            seen_version=args.version,
        )
    print(
        f"{args.item}: reviewed={'yes' if item['reviewed'] else 'no'} (version {item['version']})"
    )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print a review with its agenda."""
    with reading() as session:
        print_json(review_read.get_review(session, review_read.parse_week(args.week)))
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Print the minutes of a week in Markdown or CSV."""
    with reading() as session:
        text = review_read.minutes(session, args.week, args.format)
    print(text, end="")
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    """Print the governance KPIs."""
    as_of = (args.as_of or utcnow()).replace(microsecond=0)
    with reading() as session:
        week = review_read.parse_week(args.week) if args.week else week_label(as_of)
        rows = governance_kpis(session, as_of=as_of, week=week)
    if args.json:
        print_json({"as_of": iso_z(as_of), "week": week, "kpis": rows})
        return 0
    print(f"governance KPIs at {iso_z(as_of)} (review week {week})")
    for row in rows:
        value = metric_value(row["kpi"], row["value"])
        print(f"  {metric_label(row['kpi']):<48} {value:>10}  n={row['n']}")
    return 0

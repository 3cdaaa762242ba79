"""Migration commands: the parallel run (open, report, pairs, explain, close), the freeze, book systems.

Every change names its actor with `--user` and is checked like the same change in the app
(stewards and admins); a refusal is one line and a non-zero exit.
"""

from __future__ import annotations

import argparse
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from cli import CommandError
from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from core.schema import Location
from core.timeutil import parse_iso
from governance import book_systems, cutover, freeze, migration
from governance.migration_report import MigrationReport, migration_report
from governance.permissions import actor_by_name
from governance.readiness import pair_dict, percent
from metrics.parallel_run import pairs_of_day

RATE_WIDTH = 8


def register(commands: Any) -> None:
    """Add the migration, freeze and book command groups to the parser."""
    _register_migration(commands)
    _register_freeze(commands)
    _register_book(commands)


def _register_migration(commands: Any) -> None:
    parser = commands.add_parser("migration", help="parallel run of an old and a new system")
    sub = parser.add_subparsers(dest="migration_command", required=True, metavar="ACTION")
    p = sub.add_parser("open", help="open the parallel run (stewards, admins)")
    p.add_argument("--old", required=True, help="the system being replaced")
    p.add_argument("--new", required=True, help="the system replacing it")
    p.add_argument("--from", dest="start", required=True, type=date.fromisoformat,
                   help="first day compared (YYYY-MM-DD, UTC)")  # fmt: skip
    p.add_argument("--location", action="append", default=[], help="a migrated location (repeat; default: all)")  # fmt: skip
    p.add_argument("--target", type=Decimal, default=migration.DEFAULT_TARGET, help="match rate, default 0.995")  # fmt: skip
    p.add_argument("--days", type=int, default=migration.DEFAULT_DAYS, help="consecutive days, default 14")  # fmt: skip
    p.add_argument("--units-threshold", type=int, default=migration.DEFAULT_UNITS,
                   help="differing pairs above this many units need an explanation (default 5)")  # fmt: skip
    actor_argument(p)
    p.set_defaults(handler=cmd_open)
    for name, helptext in (
        ("report", "daily rows and readiness"),
        ("pairs", "differing pairs of a day"),
    ):
        p = sub.add_parser(name, help=helptext)
        _which(p)
        p.add_argument("--as-of", type=parse_iso, default=None, help="judge at this instant")
        p.add_argument("--json", action="store_true", help="print JSON")
        if name == "pairs":
            p.add_argument("--day", type=date.fromisoformat, help="default: the latest day")
            p.add_argument("--all", action="store_true", help="also the equal pairs")
        p.set_defaults(handler=cmd_report if name == "report" else cmd_pairs)
    p = sub.add_parser("explain", help="mark a differing pair explained with a note")
    _which(p)
    for flag in ("--location", "--sku", "--status", "--note"):
        p.add_argument(flag, required=True)
    p.add_argument("--day", type=date.fromisoformat, help="default: the latest complete day")
    actor_argument(p)
    p.set_defaults(handler=cmd_explain)
    p = sub.add_parser("close", help="cut over (or --abandon) the open migration")
    _which(p)
    p.add_argument("--note", required=True, help="the decision, in a sentence")
    p.add_argument("--accept-blockers", action="store_true", help="cut over although not ready")
    p.add_argument("--abandon", action="store_true", help="close without cutover")
    p.add_argument("--version", type=int, help="the version you saw")
    actor_argument(p)
    p.set_defaults(handler=cmd_close)
    p = sub.add_parser("list", help="every migration as JSON")
    p.set_defaults(handler=cmd_list)


def _which(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--id", type=int, help="the migration (default: the open one, else the newest)")  # fmt: skip


def _register_freeze(commands: Any) -> None:
    parser = commands.add_parser("freeze", help="the item-master freeze")
    sub = parser.add_subparsers(dest="freeze_command", required=True, metavar="ACTION")
    for verb in ("on", "off"):
        p = sub.add_parser(verb, help=f"turn the freeze {verb} (stewards, admins)")
        p.add_argument("--reason", required=True)
        p.add_argument("--version", type=int, help="the version you saw")
        actor_argument(p)
        p.set_defaults(handler=cmd_freeze, active=verb == "on")
    p = sub.add_parser("show", help="the freeze as JSON")
    p.set_defaults(handler=cmd_freeze_show)


def _register_book(commands: Any) -> None:
    parser = commands.add_parser("book", help="the book system of each location")
    sub = parser.add_subparsers(dest="book_command", required=True, metavar="ACTION")
    p = sub.add_parser("show", help="location -> book system as JSON")
    p.set_defaults(handler=cmd_book_show)
    p = sub.add_parser("set", help="make a system the book of a location (stewards, admins)")
    p.add_argument("location")
    p.add_argument("system")
    p.add_argument("--version", type=int, help="the version you saw")
    actor_argument(p)
    p.set_defaults(handler=cmd_book_set)


def cmd_open(args: argparse.Namespace) -> int:
    """Open a migration."""
    with unit_of_work() as session:
        made = migration.open_migration(
            session=session, actor=actor_by_name(session, args.user), old=args.old, new=args.new,
            start=args.start, locations=args.location, target=args.target,
            required_days=args.days, units_threshold=args.units_threshold,
        )  # fmt: skip
    where = ", ".join(made.locations) or "every location"
    print(f"migration {made.id} open: {made.old} -> {made.new} from {made.start} at {where}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    """Print the daily rows and the readiness."""
    with reading() as session:
        report = migration_report(session, migration_id=args.id, as_of=args.as_of)
    if args.json:
        print_json(report.as_dict())
    else:
        print("\n".join(report_lines(report)))
    return 0


def report_lines(report: MigrationReport) -> list[str]:
    """The report as a person reads it in a terminal."""
    m, verdict = report.migration, report.readiness
    lines = [
        f"migration {m.id}: {m.old} -> {m.new} from {m.start} ({m.status.value}), "
        f"at {', '.join(m.locations) or 'every location'}",
        f"ready when ≥ {percent(m.rules.target)} for {m.rules.required_days} consecutive days "
        f"and no pair above {m.rules.units_threshold} units unexplained",
        f"{'day':<12}{'compared':>10}{'equal':>10}{'units':>10}{'match':>{RATE_WIDTH + 2}}  streak",
    ]
    for v in verdict.days:
        rate = "-" if v.tally.match_rate is None else f"{v.tally.match_rate:.2%}"
        mark = "" if v.complete else " (so far)"
        lines.append(f"{v.day.isoformat():<12}{v.tally.compared:>10}{v.tally.equal:>10}"
                     f"{v.tally.units_differing:>10}{rate:>{RATE_WIDTH + 2}}  {v.streak}{mark}")  # fmt: skip
    if verdict.judged_day:
        lines.append(f"by location on {verdict.judged_day}:")
        for name, tally in report.readiness.comparison.by_location(verdict.judged_day).items():
            lines.append(f"  {name:<20} {tally.equal}/{tally.compared} equal, {tally.units_differing} units differ")  # fmt: skip
    lines.append("ready: yes" if verdict.ready else "ready: no")
    lines += [f"  blocks: {b}" for b in verdict.blockers]
    return lines


def cmd_pairs(args: argparse.Namespace) -> int:
    """Print the (differing) pairs of a day."""
    with reading() as session:
        report = migration_report(session, migration_id=args.id, as_of=args.as_of)
        days = report.readiness.comparison.days
        day = args.day or (days[-1] if days else None)
        pairs = [] if day is None else pairs_of_day(
            session.connection(), report.migration.scope, report.as_of, day,
            differing_only=not args.all,
        )  # fmt: skip
    if args.json:
        print_json([pair_dict(p) for p in pairs])
        return 0
    print(f"{len(pairs)} pair(s) on {day}" + ("" if args.all else " that differ"))
    for p in pairs:
        print(
            f"  {p.location:<14} {p.sku:<22} {p.status:<12} old {p.old_qty:>6}  new {p.new_qty:>6}"
        )
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    """Mark a differing pair explained."""
    with unit_of_work() as session:
        chosen = _required(session, args.id)
        migration.explain_pair(
            session=session, actor=actor_by_name(session, args.user), migration_id=chosen,
            location=args.location, sku=args.sku, status=args.status, note=args.note, day=args.day,
        )  # fmt: skip
    print(f"{args.location}/{args.sku}/{args.status} explained")
    return 0


def cmd_close(args: argparse.Namespace) -> int:
    """Cut over or abandon the open migration."""
    with unit_of_work() as session:
        actor, chosen = actor_by_name(session, args.user), _required(session, args.id)
        if args.abandon:
            cutover.abandon_migration(session=session, actor=actor, migration_id=chosen,
                                        note=args.note, seen_version=args.version)  # fmt: skip
            print(f"migration {chosen} abandoned; no book changed")
            return 0
        done = cutover.close_migration(
            session=session, actor=actor, migration_id=chosen, note=args.note,
            seen_version=args.version, accept_blockers=args.accept_blockers,
        )  # fmt: skip
    m = done.migration
    print(f"migration {m.id} cut over by {m.closed_by}: book of {', '.join(done.switched) or 'no location'} is now {m.new}")  # fmt: skip
    for location, why in done.left:
        print(f"  {location} left as it is: {why}")
    return 0


def _required(session: Any, migration_id: int | None) -> int:
    found = migration.current_migration(session, migration_id)
    if found is None:
        raise CommandError("no migration yet: open one with `python manage.py migration open`")
    return found.id


def cmd_list(args: argparse.Namespace) -> int:
    """Print every migration."""
    with reading() as session:
        print_json([m.as_dict() for m in migration.list_migrations(session)])
    return 0


def cmd_freeze(args: argparse.Namespace) -> int:
    """Turn the item-master freeze on or off."""
    with unit_of_work() as session:
        state = freeze.set_freeze(session=session, actor=actor_by_name(session, args.user),
                                  active=args.active, reason=args.reason,
                                  seen_version=args.version)  # fmt: skip
    print(f"item-master freeze {'on' if state.active else 'off'} ({state.by}: {state.reason})")
    return 0


def cmd_freeze_show(args: argparse.Namespace) -> int:
    """Print the freeze."""
    with reading() as session:
        print_json(freeze.freeze_state(session).as_dict())
    return 0


def cmd_book_show(args: argparse.Namespace) -> int:
    """Print the book system of every known location."""
    with reading() as session:
        locations = list(session.scalars(select(Location.location_id)))
        found = book_systems.books(session, locations)
    print_json({b.location: {"system": b.system, "origin": b.origin, "version": b.version} for b in found})  # fmt: skip
    return 0


def cmd_book_set(args: argparse.Namespace) -> int:
    """Set the book system of a location."""
    with unit_of_work() as session:
        book = book_systems.set_book_system(session=session, actor=actor_by_name(session, args.user),
                                            location=args.location, system=args.system,
                                            seen_version=args.version)  # fmt: skip
    print(f"book of {book.location} is {book.system}")
    return 0

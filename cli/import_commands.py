"""Commands about import runs: list them with their state, undo one (stewards, admins)."""

from __future__ import annotations

import argparse
from typing import Any

import pipeline
from cli import CommandError
from cli.governance_support import actor_argument, print_json, reading
from core.db import DatabaseBusy
from governance.errors import GovernanceError
from governance.import_undo import import_runs
from governance.permissions import actor_by_name


def register(commands: Any) -> None:
    """Add the `imports` group to the parser."""
    parser = commands.add_parser("imports", help="import runs: list them, undo one")
    sub = parser.add_subparsers(dest="imports_command", required=True, metavar="ACTION")
    p = sub.add_parser("list", help="import runs, newest first, with their state")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--limit", type=int, default=None, help="at most this many runs")
    p.set_defaults(handler=cmd_imports_list)
    p = sub.add_parser("undo", help="take an import run back (stewards, admins)")
    p.add_argument("run_id", type=int, metavar="RUN_ID")
    actor_argument(p)
    p.set_defaults(handler=cmd_imports_undo)


def cmd_imports_list(args: argparse.Namespace) -> int:
    """Print the import runs with their state (committed, undone)."""
    with reading() as session:
        runs = import_runs(session, limit=args.limit)
    if args.json:
        print_json([run.as_dict() for run in runs])
        return 0
    if not runs:
        print("no imports yet")
    for run in runs:
        undone = f" by {run.undone_by}" if run.undone_by else ""
        print(f"{run.id}\t{run.state}{undone}\t{run.source}\t{run.system or '-'}\t{run.file}\t"
              f"read {run.read}, inserted {run.inserted}, updated {run.updated}, "
              f"unchanged {run.unchanged}, quarantined {run.quarantined}")  # fmt: skip
    return 0


def cmd_imports_undo(args: argparse.Namespace) -> int:
    """Undo one import run."""
    with reading() as session:
        actor = actor_by_name(session, args.user)
    try:
        report = pipeline.undo_import_as(actor, args.run_id)
    except (GovernanceError, DatabaseBusy) as exc:
        raise CommandError(str(exc)) from exc
    print(report.summary())
    return 0

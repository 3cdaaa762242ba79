"""Commands about the data itself: init, status, reset, backup, import, demo."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cli import CommandError
from cli.progress import TerminalProgress
from core.db import get_engine, read_session, write_session
from core.maintenance import backup_sqlite, reset_data
from core.migrate import upgrade
from core.settings import get_settings, safe_url
from core.status import is_empty, status
from core.timeutil import parse_iso
from governance.accounts import ensure_first_admin, remove_demo_accounts
from governance.errors import GovernanceError
from governance.permissions import Action, actor_by_name, authorize

if TYPE_CHECKING:
    from pipeline import ImportOptions

# People, the audit trail and the steward-edited settings outlive a data reset; demo accounts go
# with the demo data.
ACCOUNT_TABLES = ("teams", "users", "login_attempts", "audit_log",
                  "kpi_targets", "routing", "field_ownership", "severity_sla",
                  "watch_folders", "founder_recipients", "alert_outbox",
                  "item_master_freeze", "book_systems", "not_tracked_skus")  # fmt: skip


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""
    p = commands.add_parser("init", help="create or upgrade the database schema")
    p.set_defaults(handler=cmd_init)

    p = commands.add_parser("status", help="where the data stands")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(handler=cmd_status)

    p = commands.add_parser("reset", help="delete all data (keeps the schema)")
    p.add_argument("--yes", action="store_true", help="confirm")
    p.set_defaults(handler=cmd_reset)

    p = commands.add_parser("backup", help="consistent copy of the SQLite database")
    p.add_argument("path", type=Path)
    p.set_defaults(handler=cmd_backup)

    p = commands.add_parser("import", help="import files")
    p.add_argument("source", help="canonical, an entity name (e.g. orders), or a source format")
    p.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    p.add_argument("--system", help="the system the files come from")
    p.add_argument("--location", help="location id for files that carry none")
    p.add_argument("--as-of", type=parse_iso, default=None, help="snapshot time (ISO 8601)")
    p.add_argument("--mapping", type=Path, default=None, help="mapping file (mapped, sql)")
    p.add_argument("--user", help="who imports (recorded)")
    p.add_argument("--json", action="store_true", help="print the reports as JSON")
    p.add_argument("--yes", action="store_true",
                   help="import even files that would open more exceptions than the threshold "
                   "(INVGOV_IMPORT_CONFIRM_EXCEPTIONS)")  # fmt: skip
    p.set_defaults(handler=cmd_import)

    p = commands.add_parser("demo", help="load the demo brand")
    p.add_argument("--orders", type=int, default=None, help="orders to generate")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument(
        "--end",
        type=date.fromisoformat,
        default=None,
        help="last day of history (YYYY-MM-DD; default yesterday, UTC)",
    )
    p.add_argument("--if-empty", action="store_true", help="only when the database holds no data")
    p.add_argument("--migration", action="store_true", help="add a WMS migration story")
    p.set_defaults(handler=cmd_demo)


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the schema."""
    url = get_settings().database_url
    revision = upgrade(url)
    print(f"database {safe_url(url)} at schema {revision}")
    with write_session(get_engine()) as session:
        password = ensure_first_admin(session)
    if password:
        print(f"created the first admin: user 'admin', password {password} (shown only this once)")
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    """Print counts, imports and schema version."""
    doc = status(get_engine())
    if args.json:
        print(json.dumps(doc, indent=2))
        return 0
    print(f"database: {doc['database']} (schema {doc['schema_version']})")
    for name, count in doc["counts"].items():
        print(f"  {name:<20} {count:>10}")
    for run in doc["imports"][:10]:
        print(
            f"  {run['finished_at']}  {run['source']:<10} {run['file']}  +{run['inserted']} "
            f"~{run['updated']} ={run['unchanged']} !{run['quarantined']}"
        )
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Delete all data after an explicit --yes."""
    if not args.yes:
        raise CommandError("reset deletes all data: add --yes to confirm")
    deleted = reset_data(get_engine(), keep=ACCOUNT_TABLES)
    with write_session(get_engine()) as session:
        removed = remove_demo_accounts(session)
    print(
        f"deleted {deleted} rows and {removed} demo account(s); schema, accounts and audit log kept"
    )
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    """Copy the SQLite database consistently."""
    try:
        target = backup_sqlite(get_engine(), args.path)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    print(f"backed up to {target}")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    """Import files; exit 1 when any file was refused."""
    import pipeline

    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        raise CommandError(f"no such file or folder: {', '.join(missing)}")
    if args.user:  # a named actor is checked like in the app (without --user: the operator)
        check_may_import(args.user)
    options = pipeline.ImportOptions(location=args.location, as_of=args.as_of, mapping=args.mapping)
    if not args.yes:
        check_impact(args, options)
    with TerminalProgress() as progress:
        reports = pipeline.import_paths(
            args.paths,
            args.source,
            system=args.system,
            actor=args.user,
            progress=progress,
            options=options,
        )
    if args.json:
        print(json.dumps([r.as_dict() for r in reports], indent=2))
    else:
        for report in reports:
            stream = sys.stdout if report.ok else sys.stderr
            print(report.summary(), file=stream)
            if report.written:
                print("  written: " + "; ".join(w.text() for w in report.written), file=stream)
            if report.exceptions_text():
                print(f"  {report.exceptions_text()}", file=stream)
            for warning in report.warnings:
                print(f"  warning: {warning}", file=stream)
            for note in report.plain_notes:
                print(f"  note: {note}", file=stream)
    refused = [r for r in reports if not r.ok]
    if refused:
        print(f"error: {len(refused)} of {len(reports)} file(s) refused", file=sys.stderr)
        return 1
    return 0


def check_impact(args: argparse.Namespace, options: ImportOptions) -> None:
    """Refuse (one line, nothing written) when a file would open more exceptions than the threshold."""
    import pipeline
    from pipeline import impact as import_impact

    threshold = import_impact.confirm_threshold()
    previews = import_impact.preview_files(
        pipeline.expand_paths(args.paths), args.source, system=args.system, options=options,
        actor=args.user, engine=get_engine(),
    )  # fmt: skip
    over = [p.confirmation_text(threshold) for p in previews if p.exceeds(threshold)]
    if over:
        raise CommandError("; ".join(over) + ": nothing was imported; add --yes to import anyway")


def check_may_import(user: str) -> None:
    """Refuse (one line, non-zero exit) unless `user` may import files."""
    with read_session(get_engine()) as session:
        try:
            authorize(session, actor_by_name(session, user), Action.IMPORT_FILES)
        except GovernanceError as refused:
            raise CommandError(str(refused)) from refused


def cmd_demo(args: argparse.Namespace) -> int:
    """Load the deterministic demo brand."""
    from demo import load_demo

    if args.if_empty and not is_empty(get_engine()):
        print("database already holds data; demo not loaded")
        return 0
    summary = load_demo(orders=args.orders, seed=args.seed, end=args.end, engine=get_engine(),
                        migration=args.migration)  # fmt: skip
    print(summary)
    return 0

"""Commands of the weekly cadence: watch (drop folders), worker, digest, founders, alerts, report."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import Engine

from cadence import folders
from cadence.folders import FolderSpec
from cli import CommandError
from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from core.db import get_engine
from core.settings import PROJECT_ROOT
from core.timeutil import iso_z, utcnow
from governance import founders
from governance.permissions import actor_by_name
from metrics.kpi_board import latest_complete_week

DIGEST_DIR = PROJECT_ROOT / "data" / "digests"


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""
    _register_watch(commands)
    p = commands.add_parser(
        "worker", help="run the schedule: drop folders, detection, digests, review"
    )
    p.set_defaults(handler=cmd_worker)
    p = commands.add_parser(
        "digest", help="email each owning team its weekly digest, founders theirs"
    )
    p.add_argument("--week", help="ISO week YYYY-Www (default: the latest complete week)")
    p.add_argument("--team", help="only this team's digest (no founder digest)")
    p.add_argument("--dry-run", action="store_true", help="write .eml files instead of sending")
    p.add_argument(
        "--out", type=Path, default=None, help=f"folder for --dry-run (default {DIGEST_DIR}/WEEK)"
    )
    p.add_argument("--json", action="store_true", help="print the outcome as JSON")
    p.set_defaults(handler=cmd_digest)
    _register_founders(commands)
    alerts = commands.add_parser("alerts", help="webhook alerts waiting for delivery")
    sub = alerts.add_subparsers(dest="alerts_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="undelivered alerts as JSON").set_defaults(handler=cmd_alerts_list)
    sub.add_parser("send", help="try to deliver them now").set_defaults(handler=cmd_alerts_send)
    report = commands.add_parser("report", help="printable reports")
    sub = report.add_subparsers(dest="report_command", required=True, metavar="REPORT")
    p = sub.add_parser("founder", help="the founder one-pager (A4 PDF)")
    p.add_argument("--week", help="ISO week YYYY-Www (default: the latest complete week)")
    p.add_argument("--out", type=Path, required=True, help="the PDF file to write")
    p.set_defaults(handler=cmd_report_founder)


def _register_watch(commands: Any) -> None:
    watch = commands.add_parser(
        "watch", help="drop folders: import new files (add/list/remove/edit)"
    )
    watch.add_argument("--once", action="store_true", help="one pass, then exit")
    watch.set_defaults(handler=cmd_watch)
    sub = watch.add_subparsers(dest="watch_command", required=False, metavar="ACTION")
    for verb, helptext, handler in (("add", "declare a drop folder", cmd_watch_add),
                                    ("edit", "change a drop folder", cmd_watch_edit)):  # fmt: skip
        p = sub.add_parser(verb, help=helptext)
        p.add_argument("dir")
        p.add_argument("--source", default="auto" if verb == "add" else None,
                       help="source format (default auto)")  # fmt: skip
        p.add_argument("--system", help="the system the files come from")
        p.add_argument("--location", help="location id for files that carry none")
        p.add_argument("--mapping", help="mapping file (source mapped)")
        p.add_argument("--pattern", default="*" if verb == "add" else None, help="file-name glob")
        if verb == "edit":
            p.add_argument("--version", type=int, help="the version you saw")
        actor_argument(p, "who declares it (a steward or admin)")
        p.set_defaults(handler=handler)
    p = sub.add_parser("list", help="the drop folders and their last run")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=cmd_watch_list)
    p = sub.add_parser("remove", help="stop watching a folder")
    p.add_argument("dir")
    actor_argument(p)
    p.set_defaults(handler=cmd_watch_remove)


def _register_founders(commands: Any) -> None:
    parser = commands.add_parser("founders", help="who receives the founder digest")
    sub = parser.add_subparsers(dest="founders_command", required=True, metavar="ACTION")
    sub.add_parser("list", help="the recipients").set_defaults(handler=cmd_founders_list)
    for verb, handler in (("add", cmd_founders_add), ("remove", cmd_founders_remove)):
        p = sub.add_parser(verb, help=f"{verb} a recipient (admins)")
        p.add_argument("name")
        actor_argument(p)
        p.set_defaults(handler=handler)


def _spec(args: argparse.Namespace, base: folders.Folder | None = None) -> FolderSpec:
    def pick(name: str) -> Any:
        given = getattr(args, name)
        return given if given is not None or base is None else getattr(base, name)

    return FolderSpec(args.dir, pick("source"), pick("system"), pick("location"), pick("mapping"),
                      pick("pattern"))  # fmt: skip


def cmd_watch_add(args: argparse.Namespace) -> int:
    """Declare a drop folder."""
    with unit_of_work() as session:
        added = folders.add_folder(session=session, actor=actor_by_name(session, args.user),
                                   spec=_spec(args))  # fmt: skip
    print(f"watching {added.path} ({added.source}, pattern {added.pattern})")
    return 0


def cmd_watch_edit(args: argparse.Namespace) -> int:
    """Change a drop folder (fields not given stay as they are)."""
    with unit_of_work() as session:
        current = folders.require_folder(session, args.dir)
        edited = folders.edit_folder(session=session, actor=actor_by_name(session, args.user),
                                     spec=_spec(args, current), seen_version=args.version)  # fmt: skip
    print(f"{edited.path}: {edited.source}, pattern {edited.pattern} (version {edited.version})")
    return 0


def cmd_watch_remove(args: argparse.Namespace) -> int:
    """Stop watching a folder."""
    with unit_of_work() as session:
        gone = folders.remove_folder(session=session, actor=actor_by_name(session, args.user),
                                     path=args.dir)  # fmt: skip
    print(f"no longer watching {gone.path} (its files stay where they are)")
    return 0


def cmd_watch_list(args: argparse.Namespace) -> int:
    """Print the drop folders with their last run."""
    with reading() as session:
        found = folders.list_folders(session)
    rows = [{"path": f.path, "source": f.source, "system": f.system, "location": f.location,
             "mapping": f.mapping, "pattern": f.pattern, "version": f.version,
             "last_run_at": iso_z(f.last_run_at) if f.last_run_at else None,
             "last_run": f.last_run} for f in found]  # fmt: skip
    if args.json:
        print_json(rows)
        return 0
    for row in rows:
        counts = (row["last_run"] or {}).get("counts", {})
        last = (
            f"last run {row['last_run_at']}: " + ", ".join(f"{v} {k}" for k, v in counts.items())
            if row["last_run_at"]
            else "never run"
        )
        print(f"{row['path']}  {row['source']} {row['pattern']}  ({last})")
    if not rows:
        print("no drop folders: declare one with `watch add DIR --user NAME`")
    return 0


def cmd_watch(args: argparse.Namespace) -> int:
    """One pass (--once) or a pass every poll interval until SIGTERM/SIGINT."""
    if args.watch_command is not None:
        return 0
    engine, stop = get_engine(), threading.Event()
    previous = _stop_on_signals(stop)
    try:
        return _watch_loop(engine, stop, once=args.once)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _watch_loop(engine: Engine, stop: threading.Event, *, once: bool) -> int:
    from cadence.watch import watch_once
    from core.settings import get_settings

    failed = False
    while True:
        runs = watch_once(engine, sleep=stop.wait, renew=lambda: not stop.is_set())
        for run in runs:
            print(run.summary())
            for o in run.outcomes:
                if o.status != "imported" or once:
                    print(f"  {o.file}: {o.status}: {o.detail}")
            failed = failed or bool(run.problem) or run.count("error") > 0
        if not runs:
            print("no drop folders: declare one with `watch add DIR --user NAME`")
        if once or stop.wait(get_settings().watch_poll_seconds):
            break
    return 1 if once and failed else 0


def _stop_on_signals(stop: threading.Event) -> dict[int, Any]:
    """SIGTERM and SIGINT set `stop`; returns the handlers they had."""

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    return {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}


def cmd_worker(args: argparse.Namespace) -> int:
    """Run the worker until SIGTERM or SIGINT."""
    from cadence.worker import Worker

    logging.basicConfig(level=logging.INFO, force=True, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")  # fmt: skip
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    Worker(get_engine()).serve()
    return 0


def _week(raw: str | None) -> str:
    return raw.strip().upper() if raw else latest_complete_week(utcnow())


def cmd_digest(args: argparse.Namespace) -> int:
    """Send (or write, --dry-run) the week's digests; non-zero when someone was not reached."""
    from cadence.mailer import send_digests
    from governance.ownership import team_name

    week = _week(args.week)
    team = None
    if args.team:
        with reading() as session:
            team = team_name(session, args.team)
    folder = (args.out or DIGEST_DIR / week) if args.dry_run else None
    try:
        outcome = send_digests(get_engine(), week, team=team, dry_run=folder)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    if args.json:
        print_json(outcome.as_dict())
    else:
        for path in outcome.written:
            print(f"written {path}")
        for who in outcome.sent:
            print(f"sent to {who}")
        for who, why in outcome.not_reached:
            print(f"NOT REACHED {who}: {why}", file=sys.stderr)
        for who in outcome.no_email:
            print(f"no email: {who} (add one: users email NAME ADDRESS --user ADMIN)")
        for line in outcome.no_members:
            print(f"no members: {line}")
    if not outcome.ok:
        print(f"error: {len(outcome.not_reached)} recipient(s) not reached", file=sys.stderr)
        return 1
    return 0


def cmd_founders_list(args: argparse.Namespace) -> int:
    """Print the founder-digest recipients."""
    with reading() as session:
        found = founders.founder_recipients(session)
    print_json([{"name": f.name, "email": f.email, "account": f.account} for f in found])
    return 0


def cmd_founders_add(args: argparse.Namespace) -> int:
    """Add a founder-digest recipient."""
    with unit_of_work() as session:
        founders.add_founder_recipient(session=session, actor=actor_by_name(session, args.user),
                                       name=args.name)  # fmt: skip
    print(f"{args.name.strip().lower()} receives the founder digest")
    return 0


def cmd_founders_remove(args: argparse.Namespace) -> int:
    """Remove a founder-digest recipient."""
    with unit_of_work() as session:
        founders.remove_founder_recipient(session=session, actor=actor_by_name(session, args.user),
                                          name=args.name)  # fmt: skip
    print(f"{args.name.strip().lower()} no longer receives the founder digest")
    return 0


def cmd_alerts_list(args: argparse.Namespace) -> int:
    """Print the undelivered alerts."""
    from governance.alerts import pending_alerts

    print_json(pending_alerts(get_engine()))
    return 0


def cmd_alerts_send(args: argparse.Namespace) -> int:
    """Try to deliver the waiting alerts now; non-zero while some stay undelivered."""
    from core.settings import get_settings
    from governance.alerts import deliver_pending

    if get_settings().alert_webhook_url is None:
        raise CommandError("INVGOV_ALERT_WEBHOOK_URL is not set: alerts are off")
    delivered, pending = deliver_pending(get_engine())
    print(f"{delivered} alert(s) delivered, {pending} still waiting")
    return 1 if pending else 0


def cmd_report_founder(args: argparse.Namespace) -> int:
    """Write the founder one-pager of a week as an A4 PDF."""
    from governance.errors import GovernanceError
    from reports.founder import founder_pdf

    week = _week(args.week)
    try:
        pdf = founder_pdf(get_engine(), week)
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(pdf)
    print(f"founder one-pager of {week} written to {args.out} ({len(pdf):,} bytes)")
    return 0

"""Planning settings commands: show them, set a channel's safety-stock parameters, set the windows."""

from __future__ import annotations

import argparse
from typing import Any

from cli.governance_support import actor_argument, print_json, reading, unit_of_work
from governance import planning_settings as planning
from governance.permissions import actor_by_name


def register(commands: Any) -> None:
    """Add the `planning` group to the parser."""
    parser = commands.add_parser("planning", help="planning settings (safety stock, windows)")
    sub = parser.add_subparsers(dest="planning_command", required=True, metavar="ACTION")
    p = sub.add_parser("show", help="print the effective planning settings as JSON")
    p.set_defaults(handler=cmd_show)
    p = sub.add_parser("set", help="set a channel's parameters ('*': any other channel)")
    p.add_argument("channel")
    p.add_argument("--service-level", help="above 0 and below 1, e.g. 0.95")
    p.add_argument("--lead-time-days", help="0 or more")
    p.add_argument("--lead-time-sd-days", help="0 or more")
    p.add_argument("--version", type=int, help="the version you saw (default: the current one)")
    actor_argument(p)
    p.set_defaults(handler=cmd_set)
    p = sub.add_parser("windows", help="set the dead-stock and safety-stock windows (days)")
    p.add_argument("--dead-stock-days", type=int)
    p.add_argument("--safety-stock-days", type=int)
    p.add_argument("--version", type=int, help="the version you saw (default: the current one)")
    actor_argument(p)
    p.set_defaults(handler=cmd_windows)


def cmd_show(args: argparse.Namespace) -> int:
    """Print every channel's parameters and the windows, with their versions."""
    with reading() as session:
        channels, windows = planning.channel_settings(session), planning.window_setting(session)
    print_json(
        {
            "channels": {
                c.channel: {**c.parameters.model_dump(), "version": c.version} for c in channels
            },
            "dead_stock_days": windows.dead_stock_days,
            "safety_stock_window_days": windows.safety_stock_window_days,
            "windows_version": windows.version,
        }
    )
    return 0


def cmd_set(args: argparse.Namespace) -> int:
    """Set a channel's parameters; the ones not given keep their current value."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        name = planning.channel_name(args.channel)
        current = {c.channel: c for c in planning.channel_settings(session)}
        now = current.get(name) or current["*"]
        given = (args.service_level, args.lead_time_days, args.lead_time_sd_days)
        values = {
            field: value if value is not None else getattr(now.parameters, field)
            for field, value in zip(planning.CHANNEL_FIELDS, given, strict=True)
        }
        seen = args.version if args.version is not None else (now.version if name in current else 0)
        changed = planning.update_channel_parameters(
            session=session, actor=actor, channel=name, seen_version=seen, **values
        )
    p = changed.parameters
    print(
        f"{changed.channel}: service level {p.service_level}, lead time {p.lead_time_days} days, "
        f"deviation {p.lead_time_sd_days} days (version {changed.version})"
    )
    return 0


def cmd_windows(args: argparse.Namespace) -> int:
    """Set the windows; the one not given keeps its current value."""
    with unit_of_work() as session:
        actor = actor_by_name(session, args.user)
        now = planning.window_setting(session)
        changed = planning.update_planning_windows(
            session=session,
            actor=actor,
            dead_stock_days=_given(args.dead_stock_days, now.dead_stock_days),
            safety_stock_window_days=_given(args.safety_stock_days, now.safety_stock_window_days),
            seen_version=args.version if args.version is not None else now.version,
        )
    print(
        f"dead stock: {changed.dead_stock_days} days; safety stock: "
        f"{changed.safety_stock_window_days} days (version {changed.version})"
    )
    return 0


def _given(value: int | None, current: int) -> int:
    return current if value is None else value

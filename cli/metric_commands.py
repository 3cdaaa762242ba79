"""Commands about metrics: metrics [--json] [--as-of ISO] (SPEC sections 3 and 5)."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any

from core.db import get_engine
from core.timeutil import iso_z, parse_iso, utcnow, week_label
from metrics import compute_metrics

COLUMNS = (("metric", 28), ("dim", 12), ("key", 22), ("value", 12), ("n", 10), ("num", 10))


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""
    p = commands.add_parser("metrics", help="the metric rows of SPEC section 3")
    p.add_argument("--json", action="store_true", help="every row as JSON")
    p.add_argument(
        "--as-of", type=parse_iso, default=None, help="evaluate at this instant (ISO 8601)"
    )
    p.set_defaults(handler=cmd_metrics)


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print the metric rows at as_of (default now, to the second)."""
    as_of = (args.as_of or utcnow()).replace(microsecond=0)
    rows = compute_metrics(get_engine(), as_of)
    if args.json:
        print(json.dumps({"as_of": iso_z(as_of), "metrics": rows}, indent=2))
        return 0
    for line in readable(rows, as_of):
        print(line)
    return 0


def latest_complete_week(as_of: datetime) -> str:
    """The ISO week before the one holding as_of."""
    return week_label(as_of - timedelta(days=7))


def readable(rows: list[dict[str, Any]], as_of: datetime) -> list[str]:
    """Lines of a table: the latest complete week's rows, then the snapshot rows."""
    week = latest_complete_week(as_of)
    lines = [f"metrics at {iso_z(as_of)}"]
    for title, wanted in ((f"week {week} (latest complete)", week), ("snapshot at as_of", None)):
        chosen = [row for row in rows if row["week"] == wanted]
        lines += ["", title, _line({name: name for name, _ in COLUMNS})]
        lines += [_line(row) for row in chosen] or ["  (no rows)"]
    return lines


def _line(row: dict[str, Any]) -> str:
    cells = []
    for name, width in COLUMNS:
        value = row[name]
        text = "-" if value is None else f"{value:.4f}" if isinstance(value, float) else str(value)
        cells.append(text.ljust(width) if name in ("metric", "dim", "key") else text.rjust(width))
    return "  " + " ".join(cells)

"""Commands about metrics: metrics [--json] [--as-of ISO], metrics refresh, kpis, kpis set, bench.

`metrics` without --as-of first brings the precomputed aggregates up to now (taking in whatever
happened since the last import and keeping the snapshot rows of now as history), then reads them;
with --as-of it reads the aggregates when they hold that instant, else computes from raw rows.
Either way the rows equal a computation from raw rows at that instant (SPEC section 3).
"""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timedelta
from typing import Any

from cli import CommandError, bench
from cli.engine_commands import add_engine_options, spark_refresh, spark_rows, wants_spark
from core.db import get_engine, write_session
from core.timeutil import iso_z, parse_iso, utcnow, week_label
from governance import labels
from governance.errors import GovernanceError
from governance.kpi_targets import update_kpi_target
from governance.permissions import actor_by_name
from metrics.compute import reading
from metrics.current import rows_at, rows_now
from metrics.kpi_board import KpiTile, kpi_tiles
from metrics.kpis import KPI_BY_METRIC, load_targets
from metrics.refresh import backfill, rebuild, refresh, run_refresh

COLUMNS = (("metric", 28), ("dim", 12), ("key", 22), ("value", 12), ("n", 10), ("num", 10))


def register(commands: Any) -> None:
    """Add this group's commands to the parser."""
    p = commands.add_parser("metrics", help="the metric rows of SPEC section 3")
    p.add_argument("--json", action="store_true", help="every row as JSON")
    p.add_argument(
        "--as-of", type=parse_iso, default=None, help="evaluate at this instant (ISO 8601)"
    )
    add_engine_options(p)
    p.set_defaults(handler=cmd_metrics)
    sub = p.add_subparsers(dest="metrics_command", metavar="ACTION")
    r = sub.add_parser("refresh", help="bring the precomputed aggregates up to now")
    r.add_argument("--full", action="store_true", help="recompute every aggregate from raw rows")
    r.add_argument(
        "--backfill-weeks",
        type=int,
        default=0,
        metavar="N",
        help="also keep snapshot rows computed at the end of each of the last N complete weeks",
    )
    r.add_argument("--json", action="store_true", help="what was recomputed, as JSON")
    add_engine_options(r)
    r.set_defaults(handler=cmd_refresh)
    _register_kpis(commands)
    bench.register(commands)


def _register_kpis(commands: Any) -> None:
    k = commands.add_parser("kpis", help="KPIs: value, target, red/amber/green, change, owner")
    k.add_argument("--json", action="store_true", help="the tiles as JSON")
    k.set_defaults(handler=cmd_kpis)
    sub = k.add_subparsers(dest="kpis_command", metavar="ACTION")
    s = sub.add_parser("set", help="change a KPI's target, comparator, amber margin or owner")
    s.add_argument("metric", help="the KPI's metric id")
    s.add_argument("--target", type=float)
    s.add_argument("--comparator", help=">=, <= or =")
    s.add_argument("--amber-margin", type=float, help="amber within this miss (the KPI's unit)")
    s.add_argument("--owner-team", help="the owning team")
    s.add_argument("--version", type=int, help="the version you saw (default: the current one)")
    s.add_argument("--user", required=True, help="who makes the change (a steward or admin)")
    s.set_defaults(handler=cmd_kpi_set)


def cmd_metrics(args: argparse.Namespace) -> int:
    """Print the metric rows at as_of (default now, to the second)."""
    as_of = utcnow() if args.as_of is None else args.as_of.replace(microsecond=0)
    if wants_spark(args):  # computed from the Parquet export's raw rows
        rows = spark_rows(args, as_of)
    elif args.as_of is None:
        rows, _source = rows_now(get_engine(), as_of)
    else:
        rows, _source = rows_at(get_engine(), as_of)
    if args.json:
        print(json.dumps({"as_of": iso_z(as_of), "metrics": rows}, indent=2))
        return 0
    for line in readable(rows, as_of):
        print(line)
    return 0


def cmd_refresh(args: argparse.Namespace) -> int:
    """Refresh (or rebuild) the aggregates at now; optionally backfill snapshot history."""
    if args.backfill_weeks < 0:
        raise CommandError("--backfill-weeks must be 0 or more")
    now = utcnow()
    if wants_spark(args):
        if args.backfill_weeks:
            raise CommandError("--backfill-weeks reads the app database; run it without --engine")
        report, kept = spark_refresh(args, now), 0
    else:
        # a full rebuild is computed outside SQLite's write lock, then copied in
        step = rebuild if args.full else refresh
        report = run_refresh(get_engine(), lambda s: step(s, now=now), outside=args.full)
        with write_session(get_engine()) as session:
            kept = backfill(session, now=now, weeks=args.backfill_weeks)
    document = {**report.as_dict(), "backfilled_snapshot_rows": kept}
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        done = ", ".join(f"{k} {v}" for k, v in report.windows.items()) or "nothing touched"
        print(
            f"aggregates {report.mode} refresh to {iso_z(report.as_of)} in {report.seconds:.2f} s "
            f"({done}; stock {'recomputed' if report.stock else 'kept'}); "
            f"{kept} backfilled snapshot rows"
        )
    return 0


def cmd_kpis(args: argparse.Namespace) -> int:
    """Print every KPI's tile: value, target, status, week-over-week change, owner."""
    now = utcnow()
    with reading(get_engine()) as conn:
        tiles = kpi_tiles(conn, now)
    if args.json:
        print(json.dumps([tile_dict(t) for t in tiles], indent=2))
        return 0
    for tile in tiles:
        print(_tile_line(tile))
    return 0


def tile_dict(tile: KpiTile) -> dict[str, Any]:
    """A JSON-ready KPI tile."""
    target = tile.target
    return {
        "metric": tile.kpi.metric,
        "period": tile.period,
        "value": tile.value,
        "previous": tile.previous,
        "change": tile.change,
        "comparator": target.comparator,
        "target": target.target,
        "amber_margin": target.amber_margin,
        "status": tile.status.value,
        "owner_team": target.owner_team,
        "version": target.version,
    }


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:.4f}".rstrip("0").rstrip(".")


def _tile_line(tile: KpiTile) -> str:
    """A KPI tile in plain words (governance.labels): label, value and target in their unit."""
    t, metric = tile.target, tile.kpi.metric
    change = "" if tile.change is None else f" ({labels.metric_change(metric, tile.change)} wow)"
    return (
        f"{labels.RAG_WORDS[tile.status.value]:<12} {labels.metric_label(metric):<26} "
        f"{labels.metric_value(metric, tile.value):>10}{change}  "
        f"target {labels.target_text(metric, t.comparator, t.target)} "
        f"(amber within {labels.margin_text(metric, t.amber_margin)})  "
        f"{tile.period}  owner {t.owner_team or '-'}"
    )


def cmd_kpi_set(args: argparse.Namespace) -> int:
    """Change a KPI target as a named user (stewards and admins)."""
    if args.metric not in KPI_BY_METRIC:
        raise CommandError(f"{args.metric!r} is not a KPI: one of {', '.join(KPI_BY_METRIC)}")
    try:
        with write_session(get_engine()) as session:
            actor = actor_by_name(session, args.user)
            seen = args.version
            if seen is None:
                seen = load_targets(session.connection())[args.metric].version
            target = update_kpi_target(
                session=session,
                actor=actor,
                metric=args.metric,
                target=args.target,
                comparator=args.comparator,
                amber_margin=args.amber_margin,
                owner_team=args.owner_team,
                seen_version=seen,
            )
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc
    print(
        f"{target.metric}: {target.comparator} {_number(target.target)} "
        f"amber ±{_number(target.amber_margin)}, owner {target.owner_team or '-'} "
        f"(version {target.version})"
    )
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

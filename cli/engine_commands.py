"""Commands and options for computing elsewhere: `export parquet DIR`, `metrics … --engine spark`.

`export parquet DIR` writes the canonical tables as a Parquet lake (one folder per entity).
`metrics --engine spark --parquet DIR` computes the metric rows from that lake with Spark SQL
(local mode unless `--spark-master` names a cluster), and `metrics refresh --engine spark
--parquet DIR` writes the aggregates computed there into the app database.
"""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

from cli import CommandError
from core.db import get_engine, write_session
from core.migrate import current_revision
from core.parquet import export_parquet
from core.settings import get_settings
from metrics.refresh import RefreshReport

ENGINES = ("database", "spark")


def register(commands: Any) -> None:
    """Add `export` to the parser."""
    p = commands.add_parser("export", help="export the data for another engine")
    sub = p.add_subparsers(dest="export_format", metavar="FORMAT", required=True)
    q = sub.add_parser("parquet", help="the canonical tables as Parquet, one folder per entity")
    q.add_argument("folder", type=Path, metavar="DIR")
    q.set_defaults(handler=cmd_export_parquet)


def add_engine_options(parser: argparse.ArgumentParser) -> None:
    """--engine, --parquet and --spark-master for a metrics command."""
    parser.add_argument(
        "--engine",
        choices=ENGINES,
        default="database",
        help="compute in the app database (default) or with Spark over a Parquet export",
    )
    parser.add_argument("--parquet", type=Path, metavar="DIR", help="the Parquet export (spark)")
    parser.add_argument(
        "--spark-master",
        metavar="URL",
        default=None,
        help="Spark master URL (default INVGOV_SPARK_MASTER, local mode)",
    )


def wants_spark(args: argparse.Namespace) -> bool:
    """Whether the command runs on Spark; refuses --parquet or --spark-master without it."""
    if args.engine == "spark":
        if args.parquet is None:
            raise CommandError(
                "--engine spark needs --parquet DIR (see `manage.py export parquet`)"
            )
        if not args.parquet.is_dir():
            raise CommandError(f"no Parquet export at {args.parquet}")
        return True
    if args.parquet is not None or args.spark_master is not None:
        raise CommandError("--parquet and --spark-master go with --engine spark")
    return False


def cmd_export_parquet(args: argparse.Namespace) -> int:
    """Write every canonical table as Parquet under DIR/<entity>/."""
    url = get_settings().database_url
    counts = export_parquet(get_engine(url), args.folder, current_revision(url))
    total = sum(counts.values())
    print(f"exported {total} rows of {len(counts)} tables to {args.folder}")
    return 0


def _connection(args: argparse.Namespace) -> Any:
    """A Spark connection over the export (a context manager)."""
    from core.spark import spark_connection

    settings = get_settings()
    return spark_connection(
        args.parquet,
        args.spark_master or settings.spark_master,
        shuffle_partitions=settings.spark_shuffle_partitions,
        driver_memory=settings.spark_driver_memory,
    )


def spark_rows(args: argparse.Namespace, as_of: datetime) -> list[dict[str, Any]]:
    """The rows of `metrics --json` at as_of, computed with Spark over the Parquet export."""
    from core.spark import SparkUnavailable
    from metrics.compute import compute_rows

    try:
        with _connection(args) as conn:
            return [row.as_dict() for row in compute_rows(conn, as_of)]
    except SparkUnavailable as missing:
        raise CommandError(str(missing)) from missing


def spark_refresh(args: argparse.Namespace, now: datetime) -> RefreshReport:
    """Rebuild the app database's aggregates at now from rows Spark computes over the export."""
    from core.spark import SparkUnavailable
    from metrics.offload import compute_from, store_computed

    try:
        with _connection(args) as source:
            computed = compute_from(source, now=now)  # outside the app database's write lock
    except SparkUnavailable as missing:
        raise CommandError(str(missing)) from missing
    with write_session(get_engine()) as session:
        return store_computed(session, computed)

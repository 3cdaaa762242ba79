"""`bench [--orders N] [--json]`: the demo brand at scale, imported and measured (SPEC section 5).

Generates the demo brand once (canonical CSVs in a temporary folder), then per database (a
temporary SQLite file; PostgreSQL too when --postgres URL or INVGOV_TEST_POSTGRES_URL is given,
inside a throwaway schema): imports every file in a child process (rows/s overall and per entity,
its peak RSS), rebuilds the aggregates in another (its peak RSS), refreshes the last 4 weeks, runs
detection, imports one more day's orders, lines and shipments, computes `metrics` from raw rows
beside a DuckDB reference over the same CSVs, and runs every page through AppTest.
The work is in cli.bench_run, imported only when the command runs.
"""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

DEFAULT_ORDERS = 200_000


def register(commands: Any) -> None:
    """Add `bench` to the parser."""
    p = commands.add_parser("bench", help="the benchmark: import, refresh and read at scale")
    p.add_argument("--orders", type=int, default=DEFAULT_ORDERS, help="demo orders to generate")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--postgres", help="also measure on this PostgreSQL URL (a throwaway schema)")
    p.add_argument("--json", action="store_true", help="the figures as JSON")
    p.set_defaults(handler=cmd_bench)


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark and print its figures."""
    from cli.bench_run import describe, run_bench

    if args.orders < 1:
        raise ValueError("--orders must be at least 1")
    pg_url = args.postgres or os.environ.get("INVGOV_TEST_POSTGRES_URL")
    document = run_bench(args.orders, args.seed, pg_url)
    if args.json:
        print(json.dumps(document, indent=2))
    else:
        for line in describe(document):
            print(line)
    return 0

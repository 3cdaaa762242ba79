"""The Migration page's slow readings, kept until the data changes (metrics.kept).

The daily comparison of a parallel run and the checklist's edge cases each read every stock row of
the run, or every shipment, in about a second on a big brand. They are read again after each
detection (imports, undos, the worker's schedule, `manage.py detect`) and kept; the page answers
from what is kept when it still holds, else computes them afresh.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime

from sqlalchemy import Connection, Engine, delete

from core.db import write_session
from core.engines import snapshot
from core.schema import KeptReading
from metrics.kept import fingerprint, keep, recall
from metrics.migration_facts import EdgeCases, edge_cases
from metrics.parallel_model import Cell, Comparison, Scope, Tally
from metrics.parallel_run import compare

EDGE_CASES = "edge_cases"
RUN_PREFIX = "parallel_run:"


def run_name(scope: Scope) -> str:
    """What a parallel run's comparison is kept under: its whole scope."""
    parts = [scope.old, scope.new, scope.start.isoformat(), sorted(scope.locations)]
    return RUN_PREFIX + json.dumps(parts)


def comparison(conn: Connection, scope: Scope, as_of: datetime) -> Comparison:
    """`metrics.parallel_run.compare` at as_of: the kept one when it holds, else computed."""
    kept = recall(conn, run_name(scope), as_of)
    if kept is None:
        return compare(conn, scope, as_of)
    days = tuple(date.fromisoformat(d) for d in kept.payload["days"])
    cells = tuple(
        Cell(date.fromisoformat(day), location, status, Tally(*counts))
        for day, location, status, *counts in kept.payload["cells"]
    )
    return Comparison(scope, as_of, days, cells)


def edge_cases_at(conn: Connection, as_of: datetime) -> EdgeCases:
    """`metrics.migration_facts.edge_cases` at as_of: the kept ones when they hold, else computed."""
    kept = recall(conn, EDGE_CASES, as_of)
    return edge_cases(conn, as_of) if kept is None else EdgeCases(**kept.payload)


def _comparison_payload(found: Comparison) -> dict[str, object]:
    cells = [
        [c.day.isoformat(), c.location, c.status, c.tally.compared, c.tally.equal,
         c.tally.units_differing, c.tally.old_pairs, c.tally.new_pairs]
        for c in found.cells
    ]  # fmt: skip
    return {"days": [d.isoformat() for d in found.days], "cells": cells}


def keep_readings(engine: Engine, scopes: Iterable[Scope], now: datetime) -> bool:
    """Read the edge cases and each open run's comparison at now from one snapshot, and keep them
    in one short write (nothing is kept when the data changed meanwhile); whether they were kept."""
    chosen = list(scopes)
    with snapshot(engine) as conn:
        mark = fingerprint(conn)
        found = {run_name(s): _comparison_payload(compare(conn, s, now)) for s in chosen}
        found[EDGE_CASES] = asdict(edge_cases(conn, now))
    with write_session(engine) as session:
        conn = session.connection()
        if fingerprint(conn) != mark:
            return False
        kept = KeptReading.__table__
        conn.execute(delete(kept).where(kept.c.name.startswith(RUN_PREFIX, autoescape=True)))
        for name, payload in found.items():
            keep(conn, name, mark, now, payload)
    return True

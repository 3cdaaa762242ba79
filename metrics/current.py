"""Answering `metrics` from the aggregates when they hold the instant asked, else from raw rows.

The aggregates answer an instant at or after their state's as_of when no event a metric reads
happened in between and no item or mapping was changed outside an import since (then every weekly
row is unchanged, and snapshot rows are counted from the open-record sets with the thresholds of
that instant). An earlier instant, or one with changes in between that no refresh has taken in,
is computed from raw rows: the answer is the same either way.

Some snapshot metrics of SPEC section 3.1 depend on the instant itself through moving windows
(dead stock: shipments of the last 90 days and items created 90 days before; safety stock: the
56 days of demand ending at as_of), so the set a refresh keeps for them (metrics.families
EVERY_REFRESH, with stranded units, which share dead stock's records, and the returns handoff)
answers only the exact instant it was computed for; at any other instant those rows are
computed from raw rows, while every other row still comes from the aggregates.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Engine

from core.db import write_session
from core.settings import Settings
from metrics.aggregates import State, load_state, settings_key, stored_weekly_rows
from metrics.compute import compute_rows, reading, sort_rows
from metrics.families import EVERY_REFRESH, STOCK_METRICS
from metrics.model import MetricRow
from metrics.pending import any_pending
from metrics.refresh import RefreshReport, refresh
from metrics.settings_store import effective_settings
from metrics.snapshots import history_rows, snapshot_rows
from metrics.touched import anything_between, audited_since

log = logging.getLogger(__name__)


def holding_state(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> State | None:
    """The state when the aggregates equal a raw computation at as_of (same settings, nothing
    happened since the state's instant), else None."""
    state = load_state(conn)
    key = settings_key(settings or effective_settings(conn))
    if state is None or state.settings_key != key or as_of < state.as_of:
        return None
    if state.stock_as_of is None or anything_between(conn, state.as_of, as_of):
        return None
    if any_pending(conn):  # an import committed whose refresh has not run yet
        return None
    return None if audited_since(conn, state.audit_id) else state


def holds(conn: Connection, as_of: datetime, settings: Settings | None = None) -> bool:
    """Whether the aggregates answer as_of."""
    return holding_state(conn, as_of, settings) is not None


def stored_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow] | None:
    """Every metric row at as_of read from the aggregates, or None when they do not hold as_of."""
    chosen = settings or effective_settings(conn)
    state = holding_state(conn, as_of, chosen)
    if state is None or state.stock_as_of is None:
        return None
    stock = history_rows(conn, state.stock_as_of, STOCK_METRICS)
    instant = history_rows(conn, as_of, EVERY_REFRESH) if as_of == state.as_of else None
    rows = [*stored_weekly_rows(conn), *snapshot_rows(conn, as_of, stock, chosen, instant)]
    return sort_rows(rows)


def rows_at(engine: Engine, as_of: datetime) -> tuple[list[dict[str, Any]], str]:
    """The rows of `metrics --json` at as_of and where they came from ("aggregates" or "raw")."""
    with reading(engine) as conn:
        rows = stored_rows(conn, as_of)
        source = "aggregates"
        if rows is None:
            rows, source = compute_rows(conn, as_of), "raw"
    log.info("metrics at %s from %s", as_of, source)
    return [row.as_dict() for row in rows], source


def refresh_now(engine: Engine, now: datetime) -> RefreshReport:
    """Take in what happened up to now and keep the snapshot rows of now as history."""
    with write_session(engine) as session:
        return refresh(session, now=now)


def rows_now(engine: Engine, now: datetime) -> tuple[list[dict[str, Any]], str]:
    """The rows at now: the aggregates are brought to now first (so they answer it), then read."""
    refresh_now(engine, now)
    return rows_at(engine, now)

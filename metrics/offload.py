"""Rebuilding the aggregates from raw rows read on another engine (Spark over a Parquet lake).

The same work as `metrics.refresh.rebuild`, with reading and writing apart: `compute_from` runs
every query on `source` (the lake) outside any write lock, then `store_computed` writes the
results into the app database in one transaction by the engine's bulk-load path: the per-order
facts, the open returns, every family's weekly rows, the book units and demand days, then the
snapshot rows of `now` and the state, exactly as a full rebuild leaves them. The pages then serve
the lake's history from their usual tables.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, Table, delete, select
from sqlalchemy.orm import Session

from core.engines import bulk_insert
from core.schema import BookUnit, DemandDay, MetricWeek, OpenReturn, OrderFact
from core.settings import Settings
from metrics.aggregates import lock_state, week_rows
from metrics.compute import compute_rows
from metrics.families import FAMILIES, FamilyMetrics
from metrics.model import MetricRow, make_context
from metrics.order_facts import COLUMNS as FACT_COLUMNS
from metrics.order_facts import fact_query
from metrics.refresh import RefreshReport
from metrics.refresh import _conclude as conclude
from metrics.safety_stock import demand_day_query
from metrics.settings_store import effective_settings
from metrics.snapshots import OPEN_COLUMNS, open_return_set, stock_rows_now
from metrics.stock import book_units

BOOK_COLUMNS = ("location_id", "sku", "units")
DAY_COLUMNS = ("channel", "sku", "day", "units")

Record = dict[str, Any]


@dataclass(frozen=True)
class Computed:
    """Everything a full rebuild writes, computed at `now` on another engine."""

    now: datetime
    settings: Settings
    facts: list[Record]
    open_returns: list[Record]
    weeks: list[tuple[FamilyMetrics, list[MetricRow]]]
    stock: list[MetricRow]
    book: list[Record]
    demand_days: list[Record]
    seconds: float


def _records(source: Connection, query: Select[Any], names: tuple[str, ...]) -> list[Record]:
    return [dict(zip(names, row, strict=True)) for row in source.execute(query)]


def compute_from(
    source: Connection, *, now: datetime, settings: Settings | None = None
) -> Computed:
    """Every aggregate at `now`, computed from the raw rows `source` reads."""
    started = time.perf_counter()
    chosen = settings or effective_settings(source)
    ctx = make_context(now, chosen)
    return Computed(
        now,
        chosen,
        facts=_records(source, fact_query(ctx), FACT_COLUMNS),
        open_returns=_records(source, open_return_set(ctx), OPEN_COLUMNS),
        weeks=[(f, compute_rows(source, now, f.metrics, chosen)) for f in FAMILIES],
        stock=stock_rows_now(source, now, chosen),
        book=_records(source, select(book_units(ctx)), BOOK_COLUMNS),
        demand_days=[  # only non-zero days are kept, as a rebuild keeps them
            day for day in _records(source, demand_day_query(ctx), DAY_COLUMNS) if day["units"]
        ],
        seconds=time.perf_counter() - started,
    )


def _replace(conn: Connection, table: Table, rows: list[Record]) -> None:
    conn.execute(delete(table))
    bulk_insert(conn, table, rows)


def store_computed(session: Session, computed: Computed) -> RefreshReport:
    """Write computed aggregates in the session's transaction; the state moves to their `now`."""
    started = time.perf_counter() - computed.seconds
    conn = session.connection()
    lock_state(conn)
    _replace(conn, OrderFact.__table__, computed.facts)
    _replace(conn, OpenReturn.__table__, computed.open_returns)
    weeks = MetricWeek.__table__
    report = RefreshReport("full", computed.now, stock=True)
    for family, rows in computed.weeks:
        conn.execute(delete(weeks).where(weeks.c.family == family.family.value))
        bulk_insert(conn, weeks, week_rows(family, rows, computed.now))
        report.windows[family.family.value] = "all"
    with report.planning():
        _replace(conn, BookUnit.__table__, computed.book)
        _replace(conn, DemandDay.__table__, computed.demand_days)
    return conclude(conn, report, computed.settings, computed.stock, started)


def rebuild_from(
    session: Session, source: Connection, *, now: datetime, settings: Settings | None = None
) -> RefreshReport:
    """Compute every aggregate on `source` and store it through `session` (a full rebuild)."""
    return store_computed(session, compute_from(source, now=now, settings=settings))

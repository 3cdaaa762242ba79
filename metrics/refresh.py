"""Keeping the metric aggregates equal to a computation from raw rows, after each import's write.

A refresh brings the aggregates from the state's instant to a later one: it recomputes the weeks
the import's rows touch (looked up before and after they are applied) and the weeks of every event
that happened in between, replaces the open-record sets of those weeks, recomputes stock when
stock, mappings or items changed, and keeps the snapshot rows of the new instant as history. Without
a state, or with other metric settings than the state's, it rebuilds everything. An import notes
what its rows touched in its write transaction (`ImportRefresh.park`, metrics.pending); the
refresh after it, in a transaction of its own, takes every waiting note in.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session

from core import outside_lock
from core.db import write_session
from core.settings import Settings
from core.timeutil import utcnow
from metrics.aggregates import (
    family_by_name,
    load_state,
    lock_state,
    save_state,
    settings_key,
    store_family,
)
from metrics.aggregates import windows as week_windows
from metrics.families import FAMILIES, STOCK_METRICS, Family
from metrics.lookup import drop_keys
from metrics.model import make_context
from metrics.order_facts import order_scope, replace_facts
from metrics.pending import Parked, clear, is_pending, note, take_all
from metrics.planning_inputs import (
    DemandBefore,
    demand_before,
    move_demand_days,
    rebuild_demand_days,
    store_book_units,
)
from metrics.settings_store import effective_settings
from metrics.snapshots import (
    backfill_history,
    every_refresh_rows,
    history_rows,
    record_history,
    snapshot_rows,
    stock_rows_now,
    store_open_returns,
    week_end_instants,
)
from metrics.touched import (
    LOOKUP_LIMIT,
    ItemState,
    RowKeys,
    Touched,
    Written,
    audit_mark,
    audited_changes,
    item_changes,
    item_states,
    row_keys,
    touched_between,
    touched_by_keys,
    weeks_of_skus,
)

log = logging.getLogger(__name__)
# every table a refresh writes (core.outside_lock computes a large refresh in copies of them)
REFRESHED_TABLES = (
    "metric_state",
    "metric_weeks",
    "metric_snapshots",
    "metric_order_facts",
    "metric_scope_keys",
    "metric_open_returns",
    "metric_book_units",
    "metric_demand_days",
    "pending_refreshes",
)


T = TypeVar("T")


def run_refresh(engine: Engine, work: Callable[[Session], T], *, outside: bool = True) -> T:
    """Run a refresh or a rebuild: with `outside` on SQLite, computed outside the write lock and
    copied in (core.outside_lock); otherwise, or when another writer committed meanwhile, in one
    write transaction."""
    if outside and outside_lock.serves(engine):
        done, result = outside_lock.run_outside_lock(engine, REFRESHED_TABLES, work, "refresh")
        if done:
            return result  # done: the work ran and this is what it returned
    with write_session(engine, purpose="refresh") as session:
        return work(session)


@dataclass
class RefreshReport:
    """What a refresh did: full or incremental, the instant reached, what it recomputed."""

    mode: str
    as_of: datetime
    # per family: week windows recomputed (orders: orders recomputed), or "all"
    windows: dict[str, int | str] = field(default_factory=dict)
    stock: bool = False
    seconds: float = 0.0
    planning_seconds: float = 0.0  # of which SPEC section 3.1's metrics and their inputs

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready view."""
        return {
            "mode": self.mode,
            "as_of": self.as_of.isoformat(),
            "windows": self.windows,
            "stock": self.stock,
            "seconds": round(self.seconds, 3),
            "planning_seconds": round(self.planning_seconds, 3),
        }

    @contextmanager
    def planning(self) -> Iterator[None]:
        """Count the block's time as spent on SPEC section 3.1's metrics."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.planning_seconds += time.perf_counter() - started


def recompute_orders(
    conn: Connection, work: Touched, as_of: datetime, settings: Settings
) -> int | str | None:
    """Recompute the touched orders' facts, then regroup the weeks they sit in (before and after)."""
    scope, scoped = None, 0
    if Family.ORDERS not in work.whole:
        weeks = week_windows(work.weeks.get(Family.ORDERS, ()))
        scope, scoped = order_scope(conn, work.order_ids, work.order_events, weeks)
        if scoped == 0:
            drop_keys(conn, scope)
            return None
    touched_weeks = replace_facts(conn, make_context(as_of, settings), scope)
    if scope is not None:
        drop_keys(conn, scope)
    spans = [None] if touched_weeks is None else week_windows(touched_weeks)
    family = family_by_name(Family.ORDERS)
    for window in spans:
        store_family(conn, family, as_of, window, settings)
    return "all" if scope is None else scoped


def recompute(
    conn: Connection, work: Touched, report: RefreshReport, settings: Settings
) -> dict[str, int | str]:
    """Recompute what is touched at the report's instant: orders by their facts, other families
    by week."""
    as_of, done = report.as_of, {}
    orders = recompute_orders(conn, work, as_of, settings)
    if orders is not None:
        done["orders"] = orders
    for family in FAMILIES:
        if family.family is Family.ORDERS:
            continue
        weeks = work.weeks_of(family.family)
        spans = [None] if weeks is None else week_windows(weeks)
        timing = report.planning() if family.section_3_1 else nullcontext()
        with timing:
            for window in spans:
                store_family(conn, family, as_of, window, settings)
                if family.family is Family.RETURNS:
                    store_open_returns(conn, make_context(as_of, settings, window))
        if spans:
            done[family.family.value] = "all" if weeks is None else len(spans)
    return done


def _conclude(
    conn: Connection, report: RefreshReport, settings: Settings, stock: list[Any], started: float
) -> RefreshReport:
    """Keep the snapshot rows of the new instant and move the state there."""
    with report.planning():
        instant = every_refresh_rows(conn, report.as_of, settings, held=True)
    record_history(conn, report.as_of, snapshot_rows(conn, report.as_of, stock, settings, instant))
    now = utcnow()
    values: dict[str, Any] = {
        "as_of": report.as_of,
        "computed_at": now,
        "stock_as_of": report.as_of,
        "settings_key": settings_key(settings),
        "audit_id": audit_mark(conn),
    }
    if report.mode == "full":
        values["full_at"] = now
    save_state(conn, **values)
    report.seconds = time.perf_counter() - started
    log.info(
        "metric aggregates %s refresh to %s in %.3f s (section 3.1: %.3f s)",
        report.mode,
        report.as_of,
        report.seconds,
        report.planning_seconds,
    )
    return report


def rebuild(session: Session, *, now: datetime, settings: Settings | None = None) -> RefreshReport:
    """Recompute every aggregate at `now` from raw rows (the state moves to exactly `now`)."""
    started = time.perf_counter()
    conn = session.connection()
    chosen = settings or effective_settings(conn)
    lock_state(conn)
    clear(conn)  # every pending import's refresh is taken in
    report = RefreshReport("full", now, stock=True)
    report.windows = recompute(conn, Touched().everything(), report, chosen)
    ctx = make_context(now, chosen)
    with report.planning():
        store_book_units(conn, ctx)
        rebuild_demand_days(conn, ctx)
    return _conclude(conn, report, chosen, stock_rows_now(conn, now, chosen), started)


def refresh(
    session: Session,
    *,
    now: datetime,
    touched: Touched | None = None,
    settings: Settings | None = None,
    demand: DemandBefore | None = None,
    own_notes: Collection[int] = (),
) -> RefreshReport:
    """Bring the aggregates to max(now, state's as_of): touched weeks plus what happened since,
    and what every pending import's note says it touched.

    `demand` holds the demand days of the touched orders before an import wrote them (without
    it, touched orders make the demand days be recomputed whole); it is used only when every
    note taken in is one it covers (`own_notes`: the import's, and its batch's earlier files')."""
    started = time.perf_counter()
    conn = session.connection()
    chosen = settings or effective_settings(conn)
    lock_state(conn)
    state = load_state(conn)
    notes, parked = take_all(conn)
    if state is None or state.settings_key != settings_key(chosen):
        return rebuild(session, now=now, settings=chosen)
    if parked is not None and parked.items is None:
        return rebuild(session, now=max(now, parked.noted_at), settings=chosen)
    if notes and not set(notes) <= set(own_notes):
        demand = None  # another import's orders are among the touched: their parts are unknown
    as_of = max(now, state.as_of, parked.noted_at if parked else now)
    work = Touched().merge(touched or Touched())
    if parked is not None:
        work.merge(touched_after(conn, parked))
    work.merge(touched_between(conn, state.as_of, as_of))
    work.merge(audited_changes(conn, state.audit_id))
    report = RefreshReport("incremental", as_of, stock=work.stock)
    report.windows = recompute(conn, work, report, chosen)
    if work.stock or state.stock_as_of is None:
        with report.planning():
            store_book_units(conn, make_context(as_of, chosen))
        stock = stock_rows_now(conn, as_of, chosen)
    else:
        stock = history_rows(conn, state.stock_as_of, STOCK_METRICS)
    with report.planning():
        written = None if Family.ORDERS in work.whole else work.order_ids
        move_demand_days(conn, state.as_of, as_of, chosen, demand, written)
    return _conclude(conn, report, chosen, stock, started)


def backfill(session: Session, *, now: datetime, weeks: int) -> int:
    """Keep snapshot rows computed from raw rows at the end of each of the last `weeks` complete
    ISO weeks before now (for data imported at once, e.g. the demo); rows kept."""
    return backfill_history(session.connection(), week_end_instants(now, weeks))


class ImportRefresh:
    """Two steps inside an import's transaction: note what the rows touch, then refresh it."""

    def __init__(
        self,
        keys: RowKeys,
        before: Touched,
        items: dict[str, ItemState] | None,
        demand: DemandBefore | None = None,
        covers: tuple[int, ...] = (),
    ):
        self.keys = keys
        self.before = before
        self.items = items  # ABC class and created_at before; None: no state yet, rebuild at finish
        self.demand = demand  # the written orders' demand days before
        self.covers = covers  # the earlier notes (of a batch) whose orders `demand` covers too

    @classmethod
    def begin(
        cls,
        session: Session,
        rows_by_entity: dict[str, list[dict[str, Any]]],
        written: Written | None = None,
        earlier: ParkedRefresh | None = None,
    ) -> ImportRefresh:
        """Before the rows are applied: note the weeks they touch now (old values included);
        `written` is `written_keys(rows_by_entity)` when read before the write transaction,
        `earlier` the pending refresh of the batch's previous file (its orders' demand days)."""
        conn = session.connection()
        keys = row_keys(conn, rows_by_entity, written)
        state = load_state(conn)
        chosen = effective_settings(conn)
        if state is None or state.settings_key != settings_key(chosen):
            return cls(keys, Touched(), None)
        demand, covers = None, ()
        if len(keys.order_ids) <= LOOKUP_LIMIT and Family.ORDERS not in keys.whole:
            prior = earlier.demand if earlier is not None else None
            if prior is not None and prior.at == state.as_of:
                covers = earlier.covers  # type: ignore[union-attr]
            else:
                prior = None
            demand = demand_before(conn, state.as_of, chosen, keys.order_ids, prior)
        return cls(keys, touched_by_keys(conn, keys), _items(conn, keys), demand, covers)

    def finish(self, session: Session, *, now: datetime) -> RefreshReport:
        """After the rows are applied: recompute the aggregates of every touched week."""
        if self.items is None:
            return rebuild(session, now=now)
        parked = Parked(self.keys, self.before, self.items, now)
        touched = touched_after(session.connection(), parked)
        return refresh(session, now=now, touched=touched, demand=self.demand)

    def park(self, session: Session, *, run_id: int | None, now: datetime) -> ParkedRefresh:
        """After the rows are applied: note what they touched, for a refresh after the commit."""
        parked = Parked(self.keys, self.before, self.items, now)
        note_id = note(session.connection(), parked, run_id)
        return ParkedRefresh(note_id, now, self.demand, (*self.covers, note_id))


@dataclass(frozen=True)
class ParkedRefresh:
    """An import's pending refresh: its note, its instant, its orders' demand days before, and
    the notes whose orders those demand days cover (its own, and its batch's earlier files')."""

    note_id: int
    now: datetime
    demand: DemandBefore | None
    covers: tuple[int, ...] = ()


def finish_parked(session: Session, parked: ParkedRefresh) -> RefreshReport | None:
    """Run an import's pending refresh in its own transaction (None: another refresh took the
    note in meanwhile, so there is nothing left to do)."""
    conn = session.connection()
    lock_state(conn)
    if not is_pending(conn, parked.note_id):
        return None
    return refresh(session, now=parked.now, demand=parked.demand, own_notes=parked.covers)


def touched_after(conn: Connection, parked: Parked) -> Touched:
    """What a note's rows touch: the weeks before it applied, the weeks they sit in now, and the
    weeks of the items whose ABC class or creation changed."""
    touched = Touched().merge(parked.before).merge(touched_by_keys(conn, parked.keys))
    if len(parked.keys.skus) > LOOKUP_LIMIT:
        touched.merge(weeks_of_skus(conn, parked.keys.skus))  # too many to compare: every week
    else:
        before = parked.items or {}
        touched.merge(weeks_of_skus(conn, item_changes(before, _items(conn, parked.keys))))
    return touched


def _items(conn: Connection, keys: RowKeys) -> dict[str, ItemState]:
    if not keys.skus or len(keys.skus) > LOOKUP_LIMIT:
        return {}
    return item_states(conn, keys.skus)


@contextmanager
def refreshing(
    session: Session,
    rows_by_entity: dict[str, list[dict[str, Any]]],
    *,
    now: datetime | None = None,
) -> Iterator[None]:
    """Keep the aggregates current around a change made outside an import, in its transaction.

    `rows_by_entity` names what is written as an import would (e.g. {"items": [{"sku": "A1"}]}).
    """
    pending = ImportRefresh.begin(session, rows_by_entity)
    yield
    session.flush()
    pending.finish(session, now=now or utcnow())

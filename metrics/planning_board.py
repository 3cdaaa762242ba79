"""What the Planning page shows, as typed values: SPEC section 3.1's rows and the records behind them.

Metric rows come from the pre-computed aggregates when they hold the instant (as the Overview's
KPIs), else from raw rows of the section 3.1 metrics only; records come from the metrics'
drill-down functions at the same instant and settings.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import Connection, select

from core.settings import Settings
from core.timeutil import SECONDS_PER_DAY, from_epoch
from metrics.aggregates import settings_key, state_token, stored_weekly_rows
from metrics.bundles import BundleCheck, bundle_checks
from metrics.compute import compute_rows, row_exists, sort_rows
from metrics.current import holding_state
from metrics.dead_stock import StockPosition, stock_positions
from metrics.handoff import STEP_TEAMS, Step, waiting_records
from metrics.model import MetricRow, make_context
from metrics.registry import metric
from metrics.safety_stock import SafetyStock, safety_stock_pairs
from metrics.settings_store import effective_settings
from metrics.snapshots import history_rows

DEMAND_METRICS = ("raw_demand_units", "fulfillable_demand_units", "recovered_units")
STOCK_METRICS = ("dead_stock_units", "stranded_units")
PLANNING_METRICS = (*DEMAND_METRICS, *STOCK_METRICS)
ALL = "all"


def planning_rows(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[MetricRow]:
    """The rows of the demand and dead/stranded metrics at as_of: the weekly ones from the
    aggregates when they hold as_of, the two stock ones kept by the refresh at its own instant
    and otherwise computed at as_of (their 90-day window moves with it); all from raw rows when
    the aggregates do not hold as_of. Only these metrics are read or computed."""
    chosen = settings or effective_settings(conn)
    state = holding_state(conn, as_of, chosen)
    if state is None:
        return compute_rows(conn, as_of, [metric(m) for m in PLANNING_METRICS], chosen)
    weekly = stored_weekly_rows(conn, DEMAND_METRICS)
    if as_of == state.as_of:
        idle = history_rows(conn, as_of, STOCK_METRICS)
    else:
        idle = compute_rows(conn, as_of, [metric(m) for m in STOCK_METRICS], chosen)
    return sort_rows([row for row in (*weekly, *idle) if row_exists(row)])


@dataclass(frozen=True)
class DemandWeek:
    """One ISO week of one channel (None: no channel; "all": every channel): the three series."""

    week: str
    channel: str | None
    raw_units: int
    fulfillable_units: int
    recovered_units: int
    orders: int  # placed that week
    live_orders: int  # of those, not cancelled by as_of

    @property
    def cancelled_share(self) -> float | None:
        """The share of the week's orders cancelled by as_of (None without orders)."""
        return (self.orders - self.live_orders) / self.orders if self.orders else None


def demand_weeks(rows: Sequence[MetricRow]) -> list[DemandWeek]:
    """The weekly demand rows side by side, by week then channel ("all" first, None next)."""
    cells: dict[tuple[str, str | None], dict[str, MetricRow]] = {}
    for row in rows:
        if row.metric in DEMAND_METRICS and row.week is not None:
            key = ALL if row.dim == ALL else row.key
            cells.setdefault((row.week, key), {})[row.metric] = row
    weeks = []
    for (week, channel), found in cells.items():
        raw, live, back = (found.get(m) for m in DEMAND_METRICS)
        weeks.append(
            DemandWeek(
                week=week,
                channel=channel,
                raw_units=int(raw.value or 0) if raw else 0,
                fulfillable_units=int(live.value or 0) if live else 0,
                recovered_units=int(back.value or 0) if back else 0,
                orders=raw.n if raw else 0,
                live_orders=live.n if live else 0,
            )
        )
    order = {ALL: (0, ""), None: (1, "")}
    return sorted(weeks, key=lambda w: (w.week, order.get(w.channel, (2, w.channel or ""))))


@dataclass(frozen=True)
class IdleStock:
    """Dead and stranded book sellable units of a location (or "all"), and their value."""

    location: str
    dead_units: int
    dead_value: float | None
    stranded_units: int
    stranded_value: float | None


def idle_stock(rows: Sequence[MetricRow]) -> list[IdleStock]:
    """Dead and stranded stock per location ("all" first, then by location)."""
    found: dict[str, dict[str, MetricRow]] = {}
    for row in rows:
        if row.metric in STOCK_METRICS and row.week is None:
            key = ALL if row.dim == ALL else str(row.key)
            found.setdefault(key, {})[row.metric] = row
    places = []
    for location, pair in found.items():
        dead, stranded = pair.get("dead_stock_units"), pair.get("stranded_units")
        places.append(
            IdleStock(
                location=location,
                dead_units=int(dead.value or 0) if dead else 0,
                dead_value=None if dead is None or dead.num is None else float(dead.num),
                stranded_units=int(stranded.value or 0) if stranded else 0,
                stranded_value=(
                    None if stranded is None or stranded.num is None else float(stranded.num)
                ),
            )
        )
    return sorted(places, key=lambda p: (p.location != ALL, p.location))


@dataclass(frozen=True)
class HandoffStep:
    """Returns waiting at one handoff step: how many, their units, median age, owning team."""

    step: str
    team: str
    count: int
    units: int
    median_age_days: float | None


@dataclass(frozen=True)
class Handoff:
    """The returns handoff funnel for the chosen channel pairs, and every pair seen."""

    steps: tuple[HandoffStep, ...]
    channel_pairs: tuple[str, ...]


def handoff(
    conn: Connection,
    as_of: datetime,
    pairs: Sequence[str] = (),
    settings: Settings | None = None,
    *,
    locations: Sequence[str] = (),
    channels: Sequence[str] = (),
) -> Handoff:
    """Each step in handoff order (steps with none waiting included), for the channel pairs given
    (none: every pair), kept to receiving `locations` and return `channels` when given (the pairs
    seen are those left by them); age is as_of − received_at, in days."""
    ctx = make_context(as_of, settings or effective_settings(conn))
    waiting = waiting_records(ctx).subquery("waiting")
    query = select(waiting.c.step, waiting.c.channel_pair, waiting.c.units, waiting.c.age_seconds)
    if locations:
        query = query.where(waiting.c.location.in_(list(locations)))
    if channels:
        query = query.where(waiting.c.channel.in_(list(channels)))
    records = conn.execute(query).all()
    seen = tuple(sorted({pair for _s, pair, _u, _a in records}))
    chosen = [r for r in records if not pairs or r[1] in pairs]
    steps = []
    for step in Step:
        here = [r for r in chosen if r[0] == step.value]
        ages = [float(r[3]) / SECONDS_PER_DAY for r in here]
        steps.append(
            HandoffStep(
                step=step.value,
                team=STEP_TEAMS[step],
                count=len(here),
                units=sum(int(r[2] or 0) for r in here),
                median_age_days=statistics.median(ages) if ages else None,
            )
        )
    return Handoff(tuple(steps), seen)


def idle_positions(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[StockPosition]:
    """The dead and stranded (location, sku) positions at as_of, with units, value, last shipment."""
    return stock_positions(conn, make_context(as_of, settings or effective_settings(conn)))


def safety_stock_table(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[SafetyStock]:
    """Every (channel, sku) with demand in the window, largest shortfall first."""
    pairs = safety_stock_pairs(conn, make_context(as_of, settings or effective_settings(conn)))
    return sorted(pairs, key=lambda p: (-p.shortfall, p.channel, p.sku))


def bundle_breaches(
    conn: Connection, as_of: datetime, settings: Settings | None = None
) -> list[BundleCheck]:
    """The (system, location, bundle) checks where the system sells more than can be built."""
    checks = bundle_checks(conn, make_context(as_of, settings or effective_settings(conn)))
    return [check for check in checks if check.breach]


def money(value: Decimal | float | None) -> float | None:
    """A money value as a float for display (None stays None)."""
    return None if value is None else float(value)


@dataclass(frozen=True)
class BoardToken:
    """What the page's cached reads are keyed by: the aggregates' state and the settings used."""

    aggregates: tuple[int, int]  # (version, as_of epoch); (0, 0) before any refresh
    settings: str  # the effective settings' digest (a steward's edit changes it)
    dead_stock_days: int
    safety_stock_window_days: int

    def as_of(self, now: datetime) -> datetime:
        """The instant to show: now to the minute (so reads cache), never before the aggregates'."""
        minute = now.replace(second=0, microsecond=0)
        held = self.aggregates[1]
        return max(minute, from_epoch(held)) if held else minute


def board_token(conn: Connection) -> BoardToken:
    """The current token (two small reads)."""
    chosen = effective_settings(conn)
    return BoardToken(
        state_token(conn),
        settings_key(chosen),
        chosen.dead_stock_days,
        chosen.safety_stock_window_days,
    )

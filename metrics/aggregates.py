"""The stored weekly aggregates and their state: which instant they hold, computing and reading them.

Each weekly row is stored as `metrics --json` prints it plus its additive parts, with the instant
it was computed for; rows are re-finished from their parts when read, so a stored row and a row
computed from raw rows are the same Python values. The state row says which instant every
aggregate equals a raw computation at (`as_of`) and with which metric settings.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, delete, insert, or_, select, update

from core.engines import insert_ignoring_conflicts, lock_rows
from core.schema import MetricState, MetricWeek
from core.settings import Settings, get_settings
from core.timeutil import SECONDS_PER_DAY, to_epoch, week_start
from metrics.compute import compute_rows, row_exists
from metrics.facts import finish
from metrics.families import FAMILIES, Family, FamilyMetrics
from metrics.model import MetricRow, Part, Window, parts_from_json, parts_to_json
from metrics.order_facts import order_rows
from metrics.registry import metric

STATE_ID = 1
WEEK_DAYS = 7
MAX_GAP_WEEKS = 2  # touched weeks this close are recomputed as one window
STATE = MetricState.__table__
WEEKS = MetricWeek.__table__
SETTING_NAMES = (
    "tolerance_a",
    "tolerance_b",
    "tolerance_c",
    "stalled_order_sla_hours",
    "black_hole_days",
    "sku_naming_pattern",
    "required_attributes_by_category",
    "book_system",
    "book_system_by_location",
    "dead_stock_days",
    "safety_stock_window_days",
    "safety_stock_parameters",
)


@dataclass(frozen=True)
class State:
    """Which instant the aggregates hold, when they were computed, with which settings."""

    as_of: datetime
    computed_at: datetime | None
    full_at: datetime | None
    stock_as_of: datetime | None
    settings_key: str | None
    version: int
    audit_id: int | None = None


def settings_key(settings: Settings | None = None) -> str:
    """A digest of the settings metrics depend on (changing one invalidates the aggregates)."""
    chosen = settings or get_settings()
    values = {name: str(getattr(chosen, name)) for name in SETTING_NAMES}
    return hashlib.sha256(json.dumps(values, sort_keys=True).encode()).hexdigest()[:32]


def load_state(conn: Connection) -> State | None:
    """The state, or None when no aggregates were computed yet."""
    row = conn.execute(select(STATE).where(STATE.c.id == STATE_ID)).mappings().first()
    if row is None or row["as_of"] is None:
        return None
    return State(
        row["as_of"],
        row["computed_at"],
        row["full_at"],
        row["stock_as_of"],
        row["settings_key"],
        int(row["version"]),
        row["audit_id"],
    )


def lock_state(conn: Connection) -> None:
    """Create the state row if missing and lock it: refreshes run one at a time."""
    conn.execute(
        insert_ignoring_conflicts(conn, STATE)
        .values(id=STATE_ID, version=0)
        .on_conflict_do_nothing()
    )
    conn.execute(lock_rows(conn, select(STATE.c.id).where(STATE.c.id == STATE_ID)))


def save_state(conn: Connection, **values: Any) -> None:
    """Update the (locked) state row and bump its version."""
    conn.execute(
        update(STATE).where(STATE.c.id == STATE_ID).values(version=STATE.c.version + 1, **values)
    )


def day_of_week(label: str) -> int:
    """Monday day number of an ISO week label."""
    return to_epoch(week_start(label)) // SECONDS_PER_DAY


def windows(weeks: Iterable[int]) -> list[Window]:
    """Contiguous epoch windows covering the weeks (Monday day numbers), near ones merged."""
    runs: list[list[int]] = []
    for week in sorted(set(weeks)):
        if runs and week - runs[-1][1] <= MAX_GAP_WEEKS * WEEK_DAYS:
            runs[-1][1] = week
        else:
            runs.append([week, week])
    return [(a * SECONDS_PER_DAY, (b + WEEK_DAYS) * SECONDS_PER_DAY) for a, b in runs]


def week_rows(
    family: FamilyMetrics, rows: Iterable[MetricRow], as_of: datetime
) -> list[dict[str, Any]]:
    """Stored form of a family's weekly rows."""
    return [
        {
            "family": family.family.value,
            "metric": row.metric,
            "wd": day_of_week(str(row.week)),
            "dim": row.dim,
            "key": row.key,
            "value": None if row.value is None else float(row.value),
            "n": row.n,
            "num": row.num,
            "parts": parts_to_json(row.parts),
            "as_of": as_of,
        }
        for row in rows
    ]


def family_rows(
    conn: Connection,
    family: FamilyMetrics,
    as_of: datetime,
    window: Window | None,
    settings: Settings | None = None,
) -> list[MetricRow]:
    """A family's weekly rows inside a window (None: every week) at as_of.

    Order metrics are regrouped from the per-order facts (refreshed first); the others are
    computed from raw rows restricted to the window.
    """
    if family.family is Family.ORDERS:
        return [row for row in order_rows(conn, window) if row_exists(row)]
    return compute_rows(conn, as_of, family.metrics, settings, window)


def store_family(
    conn: Connection,
    family: FamilyMetrics,
    as_of: datetime,
    window: Window | None,
    settings: Settings | None = None,
) -> int:
    """Replace a family's stored weeks inside a window (None: every week); rows written."""
    rows = family_rows(conn, family, as_of, window, settings)
    removal = delete(WEEKS).where(WEEKS.c.family == family.family.value)
    if window is not None:
        first, end = (edge // SECONDS_PER_DAY for edge in window)
        removal = removal.where(WEEKS.c.wd >= first, WEEKS.c.wd < end)
    conn.execute(removal)
    stored = week_rows(family, rows, as_of)
    if stored:
        conn.execute(insert(WEEKS), stored)
    return len(stored)


def family_by_name(family: Family) -> FamilyMetrics:
    """The metrics of a family."""
    return next(f for f in FAMILIES if f.family is family)


def stored_weekly_rows(
    conn: Connection,
    metric_ids: Iterable[str] | None = None,
    first_day: int | None = None,
    end_day: int | None = None,
    dim: str | None = None,
    keys: Mapping[str, Sequence[str]] | None = None,
) -> list[MetricRow]:
    """Stored weekly rows, optionally of some metrics, weeks [first_day, end_day) and one dim;
    with `keys`, only the `all` rows and those of the given keys of each given dimension."""
    query = select(WEEKS.c.metric, WEEKS.c.wd, WEEKS.c.dim, WEEKS.c.key, WEEKS.c.parts)
    if keys is not None:
        query = query.where(
            or_(
                WEEKS.c.dim == "all",
                *(and_(WEEKS.c.dim == d, WEEKS.c.key.in_(list(k))) for d, k in keys.items()),
            )
        )
    if metric_ids is not None:
        query = query.where(WEEKS.c.metric.in_(list(metric_ids)))
    if first_day is not None:
        query = query.where(WEEKS.c.wd >= first_day)
    if end_day is not None:
        query = query.where(WEEKS.c.wd < end_day)
    if dim is not None:
        query = query.where(WEEKS.c.dim == dim)
    return [
        finish(metric(row.metric), (int(row.wd), row.dim, row.key), _parts(row.parts))
        for row in conn.execute(query)
    ]


def _parts(parts: Any) -> dict[str, Part]:
    return parts_from_json(json.loads(parts) if isinstance(parts, str) else parts)


def state_token(conn: Connection) -> tuple[int, int]:
    """(version, as_of epoch) of the aggregates, (0, 0) when none: changes on every refresh."""
    row = conn.execute(select(STATE.c.version, STATE.c.as_of).where(STATE.c.id == STATE_ID)).first()
    if row is None or row.as_of is None:
        return 0, 0
    return int(row.version), to_epoch(row.as_of)

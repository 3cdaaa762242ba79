"""Read queries behind the pages (SQLAlchemy Core, bound parameters; no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import BigInteger, Engine, exists, func, inspect, select, type_coerce
from sqlalchemy.exc import DBAPIError

from core.schema import ImportRun, Location, Order, OrderLine, QuarantinedRow
from core.timeutil import (
    MONDAY_SHIFT_DAYS,
    SECONDS_PER_DAY,
    to_epoch,
    week_label_from_monday_day,
)
from metrics.kpi_slices import filter_keys
from metrics.touched import import_mark

# A data-version token: (import runs, highest run id, latest finish, latest undo; epoch seconds).
DataVersion = tuple[int, int, int, int]

RUNS = ImportRun.__table__
QUARANTINE = QuarantinedRow.__table__
ORDERS = Order.__table__
LINES = OrderLine.__table__
LOCATIONS = Location.__table__


class SchemaMissing(RuntimeError):
    """The database has no invgov tables yet (`python manage.py init` has not run)."""


@dataclass(frozen=True)
class FilterOptions:
    """What the shared filters can offer: channels, locations, the span of order dates, and the
    ABC classes and categories the KPI aggregates hold."""

    channels: tuple[str, ...]
    locations: tuple[str, ...]
    first_order_day: date | None
    last_order_day: date | None
    abc_classes: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()


def data_version(engine: Engine) -> DataVersion:
    """A cheap token that changes whenever any process commits or undoes an import (or resets
    the data)."""
    try:
        with engine.connect() as conn:
            return import_mark(conn)
    except DBAPIError as exc:
        if not inspect(engine).has_table(RUNS.name):
            raise SchemaMissing("the database has no invgov schema") from exc
        raise


def import_history(engine: Engine, limit: int) -> list[dict[str, Any]]:
    """Import runs, newest first, at most `limit`."""
    query = select(RUNS).order_by(RUNS.c.id.desc()).limit(limit)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def freshness(engine: Engine) -> list[dict[str, Any]]:
    """Per source and system: the latest committed import and how many there were, newest first."""
    latest = func.max(RUNS.c.finished_at).label("finished_at")
    query = (
        select(RUNS.c.source, RUNS.c.system, latest, func.count().label("imports"))
        .where(RUNS.c.status == "committed")
        .group_by(RUNS.c.source, RUNS.c.system)
        .order_by(latest.desc(), RUNS.c.source)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def quarantine_files(engine: Engine) -> list[str]:
    """The names of files that have quarantined rows, sorted."""
    query = select(QUARANTINE.c.file_name).distinct().order_by(QUARANTINE.c.file_name)
    with engine.connect() as conn:
        return list(conn.execute(query).scalars())


def quarantined_rows(
    engine: Engine,
    *,
    file_name: str | None,
    reason_contains: str | None,
    limit: int,
    since: datetime | None = None,
    until: datetime | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Quarantined rows of a file and/or whose reason contains a text (any case), quarantined in
    [since, until) when given; rows and total."""
    conditions = []
    if since is not None:
        conditions.append(QUARANTINE.c.created_at >= since)
    if until is not None:
        conditions.append(QUARANTINE.c.created_at < until)
    if file_name:
        conditions.append(QUARANTINE.c.file_name == file_name)
    if reason_contains:
        conditions.append(QUARANTINE.c.reason.icontains(reason_contains, autoescape=True))
    page = (
        select(QUARANTINE)
        .where(*conditions)
        .order_by(QUARANTINE.c.import_run_id.desc(), QUARANTINE.c.line_number)
        .limit(limit)
    )
    total = select(func.count()).select_from(QUARANTINE).where(*conditions)
    with engine.connect() as conn:
        rows = [dict(r) for r in conn.execute(page).mappings()]
        return rows, conn.execute(total).scalar_one()


def filter_options(engine: Engine) -> FilterOptions:
    """Channels (of orders and locations), location ids, the first and last order day, and the
    ABC classes and categories of the KPI aggregates."""
    channels = select(ORDERS.c.channel).union(
        select(LOCATIONS.c.channel).where(LOCATIONS.c.channel.is_not(None))
    )
    placed = type_coerce(ORDERS.c.placed_at, BigInteger)
    with engine.connect() as conn:
        found = sorted({c for c in conn.execute(channels).scalars() if c})
        locations = list(
            conn.execute(
                select(LOCATIONS.c.location_id).order_by(LOCATIONS.c.location_id)
            ).scalars()
        )
        first, last = conn.execute(select(func.min(placed), func.max(placed))).one()
        keys = filter_keys(conn, ("abc_class", "category"))
    return FilterOptions(
        tuple(found),
        tuple(locations),
        _epoch_day(first),
        _epoch_day(last),
        keys["abc_class"],
        keys["category"],
    )


def orders_per_week(
    engine: Engine,
    *,
    start: date,
    end: date,
    channels: Sequence[str] = (),
    locations: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """Orders placed per ISO week (UTC) and channel between two days inclusive, counted in SQL.

    An empty `channels` or `locations` means all; a location selects orders with a line allocated to it.
    """
    placed = type_coerce(ORDERS.c.placed_at, BigInteger)
    day = placed // SECONDS_PER_DAY
    monday = (day - (day + MONDAY_SHIFT_DAYS) % 7).label("monday")
    conditions = [placed >= _day_epoch(start), placed < _day_epoch(end + timedelta(days=1))]
    if channels:
        conditions.append(ORDERS.c.channel.in_(list(channels)))
    if locations:
        allocated = exists().where(
            LINES.c.order_id == ORDERS.c.order_id,
            LINES.c.allocated_location_id.in_(list(locations)),
        )
        conditions.append(allocated)
    query = (
        select(monday, ORDERS.c.channel, func.count().label("orders"))
        .where(*conditions)
        .group_by(monday, ORDERS.c.channel)
        .order_by(monday, ORDERS.c.channel)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        {"week": week_label_from_monday_day(m), "channel": channel, "orders": int(n)}
        for m, channel, n in rows
    ]


def _day_epoch(day: date) -> int:
    return to_epoch(datetime.combine(day, time(), tzinfo=UTC))


def _epoch_day(seconds: int | None) -> date | None:
    if seconds is None:
        return None
    return date(1970, 1, 1) + timedelta(days=int(seconds) // SECONDS_PER_DAY)

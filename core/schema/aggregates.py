"""Precomputed metric aggregates: weekly rows, snapshot history, the open-record sets, their state.

Filled by metrics.refresh after each import's write (or a batch's); read by pages and `metrics`. Also the
indexes on canonical timestamp columns that let a refresh find what happened between two instants.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Float, Index, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word
from core.schema.canonical import Item, Order, Return, Shipment


class MetricState(Base):
    """The one row saying which instant the aggregates hold (absent: none computed yet)."""

    __tablename__ = "metric_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime | None]  # every aggregate equals a computation from raw rows at this
    computed_at: Mapped[datetime | None]  # wall-clock time of the last refresh
    full_at: Mapped[datetime | None]  # wall-clock time of the last full rebuild
    stock_as_of: Mapped[datetime | None]  # the snapshot history set holding the current stock rows
    settings_key: Mapped[str | None]  # the metric settings the aggregates were computed with
    audit_id: Mapped[int | None] = mapped_column(BigInteger)  # newest audit row taken in
    version: Mapped[int] = mapped_column(default=0)


class MetricWeek(Base):
    """One weekly metric row (as `metrics --json` prints it) with its additive parts."""

    __tablename__ = "metric_weeks"
    id: Mapped[int] = mapped_column(primary_key=True)
    family: Mapped[str] = mapped_column(Word)
    metric: Mapped[str] = mapped_column(Word)
    wd: Mapped[int]  # day number (since 1970-01-01) of the Monday starting the ISO week
    dim: Mapped[str] = mapped_column(Word)
    key: Mapped[str | None]
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(BigInteger)
    num: Mapped[int | None] = mapped_column(BigInteger)
    parts: Mapped[dict[str, Any]]
    as_of: Mapped[datetime]  # the instant this row was computed for

    __table_args__ = (Index(None, "family", "wd"), Index(None, "metric", "wd"))


class MetricSnapshot(Base):
    """One snapshot metric row evaluated at an instant: the history behind snapshot KPI trends."""

    __tablename__ = "metric_snapshots"
    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[datetime]
    computed_at: Mapped[datetime]
    metric: Mapped[str] = mapped_column(Word)
    dim: Mapped[str] = mapped_column(Word)
    key: Mapped[str | None]
    value: Mapped[float | None] = mapped_column(Float)
    n: Mapped[int] = mapped_column(BigInteger)
    num: Mapped[float | None] = mapped_column(Float)  # money or units short in section 3.1
    parts: Mapped[dict[str, Any]]

    __table_args__ = (Index(None, "as_of"), Index(None, "metric", "as_of"))


class OrderFact(Base):
    """One order's part in the order metrics at the state's as_of (placed by then).

    Columns mirror the record sources: has_shipment, split, multi_location (split and multi-location
    rates); alloc_rows, rerouted (reroute rate, summed over its shipment rows); counted, ordered,
    shipped_units, unfilled (fill rate and stalled orders, orders not cancelled with lines).
    """

    __tablename__ = "metric_order_facts"
    order_id: Mapped[str] = mapped_column(primary_key=True)
    wd: Mapped[int] = mapped_column(index=True)  # Monday day number of placed_at
    channel: Mapped[str] = mapped_column(Word)
    placed_at: Mapped[datetime]
    has_shipment: Mapped[int]
    split: Mapped[int]
    multi_location: Mapped[int]
    alloc_rows: Mapped[int] = mapped_column(BigInteger)
    rerouted: Mapped[int] = mapped_column(BigInteger)
    counted: Mapped[int]
    ordered: Mapped[int] = mapped_column(BigInteger)
    shipped_units: Mapped[int] = mapped_column(BigInteger)
    unfilled: Mapped[int]

    __table_args__ = (Index(None, "unfilled", "placed_at"),)


class ScopeKey(Base):
    """Scratch lists of keys a refresh looks up or recomputes (one token per list, filled and
    emptied inside one transaction): joined instead of long IN lists, which PostgreSQL's generic
    plans for prepared statements evaluate row by row."""

    __tablename__ = "metric_scope_keys"
    token: Mapped[str] = mapped_column(Word, primary_key=True)
    key: Mapped[str] = mapped_column(primary_key=True)


class OpenReturn(Base):
    """A return received and not dispositioned at the state's as_of (open and black-hole candidates)."""

    __tablename__ = "metric_open_returns"
    return_id: Mapped[str] = mapped_column(primary_key=True)
    wd: Mapped[int] = mapped_column(index=True)  # Monday day number of received_at
    location: Mapped[str | None]
    received_at: Mapped[datetime]
    refunded: Mapped[bool]  # refunded_at ≤ the state's as_of


class BookUnit(Base):
    """Book sellable units of a (location, sku) at the state's stock instant (any sign), the input
    of dead, stranded and available stock; refreshed whenever stock, mappings or items change."""

    __tablename__ = "metric_book_units"
    location_id: Mapped[str] = mapped_column(primary_key=True)
    sku: Mapped[str] = mapped_column(primary_key=True)
    units: Mapped[int] = mapped_column(BigInteger)


class DemandDay(Base):
    """Units ordered d_k of a (channel, sku) in day k of the safety-stock window ending at the
    state's as_of (orders not cancelled; k = 0 is the last 24 h); only non-zero days are kept."""

    __tablename__ = "metric_demand_days"
    channel: Mapped[str] = mapped_column(Word, primary_key=True)
    sku: Mapped[str] = mapped_column(primary_key=True)
    day: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    units: Mapped[int] = mapped_column(BigInteger)


# Timestamp columns a refresh looks up by range ("what happened since the last refresh").
TIMESTAMP_INDEXES = (
    Index("ix_orders_cancelled_at", Order.__table__.c.cancelled_at),
    Index("ix_shipments_shipped_at", Shipment.__table__.c.shipped_at),
    Index("ix_returns_disposition_at", Return.__table__.c.disposition_at),
    Index("ix_returns_refunded_at", Return.__table__.c.refunded_at),
    Index("ix_items_approved_at", Item.__table__.c.approved_at),
)


class KeptReading(Base):
    """A slow reading (the Migration page's) kept with the instant and data state it was read at."""

    __tablename__ = "kept_readings"
    name: Mapped[str] = mapped_column(Text, primary_key=True)  # what was read, e.g. its scope
    fingerprint: Mapped[str] = mapped_column(Text)  # metrics.kept.fingerprint when it was read
    computed_at: Mapped[datetime]  # the instant it answers
    payload: Mapped[dict[str, Any]]


class PendingRefresh(Base):
    """An import committed whose aggregate refresh has not yet run (its own, later transaction).

    While a row is here the aggregates do not hold; the next refresh takes it in and deletes it.
    `payload` is what the import's rows touched before it applied them and the keys they wrote.
    """

    __tablename__ = "pending_refreshes"
    id: Mapped[int] = mapped_column(primary_key=True)
    import_run_id: Mapped[int | None] = mapped_column(BigInteger)
    noted_at: Mapped[datetime]  # the import's instant: the refresh brings the aggregates there
    payload: Mapped[dict[str, Any]]

"""Steward overrides of the planning settings (SPEC section 3.1), kept in the database.

A row here wins over the settings file: `channel_parameters` holds one channel's safety-stock
inputs ("*" is any other channel), `planning_windows` the dead-stock and safety-stock windows.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Numeric
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class ChannelParameterOverride(Base):
    """A channel's service level, lead time and lead-time deviation (days) as a steward set them."""

    __tablename__ = "channel_parameters"
    channel: Mapped[str] = mapped_column(Word, primary_key=True)  # lower case; "*": any other
    service_level: Mapped[Decimal] = mapped_column(Numeric(8, 6))
    lead_time_days: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    lead_time_sd_days: Mapped[Decimal] = mapped_column(Numeric(10, 4))
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None]
    version: Mapped[int] = mapped_column(default=1)


class PlanningWindows(Base):
    """The dead-stock and safety-stock windows in days as a steward set them (one row, id 1)."""

    __tablename__ = "planning_windows"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    dead_stock_days: Mapped[int]
    safety_stock_window_days: Mapped[int]
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None]
    version: Mapped[int] = mapped_column(default=1)

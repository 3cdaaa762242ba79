"""KPI targets and owners, kept in the database (SPEC section 3, last paragraph)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float
from sqlalchemy.orm import Mapped, mapped_column

from core.schema.base import Base, Word


class KpiTarget(Base):
    """A KPI's target, red/amber/green margin and owner (defaults seeded; stewards edit them)."""

    __tablename__ = "kpi_targets"
    metric: Mapped[str] = mapped_column(Word, primary_key=True)
    comparator: Mapped[str] = mapped_column(Word)  # ">=", "<=" or "="
    target: Mapped[float] = mapped_column(Float)
    amber_margin: Mapped[float] = mapped_column(Float, default=0.0)
    owner_team: Mapped[str | None]
    owner_user: Mapped[str | None]
    updated_at: Mapped[datetime | None]
    updated_by: Mapped[str | None]
    version: Mapped[int] = mapped_column(default=1)

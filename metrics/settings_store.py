"""The effective metric settings: the settings file with the stewards' stored overrides on top.

The overrides are the planning parameters and windows, and the system owning warehouse stock
(the field-ownership row `warehouse_stock`, set on the Ownership page or by `manage.py setup`),
which replaces `book_system` (per-location books still win over it, see metrics.stock).

Every metric computation that is not handed its settings reads them here, so an override edited
on the Ownership page counts in the next computation; the aggregates' settings key is a digest of
these values, so a changed override makes the next refresh rebuild them.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import Connection, select

from core.schema import ChannelParameterOverride, FieldOwnership, PlanningWindows
from core.settings import ChannelParameters, Settings, get_settings

WINDOWS_ID = 1
CHANNELS = ChannelParameterOverride.__table__
WINDOWS = PlanningWindows.__table__
OWNERS = FieldOwnership.__table__
WAREHOUSE_STOCK = "warehouse_stock"


def plain(value: Decimal) -> Decimal:
    """A stored decimal without the column's trailing zeros (0.980000 -> 0.98, 21.0000 -> 21)."""
    whole = value.to_integral_value()
    return whole.quantize(Decimal(1)) if value == whole else value.normalize()


def stored_parameters(conn: Connection) -> dict[str, ChannelParameters]:
    """The channel parameters stewards stored, by channel ("*": any other channel)."""
    rows = conn.execute(
        select(
            CHANNELS.c.channel,
            CHANNELS.c.service_level,
            CHANNELS.c.lead_time_days,
            CHANNELS.c.lead_time_sd_days,
        )
    )
    return {
        channel: ChannelParameters(
            service_level=plain(p), lead_time_days=plain(lead), lead_time_sd_days=plain(spread)
        )
        for channel, p, lead, spread in rows
    }


def stored_windows(conn: Connection) -> tuple[int, int] | None:
    """(dead-stock days, safety-stock window days) as stored, or None when never edited."""
    row = conn.execute(
        select(WINDOWS.c.dead_stock_days, WINDOWS.c.safety_stock_window_days).where(
            WINDOWS.c.id == WINDOWS_ID
        )
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def stored_book_system(conn: Connection) -> str | None:
    """The system stewards made owner of warehouse stock, or None when never stored."""
    return conn.execute(
        select(OWNERS.c.system).where(OWNERS.c.domain == WAREHOUSE_STOCK)
    ).scalar_one_or_none()


def apply_overrides(
    base: Settings,
    parameters: dict[str, ChannelParameters],
    windows: tuple[int, int] | None,
    book_system: str | None = None,
) -> Settings:
    """The base settings with the given parameters, windows and book system in place of its own."""
    if not parameters and windows is None and book_system in (None, base.book_system):
        return base
    update: dict[str, object] = {
        "safety_stock_parameters": dict(
            sorted({**base.safety_stock_parameters, **parameters}.items())
        )
    }
    if windows is not None:
        update["dead_stock_days"], update["safety_stock_window_days"] = windows
    if book_system is not None:
        update["book_system"] = book_system
    return base.model_copy(update=update)


def effective_settings(conn: Connection, base: Settings | None = None) -> Settings:
    """The settings metrics use: the file's (or `base`), with the stored overrides on top."""
    return apply_overrides(
        base or get_settings(),
        stored_parameters(conn),
        stored_windows(conn),
        stored_book_system(conn),
    )

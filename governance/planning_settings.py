"""Editing the planning settings: channel safety-stock parameters and the planning windows.

Stewards and admins (the KPI-target permission: these are the settings the planning KPIs are
computed with), checked and audited in the same transaction. A channel or the windows without a
stored row are edited from the effective settings (the settings file); every edit names the
version it was made against, and one made against an older version is refused (ConflictError).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.engines import row_locks
from core.schema import ChannelParameterOverride, PlanningWindows
from core.settings import ANY_OTHER_CHANNEL, ChannelParameters
from core.timeutil import iso_z
from governance.audit import apply_audited
from governance.errors import ConflictError, GovernanceError
from governance.permissions import Action, Actor, authorize
from metrics.settings_store import WINDOWS_ID, effective_settings

CHANNEL_OBJECT = "channel_parameters"
WINDOWS_OBJECT = "planning_windows"
CHANNEL_FIELDS = ("service_level", "lead_time_days", "lead_time_sd_days")
WINDOW_FIELDS = ("dead_stock_days", "safety_stock_window_days")
MAX_CHANNEL_LENGTH = 64


class InvalidSetting(GovernanceError):
    """A value outside its range; `field` names the field, so a form can show it beside it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class ChannelSetting:
    """A channel's effective parameters, whether a steward stored them, and the version to edit."""

    channel: str
    parameters: ChannelParameters
    stored: bool
    version: int
    updated_by: str | None


@dataclass(frozen=True)
class WindowSetting:
    """The effective planning windows in days and the version to edit."""

    dead_stock_days: int
    safety_stock_window_days: int
    stored: bool
    version: int
    updated_by: str | None


def _decimal(field: str, value: object) -> Decimal:
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InvalidSetting(field, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InvalidSetting(field, "must be a finite number")
    return number


def checked_parameters(
    service_level: object, lead_time_days: object, lead_time_sd_days: object
) -> ChannelParameters:
    """The three inputs validated: service level in (0, 1), lead time and deviation ≥ 0 days."""
    p = _decimal("service_level", service_level)
    if not 0 < p < 1:
        raise InvalidSetting(
            "service_level", "service level must be above 0 and below 1 (e.g. 0.95)"
        )
    lead = _decimal("lead_time_days", lead_time_days)
    if lead < 0:
        raise InvalidSetting("lead_time_days", "lead time must be 0 days or more")
    spread = _decimal("lead_time_sd_days", lead_time_sd_days)
    if spread < 0:
        raise InvalidSetting("lead_time_sd_days", "lead-time deviation must be 0 days or more")
    return ChannelParameters(service_level=p, lead_time_days=lead, lead_time_sd_days=spread)


def checked_days(field: str, value: object) -> int:
    """A window in whole days, at least 1."""
    try:
        days = int(str(value).strip())
    except ValueError:
        raise InvalidSetting(field, f"{value!r} is not a whole number of days") from None
    if days < 1:
        raise InvalidSetting(field, "a window must be at least 1 day")
    return days


def channel_name(channel: str) -> str:
    """A channel as metrics look it up (lower case, trimmed); "*" is any other channel."""
    name = " ".join(str(channel).split()).lower()
    if not name or len(name) > MAX_CHANNEL_LENGTH:
        raise InvalidSetting("channel", f"a channel name has 1 to {MAX_CHANNEL_LENGTH} characters")
    return name


def channel_settings(session: Session) -> list[ChannelSetting]:
    """Every channel with parameters (the file's and the stored ones), "*" last."""
    conn = session.connection()
    effective = effective_settings(conn)
    stored = {row.channel: row for row in session.scalars(select(ChannelParameterOverride))}
    names = sorted(effective.safety_stock_parameters, key=lambda c: (c == ANY_OTHER_CHANNEL, c))
    return [
        ChannelSetting(
            name,
            effective.safety_stock_parameters[name],
            name in stored,
            stored[name].version if name in stored else 0,
            stored[name].updated_by if name in stored else None,
        )
        for name in names
    ]


def window_setting(session: Session) -> WindowSetting:
    """The effective planning windows and their version (0 before any edit)."""
    effective = effective_settings(session.connection())
    row = session.get(PlanningWindows, WINDOWS_ID)
    return WindowSetting(
        effective.dead_stock_days,
        effective.safety_stock_window_days,
        row is not None,
        row.version if row else 0,
        row.updated_by if row else None,
    )


def _conflict(what: str, row: ChannelParameterOverride | PlanningWindows, seen: int) -> None:
    fields = CHANNEL_FIELDS if isinstance(row, ChannelParameterOverride) else WINDOW_FIELDS
    current = {name: getattr(row, name) for name in fields} | {
        "version": row.version,
        "updated_by": row.updated_by,
        "updated_at": iso_z(row.updated_at) if row.updated_at else None,
    }
    raise ConflictError(
        f"{what} was changed by {row.updated_by or 'someone'} (version {row.version}, you saw "
        f"{seen}): reload and decide again",
        current,
    )


def update_channel_parameters(
    *,
    session: Session,
    actor: Actor,
    channel: str,
    service_level: object,
    lead_time_days: object,
    lead_time_sd_days: object,
    seen_version: int,
) -> ChannelSetting:
    """Set a channel's service level, lead time and its deviation (days); "*": any other channel."""
    me = authorize(session, actor, Action.EDIT_KPI_TARGETS)
    name = channel_name(channel)
    wanted = checked_parameters(service_level, lead_time_days, lead_time_sd_days)
    locks = row_locks(session.connection())
    row = session.get(ChannelParameterOverride, name, with_for_update=locks)
    if row is None:
        before = effective_settings(session.connection()).channel_parameters(name)
        row = ChannelParameterOverride(channel=name, version=0, **before.model_dump())
    if row.version != seen_version:
        _conflict(f"the parameters of channel {name}", row, seen_version)
    _apply(session, me, CHANNEL_OBJECT, name, row, wanted.model_dump())
    return next(s for s in channel_settings(session) if s.channel == name)


def update_planning_windows(
    *,
    session: Session,
    actor: Actor,
    dead_stock_days: object,
    safety_stock_window_days: object,
    seen_version: int,
) -> WindowSetting:
    """Set the dead-stock window and the safety-stock window, in whole days (≥ 1)."""
    me = authorize(session, actor, Action.EDIT_KPI_TARGETS)
    wanted = {
        "dead_stock_days": checked_days("dead_stock_days", dead_stock_days),
        "safety_stock_window_days": checked_days(
            "safety_stock_window_days", safety_stock_window_days
        ),
    }
    locks = row_locks(session.connection())
    row = session.get(PlanningWindows, WINDOWS_ID, with_for_update=locks)
    if row is None:
        before = effective_settings(session.connection())
        row = PlanningWindows(
            id=WINDOWS_ID,
            version=0,
            dead_stock_days=before.dead_stock_days,
            safety_stock_window_days=before.safety_stock_window_days,
        )
    if row.version != seen_version:
        _conflict("the planning windows", row, seen_version)
    _apply(session, me, WINDOWS_OBJECT, WINDOWS_OBJECT, row, wanted)
    return window_setting(session)


def _apply(
    session: Session,
    me: Actor,
    object_type: str,
    object_id: str,
    row: ChannelParameterOverride | PlanningWindows,
    values: dict[str, object],
) -> None:
    """Write the fields that differ, one audit row each; a first edit stores the new row."""
    apply_audited(session, actor=me, action=Action.EDIT_KPI_TARGETS, object_type=object_type,
                  object_id=object_id, row=row, values=values)  # fmt: skip

"""The Ownership page's planning settings: channel safety-stock parameters and the two windows.

Everyone reads them; stewards and admins change them through governance.planning_settings
(audited, version-checked). A value out of range is refused with its message beside the field.
"""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.db import read_session
from core.settings import ANY_OTHER_CHANNEL
from governance import planning_settings as planning
from governance.errors import GovernanceError
from governance.permissions import Action, Actor, may_ever
from ui import data, gov_actions

ANY_OTHER_LABEL = "Any other channel"
NEW_CHANNEL = "A channel not listed…"
FIELD_ERRORS = "planning.field_errors"


def _channel_label(channel: str) -> str:
    return ANY_OTHER_LABEL if channel == ANY_OTHER_CHANNEL else channel


def _read() -> tuple[list[planning.ChannelSetting], planning.WindowSetting]:
    with read_session(data.engine_for(data.database_url())) as session:
        return planning.channel_settings(session), planning.window_setting(session)


def channels_frame(channels: list[planning.ChannelSetting]) -> pd.DataFrame:
    """Every channel's parameters, where they come from and their version."""
    rows = [
        {
            "channel": _channel_label(c.channel),
            "service level": float(c.parameters.service_level),
            "lead time (days)": float(c.parameters.lead_time_days),
            "lead-time deviation (days)": float(c.parameters.lead_time_sd_days),
            "set by": c.updated_by or "settings file",
            "version": c.version,
        }
        for c in channels
    ]
    return pd.DataFrame(rows)


def _field_error(field: str) -> None:
    """The refusal of a field's value, shown right under that field."""
    message = st.session_state.get(FIELD_ERRORS, {}).get(field)
    if message:
        st.error(message, icon=":material/error:")


def planning_section(actor: Actor, slot: str) -> None:
    """The planning settings, and for stewards and admins the forms changing them."""
    channels, windows = _read()
    st.caption(
        "Safety stock = z · √(L · σd² + d̄² · σL²): z from the channel's service level, L its "
        "lead time, σL the lead time's deviation. A channel without its own row uses the "
        "'any other channel' one. Changes count in the next computation of the metrics."
    )
    st.dataframe(channels_frame(channels), hide_index=True, height="content")
    st.markdown(
        f"Dead stock: no shipment in the last **{windows.dead_stock_days} days**. Safety stock: "
        f"daily demand of the last **{windows.safety_stock_window_days} days**. "
        f"Set by {windows.updated_by or 'the settings file'}."
    )
    if not may_ever(actor, Action.EDIT_KPI_TARGETS):
        return
    _channel_form(actor, channels, slot)
    _windows_form(actor, windows, slot)


def _channel_form(actor: Actor, channels: list[planning.ChannelSetting], slot: str) -> None:
    names = [c.channel for c in channels]
    chosen = st.selectbox("Change the parameters of", [*names, NEW_CHANNEL],
                          format_func=_channel_label, key=f"{slot}.planning.channel", width=360)  # fmt: skip
    known = {c.channel: c for c in channels}
    setting = known.get(chosen) or known[ANY_OTHER_CHANNEL]
    seen = setting.version if chosen in known else 0
    base = f"{slot}.planning.{chosen}.v{seen}"
    p = setting.parameters
    with st.form(f"{base}.form", border=True):
        cols = st.columns(4 if chosen == NEW_CHANNEL else 3)
        if chosen == NEW_CHANNEL:
            with cols[3]:
                st.text_input("Channel name", key=f"{base}.name")
                _field_error("channel")
        with cols[0]:
            st.number_input("Service level (above 0, below 1)", value=float(p.service_level),
                            format="%g", step=0.01, key=f"{base}.service_level")  # fmt: skip
            _field_error("service_level")
        with cols[1]:
            st.number_input("Lead time (days)", value=float(p.lead_time_days), format="%g",
                            key=f"{base}.lead_time_days")  # fmt: skip
            _field_error("lead_time_days")
        with cols[2]:
            st.number_input("Lead-time deviation (days)", value=float(p.lead_time_sd_days),
                            format="%g", key=f"{base}.lead_time_sd_days")  # fmt: skip
            _field_error("lead_time_sd_days")
        st.form_submit_button("Save parameters", on_click=_save_channel,
                              args=(f"{slot}.planning.done", actor, chosen, seen, base))  # fmt: skip
    gov_actions.show_outcome(f"{slot}.planning.done")


def _windows_form(actor: Actor, windows: planning.WindowSetting, slot: str) -> None:
    base = f"{slot}.planning.windows.v{windows.version}"
    with st.form(f"{base}.form", border=True):
        cols = st.columns(2)
        with cols[0]:
            st.number_input("Dead-stock window (days)", value=windows.dead_stock_days, step=1,
                            key=f"{base}.dead_stock_days")  # fmt: skip
            _field_error("dead_stock_days")
        with cols[1]:
            st.number_input("Safety-stock demand window (days)", step=1,
                            value=windows.safety_stock_window_days,
                            key=f"{base}.safety_stock_window_days")  # fmt: skip
            _field_error("safety_stock_window_days")
        st.form_submit_button("Save windows", on_click=_save_windows,
                              args=(f"{slot}.planning.windows.done", actor, windows.version, base))  # fmt: skip
    gov_actions.show_outcome(f"{slot}.planning.windows.done")


def _validated(check: Any) -> bool:
    """Run a page-side validation; keep its refusal for the field it names."""
    st.session_state[FIELD_ERRORS] = {}
    try:
        check()
    except planning.InvalidSetting as invalid:
        st.session_state[FIELD_ERRORS] = {invalid.field: f"{invalid}."}
        return False
    except GovernanceError:
        return True  # the governance function refuses it again, with its message
    return True


def _save_channel(slot: str, actor: Actor, chosen: str, seen: int, base: str) -> None:
    """Callback: set a channel's parameters from the version drawn."""
    get = st.session_state.get
    channel = get(f"{base}.name", "") if chosen == NEW_CHANNEL else chosen
    values = {name: get(f"{base}.{name}") for name in planning.CHANNEL_FIELDS}
    if not _validated(
        lambda: (planning.channel_name(channel), planning.checked_parameters(**values))
    ):
        return
    label = _channel_label(str(channel).strip().lower() or str(channel))
    gov_actions.act(slot, planning.update_channel_parameters,
                    f"Saved the parameters of {label}.", "channel's parameters",
                    actor=actor, channel=channel, seen_version=seen, **values)  # fmt: skip


def _save_windows(slot: str, actor: Actor, seen: int, base: str) -> None:
    """Callback: set the two windows from the version drawn."""
    get = st.session_state.get
    values = {name: get(f"{base}.{name}") for name in planning.WINDOW_FIELDS}
    if not _validated(lambda: [planning.checked_days(n, v) for n, v in values.items()]):
        return
    gov_actions.act(slot, planning.update_planning_windows, "Saved the planning windows.",
                    "planning windows", actor=actor, seen_version=seen, **values)  # fmt: skip

"""Running governance mutations from pages: one transaction each, the outcome shown beside the control.

Actions run in widget callbacks, so the version a person saw is the one bound when the page was
drawn (never the one re-read on the rerun the click causes). The governance function checks the
permission inside its transaction; a refusal or a conflict is shown, nothing else is written.
Each control has its own slot: the page calls `show_outcome(slot)` right under the control, so
the message appears where the person pressed, in plain words (a refused permission says what
they may do instead).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd
import streamlit as st

from core.db import DatabaseBusy, write_session
from governance import labels
from governance.errors import ConflictError, GovernanceError, PermissionDenied
from ui import data
from ui.web_session import sentence

log = logging.getLogger(__name__)
BUSY = (
    "Another import is running and holds the database: nothing was changed. Try again in a minute."
)
FLASH_PREFIX = "gov.flash."
# The fields of a changed object's current state worth showing, in this order (others are omitted).
CURRENT_FIELDS = (
    "status", "severity", "team", "assignee", "reviewed", "decision", "next_action", "due_date",
    "recorded_by", "decided_by", "reason", "value", "comparator", "target", "amber_margin",
    "owner_team", "updated_by", "version",
)  # fmt: skip


class Kind(StrEnum):
    """How an action ended."""

    DONE = "done"
    REFUSED = "refused"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Outcome:
    """What a person sees after an action: a message and, on a conflict, the object's state now."""

    kind: Kind
    message: str
    noun: str = "item"
    current: Mapping[str, Any] = field(default_factory=dict)


def perform(
    change: Callable[..., Any], describe: str | Callable[[Any], str], noun: str, **kwargs: Any
) -> Outcome:
    """Run one governance mutation in its own write transaction; never raises a governance error."""
    try:
        with write_session(data.engine_for(data.database_url())) as session:
            result = change(session=session, **kwargs)
    except ConflictError as conflict:
        return Outcome(Kind.CONFLICT, str(conflict), noun, dict(conflict.current or {}))
    except PermissionDenied as refused:
        return Outcome(Kind.REFUSED, refused.advice or sentence(str(refused)), noun)
    except GovernanceError as refused:
        return Outcome(Kind.REFUSED, sentence(str(refused)), noun)
    except DatabaseBusy:
        return Outcome(Kind.REFUSED, BUSY, noun)
    text = describe(result) if callable(describe) else describe
    log.info("%s", text)
    return Outcome(Kind.DONE, text, noun)


def act(
    slot: str,
    change: Callable[..., Any],
    describe: str | Callable[[Any], str],
    noun: str = "item",
    **kwargs: Any,
) -> Outcome:
    """Perform a mutation and keep its outcome for `show_outcome(slot)` (use as a callback)."""
    return remember(slot, perform(change, describe, noun, **kwargs))


def remember(slot: str, outcome: Outcome) -> Outcome:
    """Keep an outcome for `show_outcome(slot)` on the next run."""
    st.session_state[FLASH_PREFIX + slot] = outcome
    return outcome


def refuse(slot: str, message: str, noun: str = "item") -> Outcome:
    """Keep a refusal decided on the page (e.g. no reason chosen) for `show_outcome(slot)`."""
    return remember(slot, Outcome(Kind.REFUSED, message, noun))


def show_outcome(slot: str) -> Outcome | None:
    """Show (once), where it is called, what the last action of this slot did.

    Call it right under the control. Always draws one container, so the elements after it
    (tabs above all) keep their identity and the tab a person was on stays open after an action.
    """
    box = st.container()
    outcome = st.session_state.pop(FLASH_PREFIX + slot, None)
    if not isinstance(outcome, Outcome):
        return None
    with box:
        if outcome.kind is Kind.DONE:
            st.success(outcome.message, icon=":material/check_circle:")
        elif outcome.kind is Kind.REFUSED:
            st.error(outcome.message, icon=":material/block:")
        else:
            show_conflict(outcome)
    return outcome


def show_conflict(outcome: Outcome) -> None:
    """The conflict message, the object's current state, and that nothing was overwritten."""
    st.warning(
        f"This {outcome.noun} changed while you were looking at it. Nothing of yours was saved: "
        "below is its state now; decide again.",
        icon=":material/sync_problem:",
    )
    st.text(outcome.message)
    state = current_state_table(outcome.current)
    if not state.empty:
        st.dataframe(state, hide_index=True, height="content")


def current_state_table(current: Mapping[str, Any]) -> pd.DataFrame:
    """The interesting fields of an object's current state as a two-column table of text."""
    rows = [
        {"field": labels.words(name), "now": _now_text(name, current[name])}
        for name in CURRENT_FIELDS
        if name in current
    ]
    return pd.DataFrame(rows, columns=["field", "now"])


def _now_text(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name == "status":
        return labels.status_label(str(value))
    if name == "reason":
        return labels.reason_label(str(value)) or str(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)

"""The Sources page's undo: pick a committed import run, confirm, and see what the undo did beside it."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import streamlit as st

import pipeline
from core.db import DatabaseBusy, read_session
from governance.errors import GovernanceError, PermissionDenied
from governance.import_undo import ImportRunRow, RunState, import_runs
from governance.permissions import Actor
from ui import data
from ui import format as fmt
from ui.frame import DataContext
from ui.sources_upload import inert
from ui.web_session import sentence

log = logging.getLogger(__name__)
RUN_KEY, CONFIRM_KEY, OUTCOME_KEY = (
    "sources.undo_run",
    "sources.undo_confirm",
    "sources.undo_outcome",
)
CHOICES = 50  # the latest committed runs offered
BUSY = (
    "Another import is running and holds the database: nothing was undone. Try again in a minute."
)


@dataclass(frozen=True)
class UndoOutcome:
    """What the last undo press ended in: done (with the summary) or refused (with why)."""

    done: bool
    message: str


def run_label(run: ImportRunRow) -> str:
    """How a run is named in the picker: id, file, format and system, when it finished."""
    return (
        f"run {run.id} · {run.file} · {run.source} as {run.system or '-'} · "
        f"{fmt.utc_text(run.finished_at)} UTC · inserted {run.inserted:,}, updated {run.updated:,}"
    )


def undo_panel(actor: Actor, ctx: DataContext) -> None:
    """Stewards and admins: choose a committed import run and undo it after confirming."""
    with read_session(data.engine_for(ctx.url)) as session:
        runs = [r for r in import_runs(session) if r.state == RunState.COMMITTED][:CHOICES]
    outcome = st.session_state.get(OUTCOME_KEY)
    if not runs:
        st.caption("No committed import to undo.")
        _show(outcome)
        return
    by_id = {run.id: run for run in runs}
    picked = st.selectbox("Import run", list(by_id), key=RUN_KEY,
                          format_func=lambda run_id: run_label(by_id[run_id]))  # fmt: skip
    if st.session_state.get(CONFIRM_KEY) != picked:
        st.button("Undo this import…", key="sources.undo", on_click=_ask, args=(picked,))
    else:
        run = by_id[picked]
        st.warning(
            inert(
                f"Undo import run {run.id} ({run.file})? The {run.inserted:,} row(s) it inserted "
                f"are deleted, the {run.updated:,} row(s) it changed get their previous values "
                "back, its quarantined rows go, and the exceptions it opened are cleared. It is "
                "refused when a later import changed the same rows."
            ),
            icon=":material/undo:",
        )
        left, right = st.columns(2)
        left.button(f"Yes, undo run {run.id}", key="sources.undo_yes", type="primary",
                    on_click=_undo, args=(actor, run.id))  # fmt: skip
        right.button("Cancel", key="sources.undo_cancel", on_click=_cancel)
    _show(outcome)


def _ask(run_id: int) -> None:
    st.session_state[CONFIRM_KEY] = run_id
    st.session_state.pop(OUTCOME_KEY, None)


def _cancel() -> None:
    st.session_state.pop(CONFIRM_KEY, None)


def _undo(actor: Actor, run_id: int) -> None:
    """The confirmed undo, in its own transaction; the outcome is kept for the next run's page."""
    st.session_state.pop(CONFIRM_KEY, None)
    try:
        report = pipeline.undo_import_as(actor, run_id, engine=data.engine_for(data.database_url()))
    except PermissionDenied as refused:
        outcome = UndoOutcome(False, refused.advice or sentence(str(refused)))
    except GovernanceError as refused:
        outcome = UndoOutcome(False, sentence(str(refused)))
    except DatabaseBusy:
        outcome = UndoOutcome(False, BUSY)
    else:
        outcome = UndoOutcome(True, sentence(report.summary()))
    log.info("undo of run %s: %s", run_id, outcome.message)
    st.session_state[OUTCOME_KEY] = outcome


def _show(outcome: UndoOutcome | None) -> None:
    if outcome is None:
        return
    if outcome.done:
        st.success(inert(outcome.message), icon=":material/check_circle:")
    else:
        st.error(inert(outcome.message), icon=":material/block:")

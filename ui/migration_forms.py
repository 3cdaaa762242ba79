"""The forms of the Migration page: freeze, open, explain a pair, cut over or abandon (stewards, admins).

Each form's callback calls the governance function, bound to the version drawn; the function
checks the permission again in its own transaction. Everyone else is told who acts.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import streamlit as st

from core.timeutil import utcnow
from governance import cutover, freeze, migration
from governance.freeze import FreezeState
from governance.kept_readings import keep_migration_readings
from governance.migration_report import MigrationReport
from governance.permissions import Actor
from metrics.parallel_model import Pair
from ui import data, gov_actions
from ui import format as fmt
from ui.download import csv_download
from ui.migration_reads import PageState
from ui.migration_views import STATUS_WORDS, books_frame, may_run, pairs_frame

# ---- the freeze --------------------------------------------------------------------------------


def freeze_section(actor: Actor, state: FreezeState, slot: str) -> None:
    """The freeze as it is, and for stewards and admins the form turning it on or off."""
    if state.active:
        st.warning("The item-master freeze is on.", icon=":material/ac_unit:")
        st.text(f"Set by {state.by} on {fmt.utc_text(state.since)} UTC. Reason: {state.reason}")
    else:
        st.info("The item-master freeze is off.", icon=":material/lock_open:")
        if state.by:
            st.text(f"Lifted by {state.by} on {fmt.utc_text(state.since)} UTC: {state.reason}")
    st.caption(
        "While it is on, item changes from the owning system's files are held like a non-owner's "
        "(field-ownership exceptions) and its new SKUs become SKU requests; the next file after "
        "it is lifted applies."
    )
    if not may_run(actor):
        st.caption("Stewards and admins turn the freeze on and off.")
        return
    base = f"{slot}.freeze.v{state.version}"
    verb = "off" if state.active else "on"
    with st.form(f"{base}.form", border=True):
        st.text_input("Reason", key=f"{base}.reason", max_chars=500)
        st.form_submit_button(f"Turn the freeze {verb}", on_click=_set_freeze,
                              args=(slot, actor, not state.active, state.version, base))  # fmt: skip


def _set_freeze(slot: str, actor: Actor, active: bool, seen: int, base: str) -> None:
    gov_actions.act(slot, freeze.set_freeze, f"Item-master freeze {'on' if active else 'off'}.",
                    "freeze", actor=actor, active=active, seen_version=seen,
                    reason=st.session_state.get(f"{base}.reason", ""))  # fmt: skip


# ---- opening a migration -----------------------------------------------------------------------


def open_section(actor: Actor, state: PageState, slot: str) -> None:
    """No migration open: say so, and for stewards and admins the form opening one."""
    st.info("No migration is open.", icon=":material/compare_arrows:")
    if not may_run(actor):
        st.caption("Stewards and admins open a migration (or `python manage.py migration open`).")
        return
    systems = list(state.systems)
    base = f"{slot}.open"
    with st.form(f"{base}.form", border=True):
        left, right = st.columns(2)
        left.selectbox("Old system", systems, key=f"{base}.old", index=None)
        right.text_input("New system", key=f"{base}.new", max_chars=64)
        left.date_input("First day compared (UTC)", value=utcnow().date(), key=f"{base}.start")
        right.multiselect(
            "Migrated locations (none: all)", list(state.locations), key=f"{base}.locations"
        )
        cols = st.columns(3)
        cols[0].number_input(
            "Target match rate",
            0.5,
            1.0,
            float(migration.DEFAULT_TARGET),
            0.001,
            format="%.3f",
            key=f"{base}.target",
        )
        cols[1].number_input("Consecutive days", 1, 365, migration.DEFAULT_DAYS, key=f"{base}.days")
        cols[2].number_input(
            "Units threshold", 0, 100_000, migration.DEFAULT_UNITS, key=f"{base}.units"
        )
        st.form_submit_button("Open the migration", on_click=_open, args=(slot, actor, base))


def _open(slot: str, actor: Actor, base: str) -> None:
    get = st.session_state.get
    opened = gov_actions.act(
        slot, migration.open_migration, lambda m: f"Migration {m.id} open: {m.old} → {m.new}.",
        "migration", actor=actor, old=get(f"{base}.old") or "", new=get(f"{base}.new") or "",
        start=get(f"{base}.start") or utcnow().date(), locations=get(f"{base}.locations") or [],
        target=Decimal(str(get(f"{base}.target"))).quantize(Decimal("0.00001")),
        required_days=int(get(f"{base}.days")), units_threshold=int(get(f"{base}.units")),
    )  # fmt: skip
    if opened.kind is gov_actions.Kind.DONE:  # its comparison is read once now, then kept
        keep_migration_readings(data.engine_for(data.database_url()))


def pairs_section(
    actor: Actor, report: MigrationReport, day: date, pairs: list[Pair], slot: str
) -> None:
    """A day's differing pairs (downloadable), and for stewards the form explaining one."""
    explained = report.readiness.explanations
    table = pairs_frame(pairs, explained)
    st.caption(f"{len(pairs):,} pair(s) differ on {day.isoformat()}, largest difference first.")
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Download the differing pairs (CSV)",
                 file_name=f"invgov-migration-{report.migration.id}-pairs-{day.isoformat()}.csv",
                 key=f"{slot}.pairs.csv")  # fmt: skip
    if report.migration.status is not migration.MigrationStatus.OPEN or not pairs:
        return
    if not may_run(actor):
        st.caption("Stewards and admins mark a differing pair explained.")
        return
    base = f"{slot}.explain.{day.isoformat()}"
    drawn = tuple(p.key for p in pairs)  # the pairs as drawn: the callback explains the one picked
    labels = [
        f"{p.location} / {p.sku} / {p.status}: old {p.old_qty}, new {p.new_qty}" for p in pairs
    ]
    with st.form(f"{base}.form", border=True):
        st.selectbox("Pair", range(len(pairs)), format_func=labels.__getitem__, key=f"{base}.pair")
        st.text_area("Why the systems differ", key=f"{base}.note", max_chars=2000)
        st.form_submit_button("Mark explained", on_click=_explain,
                              args=(slot, actor, report.migration.id, day, base, drawn))  # fmt: skip


def _explain(
    slot: str,
    actor: Actor,
    migration_id: int,
    day: date,
    base: str,
    drawn: tuple[tuple[str, str, str], ...],
) -> None:
    location, sku, status = drawn[int(st.session_state.get(f"{base}.pair") or 0)]
    gov_actions.act(slot, migration.explain_pair, f"{location} / {sku} / {status} explained.",
                    "pair", actor=actor, migration_id=migration_id, location=location, sku=sku,
                    status=status, note=st.session_state.get(f"{base}.note", ""), day=day)  # fmt: skip


def cutover_section(actor: Actor, report: MigrationReport, state: PageState, slot: str) -> None:
    """The book of each migrated location, and for stewards the cutover and abandon forms."""
    m = report.migration
    st.caption("The book (the system owning warehouse stock) of each migrated location.")
    st.dataframe(books_frame(state), hide_index=True)
    if m.status is not migration.MigrationStatus.OPEN:
        st.text(f"Closed ({STATUS_WORDS[m.status.value]}) by {m.closed_by} on "
                f"{fmt.utc_text(m.closed_at)} UTC: {m.close_note}")  # fmt: skip
        return
    if not may_run(actor):
        st.caption("Stewards and admins decide the cutover.")
        return
    base = f"{slot}.close.{m.id}.v{m.version}"
    with st.form(f"{base}.cutover", border=True):
        st.text_area("Decision (recorded with the readiness)", key=f"{base}.note", max_chars=2000)
        if not report.readiness.ready:
            st.checkbox(
                "Cut over although something blocks (the blockers are recorded)",
                key=f"{base}.accept",
            )
        st.form_submit_button(f"Cut over to {m.new}", type="primary", on_click=_close,
                              args=(slot, actor, m.id, m.version, base, False))  # fmt: skip
    with st.expander("Abandon the migration (no book changes)"), st.form(f"{base}.abandon"):
        st.text_input("Why", key=f"{base}.why", max_chars=500)
        st.form_submit_button(
            "Abandon", on_click=_close, args=(slot, actor, m.id, m.version, base, True)
        )


def _close(slot: str, actor: Actor, migration_id: int, seen: int, base: str, abandon: bool) -> None:
    get = st.session_state.get
    if abandon:
        gov_actions.act(slot, cutover.abandon_migration, f"Migration {migration_id} abandoned.",
                        "migration", actor=actor, migration_id=migration_id,
                        note=get(f"{base}.why", ""), seen_version=seen)  # fmt: skip
        return
    gov_actions.act(
        slot, cutover.close_migration,
        lambda done: f"Cut over: the book of {', '.join(done.switched) or 'no location'} is now {done.migration.new}.",
        "migration", actor=actor, migration_id=migration_id, note=get(f"{base}.note", ""),
        seen_version=seen, accept_blockers=bool(get(f"{base}.accept")),
    )  # fmt: skip

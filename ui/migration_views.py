"""Parts of the Migration page: the parallel run, its readiness, differing pairs, cutover, the freeze.

Everyone reads; stewards and admins get the forms. Each form's callback calls the governance
function, which checks the permission again in its own transaction. Names, notes and reasons are
shown as plain text or table cells, never as Markdown.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from core.db import read_session
from governance import freeze, migration
from governance.migration_report import MigrationReport
from governance.permissions import Action, Actor, may_ever
from governance.readiness import DayVerdict, Explanation, percent
from metrics.parallel_model import Pair, Tally
from ui import data
from ui import format as fmt
from ui.download import csv_download
from ui.migration_reads import PageState

STATUS_WORDS = {"open": "open", "cutover": "cut over", "abandoned": "abandoned"}
TAB_KEY = "migration.tab"  # the chosen tab, bound to the URL
TABS = ("Parallel run", "Checklist", "Item-master freeze", "All migrations")


def freeze_banner() -> None:
    """On the Overview: the item-master freeze, who set it and why, while it is on."""
    with read_session(data.engine_for(data.database_url())) as session:
        state = freeze.freeze_state(session)
    if not state.active:
        return
    with st.container(border=True):
        st.warning("Item-master freeze is on", icon=":material/ac_unit:")
        st.text(f"Set by {state.by} on {fmt.utc_text(state.since)} UTC. Reason: {state.reason}")
        st.caption("Item changes from the owning system's files are held for review; new SKUs wait for approval.")  # fmt: skip


def is_open(report: MigrationReport) -> bool:
    """Whether the migration shown is still running."""
    return report.migration.status is migration.MigrationStatus.OPEN


def may_run(actor: Actor) -> bool:
    """Whether the actor may open, explain, cut over and freeze."""
    return may_ever(actor, Action.MANAGE_MIGRATION)


# ---- the parallel run --------------------------------------------------------------------------


def summary(report: MigrationReport) -> None:
    """What is compared, the verdict in four tiles, and what still blocks the cutover."""
    m, verdict = report.migration, report.readiness
    where = ", ".join(m.locations) or "every location either system holds stock at"
    st.text(f"Migration {m.id}: {m.old} → {m.new}, compared from {m.start.isoformat()} at {where}. "
            f"Status: {STATUS_WORDS[m.status.value]}. Opened by {m.opened_by}.")  # fmt: skip
    st.caption(f"Ready when the match rate is ≥ {percent(m.rules.target)} for "
               f"{m.rules.required_days} consecutive complete days and no pair differing by more "
               f"than {m.rules.units_threshold} units is unexplained. Judged at "
               f"{fmt.utc_text(report.as_of)} UTC.")  # fmt: skip
    latest = verdict.days[-1].tally.match_rate if verdict.days else None
    cols = st.columns(4)
    cols[0].metric("Ready for cutover", "yes" if verdict.ready else "no", border=True)
    cols[1].metric("Days at target", f"{verdict.streak} / {m.rules.required_days}", border=True)
    cols[2].metric("Latest match rate", "–" if latest is None else f"{latest:.2%}", border=True)
    cols[3].metric("Unexplained pairs", f"{len(verdict.unexplained)}", border=True)
    if verdict.blockers:
        st.warning("What still blocks the cutover", icon=":material/block:")
        for blocker in verdict.blockers:
            st.text(f"• {blocker}")
    elif m.status is migration.MigrationStatus.OPEN:
        st.success("Nothing blocks the cutover.", icon=":material/check_circle:")


def trend_figure(days: tuple[DayVerdict, ...], target: Decimal) -> go.Figure:
    """The match rate per day against the target (dashed); days at target green, the day not over hollow."""
    shown = [d for d in days if d.tally.match_rate is not None]
    figure = go.Figure(
        go.Scatter(
            x=[d.day.isoformat() for d in shown],
            y=[d.tally.match_rate for d in shown],
            mode="lines+markers",
            marker={
                "color": ["#2e7d32" if d.meets_target else "#c62828" for d in shown],
                "symbol": ["circle" if d.complete else "circle-open" for d in shown],
                "size": 9,
            },
            customdata=[[d.streak, d.tally.equal, d.tally.compared] for d in shown],
            hovertemplate="%{x}: %{y:.2%} (%{customdata[1]} of %{customdata[2]} equal), streak %{customdata[0]}<extra></extra>",
            name="match rate",
        )
    )  # fmt: skip
    figure.add_hline(y=float(target), line_dash="dash", line_color="grey")
    figure.update_layout(height=280, margin={"l": 10, "r": 10, "t": 10, "b": 10},
                         yaxis={"tickformat": ".1%"}, xaxis={"type": "category"})  # fmt: skip
    return figure


def days_frame(days: tuple[DayVerdict, ...]) -> pd.DataFrame:
    """The daily rows as a table."""
    rows = [
        {"day": d.day.isoformat(), **_tally_cells(d.tally), "complete": d.complete,
         "at target": d.meets_target, "streak": d.streak}
        for d in days
    ]  # fmt: skip
    columns = ["day", *TALLY_COLUMNS, "complete", "at target", "streak"]
    return pd.DataFrame(rows, columns=columns)


TALLY_COLUMNS = ["compared", "equal", "units differing", "match rate (%)", "old has", "new has"]


def _tally_cells(tally: Tally) -> dict[str, object]:
    rate = None if tally.match_rate is None else round(100 * tally.match_rate, 2)
    return {"compared": tally.compared, "equal": tally.equal,
            "units differing": tally.units_differing, "match rate (%)": rate,
            "old has": tally.old_pairs, "new has": tally.new_pairs}  # fmt: skip


def breakdown_frame(tallies: dict[str, Tally], by: str) -> pd.DataFrame:
    """A day's tallies by location or status."""
    rows = [{by: name, **_tally_cells(tally)} for name, tally in tallies.items()]
    return pd.DataFrame(rows, columns=[by, *TALLY_COLUMNS])


def pairs_frame(
    pairs: list[Pair], explained: dict[tuple[str, str, str], Explanation]
) -> pd.DataFrame:
    """Differing pairs with each side's quantity and the explanation, if any."""
    rows = [
        {"location": p.location, "sku": p.sku, "status": p.status, "old qty": p.old_qty,
         "new qty": p.new_qty, "difference (new − old)": p.difference,
         "only in": "old" if not p.on_new else "new" if not p.on_old else "",
         "explained": explained[p.key].note if p.key in explained else ""}
        for p in pairs
    ]  # fmt: skip
    columns = ["location", "sku", "status", "old qty", "new qty", "difference (new − old)",
               "only in", "explained"]  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def explained_frame(explained: dict[tuple[str, str, str], Explanation]) -> pd.DataFrame:
    """Every explanation of a migration."""
    rows = [
        {"location": e.location, "sku": e.sku, "status": e.status, "note": e.note,
         "on day": e.day.isoformat(), "old qty": e.old_qty, "new qty": e.new_qty, "by": e.by,
         "at (UTC)": fmt.utc_text(e.at)}
        for e in explained.values()
    ]  # fmt: skip
    columns = [
        "location",
        "sku",
        "status",
        "note",
        "on day",
        "old qty",
        "new qty",
        "by",
        "at (UTC)",
    ]
    return pd.DataFrame(rows, columns=columns)


def daily_section(report: MigrationReport, slot: str) -> None:
    """The readiness trend and the daily rows, downloadable."""
    verdict = report.readiness
    if not verdict.days:
        st.info(
            "No day compared yet: both systems need a stock snapshot on or after the first day."
        )
        return
    st.subheader("Readiness trend")
    st.plotly_chart(trend_figure(verdict.days, report.migration.rules.target),
                    config={"displaylogo": False}, key=f"{slot}.trend")  # fmt: skip
    st.subheader("Day by day")
    table = days_frame(verdict.days)
    st.dataframe(table, hide_index=True)
    csv_download(table, label="Download the daily rows (CSV)",
                 file_name=f"invgov-migration-{report.migration.id}-days.csv", key=f"{slot}.days.csv")  # fmt: skip


def explained_section(report: MigrationReport) -> None:
    """Every pair a steward explained in this migration, with the note."""
    explained = report.readiness.explanations
    if explained:
        st.caption(f"{len(explained)} pair(s) explained in this migration.")
        st.dataframe(explained_frame(explained), hide_index=True)


def choose_day(report: MigrationReport, slot: str) -> date | None:
    """The day whose breakdown and pairs are shown (default: the latest)."""
    days = [d.day for d in report.readiness.days]
    if not days:
        return None
    labels = {d.day: f"{d.day.isoformat()}{'' if d.complete else ' (not over yet)'}"
              for d in report.readiness.days}  # fmt: skip
    return st.selectbox("Day", days[::-1], format_func=labels.get, key=f"{slot}.day", width=280)


def breakdown_section(report: MigrationReport, day: date) -> None:
    """A day by location and by status."""
    comparison = report.readiness.comparison
    left, right = st.columns(2)
    left.caption("By location")
    left.dataframe(breakdown_frame(comparison.by_location(day), "location"), hide_index=True)
    right.caption("By status")
    right.dataframe(breakdown_frame(comparison.by_status(day), "status"), hide_index=True)


def history_frame(state: PageState) -> pd.DataFrame:
    """Every migration, newest first."""
    rows = [
        {"id": m.id, "old": m.old, "new": m.new, "from": m.start.isoformat(),
         "status": STATUS_WORDS[m.status.value], "opened by": m.opened_by,
         "closed by": m.closed_by or "", "closed (UTC)": fmt.utc_text(m.closed_at)}
        for m in state.migrations
    ]  # fmt: skip
    columns = ["id", "old", "new", "from", "status", "opened by", "closed by", "closed (UTC)"]
    return pd.DataFrame(rows, columns=columns)


def books_frame(state: PageState) -> pd.DataFrame:
    """The book system of each migrated location and where it comes from."""
    rows = [
        {"location": b.location, "book system": b.system, "source": b.origin} for b in state.books
    ]
    return pd.DataFrame(rows, columns=["location", "book system", "source"])

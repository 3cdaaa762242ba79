"""All exceptions: every exception with filters, grouped lines, a downloadable table, bulk and whole-line actions, a drill-down."""

from __future__ import annotations

import streamlit as st

from governance import queue
from ui import (
    exception_detail,
    exception_filters,
    exception_views,
    frame,
    gov_actions,
    gov_reads,
)
from ui import gov_format as fmt
from ui.auth import require
from ui.download import csv_download

actor = require("exceptions")

PREFIX = "exceptions"
TABLE_KEY = f"{PREFIX}.table"
frame.page_context()
st.title("All exceptions")
teams = gov_reads.teams()
wanted = exception_filters.render(teams, prefix=PREFIX)
listed = gov_reads.exceptions(status=wanted.statuses or None, team=wanted.team, type=wanted.type)
rows = [row for row in listed if exception_filters.matches(row, wanted)]
lines = queue.group_lines(rows)
st.caption(f"{len(rows):,} exception(s) in {len(lines)} line(s). Times in UTC.")
if not rows:
    gov_actions.show_outcome(exception_views.line_slot(PREFIX))  # a whole line just closed
    st.info("No exception matches these filters.", icon=":material/filter_alt_off:")
else:
    st.subheader("By type and team")
    st.dataframe(fmt.line_table(lines), hide_index=True, height="content")
    st.subheader("Exceptions")
    if exception_views.may_bulk(actor):
        st.caption(
            "Select rows for the bulk actions below; the downloads hold what the filters show."
        )
    exception_views.exceptions_table(actor, rows, key=TABLE_KEY)
    csv_download(fmt.export_table(rows), label="Download exceptions (CSV)",
                 file_name="invgov-exceptions.csv", key=f"{PREFIX}.csv")  # fmt: skip
    exception_views.bulk_acknowledge_panel(actor, rows, table_key=TABLE_KEY)
    people = [p["name"] for p in gov_reads.assignable_people()]
    exception_views.bulk_assign_panel(actor, rows, table_key=TABLE_KEY, people=people,
                                      teams=teams)  # fmt: skip
    exception_views.whole_line_panel(actor, lines, rows, prefix=PREFIX)
    st.subheader("Drill down")
    chosen = exception_views.choose_exception(
        exception_views.with_focus(rows, PREFIX), key=f"{PREFIX}.pick", prefix=PREFIX
    )
    if chosen is not None:
        exception_detail.detail_panel(actor, chosen, prefix=PREFIX)

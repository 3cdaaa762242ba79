"""My queue: the open exceptions of my team, one line per type, drill-down to each exception and its actions."""

from __future__ import annotations

import streamlit as st

from governance import queue
from ui import exception_views, frame, gov_actions, gov_reads
from ui import gov_format as fmt
from ui.auth import require

actor = require("queue")

PREFIX = "queue"
frame.page_context()
st.title("My queue")
team = exception_views.team_choice(actor, gov_reads.teams(), key=f"{PREFIX}.team")
active = gov_reads.exceptions(status=queue.ACTIVE_ALIAS, team=team)
rows = exception_views.with_focus(active, PREFIX)  # the one just acted on stays in view
lines = queue.group_lines(rows)
who = f"team {team}" if team else "every team"
st.caption(
    f"{len(active):,} active exception(s) of {who}: open, acknowledged or in progress, most "
    "severe first. One you just resolved stays here until you open another. Times in UTC."
)
if team == "":
    st.info("Your account has no team: ask an admin to give you one.", icon=":material/group:")
elif not rows:
    gov_actions.show_outcome(exception_views.line_slot(PREFIX))  # a whole line just closed
    st.success("Nothing to do: no active exception.", icon=":material/task_alt:")
else:
    st.dataframe(fmt.line_table(lines), hide_index=True, height="content")
    line = exception_views.choose_line(lines, key=f"{PREFIX}.line")
    if line is not None:
        exception_views.line_panel(actor, line, rows, prefix=PREFIX)

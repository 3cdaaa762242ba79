"""Admin page parts: the people table, user changes, the audit log; every write goes through governance."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd
import streamlit as st
from sqlalchemy import Engine, func, select

from core.db import read_session, write_session
from core.schema import Team, User
from governance import accounts
from governance.audit import read_audit_log
from governance.errors import GovernanceError
from governance.permissions import Actor, Role
from ui import data
from ui.download import csv_download

ROLES = [r.value for r in Role]


def _engine() -> Engine:
    return data.engine_for(data.database_url())


def run_change(describe: str, change: Callable[..., object], **kwargs: object) -> None:
    """Run one governance mutation in its own transaction; show success or the refusal."""
    try:
        with write_session(_engine()) as session:
            change(session=session, **kwargs)
    except GovernanceError as refused:
        st.error(str(refused))
    else:
        st.success(describe)


def people_table() -> pd.DataFrame:
    """Every account (no password hashes)."""
    with read_session(_engine()) as session:
        users = accounts.list_users(session)
    frame = pd.DataFrame(users)
    return frame.drop(columns=[c for c in frame.columns if "hash" in c], errors="ignore")


def teams_table() -> pd.DataFrame:
    """Every team with how many enabled people belong to it."""
    query = (
        select(Team.name.label("team"), func.count(User.id).label("people"))
        .outerjoin(User, (User.team_id == Team.id) & User.disabled.is_(False))
        .group_by(Team.name)
        .order_by(Team.name)
    )
    with read_session(_engine()) as session:
        return pd.DataFrame(session.execute(query).mappings().all(), columns=["team", "people"])


def add_user_form(actor: Actor) -> None:
    """Create an account: name, role, team (owners need one), password."""
    with st.form("admin.add", clear_on_submit=True):
        left, middle, right = st.columns(3)
        name = left.text_input("User name")
        role = middle.selectbox("Role", ROLES)
        team = right.text_input("Team (owners need one; created if new)")
        password = st.text_input("Initial password (10+ characters)", type="password")
        email = st.text_input("Email (weekly digests, single sign-on)")
        submitted = st.form_submit_button("Add user", type="primary")
    if submitted:
        run_change(f"Added {name}.", accounts.add_user, actor=actor, name=name, role=role,
                   team=team.strip() or None, password=password,
                   email=email.strip() or None)  # fmt: skip


CHANGES: dict[str, str] = {
    "Change role": "role",
    "Change team": "team",
    "Disable": "disable",
    "Enable": "enable",
    "Reset password": "password",
    "Change email": "email",
}


def change_user_form(actor: Actor, names: list[str]) -> None:
    """Change one account: role, team, disable/enable, reset password."""
    with st.form("admin.change"):
        left, right = st.columns(2)
        name = left.selectbox("User", names)
        what = right.selectbox("Change", list(CHANGES))
        role = st.selectbox("New role", ROLES)
        team = st.text_input("New team (empty: none)")
        password = st.text_input("New password", type="password")
        email = st.text_input("New email (empty: none)")
        submitted = st.form_submit_button("Apply")
    if not submitted or not name:
        return
    kind = CHANGES[what]
    calls: dict[str, tuple[Callable[..., object], dict[str, object]]] = {
        "role": (accounts.change_role, {"role": role}),
        "team": (accounts.change_team, {"team": team.strip() or None}),
        "disable": (accounts.disable_user, {}),
        "enable": (accounts.enable_user, {}),
        "password": (accounts.reset_password, {"password": password}),
        "email": (accounts.change_email, {"email": email}),
    }
    change, extra = calls[kind]
    run_change(f"{what}: {name} done.", change, actor=actor, name=name, **extra)


def audit_log_view(actor: Actor) -> None:
    """The audit log filtered by actor, object and time, with a CSV download."""
    cols = st.columns(4)
    who = cols[0].text_input("Actor", key="audit.actor").strip() or None
    object_type = cols[1].text_input("Object type", key="audit.type").strip() or None
    object_id = cols[2].text_input("Object id", key="audit.id").strip() or None
    today = datetime.now(UTC).date()
    span = cols[3].date_input(
        "Between (UTC)", (today - timedelta(days=30), today), key="audit.span"
    )
    since, until = _bounds(span)
    try:
        with read_session(_engine()) as session:
            rows = read_audit_log(session=session, reader=actor, actor=who, object_type=object_type,
                                  object_id=object_id, since=since, until=until)  # fmt: skip
            table = pd.DataFrame(
                [{"at (UTC)": r.at, "actor": r.actor, "action": r.action,
                  "object": r.object_type, "id": r.object_id, "field": r.field,
                  "old": r.old_value, "new": r.new_value, "detail": r.detail} for r in rows]
            )  # fmt: skip
    except GovernanceError as refused:
        st.error(str(refused))
        return
    st.caption(f"{len(table):,} entries (newest first, at most 1,000).")
    st.dataframe(table, hide_index=True)
    csv_download(
        table, label="Download audit log (CSV)", file_name="audit_log.csv", key="audit.csv"
    )


def _bounds(span: object) -> tuple[datetime | None, datetime | None]:
    if not isinstance(span, tuple) or len(span) != 2:
        return None, None
    start, end = span
    since = datetime.combine(start, time.min, tzinfo=UTC) if isinstance(start, date) else None
    until = (
        datetime.combine(end, time.min, tzinfo=UTC) + timedelta(days=1)
        if isinstance(end, date)
        else None
    )
    return since, until

"""The Sources page's drop folders: each folder's last run, waiting files, failures; stewards edit them.

Every change calls a cadence.folders function, which re-checks the permission and the version
the person saw (bound to the button when it was drawn) inside its own transaction. Paths, file
names and reasons are user data: shown in tables and plain text only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from cadence import folders
from cadence.folders import Folder, FolderSpec
from core.db import read_session, write_session
from core.timeutil import utcnow
from governance.errors import GovernanceError
from governance.permissions import Actor
from ui import data
from ui import format as fmt
from ui.sources_upload import inert

NOTICE_KEY = "sources.folder_notice"
FIELDS = ("path", "source", "system", "location", "mapping", "pattern")


def folders_table(rows: list[Folder], now: datetime) -> pd.DataFrame:
    """One row per folder: how it imports, when it last ran and what that run did."""
    records = []
    for f in rows:
        counts = f.last_run.get("counts", {})
        records.append({
            "folder": f.path, "format": f.source, "system": f.system or "",
            "location": f.location or "", "mapping": f.mapping or "", "pattern": f.pattern,
            "last run": fmt.age_text(f.last_run_at, now),
            "imported": counts.get("imported", 0), "failed": counts.get("failed", 0),
            "skipped": counts.get("skipped", 0), "waiting": counts.get("waiting", 0),
            "waiting files": ", ".join(f.last_run.get("waiting", [])),
            "problem": f.last_run.get("problem") or "", "version": f.version,
        })  # fmt: skip
    return pd.DataFrame(records)


def _engine() -> Engine:
    return data.engine_for(data.database_url())


def folders_panel(actor: Actor, may_edit: bool) -> None:
    """The folders, their recent failures, and (stewards, admins) the forms to change them."""
    with read_session(_engine()) as session:
        rows = folders.list_folders(session)
        failures = folders.recent_files(session)
    notice = st.session_state.pop(NOTICE_KEY, None)
    if notice:
        (st.success if notice[0] == "ok" else st.error)(inert(notice[1]))
    if rows:
        st.dataframe(folders_table(rows, utcnow()), hide_index=True)
        st.caption("The worker (`python manage.py worker`) or `python manage.py watch` imports "
                   "what arrives; files go to done/ or failed/ beside them with a report.")  # fmt: skip
    else:
        st.info("No drop folders are declared.", icon=":material/folder_open:")
    if failures:
        st.text(f"Recent failures ({len(failures)}):")
        st.dataframe(pd.DataFrame([{"folder": r.folder, "file": r.file_name, "status": r.status,
                                    "when (UTC)": fmt.utc_text(r.at), "reason": r.detail or "",
                                    "moved to": r.moved_to or ""} for r in failures]),
                     hide_index=True)  # fmt: skip
    if may_edit:
        _add_form(actor)
        if rows:
            _edit_form(actor, rows)


def _run(describe: str, change: Callable[..., object], **kwargs: object) -> None:
    """A callback: one change in its own transaction; the outcome is shown on the next run."""
    try:
        with write_session(_engine()) as session:
            change(session=session, **kwargs)
    except GovernanceError as refused:
        st.session_state[NOTICE_KEY] = ("error", str(refused))
    else:
        st.session_state[NOTICE_KEY] = ("ok", describe)


def _spec(prefix: str) -> FolderSpec:
    values = {name: st.session_state.get(f"{prefix}.{name}") for name in FIELDS}
    return FolderSpec(str(values["path"] or ""), str(values["source"] or "auto"),
                      values["system"] or None, values["location"] or None,
                      values["mapping"] or None, str(values["pattern"] or "*"))  # fmt: skip


def _add(actor: Actor) -> None:
    spec = _spec("sources.folder_add")
    _run(f"Watching {spec.path}.", folders.add_folder, actor=actor, spec=spec)


def _add_form(actor: Actor) -> None:
    with st.expander("Declare a drop folder"), st.form("sources.folder_add", clear_on_submit=True):
        st.text_input("Folder (a path on the server)", key="sources.folder_add.path")
        left, right = st.columns(2)
        left.selectbox("Format", folders.folder_sources(), key="sources.folder_add.source")
        right.text_input("File-name pattern", value="*", key="sources.folder_add.pattern")
        left.text_input("System (optional)", key="sources.folder_add.system")
        right.text_input("Location (optional)", key="sources.folder_add.location")
        st.text_input("Mapping file (for mapped)", key="sources.folder_add.mapping")
        st.form_submit_button("Declare", type="primary", on_click=_add, args=(actor,))


def _edit(actor: Actor, path: str, seen: int, prefix: str) -> None:
    spec = _spec(prefix)
    spec = FolderSpec(path, spec.source, spec.system, spec.location, spec.mapping, spec.pattern)
    _run(f"Saved {path}.", folders.edit_folder, actor=actor, spec=spec, seen_version=seen)


def _remove(actor: Actor, path: str, seen: int) -> None:
    _run(f"No longer watching {path}.", folders.remove_folder, actor=actor, path=path,
         seen_version=seen)  # fmt: skip


def _edit_form(actor: Actor, rows: list[Folder]) -> None:
    with st.expander("Edit or remove a drop folder"):
        by_path = {f.path: f for f in rows}
        path = st.selectbox("Folder", list(by_path), key="sources.folder_pick")
        chosen = by_path[path]
        sources = folders.folder_sources()
        prefix = f"sources.folder_edit.{chosen.id}.{chosen.version}"  # fresh widgets per version
        with st.form(prefix):
            left, right = st.columns(2)
            index = sources.index(chosen.source) if chosen.source in sources else 0
            left.selectbox("Format", sources, index=index, key=f"{prefix}.source")
            right.text_input("File-name pattern", chosen.pattern, key=f"{prefix}.pattern")
            left.text_input("System", chosen.system or "", key=f"{prefix}.system")
            right.text_input("Location", chosen.location or "", key=f"{prefix}.location")
            st.text_input("Mapping file", chosen.mapping or "", key=f"{prefix}.mapping")
            save, remove = st.columns(2)
            save.form_submit_button("Save", type="primary", on_click=_edit,
                                    args=(actor, chosen.path, chosen.version, prefix))  # fmt: skip
            remove.form_submit_button("Stop watching", on_click=_remove,
                                      args=(actor, chosen.path, chosen.version))  # fmt: skip

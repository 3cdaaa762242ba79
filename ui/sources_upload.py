"""The Sources page's upload: files checked server-side, options, a preview that writes nothing, the import job.

Uploaded names and contents are user text: they are shown with st.text and st.dataframe, or
escaped before any Markdown element. The upload widget's type and size limits are a convenience
only; `upload_problem` is the check that counts, and the import job re-checks the permission.
"""

from __future__ import annotations

import math
import re
import string
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd
import streamlit as st
from streamlit.runtime.uploaded_file_manager import UploadedFile

import pipeline
from connectors.cells import SNAPSHOT_WARNING
from connectors.preview import FilePreview
from core.settings import get_settings
from core.timeutil import parse_iso
from governance.permissions import Actor
from pipeline import impact as import_impact
from pipeline.impact import ImpactPreview
from ui import data, impact_views, import_jobs, source_choices

UPLOAD_TYPES = ("csv", "txt", "tsv", "xlsx")
MAPPING_TYPES = ("toml",)
MAPPING_LIMIT_MB = 1
MB = 1024 * 1024
NAME_LIMIT = 120
UPLOAD_OWN_MAPPING = "Upload a mapping file (TOML)"
FILES_KEY, PREVIEW_KEY, JOB_KEY = "sources.files", "sources.preview", "sources.job"
CONFIRM_KEY = "sources.confirm_exceptions"
_UNSAFE = re.compile(r"[^A-Za-z0-9._ ()\-]+")
_PUNCTUATION = frozenset(string.punctuation)


def inert(text: str) -> str:
    """User text made inert for Markdown elements (errors, captions): one line, punctuation escaped."""
    return "".join(f"\\{c}" if c in _PUNCTUATION else c for c in " ".join(text.split()))


@dataclass(frozen=True)
class Choice:
    """What the person chose besides the files: format, system, options, and the mapping upload."""

    source: str
    system: str | None
    options: pipeline.ImportOptions
    mapping_upload: UploadedFile | None = None

    def signature(self, files: Sequence[UploadedFile]) -> tuple[object, ...]:
        """Identifies a preview: the same files and choices show the same preview."""
        mapping = self.mapping_upload.file_id if self.mapping_upload else None
        return (tuple(f.file_id for f in files), self.source, self.system, self.options, mapping)


def upload_problem(name: str, size: int, limit_mb: int) -> str | None:
    """Why an uploaded file is refused (type, size, empty), or None."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        kinds = ", ".join(f".{t}" for t in UPLOAD_TYPES)
        return f"{name} is not one of the accepted file types ({kinds})"
    if size > limit_mb * MB:
        return f"{name} is {math.ceil(size / MB * 10) / 10:.1f} MB; the limit is {limit_mb} MB"
    if size == 0:
        return f"{name} is empty"
    return None


def safe_name(name: str, taken: set[str]) -> str:
    """A file name of ours for an upload: its last path part, plain characters, unique in the folder."""
    base = _UNSAFE.sub("_", name.replace("\\", "/").rsplit("/", 1)[-1]).lstrip(". ") or "upload"
    stem, dot, suffix = base.rpartition(".")
    stem, suffix = (stem, f".{suffix}") if dot else (base, "")
    stem = stem[: NAME_LIMIT - len(suffix)]
    candidate, n = f"{stem}{suffix}", 1
    while candidate in taken:
        n += 1
        candidate = f"{stem}-{n}{suffix}"
    taken.add(candidate)
    return candidate


def stage(folder: Path, files: Sequence[UploadedFile], choice: Choice) -> tuple[list[Path], Choice]:
    """Write the uploads (and an uploaded mapping) into `folder`; the choice then points at its copy."""
    taken: set[str] = set()
    paths = []
    for upload in files:
        path = folder / safe_name(upload.name, taken)
        path.write_bytes(upload.getvalue())
        paths.append(path)
    if choice.mapping_upload is not None:
        mapping = folder / "mapping" / safe_name(choice.mapping_upload.name, set())
        mapping.parent.mkdir()
        mapping.write_bytes(choice.mapping_upload.getvalue())
        options = replace(choice.options, mapping=mapping)
        choice = Choice(choice.source, choice.system, options)
    return paths, choice


def import_panel(actor: Actor) -> None:
    """Upload files, choose the format and options, preview, and start the import job."""
    limit = get_settings().max_upload_mb
    files = st.file_uploader(
        f"Export files (.csv, .txt, .tsv or .xlsx; at most {limit} MB each)",
        type=list(UPLOAD_TYPES),
        accept_multiple_files=True,
        max_upload_size=limit,
        key=FILES_KEY,
        help="XLSX workbooks are read by the mapped format, with a mapping file.",
    )
    accepted = _accepted(files or [], limit)
    choice = _choice()
    running = _running_job() is not None
    left, right = st.columns(2, width=360)
    preview = left.button(
        "Preview", disabled=not accepted or choice is None, key="sources.do_preview"
    )
    start = right.button("Import", type="primary", disabled=not accepted or choice is None or running,
                         key="sources.do_import", icon=":material/upload:")  # fmt: skip
    if choice is None or not accepted:
        return
    signature = choice.signature(accepted)
    if preview or (start and _stored(signature) is None):  # an import is previewed first
        with st.spinner("Reading, validating and working out the exceptions it would open…"):
            st.session_state[PREVIEW_KEY] = (signature, _previews(accepted, choice, actor))
    previews = _stored(signature)
    if previews is not None:
        show_previews(previews)
    if start and _confirmed(previews or []):
        folder = Path(tempfile.mkdtemp(prefix="invgov-upload-"))
        paths, staged = stage(folder, accepted, choice)
        st.session_state.pop(CONFIRM_KEY, None)  # the preview is spent: the report follows
        st.session_state.pop(PREVIEW_KEY, None)
        st.session_state[JOB_KEY] = import_jobs.start_import(
            actor, paths, staged.source, system=staged.system, options=staged.options,
            engine=data.engine_for(data.database_url()), staging=folder,
        )  # fmt: skip


def _stored(signature: tuple[object, ...]) -> list[ImpactPreview] | None:
    """The previews shown for these files and choices, if any."""
    stored = st.session_state.get(PREVIEW_KEY)
    return stored[1] if stored is not None and stored[0] == signature else None


def _confirmed(previews: Sequence[ImpactPreview]) -> bool:
    """Whether the import may start: no file opens more exceptions than the threshold, or the
    person ticked the confirmation under the preview."""
    threshold = import_impact.confirm_threshold()
    if not any(p.exceeds(threshold) for p in previews) or st.session_state.get(CONFIRM_KEY):
        return True
    st.error("Confirm first: tick the box under the preview, then press Import again.",
             icon=":material/block:")  # fmt: skip
    return False


def _accepted(files: Sequence[UploadedFile], limit_mb: int) -> list[UploadedFile]:
    """The uploads that pass the server-side checks; each refused one gets an error."""
    accepted = []
    for upload in files:
        problem = upload_problem(upload.name, upload.size, limit_mb)
        if problem is None:
            accepted.append(upload)
        else:
            st.error(inert(problem) + ". It is not imported.", icon=":material/block:")
    return accepted


def _choice() -> Choice | None:
    """The format, system, location, as-of and mapping inputs; None (with an error) when unreadable."""
    columns = st.columns(4)
    source = columns[0].selectbox("Format", source_choices.upload_sources(), key="sources.source",
                                  help="auto recognises the format from the header.")  # fmt: skip
    system = columns[1].text_input("System (optional)", key="sources.system",
                                   help="Count the import as this system's; empty: the format's own.")  # fmt: skip
    location = columns[2].text_input("Location (optional)", key="sources.location",
                                     help="For stock reports that name no location.")  # fmt: skip
    as_of_text = columns[3].text_input("As of (optional, ISO 8601)", key="sources.as_of",
                                       help="Snapshot time of stock reports; empty: upload time.")  # fmt: skip
    try:
        as_of = parse_iso(as_of_text) if as_of_text.strip() else None
    except ValueError:
        st.error("As of is not an ISO 8601 time (for example 2026-01-21T09:30:00Z).")
        return None
    mapping, mapping_upload = _mapping(source)
    if source == "mapped" and mapping is None and mapping_upload is None:
        return None
    options = pipeline.ImportOptions(location.strip() or None, as_of, mapping, uploaded=True)
    return Choice(source, system.strip() or None, options, mapping_upload)


def _mapping(source: str) -> tuple[Path | None, UploadedFile | None]:
    """For the mapped format: a shipped mapping file or an uploaded one."""
    if source != "mapped":
        return None, None
    shipped = source_choices.builtin_mappings()
    picked = st.selectbox("Mapping file", [*shipped, UPLOAD_OWN_MAPPING], key="sources.mapping")
    if picked != UPLOAD_OWN_MAPPING:
        return shipped[picked], None
    upload = st.file_uploader("Mapping file (TOML)", type=list(MAPPING_TYPES),
                              max_upload_size=MAPPING_LIMIT_MB, key="sources.mapping_file")  # fmt: skip
    if upload is not None and upload.size > MAPPING_LIMIT_MB * MB:
        st.error(f"The mapping file is larger than {MAPPING_LIMIT_MB} MB.")
        return None, None
    return None, upload


def _previews(files: Sequence[UploadedFile], choice: Choice, actor: Actor) -> list[ImpactPreview]:
    with tempfile.TemporaryDirectory(prefix="invgov-preview-") as folder:
        paths, staged = stage(Path(folder), files, choice)
        return import_impact.preview_files(
            paths, staged.source, system=staged.system, options=staged.options,
            actor=actor.name, engine=data.engine_for(data.database_url()),
        )  # fmt: skip


def _running_job() -> str | None:
    job_id = st.session_state.get(JOB_KEY)
    status = import_jobs.job_status(job_id) if job_id else None
    return job_id if status is not None and not status.finished else None


def show_previews(previews: Sequence[ImpactPreview]) -> None:
    """Per file: the detected format, counts, the exceptions it would open, clear and reopen, the
    first mapped rows per entity, and the quarantine; a confirmation when it opens too many."""
    threshold = import_impact.confirm_threshold()
    for item in previews:
        preview = item.preview
        with st.container(border=True):
            if not preview.ok:
                st.error(
                    f"{inert(preview.file)} cannot be imported: {inert(preview.refused or '')}"
                )
                continue
            st.text(
                f"{preview.file}: format {preview.source}, system {preview.system}; "
                f"{preview.rows_read:,} rows read, {len(preview.quarantined):,} would be quarantined"
            )
            _preview_tabs(preview)
            impact_views.show_impact(item.exceptions, item.seconds)
            warnings = [n for n in preview.notes if n.startswith(SNAPSHOT_WARNING)]
            for warning in warnings:
                st.warning(
                    inert(warning.removeprefix(SNAPSHOT_WARNING)), icon=":material/schedule:"
                )
            notes = [n for n in preview.notes if n not in warnings]
            if notes:
                st.text("Notes:\n" + "\n".join(f"- {note}" for note in notes))
    over = [item.confirmation_text(threshold) for item in previews if item.exceeds(threshold)]
    if over:
        st.warning("\n\n".join(inert(text) + "." for text in over), icon=":material/warning:")
        st.checkbox("I have checked these exceptions: import anyway", key=CONFIRM_KEY)


def _preview_tabs(preview: FilePreview) -> None:
    caveats = {entity: (short, why) for entity, short, why in preview.caveats}
    labels = [
        f"{e.entity} ({e.rows:,}{', ' + caveats[e.entity][0] if e.entity in caveats else ''})"
        for e in preview.entities
    ]
    if preview.quarantined:
        labels.append(f"quarantined ({len(preview.quarantined):,})")
    if not labels:
        st.text("No row would be loaded.")
        return
    tabs = st.tabs(labels)
    for tab, entity in zip(tabs, preview.entities, strict=False):
        with tab:
            if entity.entity in caveats:
                st.warning(inert(caveats[entity.entity][1]), icon=":material/info:")
            st.caption(
                f"First {len(entity.first):,} of {entity.rows:,} rows read"
                + ("." if entity.entity in caveats else ", as they would be stored.")
            )
            st.dataframe(
                pd.DataFrame(list(entity.first), columns=list(entity.columns)), hide_index=True
            )
    if preview.quarantined:
        rows = [{"line": q.line, "entity": q.entity, "reason": q.reason, "raw row": q.raw_text}
                for q in preview.quarantined]  # fmt: skip
        with tabs[-1]:
            st.dataframe(pd.DataFrame(rows), hide_index=True)

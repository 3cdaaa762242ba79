"""Drop folders as steward settings: declare, edit and remove them (audited, version-checked).

Declaring a folder is a way of importing files, so it needs SPEC section 4's `import files`
permission (stewards, admins). Every change is `verb(*, session, actor, ...)`: the actor is
re-read and checked inside the caller's transaction, and the audit rows are written there.
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from connectors.sources import SOURCES
from core.schema import WatchFile, WatchFolder
from core.timeutil import utcnow
from governance.audit import record
from governance.errors import ConflictError, GovernanceError, NotFound
from governance.permissions import Action, Actor, authorize

NEEDS_MAPPING = frozenset({"mapped"})
NOT_FOR_FOLDERS = frozenset({"sql"})  # its "file" is a mapping naming a database
SYSTEM_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
EDITABLE = ("source", "system", "location", "mapping", "pattern")
TABLE = WatchFolder.__table__


@dataclass(frozen=True)
class Folder:
    """A declared drop folder as stored, with its last run's summary."""

    id: int
    path: str
    source: str
    system: str | None
    location: str | None
    mapping: str | None
    pattern: str
    version: int
    updated_by: str
    updated_at: datetime
    last_run_at: datetime | None = None
    last_run: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class FolderSpec:
    """What a steward declares for a folder (validated by `check_spec`)."""

    path: str
    source: str = "auto"
    system: str | None = None
    location: str | None = None
    mapping: str | None = None
    pattern: str = "*"


def folder_sources() -> list[str]:
    """The import sources a drop folder may name, `auto` first."""
    names = [n for n in SOURCES if n not in NOT_FOR_FOLDERS and n != "auto"]
    return ["auto", *names]


def _clean(raw: str | None) -> str | None:
    text = (raw or "").strip()
    return text or None


def folder_key(raw: str) -> str:
    """The stored form of a folder path: absolute, resolved (symlinks and `..` followed)."""
    text = _clean(raw)
    if text is None:
        raise GovernanceError("a drop folder needs a path")
    return str(Path(text).expanduser().resolve())


def check_spec(spec: FolderSpec) -> FolderSpec:
    """The spec with its path resolved and words normalised; GovernanceError naming what is wrong."""
    path = folder_key(spec.path)
    if not Path(path).is_dir():
        raise GovernanceError(f"{path} is not a folder on this machine: create it first")
    source = (_clean(spec.source) or "auto").lower()
    if source not in folder_sources():
        raise GovernanceError(
            f"unknown source {source!r} for a drop folder: choose one of {', '.join(folder_sources())}"
        )
    system = _clean(spec.system)
    if system is not None and not SYSTEM_NAME.match(system.lower()):
        raise GovernanceError(f"system name {system!r} is not valid (letters, digits, . _ -)")
    mapping = _clean(spec.mapping)
    if mapping is not None:
        mapping = str(Path(mapping).expanduser().resolve())
        if not Path(mapping).is_file():
            raise GovernanceError(f"mapping file {mapping} does not exist")
    if source in NEEDS_MAPPING and mapping is None:
        raise GovernanceError(f"source {source} needs a mapping file (--mapping FILE)")
    pattern = _clean(spec.pattern) or "*"
    if "/" in pattern or "\\" in pattern:
        raise GovernanceError(f"pattern {pattern!r} matches file names only: no folders in it")
    fnmatch.translate(pattern)  # any text is a valid glob; this documents what it is read as
    return FolderSpec(path, source, system.lower() if system else None, _clean(spec.location),
                      mapping, pattern)  # fmt: skip


def _folder(row: Any) -> Folder:
    return Folder(row.id, row.path, row.source, row.system, row.location, row.mapping, row.pattern,
                  row.version, row.updated_by, row.updated_at, row.last_run_at,
                  dict(row.last_run or {}))  # fmt: skip


def list_folders(session: Session) -> list[Folder]:
    """Every declared drop folder, by path."""
    return [_folder(row) for row in session.execute(select(TABLE).order_by(TABLE.c.path))]


def find_folder(session: Session, path: str) -> Folder | None:
    """The folder declared at a path (resolved), or None."""
    row = session.execute(select(TABLE).where(TABLE.c.path == folder_key(path))).first()
    return None if row is None else _folder(row)


def require_folder(session: Session, path: str) -> Folder:
    """The folder declared at a path; NotFound naming the declared ones otherwise."""
    found = find_folder(session, path)
    if found is None:
        known = ", ".join(f.path for f in list_folders(session)) or "none"
        raise NotFound(f"{folder_key(path)} is not a drop folder (declared: {known})")
    return found


def add_folder(*, session: Session, actor: Actor, spec: FolderSpec) -> Folder:
    """Declare a drop folder (stewards, admins); one declaration per folder."""
    me = authorize(session, actor, Action.IMPORT_FILES)
    clean = check_spec(spec)
    if find_folder(session, clean.path) is not None:
        raise GovernanceError(f"{clean.path} is already a drop folder: edit it or remove it first")
    now = utcnow()
    values = {name: getattr(clean, name) for name in EDITABLE}
    session.execute(TABLE.insert().values(path=clean.path, created_at=now, created_by=me.name,
                                          updated_at=now, updated_by=me.name, version=1,
                                          last_run={}, **values))  # fmt: skip
    detail = " ".join(f"{k}={v}" for k, v in values.items() if v is not None)
    record(session, actor=me, action="watch_folder.add", object_type="watch_folder",
           object_id=clean.path, detail=detail)  # fmt: skip
    return require_folder(session, clean.path)


def edit_folder(
    *, session: Session, actor: Actor, spec: FolderSpec, seen_version: int | None = None
) -> Folder:
    """Change how a drop folder imports (source, system, location, mapping, pattern)."""
    me = authorize(session, actor, Action.IMPORT_FILES)
    current = require_folder(session, spec.path)
    based_on = current.version if seen_version is None else int(seen_version)
    clean = check_spec(spec)
    changed = {n: getattr(clean, n) for n in EDITABLE if getattr(clean, n) != getattr(current, n)}
    if not changed:
        _check_version(current, based_on)
        return current
    result = session.execute(
        update(TABLE)
        .where(TABLE.c.id == current.id, TABLE.c.version == based_on)
        .values(**changed, updated_at=utcnow(), updated_by=me.name, version=based_on + 1)
    )
    if result.rowcount != 1:
        _check_version(require_folder(session, spec.path), based_on)
    for name, new in changed.items():
        record(session, actor=me, action="watch_folder.edit", object_type="watch_folder",
               object_id=current.path, field=name, old=getattr(current, name), new=new)  # fmt: skip
    return require_folder(session, current.path)


def _check_version(current: Folder, based_on: int) -> None:
    if current.version != based_on:
        raise ConflictError(
            f"drop folder {current.path} changed under you (now version {current.version}, "
            f"changed by {current.updated_by}): reload it and edit again",
            {"path": current.path, "version": current.version},
        )


def remove_folder(
    *, session: Session, actor: Actor, path: str, seen_version: int | None = None
) -> Folder:
    """Stop watching a folder (its files stay where they are; its file history goes)."""
    me = authorize(session, actor, Action.IMPORT_FILES)
    current = require_folder(session, path)
    based_on = current.version if seen_version is None else int(seen_version)
    _check_version(current, based_on)
    session.execute(delete(WatchFile.__table__).where(WatchFile.folder_id == current.id))
    session.execute(delete(TABLE).where(TABLE.c.id == current.id, TABLE.c.version == based_on))
    record(session, actor=me, action="watch_folder.remove", object_type="watch_folder",
           object_id=current.path)  # fmt: skip
    return current


@dataclass(frozen=True)
class FileRecord:
    """One file a drop folder handled, as the Sources page lists it."""

    folder: str
    file_name: str
    status: str
    detail: str | None
    at: datetime
    moved_to: str | None


def recent_files(
    session: Session, statuses: tuple[str, ...] = ("failed", "error"), limit: int = 50
) -> list[FileRecord]:
    """The latest files of these statuses across the declared folders, newest first."""
    files = WatchFile.__table__
    query = (
        select(TABLE.c.path, files.c.file_name, files.c.status, files.c.detail, files.c.at,
               files.c.moved_to)
        .join(TABLE, TABLE.c.id == files.c.folder_id)
        .where(files.c.status.in_(statuses))
        .order_by(files.c.at.desc(), files.c.id.desc())
        .limit(limit)
    )  # fmt: skip
    return [FileRecord(*row) for row in session.execute(query)]

"""Not-tracked SKUs: a steward's setting that a system's SKUs (all, or a glob of them) are deliberately unmapped.

While a setting stands, the unmapped_system_sku rule does not report the SKUs it covers, so
their active exceptions clear by data at the next detection; lifting it (the row is deleted)
brings them back at the detection after that (cleared exceptions reopen). Patterns are globs
over the system SKU, case-sensitive like SKU resolution: `*` any run of characters, `?` one
character, `[AB]` one of the characters; `*` alone is every SKU of the system. The metric
unmapped_system_skus still counts them (SPEC's definition); only the exceptions stop.
Every change is audited as object type `not_tracked_skus`, id `system:pattern`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from fnmatch import fnmatchcase

from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from core.schema import NotTrackedSkus, StockLevel
from core.timeutil import iso_z, utcnow
from governance.audit import record
from governance.errors import GovernanceError
from governance.exception_store import TABLE
from governance.ownership import SYSTEM_NAME
from governance.permissions import Action, Actor, authorize
from governance.vocabulary import ACTIVE

EVERY_SKU = "*"
AUDITED_AS = "not_tracked_skus"
UNMAPPED_TYPE = "unmapped_system_sku"
MAX_PATTERN = 255


@dataclass(frozen=True)
class NotTracked:
    """One standing setting: the system, the glob of its SKUs, the steward's note, who and when."""

    system: str
    pattern: str
    note: str | None
    created_at: str
    created_by: str

    def covers(self, system: str, system_sku: str) -> bool:
        """Whether this setting covers a system SKU."""
        return system == self.system and fnmatchcase(system_sku, self.pattern)


@dataclass(frozen=True)
class NotTrackedChange:
    """A setting made or lifted, and how many active unmapped exceptions it covers now."""

    setting: NotTracked
    lifted: bool
    covered_exceptions: int

    def summary(self) -> str:
        """One line a person reads."""
        what = f"{self.setting.system} SKUs matching {self.setting.pattern!r}"
        if self.lifted:
            return f"{what} are tracked again: detection reports them when unmapped."
        return (
            f"{what} are not tracked: {self.covered_exceptions:,} active unmapped-SKU "
            "exception(s) clear by data at the next detection."
        )


def _view(row: NotTrackedSkus) -> NotTracked:
    return NotTracked(row.system, row.pattern, row.note, iso_z(row.created_at), row.created_by)


def settings(conn: Session | Connection) -> list[NotTracked]:
    """Every standing setting, by system and pattern."""
    table = NotTrackedSkus.__table__
    query = select(table).order_by(table.c.system, table.c.pattern)
    return [
        NotTracked(r.system, r.pattern, r.note, iso_z(r.created_at), r.created_by)
        for r in conn.execute(query)
    ]


def covered(rules: list[NotTracked], system: str, system_sku: str) -> bool:
    """Whether any setting covers a system SKU."""
    return any(rule.covers(system, system_sku) for rule in rules)


def system_name(raw: str) -> str:
    """A system name as stored (lower case), or GovernanceError."""
    name = (raw or "").strip().lower()
    if not SYSTEM_NAME.match(name):
        raise GovernanceError(f"system name {raw!r} is not valid (letters, digits, . _ -)")
    return name


def sku_pattern(raw: str | None) -> str:
    """A SKU glob as stored (surrounding spaces dropped; empty means every SKU)."""
    text = (raw or "").strip() or EVERY_SKU
    if len(text) > MAX_PATTERN:
        raise GovernanceError(f"a SKU pattern has at most {MAX_PATTERN} characters")
    return text


def covered_exceptions(session: Session, rule: NotTracked) -> int:
    """How many active unmapped-SKU exceptions the setting covers."""
    query = select(TABLE.c.fingerprint).where(
        TABLE.c.type == UNMAPPED_TYPE, TABLE.c.status.in_([s.value for s in ACTIVE])
    )
    keys = (json.loads(fp) for fp in session.scalars(query))
    return sum(1 for key in keys if len(key) == 2 and rule.covers(key[0], key[1]))


def mark_not_tracked(
    *,
    session: Session,
    actor: Actor,
    system: str,
    pattern: str | None = None,
    note: str | None = None,
) -> NotTrackedChange:
    """Stop a system's SKUs (matching a glob; default all) raising unmapped exceptions (stewards, admins)."""
    me = authorize(session, actor, Action.MARK_NOT_TRACKED)
    name, glob = system_name(system), sku_pattern(pattern)
    table = NotTrackedSkus.__table__
    key = (table.c.system == name, table.c.pattern == glob)
    if session.execute(select(table.c.id).where(*key)).first() is not None:
        raise GovernanceError(f"{name} SKUs matching {glob!r} are already not tracked")
    row = NotTrackedSkus(system=name, pattern=glob, note=(note or "").strip() or None,
                         created_at=utcnow(), created_by=me.name)  # fmt: skip
    session.add(row)
    session.flush()
    record(session, actor=me, action="not_tracked.mark", object_type=AUDITED_AS,
           object_id=f"{name}:{glob}", field="tracked", old=True, new=False, detail=row.note)  # fmt: skip
    setting = _view(row)
    return NotTrackedChange(setting, False, covered_exceptions(session, setting))


def lift_not_tracked(
    *, session: Session, actor: Actor, system: str, pattern: str | None = None
) -> NotTrackedChange:
    """Track a system's SKUs again (the setting of that exact pattern goes; stewards, admins)."""
    me = authorize(session, actor, Action.MARK_NOT_TRACKED)
    name, glob = system_name(system), sku_pattern(pattern)
    table = NotTrackedSkus.__table__
    row = session.scalars(
        select(NotTrackedSkus).where(table.c.system == name, table.c.pattern == glob)
    ).first()
    if row is None:
        standing = [s.pattern for s in settings(session) if s.system == name]
        known = f" (standing for {name}: {', '.join(standing)})" if standing else ""
        raise GovernanceError(f"{name} SKUs matching {glob!r} are not marked not tracked{known}")
    setting = _view(row)
    session.execute(delete(table).where(table.c.id == row.id))
    record(session, actor=me, action="not_tracked.lift", object_type=AUDITED_AS,
           object_id=f"{name}:{glob}", field="tracked", old=False, new=True)  # fmt: skip
    return NotTrackedChange(setting, True, covered_exceptions(session, setting))


def stock_systems(session: Session) -> list[str]:
    """The systems that have stock rows (those whose SKUs can raise unmapped exceptions), sorted."""
    query = select(StockLevel.system).distinct().order_by(StockLevel.system)
    return list(session.scalars(query))

"""Editing KPI targets and owners: stewards and admins, checked and audited in the same transaction.

A KPI without a stored row is edited from its default (metrics.kpis.DEFAULT_TARGETS). Every edit
names the version it was made against: a target changed by someone else since is refused with its
current state (ConflictError), so nobody overwrites a change they have not seen.
"""

from __future__ import annotations

import math

from sqlalchemy.orm import Session

from core.engines import row_locks
from core.schema import KpiTarget
from core.timeutil import iso_z
from governance.audit import apply_audited
from governance.directory import DEFAULT_TEAMS, team_named
from governance.errors import ConflictError, GovernanceError
from governance.permissions import Action, Actor, authorize
from metrics.kpis import KPI_BY_METRIC, Comparator, Target, default_target_row, load_targets

OBJECT_TYPE = "kpi_target"
FIELDS = ("comparator", "target", "amber_margin", "owner_team")


def _checked(
    session: Session,
    target: float | None,
    comparator: str | None,
    amber_margin: float | None,
    owner_team: str | None,
) -> dict[str, object]:
    """The fields given, validated: a known comparator, finite numbers, a margin ≥ 0, a known team."""
    values: dict[str, object] = {}
    if comparator is not None:
        if comparator not in {c.value for c in Comparator}:
            raise GovernanceError(f"comparator must be one of >=, <=, =; not {comparator!r}")
        values["comparator"] = comparator
    if target is not None:
        if not math.isfinite(target):
            raise GovernanceError("target must be a finite number")
        values["target"] = float(target)
    if amber_margin is not None:
        if not math.isfinite(amber_margin) or amber_margin < 0:
            raise GovernanceError("amber margin must be a finite number ≥ 0")
        values["amber_margin"] = float(amber_margin)
    if owner_team is not None:
        team = team_named(session, owner_team)
        wanted = " ".join(owner_team.split()).lower()
        known = {name.lower(): name for name in DEFAULT_TEAMS}
        if team is None and wanted not in known:
            raise GovernanceError(f"unknown team {owner_team!r}")
        values["owner_team"] = team.name if team else known[wanted]
    return values


def _snapshot(row: KpiTarget) -> dict[str, object]:
    return {
        "metric": row.metric,
        **{name: getattr(row, name) for name in FIELDS},
        "version": row.version,
        "updated_by": row.updated_by,
        "updated_at": iso_z(row.updated_at) if row.updated_at else None,
    }


def update_kpi_target(
    *,
    session: Session,
    actor: Actor,
    metric: str,
    target: float | None = None,
    comparator: str | None = None,
    amber_margin: float | None = None,
    owner_team: str | None = None,
    seen_version: int,
) -> Target:
    """Change a KPI's target, comparator, amber margin or owning team (None leaves a field as is)."""
    me = authorize(session, actor, Action.EDIT_KPI_TARGETS)
    if metric not in KPI_BY_METRIC:
        raise GovernanceError(f"{metric!r} is not a KPI")
    values = _checked(session, target, comparator, amber_margin, owner_team)
    row = session.get(KpiTarget, metric, with_for_update=row_locks(session.connection()))
    if row is None:
        row = KpiTarget(**default_target_row(metric))
        session.add(row)
    if row.version != seen_version:
        raise ConflictError(
            f"the target of {metric} was changed by {row.updated_by or 'someone'} "
            f"(version {row.version}, you saw {seen_version}): reload and decide again",
            _snapshot(row),
        )
    _apply(session, me, row, values)
    return load_targets(session.connection())[metric]


def _apply(session: Session, me: Actor, row: KpiTarget, values: dict[str, object]) -> None:
    """Write the fields that differ, one audit row each, and bump the version once."""
    apply_audited(session, actor=me, action=Action.EDIT_KPI_TARGETS, object_type=OBJECT_TYPE,
                  object_id=row.metric, row=row, values=values)  # fmt: skip

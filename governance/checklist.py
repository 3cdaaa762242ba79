"""The playbook's migration checklist, step by step, with what invgov knows of each and its evidence.

Steps invgov can judge are `done` or `open`; steps where it shows what the data holds for a person
to act on are `review`; steps outside what invgov reads are `manual`.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.schema import BundleComponent, FieldOwnership, HeldItemChange, SkuRequest, SkuSuggestion
from core.settings import get_settings
from core.timeutil import iso_z
from governance.freeze import FreezeState, freeze_state
from governance.migration import MigrationStatus, MigrationView
from governance.ownership import field_owners
from governance.readiness import Readiness, percent
from metrics.migration_facts import channel_pairs
from metrics.migration_kept import edge_cases_at
from metrics.model import make_context
from metrics.stock import system_sku_records


class StepStatus(StrEnum):
    """How far a step is, as far as invgov can tell."""

    DONE = "done"
    OPEN = "open"
    REVIEW = "review"  # the data shows what to act on; a person judges
    MANUAL = "manual"  # outside the data invgov reads


@dataclass(frozen=True)
class Evidence:
    """Where to see what a step rests on: a page (its key in the app) and a command."""

    page: str
    label: str
    command: str | None = None


@dataclass(frozen=True)
class Step:
    """One step of the checklist."""

    number: int
    title: str
    status: StepStatus
    known: str
    evidence: tuple[Evidence, ...]
    facts: tuple[tuple[str, str], ...] = ()


def migration_checklist(
    session: Session,
    *,
    as_of: datetime,
    migration: MigrationView | None,
    readiness: Readiness | None,
) -> list[Step]:
    """The eight steps of the playbook's migration checklist, in its order."""
    return [
        _freeze_step(session, freeze_state(session)),
        _ownership_step(session),
        _mapping_step(session, as_of),
        Step(4, "Document allocation logic before go-live", StepStatus.MANUAL,
             "invgov holds no allocation rules; the reroute rate on the Overview shows how often "
             "shipments leave from another location than the one allocated.",
             (Evidence("overview", "Reroute rate and fill rate KPIs"),)),
        _returns_step(session, as_of),
        _edge_case_step(session, as_of),
        _parallel_step(migration, readiness),
        Step(8, "Train store and support teams on operational behavior", StepStatus.MANUAL,
             "Outside what invgov reads: record the training in the weekly review's decisions.",
             (Evidence("review", "Weekly review decisions"),)),
    ]  # fmt: skip


def _freeze_step(session: Session, freeze: FreezeState) -> Step:
    owner = field_owners(session)["item_master"]
    held = session.scalar(
        select(func.count()).select_from(HeldItemChange).where(HeldItemChange.system == owner)
    )
    requests = session.scalar(
        select(func.count())
        .select_from(SkuRequest)
        .where(SkuRequest.requester.like("import:%"), SkuRequest.status == "pending")
    )
    if freeze.active:
        since = iso_z(freeze.since) if freeze.since else "?"
        known = f"On since {since} (set by {freeze.by}): {freeze.reason}"
    else:
        known = f"Off: item-master changes from {owner}'s files apply as they arrive."
    facts = (
        (f"{owner}'s item changes held", str(held or 0)),
        ("new SKUs from frozen files waiting for approval", str(requests or 0)),
    )
    evidence = (
        Evidence("migration", "Freeze (this page)", "python manage.py freeze on --reason TEXT --user NAME"),
        Evidence("exceptions", "Held changes: field-ownership exceptions"),
        Evidence("approvals", "SKU requests waiting for approval", "python manage.py sku list --status pending"),
    )  # fmt: skip
    status = StepStatus.DONE if freeze.active else StepStatus.OPEN
    return Step(1, "Freeze uncontrolled item master changes", status, known, evidence, facts)


def _ownership_step(session: Session) -> Step:
    owners = field_owners(session)
    stored = {row.domain: row.updated_by for row in session.scalars(select(FieldOwnership))}
    defaults = [domain for domain in owners if domain not in stored]
    facts = tuple(
        (domain, f"{system} ({f'set by {stored[domain]}' if domain in stored else 'default'})")
        for domain, system in owners.items()
    )
    if defaults:
        set_count = len(owners) - len(defaults)
        known = (f"{set_count} of {len(owners)} domains set by a steward; still the default: "
                 f"{', '.join(defaults)}.")  # fmt: skip
        status = StepStatus.OPEN
    else:
        known = f"Every domain's owning system is set ({len(owners)} domains)."
        status = StepStatus.DONE
    evidence = (Evidence("ownership", "Field ownership", "python manage.py ownership show"),)
    return Step(2, "Define system ownership by field", status, known, evidence, facts)  # fmt: skip


def _mapping_step(session: Session, as_of: datetime) -> Step:
    conn = session.connection()
    records = conn.execute(system_sku_records(make_context(as_of, get_settings()))).mappings()
    seen, unmapped = Counter[str](), Counter[str]()
    for record in records:
        seen[record["system"]] += 1
        unmapped[record["system"]] += int(record["unmapped"])
    bundles = session.scalar(select(func.count(func.distinct(BundleComponent.bundle_sku))))
    suggestions = session.scalar(
        select(func.count()).select_from(SkuSuggestion).where(SkuSuggestion.status == "open")
    )
    facts = tuple((system, f"{unmapped[system]} of {seen[system]} system SKUs unmapped")
                  for system in sorted(seen))  # fmt: skip
    facts += (
        ("bundles declared", str(bundles or 0)),
        ("open mapping suggestions", str(suggestions or 0)),
    )
    total = sum(unmapped.values())
    if not seen:
        known, status = "No stock file read yet: nothing to map.", StepStatus.OPEN
    elif total:
        known = f"{total} system SKU(s) in stock files resolve to no SKU."
        status = StepStatus.OPEN
    else:
        known, status = (
            f"Every system SKU of {len(seen)} system(s) resolves to a SKU.",
            StepStatus.DONE,
        )
    evidence = (
        Evidence("approvals", "Mapping suggestions", "python manage.py mappings list"),
        Evidence("exceptions", "Unmapped system SKUs (exceptions)"),
    )
    return Step(3, "Map every channel's product structure", status, known, evidence, facts)  # fmt: skip


def _returns_step(session: Session, as_of: datetime) -> Step:
    pairs = channel_pairs(session.connection(), as_of)
    facts = tuple((p.pair, f"{p.returns} return(s), {p.units} unit(s)") for p in pairs)
    if pairs:
        known = (f"{len(pairs)} channel pair(s) seen in returns; each needs its documented "
                 "workflow (who inspects, who dispositions, who refunds).")  # fmt: skip
        status = StepStatus.REVIEW
    else:
        known, status = "No return received yet: no channel pair to cover.", StepStatus.OPEN
    evidence = (Evidence("overview", "Returns KPIs (lag, open, black-hole returns)"),
                Evidence("exceptions", "Returns exceptions"))  # fmt: skip
    return Step(5, "Create returns workflows by channel pair", status, known, evidence, facts)


def _edge_case_step(session: Session, as_of: datetime) -> Step:
    cases = edge_cases_at(session.connection(), as_of)
    facts = (
        ("split orders", f"{cases.split_orders} of {cases.shipped_orders} shipped orders"),
        ("partial shipments", f"{cases.partial_lines} of {cases.shipped_lines} shipped lines"),
        ("cross-channel returns", f"{cases.cross_channel_returns} of {cases.received_returns} received returns"),
        ("missing scans", "not in the exports invgov reads"),
    )  # fmt: skip
    present = [name for name, count in (("split orders", cases.split_orders),
               ("partial shipments", cases.partial_lines),
               ("cross-channel returns", cases.cross_channel_returns)) if count]  # fmt: skip
    known = (f"In the data: {', '.join(present)}; test the new system on these first."
             if present else "None of these edge cases is in the data yet.")  # fmt: skip
    evidence = (Evidence("overview", "Split-order and reroute KPIs"),
                Evidence("data", "Imported files"))  # fmt: skip
    return Step(6, "Test edge cases first", StepStatus.REVIEW, known, evidence, facts)


def _parallel_step(migration: MigrationView | None, readiness: Readiness | None) -> Step:
    evidence = (
        Evidence("migration", "Parallel run (this page)", "python manage.py migration report"),
    )
    title = "Run parallel reporting for a period"
    if migration is None or readiness is None:
        return Step(7, title, StepStatus.OPEN, "No migration opened yet.", evidence)
    rules = migration.rules
    head = f"{migration.old} → {migration.new} from {migration.start.isoformat()}"
    facts = (("consecutive days at target", f"{readiness.streak} of {rules.required_days}"),
             ("target match rate", percent(rules.target)),
             ("unexplained pairs above threshold", str(len(readiness.unexplained))))  # fmt: skip
    if migration.status is MigrationStatus.CUTOVER:
        when = iso_z(migration.closed_at) if migration.closed_at else "?"
        known = f"{head}: cut over by {migration.closed_by} on {when}."
        return Step(7, title, StepStatus.DONE, known, evidence, facts)
    if migration.status is MigrationStatus.ABANDONED:
        return Step(7, title, StepStatus.OPEN, f"{head}: abandoned.", evidence, facts)
    if readiness.ready:
        return Step(7, title, StepStatus.DONE, f"{head}: ready for cutover.", evidence, facts)
    known = f"{head}: not ready: {'; '.join(readiness.blockers)}."
    return Step(7, title, StepStatus.OPEN, known, evidence, facts)

"""Splitting a detection run into short writes: batches of findings, and of exceptions no longer found."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import Connection, or_, select

from governance.exception_store import TABLE
from governance.rule_model import ExceptionRule, Found
from governance.vocabulary import ACTIVE, AWAITING


@dataclass(frozen=True)
class Batch:
    """One short write of a detection run: some of a rule's findings, or some fingerprints gone."""

    rule: ExceptionRule
    found: tuple[Found, ...] = ()
    # fingerprints of exceptions active or awaiting verification when read, not found now
    gone: tuple[str, ...] = ()


def candidate_fingerprints(conn: Connection, rules: list[ExceptionRule]) -> dict[str, list[str]]:
    """Per rule type, the fingerprints a run judges when not found: its active exceptions (to
    clear) and its resolutions awaiting verification (to verify)."""
    types = [rule.type for rule in rules]
    query = select(TABLE.c.type, TABLE.c.fingerprint).where(
        TABLE.c.type.in_(types),
        or_(TABLE.c.status.in_([s.value for s in ACTIVE]), TABLE.c.verification == AWAITING),
    )
    out: dict[str, list[str]] = {}
    for type_, fingerprint in conn.execute(query):
        out.setdefault(type_, []).append(fingerprint)
    return out


def plan_batches(
    found: Mapping[ExceptionRule, list[Found]], candidates: Mapping[str, list[str]], size: int
) -> list[Batch]:
    """Split a run into batches of at most `size` findings or gone fingerprints (each its own write)."""
    batches: list[Batch] = []
    for rule, instances in found.items():
        unique = list({f.fingerprint: f for f in instances}.values())
        found_prints = {f.fingerprint for f in unique}
        gone = sorted(fp for fp in candidates.get(rule.type, ()) if fp not in found_prints)
        for start in range(0, len(unique), size):
            batches.append(Batch(rule, found=tuple(unique[start : start + size])))
        for start in range(0, len(gone), size):
            batches.append(Batch(rule, gone=tuple(gone[start : start + size])))
    return batches

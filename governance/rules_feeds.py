"""Exception rules about the feeds themselves: integration failure spikes and files with quarantined rows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from sqlalchemy import Connection, select

from core.schema import CANONICAL_TABLES, ImportRun, QuarantinedRow
from core.timeutil import week_label
from governance.rule_model import DetectContext, ExceptionRule, Found
from governance.targets import Rag, latest_complete_week
from governance.vocabulary import Domain, Severity
from metrics.compute import combine_weeks, compute_rows
from metrics.registry import BY_ID
from metrics.sql import happened

FAILURE_RATE = "integration_failure_rate"
BASELINE_WEEKS = 4
SPIKE_FACTOR = 2
SAMPLE_LINES = 3
CANONICAL_ENTITIES = tuple(CANONICAL_TABLES)  # a file of any entity may quarantine rows


def _spikes(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    target = ctx.targets.get(FAILURE_RATE)
    if target is None:
        return
    week = latest_complete_week(ctx.as_of)
    before = [
        week_label(ctx.as_of - timedelta(days=7 * (k + 1))) for k in range(1, BASELINE_WEEKS + 1)
    ]
    rows = [
        row
        for row in compute_rows(conn, ctx.as_of, [BY_ID[FAILURE_RATE]], ctx.settings)
        if row.dim == "integration"
    ]
    baseline = {r.key: r for r in combine_weeks(r for r in rows if r.week in before)}
    for row in rows:
        if row.week != week or row.value is None or target.status(row.value) is Rag.GREEN:
            continue
        base = baseline.get(row.key)
        base_rate = base.value if base is not None and base.value is not None else 0.0
        if row.value <= SPIKE_FACTOR * base_rate:
            continue
        record = {
            "integration": row.key,
            "week": week,
            "failure_rate": round(row.value, 4),
            "failed": row.num,
            "events": row.n,
            "baseline_rate": round(base_rate, 4),
            "baseline_weeks": f"{before[-1]}..{before[0]}",
            "target": target.target,
        }
        yield INTEGRATION_FAILURE_SPIKE.found(record, Severity.HIGH)


def _superseded(conn: Connection, runs: dict[int, dict[str, Any]]) -> set[int]:
    """Runs followed by a committed import of the same file name and source with no bad rows."""
    table = ImportRun.__table__
    clean = conn.execute(
        select(table.c.id, table.c.source, table.c.file_name).where(
            table.c.status == "committed", table.c.quarantined == 0
        )
    ).all()
    latest_clean: dict[tuple[str, str], int] = {}
    for run_id, source, file_name in clean:
        key = (source, file_name)
        latest_clean[key] = max(run_id, latest_clean.get(key, run_id))
    return {
        run_id
        for run_id, run in runs.items()
        if latest_clean.get((run["source"], run["file_name"]), -1) > run_id
    }


def _quarantined(conn: Connection, ctx: DetectContext) -> Iterator[Found]:
    table = QuarantinedRow.__table__
    rows = conn.execute(
        select(table.c.file_sha256, table.c.line_number, table.c.reason, table.c.entity)
        .add_columns(table.c.file_name, table.c.import_run_id)
        .where(happened(table.c.created_at, ctx.now))
        .order_by(table.c.file_sha256, table.c.line_number)
    ).all()
    by_file: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        by_file[row.file_sha256].append(row)
    run_ids = {max(r.import_run_id for r in bad) for bad in by_file.values()}
    runs_table = ImportRun.__table__
    runs = {
        r["id"]: dict(r)
        for r in conn.execute(
            select(runs_table.c.id, runs_table.c.source, runs_table.c.file_name).where(
                runs_table.c.id.in_(run_ids or {-1})
            )
        ).mappings()
    }
    superseded = _superseded(conn, runs)
    for sha, bad in sorted(by_file.items()):
        run_id = max(r.import_run_id for r in bad)
        if run_id in superseded:
            continue
        record = {
            "file_sha256": sha,
            "file_name": bad[0].file_name,
            "entity": bad[0].entity,
            "source": runs.get(run_id, {}).get("source"),
            "rows": len(bad),
            "first_lines": [f"line {r.line_number}: {r.reason}" for r in bad[:SAMPLE_LINES]],
            "import_run_id": run_id,
        }
        yield QUARANTINED_ROWS.found(record, Severity.MEDIUM)


INTEGRATION_FAILURE_SPIKE = ExceptionRule(
    "integration_failure_spike",
    Domain.INTEGRATIONS,
    "an integration's failure rate in the last complete week is above target and above twice "
    f"its rate over the {BASELINE_WEEKS} weeks before",
    ("integration", "week"),
    (
        "integration",
        "week",
        "failure_rate",
        "failed",
        "events",
        "baseline_rate",
        "baseline_weeks",
        "target",
    ),
    "high",
    _spikes,
    reads=("integration_events",),
    historical=True,
    material=("failed",),
)
QUARANTINED_ROWS = ExceptionRule(
    "quarantined_rows",
    Domain.INTEGRATIONS,
    "an imported file had quarantined rows (until a later import of the same file name and "
    "source loads without any)",
    ("file_sha256",),
    ("file_sha256", "file_name", "entity", "source", "rows", "first_lines", "import_run_id"),
    "medium",
    _quarantined,
    reads=CANONICAL_ENTITIES,
    historical=True,
    material=("rows",),
)

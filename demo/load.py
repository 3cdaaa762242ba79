"""Loading the demo brand: a short sequence of steps run against one database."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from tempfile import TemporaryDirectory

from sqlalchemy import Engine

import pipeline
from core.db import get_engine, write_session
from core.timeutil import utcnow
from demo.generate import Generated, generate_files
from demo.migration import load_migration_story
from demo.plan import DEFAULT_ORDERS, HISTORY_WEEKS, DemoPlan, last_whole_day
from demo.summary import planted_problems
from governance.demo_accounts import DEMO_PASSWORD, create_demo_accounts
from governance.kept_readings import keep_migration_readings
from metrics.refresh import backfill

log = logging.getLogger(__name__)
ACTOR = "demo"


class DemoError(RuntimeError):
    """The demo could not be loaded (a generated file was refused)."""


@dataclass
class DemoRun:
    """The state steps share: the plan, the database, the folder of files, and what each step did."""

    plan: DemoPlan
    engine: Engine
    folder: Path
    generated: Generated | None = None
    reports: list[pipeline.ImportReport] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # extra summary lines from later steps
    seconds: float = 0.0


Step = Callable[[DemoRun], None]


def write_demo_files(run: DemoRun) -> None:
    """Generate the brand and write its canonical CSV files."""
    run.generated = generate_files(run.plan, run.folder)


def import_demo_files(run: DemoRun) -> None:
    """Load the files through the real canonical import, one transaction per file."""
    run.reports = pipeline.import_paths([run.folder], "canonical", engine=run.engine, actor=ACTOR)
    refused = [r for r in run.reports if not r.ok]
    if refused:
        raise DemoError("; ".join(r.summary() for r in refused))
    quarantined = sum(r.quarantined for r in run.reports)
    if quarantined:
        log.warning("demo import quarantined %d rows", quarantined)
        run.notes.append(f"warning: {quarantined} generated rows were quarantined")


def create_accounts(run: DemoRun) -> None:
    """Create one demo account per role (documented in the README), only together with the demo data."""
    with write_session(run.engine) as session:
        accounts = create_demo_accounts(session)
    if accounts:
        names = ", ".join(f"{name} ({role})" for name, role, _team, _password in accounts)
        run.notes.append(f"demo accounts (password {DEMO_PASSWORD!r}): {names}")


def backfill_snapshot_history(run: DemoRun) -> None:
    """Keep snapshot KPIs as of the end of each past week, so their trends show on day one."""
    with write_session(run.engine) as session:
        kept = backfill(session, now=utcnow(), weeks=HISTORY_WEEKS)
    run.notes.append(f"snapshot KPI history: {kept} rows over the last {HISTORY_WEEKS} weeks")


def migration_story(run: DemoRun) -> None:
    """`demo --migration`: a new WMS in parallel with the old one, the migration open, the freeze on."""
    if run.generated is None:
        raise DemoError("the migration story needs the generated brand")
    stock = run.generated.tables["stock_levels"]
    run.notes += load_migration_story(run.plan, stock, run.engine, run.folder)


# The load sequence; a later step is one function appended here.
STEPS: list[Step] = [
    write_demo_files,
    import_demo_files,
    create_accounts,
    backfill_snapshot_history,
]
MIGRATION_STEPS: list[Step] = [migration_story]  # after STEPS with `demo --migration`


def keep_slow_readings(run: DemoRun) -> None:
    """Keep what the Migration page reads slowly, for the data as loaded (metrics.migration_kept)."""
    keep_migration_readings(run.engine)


LAST_STEPS: list[Step] = [keep_slow_readings]  # after every other step


def run_demo(
    *,
    orders: int | None = None,
    seed: int = 42,
    end: date | None = None,
    engine: Engine | None = None,
    migration: bool = False,
) -> DemoRun:
    """Run every step of STEPS (and MIGRATION_STEPS) for one plan; the run records what each did."""
    if orders is not None and orders < 1:
        raise ValueError("--orders must be at least 1")
    plan = DemoPlan(seed=seed, end=end or last_whole_day(), orders=orders or DEFAULT_ORDERS)
    started = time.perf_counter()
    with TemporaryDirectory(prefix="invgov-demo-") as folder:
        run = DemoRun(plan, engine or get_engine(), Path(folder))
        for step in STEPS + (MIGRATION_STEPS if migration else []) + LAST_STEPS:
            log.info("demo step %s", step.__name__)
            step(run)
    run.seconds = time.perf_counter() - started
    return run


def load_demo(
    *,
    orders: int | None = None,
    seed: int = 42,
    end: date | None = None,
    engine: Engine | None = None,
    migration: bool = False,
) -> str:
    """Generate and load the demo brand; returns a short summary of what was loaded and planted."""
    return describe(run_demo(orders=orders, seed=seed, end=end, engine=engine, migration=migration))


def describe(run: DemoRun) -> str:
    """The summary printed after loading: rows per entity, then the planted problems."""
    plan = run.plan
    lines = [
        f"demo brand loaded in {run.seconds:.1f} s: seed {plan.seed}, {HISTORY_WEEKS} weeks "
        f"from {plan.first_day.isoformat()} to {plan.end.isoformat()}",
    ]
    for report in run.reports:
        lines.append(
            f"  {report.file.removesuffix('.csv'):<20} {report.read:>7} rows "
            f"(+{report.inserted} ~{report.updated} ={report.unchanged})"
        )
    if run.generated is not None:
        lines.append("planted problems:")
        lines += [f"  - {line}" for line in planted_problems(run.generated)]
    lines += run.notes
    return "\n".join(lines)

"""The benchmark's work: generate the demo brand, import it, refresh and read, with timings."""

from __future__ import annotations

import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from tempfile import TemporaryDirectory
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url

import pipeline
from cli.bench_reference import agreeing, compute_reference
from core.db import dispose_engines, get_engine, watch_write_locks, write_session
from core.migrate import upgrade
from core.timeutil import utcnow
from demo.generate import Generated, generate, write_files
from demo.plan import DemoPlan, last_whole_day
from demo.writer import write_table
from governance.detection import detect
from metrics.aggregates import day_of_week
from metrics.compute import compute_rows, reading
from metrics.current import stored_rows
from metrics.families import Family
from metrics.kpi_board import kpi_tiles, kpi_trends, latest_complete_week
from metrics.refresh import rebuild, refresh
from metrics.registry import METRICS, SECTION_3_1_IDS
from metrics.touched import Touched

PROJECT_ROOT = Path(__file__).resolve().parent.parent
READ_REPEATS = 5
SECTION_3_1 = [m for m in METRICS if m.id in SECTION_3_1_IDS]
RECENT_DAYS = 1  # the daily import: orders placed on the last day, lines, shipments


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    """An action's result and its duration in seconds."""
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started


def run_bench(orders: int, seed: int, postgres_url: str | None) -> dict[str, Any]:
    """Generate once, measure on SQLite (and PostgreSQL when a URL is given)."""
    plan = DemoPlan(seed=seed, end=last_whole_day(), orders=orders)
    generated, generate_s = timed(lambda: generate(plan))
    document: dict[str, Any] = {
        "orders": orders,
        "seed": seed,
        "end": plan.end.isoformat(),
        "rows": sum(len(rows) for rows in generated.tables.values()),
        "generate_seconds": round(generate_s, 1),
        "databases": {},
    }
    with TemporaryDirectory(prefix="invgov-bench-") as temp:
        folder, recent = Path(temp) / "full", Path(temp) / "recent"
        write_files(generated, folder)
        write_recent(generated, recent, plan.end)
        sqlite_url = f"sqlite:///{Path(temp) / 'bench.db'}"
        document["databases"]["sqlite"] = measure(sqlite_url, folder, recent)
        if postgres_url:
            with postgres_schema(postgres_url) as url:
                document["databases"]["postgresql"] = measure(url, folder, recent)
    return document


def write_recent(generated: Generated, folder: Path, end: date) -> int:
    """Orders placed in the last RECENT_DAYS days, their lines and shipments, as canonical files."""
    folder.mkdir(parents=True)
    since = datetime.combine(end - timedelta(days=RECENT_DAYS - 1), datetime.min.time(), UTC)
    orders = [row for row in generated.tables["orders"] if row[2] >= since]  # type: ignore[operator]
    ids = {row[0] for row in orders}
    lines = [row for row in generated.tables["order_lines"] if row[0] in ids]
    shipments = [row for row in generated.tables["shipments"] if row[1] in ids]
    for name, rows in (("orders", orders), ("order_lines", lines), ("shipments", shipments)):
        write_table(folder, name, rows)
    return len(orders) + len(lines) + len(shipments)


@contextmanager
def postgres_schema(url: str) -> Iterator[str]:
    """A URL whose connections use a fresh schema, dropped afterwards."""
    schema = f"invgov_bench_{os.getpid()}"
    admin = get_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield scoped.render_as_string(hide_password=False)
    finally:
        dispose_engines()
        with get_engine(url).begin() as conn:
            conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        dispose_engines()


class RefreshLog(logging.Handler):
    """Collects the duration of every aggregate refresh logged while attached (and the part of it
    spent on SPEC section 3.1's metrics)."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.seconds: list[float] = []
        self.planning: list[float] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the seconds of a refresh record (its last two arguments: total, section 3.1)."""
        if isinstance(record.args, tuple) and len(record.args) >= 2:
            self.seconds.append(float(record.args[-2]))
            self.planning.append(float(record.args[-1]))


@contextmanager
def refresh_log() -> Iterator[RefreshLog]:
    """Collect refresh durations from metrics.refresh while the block runs."""
    logger, handler = logging.getLogger("metrics.refresh"), RefreshLog()
    level, propagate = logger.level, logger.propagate
    logger.setLevel(logging.INFO)
    logger.propagate = False  # collected here, not printed
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
        logger.propagate = propagate


def import_figures(name: str, folder: Path, engine: Any) -> dict[str, Any]:
    """Import a folder as one batch: rows, seconds (writing the files, then their one refresh),
    rows/s, detection time, and the longest write-lock hold of the files' writes, of the
    refresh and of the detection after them."""
    with (
        refresh_log() as refreshes,
        watch_write_locks() as holds,
        pipeline.import_batch() as batch,
    ):
        reports, write_s = timed(
            lambda: pipeline.import_paths([folder], "canonical", engine=engine, batch=batch)
        )
    import_s = write_s + batch.refresh_seconds
    rows = sum(r.read for r in reports)
    return {
        f"{name}_max_lock_hold_s": round(holds.longest_by_purpose.get("import", 0.0), 3),
        f"{name}_refresh_max_lock_hold_s": round(holds.longest_by_purpose.get("refresh", 0.0), 3),
        f"{name}_detection_max_lock_hold_s": round(
            holds.longest_by_purpose.get("detection", 0.0), 3
        ),
        f"{name}_rows": rows,
        f"{name}_seconds": round(import_s, 3),
        f"{name}_write_seconds": round(write_s, 3),
        f"{name}_rows_per_second": round(rows / import_s),
        f"{name}_aggregate_refresh_seconds": round(sum(refreshes.seconds), 3),
        f"{name}_refresh_section_3_1_seconds": round(sum(refreshes.planning), 3),
        f"{name}_detection_seconds": round(batch.detection_seconds, 3),
        f"{name}_seconds_by_file": {r.file: round(r.duration_ms / 1000, 2) for r in reports},
        f"{name}_rows_per_s_by_entity": {
            Path(r.file).stem: round(r.read / max(r.duration_ms / 1000, 1e-3)) for r in reports
        },
        f"{name}_total_s": round(import_s + batch.detection_seconds, 3),
    }


def measure(url: str, folder: Path, recent: Path) -> dict[str, Any]:
    """Every figure on one database."""
    upgrade(url)
    dispose_engines()
    figures, import_rss = in_child("import", url, folder)
    rebuilt, refresh_rss = in_child("rebuild", url, folder)
    engine = get_engine(url)
    last4 = last_weeks(utcnow(), 4)
    with watch_write_locks() as four_holds, write_session(engine) as session:
        four, four_s = timed(lambda: refresh(session, now=utcnow(), touched=last4))
    with watch_write_locks() as detect_holds:
        _, detect_s = timed(lambda: detect(engine))
    figures |= rebuilt | {
        "refresh_last_4_weeks_seconds": round(four_s, 3),
        "refresh_last_4_weeks_section_3_1_seconds": round(four.planning_seconds, 3),
        "refresh_last_4_weeks_lock_hold_s": round(four_holds.longest_s, 3),
        "detection_seconds": round(detect_s, 3),
        "detection_max_lock_hold_s": round(detect_holds.longest_s, 3),
        **import_figures("daily_import", recent, engine),
    }
    reads, raw_rows, now = read_figures(engine)
    figures |= reads
    reference = compute_reference(folder, now)
    pages = page_figures(url)
    figures |= {
        "import_rows_per_s": figures["import_rows_per_second"],
        "import_rows_per_s_by_entity": figures["import_rows_per_s_by_entity"],
        "refresh_4_weeks_s": figures["refresh_last_4_weeks_seconds"],
        "daily_import_s": figures["daily_import_total_s"],
        "detect_s": figures["detection_seconds"],
        **pages,
        "peak_rss_mb": {"import": import_rss, "refresh": refresh_rss},
        "reference_s": round(reference.seconds, 3),
        "ratio_to_reference": round(figures["metrics_full_s"] / reference.seconds, 2),
        "reference_metrics": list(dict.fromkeys(r.metric for r in reference.rows)),
        "reference_agrees": agreeing(reference.rows, [r.as_dict() for r in raw_rows]),
    }
    # The longest single write transaction of an import, a refresh or a detection. The full
    # rebuild is left out: it is an operator's repair (`metrics refresh --full`), not routine.
    routine = [v for k, v in figures.items() if k.endswith("lock_hold_s") and "full" not in k]
    figures["max_lock_hold_s"] = max(routine)
    dispose_engines()
    return figures


def last_weeks(now: datetime, count: int) -> Touched:
    """Every family's last `count` weeks up to the one holding now."""
    current = day_of_week(latest_complete_week(now)) + 7
    touched = Touched()
    for family in Family:
        touched.add(family, (current - 7 * i for i in range(count)))
    return touched


def read_figures(engine: Any) -> tuple[dict[str, Any], list[Any], datetime]:
    """Median time of the Overview's KPI read and of `metrics` from aggregates; raw once (its
    rows and as_of returned too, for the reference)."""
    now = utcnow()
    with write_session(engine) as session:
        refresh(session, now=now)

    def overview() -> None:
        with reading(engine) as conn:
            kpi_tiles(conn, now)
            kpi_trends(conn, now)

    def aggregated() -> Any:
        with reading(engine) as conn:
            return stored_rows(conn, now)

    overview_s = statistics.median(timed(overview)[1] for _ in range(READ_REPEATS))
    stored, stored_s = timed(aggregated)
    with reading(engine) as conn:
        raw, raw_s = timed(lambda: compute_rows(conn, now))
        _, section_s = timed(lambda: compute_rows(conn, now, SECTION_3_1))
    figures = {
        "overview_read_ms": round(overview_s * 1000, 1),
        "metrics_from_aggregates_ms": round(stored_s * 1000, 1),
        "metrics_from_raw_seconds": round(raw_s, 2),
        "metrics_full_s": round(raw_s, 3),
        "metrics_section_3_1_from_raw_seconds": round(section_s, 2),
        "aggregates_equal_raw": stored == raw,
    }
    return figures, raw, now


def in_child(step: str, url: str, folder: Path) -> tuple[dict[str, Any], float]:
    """Run the import or the full rebuild in a fresh Python process: its figures and peak RSS (MB).

    A plain subprocess rather than multiprocessing's spawn, which re-runs `__main__` in the child
    (after AppTest has run, that is app.py).
    """
    code = "import sys; from cli.bench_run import child_step; child_step(*sys.argv[1:])"
    done = subprocess.run(
        [sys.executable, "-c", code, step, url, str(folder)],
        cwd=PROJECT_ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(f"bench: the {step} child failed:\n{done.stderr[-4000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return result["figures"], result["peak_rss_mb"]


def child_step(step: str, url: str, folder: str) -> None:
    """In the child: one step's figures and the child's own peak RSS (ru_maxrss is in KB), as
    one JSON line on standard output."""
    engine = get_engine(url)
    if step == "import":
        figures = import_figures("import", Path(folder), engine)
    else:
        with watch_write_locks() as holds, write_session(engine) as session:
            full, full_s = timed(lambda: rebuild(session, now=utcnow()))
        figures = {
            "full_refresh_seconds": round(full_s, 3),
            "full_refresh_section_3_1_seconds": round(full.planning_seconds, 3),
            "full_refresh_lock_hold_s": round(holds.longest_s, 3),
        }
    dispose_engines()
    print(json.dumps({"figures": figures, "peak_rss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak resident memory in MB: Linux's VmHWM (the peak of this program's own
    memory; ru_maxrss would also count the parent's pages copied at fork), else ru_maxrss (KB)."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def page_figures(url: str) -> dict[str, Any]:
    """Each page's cold server-side run (AppTest, an admin signed in), with the default filters and
    with a filtered view, and the slowest of each."""
    from ui.bench_pages import time_pages  # streamlit is loaded only here

    pages = time_pages(url)
    slowest = max(pages.seconds, key=pages.seconds.__getitem__)
    slowest_filtered = max(pages.filtered_seconds, key=pages.filtered_seconds.__getitem__)
    return {
        "page_s": pages.seconds,
        "slowest_page": slowest,
        "slowest_page_s": pages.seconds[slowest],
        "page_filtered_s": pages.filtered_seconds,
        "page_filters": pages.filters,
        "slowest_filtered_page": slowest_filtered,
        "slowest_filtered_page_s": pages.filtered_seconds[slowest_filtered],
        "page_errors": pages.errors,
    }


def describe(document: dict[str, Any]) -> list[str]:
    """Lines a person reads."""
    lines = [
        f"bench: demo brand, {document['orders']} orders, {document['rows']} rows "
        f"(generated in {document['generate_seconds']} s)"
    ]
    for name, figures in document["databases"].items():
        lines.append(f"{name}:")
        for key, value in figures.items():
            if key.endswith(("by_file", "by_entity")) or isinstance(value, dict | list):
                continue
            lines.append(f"  {key:<40} {value}")
        lines.append(f"  {'import_rows_per_s_by_entity':<40}")
        lines += [f"    {k:<38} {v}" for k, v in figures["import_rows_per_s_by_entity"].items()]
        lines.append(f"  {'page_s':<40}")
        lines += [f"    {k:<38} {v}" for k, v in figures["page_s"].items()]
        lines.append(f"  {'page_filtered_s':<40} {figures['page_filters']}")
        lines += [f"    {k:<38} {v}" for k, v in figures["page_filtered_s"].items()]
        lines.append(f"  {'peak_rss_mb':<40} {figures['peak_rss_mb']}")
        lines.append(f"  {'reference_agrees':<40} {', '.join(figures['reference_agrees'])}")
    return lines

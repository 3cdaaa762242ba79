"""Impact before and after (issue 14): the preview says what an import opens, clears and reopens per
exception type without writing anything, the report says what it did, and the two agree with the
exceptions table; on the real Amazon inventory report imported into the demo brand too."""

from __future__ import annotations

import os
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

import pipeline
from core.schema import Base
from core.settings import get_settings
from demo import load_demo
from governance.impact import ExceptionImpact, TypeImpact
from pipeline import impact as import_impact
from tests.conftest import PROJECT_ROOT, require_realdata

HEADER = "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at,approved_by\n"
# Valid EAN-13s of the canonical fixture, and the first with its check digit off by one.
GOOD, GOOD2, BAD = "4006381333931", "4006381333948", "4006381333930"
ACTIVE = ("open", "acknowledged", "in_progress")


def items_file(folder: Path, barcodes: dict[str, str]) -> Path:
    """A canonical items.csv of approved active items with the given barcodes."""
    folder.mkdir(exist_ok=True)
    path = folder / "items.csv"
    rows = [
        f"{sku},Item {sku},tops,Acme,{code},A,active,2026-01-05T09:00:00Z,2026-01-06T10:00:00Z,steward\n"
        for sku, code in barcodes.items()
    ]
    path.write_text(HEADER + "".join(rows), encoding="utf-8")
    return path


def everything(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table (sorted), to show that a preview left the database as it was."""
    out = {}
    with engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(select(table)).all()
            out[table.name] = sorted((tuple(r) for r in rows), key=repr)
    return out


def exception_states(engine: Engine) -> dict[int, tuple[str, str]]:
    """Exception id -> (type, status)."""
    with engine.connect() as conn:
        return {
            r[0]: (r[1], r[2])
            for r in conn.execute(text("SELECT id, type, status FROM exceptions"))
        }


def table_delta(before: dict[int, tuple[str, str]], after: dict[int, tuple[str, str]]) -> Counter:
    """(outcome, type) -> n read from the exceptions table before and after (independent of detection's tally)."""
    delta: Counter = Counter()
    for exception_id, (kind, status) in after.items():
        old = before.get(exception_id)
        if old is None and status in ACTIVE:
            delta[("opened", kind)] += 1
        elif old is not None and old[1] in ACTIVE and status not in ACTIVE:
            delta[("cleared", kind)] += 1
        elif old is not None and old[1] not in ACTIVE and status in ACTIVE:
            delta[("reopened", kind)] += 1
    return delta


def tally(impact: ExceptionImpact) -> Counter:
    """An impact as the same (outcome, type) -> n counter."""
    return Counter({(o, t.type): getattr(t, o) for t in impact.by_type
                    for o in ("opened", "cleared", "reopened") if getattr(t, o)})  # fmt: skip


def preview_then_import(
    engine: Engine, path: Path, source: str
) -> tuple[ExceptionImpact, pipeline.ImportReport, Counter]:
    """Preview (checking it wrote nothing), import for real, and read the table's delta."""
    stored = everything(engine)
    (preview,) = import_impact.preview_files([path], source, engine=engine)
    assert everything(engine) == stored  # no row, aggregate, exception or audit entry survives
    before = exception_states(engine)
    report = pipeline.import_file(path, source, engine=engine)
    assert report.ok, report.reason
    assert preview.exceptions is not None
    return preview.exceptions, report, table_delta(before, exception_states(engine))


INVALID = "invalid_barcode"


def test_preview_and_report_count_opened_cleared_and_reopened_by_type(
    engine: Engine, tmp_path: Path
) -> None:
    # 1: two items, one barcode with a wrong check digit: one invalid-barcode exception opens.
    first = items_file(tmp_path / "a", {"HAND-1": BAD, "HAND-2": GOOD2})
    impact, report, delta = preview_then_import(engine, first, "items")
    assert impact == ExceptionImpact(1, 0, 0, (TypeImpact(INVALID, "Invalid barcode", opened=1),))
    assert report.exceptions == impact and tally(impact) == delta
    # 2: the barcode corrected: the exception clears by data.
    second = items_file(tmp_path / "b", {"HAND-1": GOOD, "HAND-2": GOOD2})
    impact, report, delta = preview_then_import(engine, second, "items")
    assert impact == ExceptionImpact(0, 1, 0, (TypeImpact(INVALID, "Invalid barcode", cleared=1),))
    assert report.exceptions == impact and tally(impact) == delta
    # 3: the wrong check digit again: the same exception reopens (cleared by data, found again).
    impact, report, delta = preview_then_import(
        engine, items_file(tmp_path / "c", {"HAND-1": BAD}), "items"
    )
    assert impact == ExceptionImpact(0, 0, 1, (TypeImpact(INVALID, "Invalid barcode", reopened=1),))
    assert report.exceptions == impact and tally(impact) == delta
    assert impact.summary() == "opens 0, clears 0, reopens 1 (Invalid barcode 1)"


def test_files_are_previewed_in_order_each_given_the_ones_before(
    engine: Engine, tmp_path: Path
) -> None:
    bad = items_file(tmp_path / "a", {"HAND-1": BAD})
    good = items_file(tmp_path / "b", {"HAND-1": GOOD})
    stored = everything(engine)
    first, second = import_impact.preview_files([bad, good], "items", engine=engine)
    assert everything(engine) == stored
    # The second file corrects what the first one breaks: 1 opened, then that 1 cleared.
    assert (first.exceptions.opened, first.exceptions.cleared) == (1, 0)
    assert (second.exceptions.opened, second.exceptions.cleared) == (0, 1)


def manage(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py against the test database."""
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=PROJECT_ROOT, capture_output=True, text=True,
        env={**os.environ, "INVGOV_DATABASE_URL": db_url, **env}, timeout=300,
    )  # fmt: skip


def test_cli_refuses_above_the_threshold_without_yes(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    path = items_file(
        tmp_path, {"HAND-1": BAD, "HAND-2": "4006381333949", "HAND-3": GOOD}
    )  # 2 invalid barcodes (check digits 0 and 9, not 1 and 8)
    stored = everything(engine)
    refused = manage(db_url, "import", "items", str(path), INVGOV_IMPORT_CONFIRM_EXCEPTIONS="1")
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "error: items.csv would open 2 exceptions, more than 1 (INVGOV_IMPORT_CONFIRM_EXCEPTIONS): "
        "nothing was imported; add --yes to import anyway"
    )
    assert everything(engine) == stored
    done = manage(db_url, "import", "items", str(path), "--yes", "--json",
                  INVGOV_IMPORT_CONFIRM_EXCEPTIONS="1")  # fmt: skip
    assert done.returncode == 0, done.stderr
    import json

    (doc,) = json.loads(done.stdout)
    assert doc["exceptions"] == {
        "opened": 2,
        "cleared": 0,
        "reopened": 0,
        "by_type": [
            {"type": INVALID, "label": "Invalid barcode", "opened": 2, "cleared": 0, "reopened": 0}
        ],
    }
    assert doc["exceptions_scope"] == "file"
    assert Counter(t for t, s in exception_states(engine).values() if s == "open") == {INVALID: 2}


def test_cli_imports_below_the_threshold_without_yes(db_url: str, tmp_path: Path) -> None:
    path = items_file(tmp_path, {"HAND-1": BAD})
    result = manage(db_url, "import", "items", str(path))  # 1 exception, default threshold 500
    assert result.returncode == 0, result.stderr
    assert "  exceptions: opened 1 (Invalid barcode 1), cleared 0, reopened 0" in result.stdout


@pytest.mark.parametrize("value", ["-1", "many"])
def test_a_bad_threshold_stops_at_start_up_naming_the_setting(
    value: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from cli.main import main

    monkeypatch.setenv("INVGOV_IMPORT_CONFIRM_EXCEPTIONS", value)
    get_settings.cache_clear()
    try:
        assert main(["status", "--json"]) == 1
    finally:
        get_settings.cache_clear()
    error = capsys.readouterr().err
    assert error.startswith("error: invalid settings: INVGOV_IMPORT_CONFIRM_EXCEPTIONS: ")
    assert len(error.strip().splitlines()) == 1


AMAZON = ("amazon", "inventory_report_it_2024-01-29.txt")


@pytest.mark.slow
def test_the_amazon_inventory_report_into_the_demo_brand(engine: Engine) -> None:
    path = require_realdata(*AMAZON)
    load_demo(orders=300, seed=42, engine=engine)
    impact, report, delta = preview_then_import(engine, path, "auto")
    # The report's distinct seller SKUs none of the demo's items maps (issue 14 saw 446 -> 5,325
    # open exceptions: 4,879), counted by the table before and after the real import.
    assert tally(impact) == delta and report.exceptions == impact
    assert impact.opened == sum(n for (o, _t), n in delta.items() if o == "opened") > 4000
    assert impact.count("opened", "unmapped_system_sku") == impact.opened
    assert impact.summary().startswith(
        f"opens {impact.opened:,} (Unmapped system SKU {impact.opened:,})"
    )
    assert report.exceptions_text() == f"exceptions: {impact.summary(past=True)}"

"""The product's `metrics --json` against the SPEC oracle (tests/spec_oracle) on generated datasets.

Black box: each dataset is written to tmp_path, imported with `manage.py import canonical DIR` and
read back with `manage.py metrics --json --as-of ISO` (in-process, on SQLite and PostgreSQL); the
rows are compared one by one with the oracle's. Section 3 and section 3.1 are separate tests, so a
product without section 3.1 fails only the 3.1 tests, each with a diff of the first 20 rows.
"""

from __future__ import annotations

import io
import json
import re
from contextlib import redirect_stderr, redirect_stdout
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.main import main
from tests.spec_oracle import (
    SECTION3_METRICS,
    SECTION31_METRICS,
    compute,
    load_folders,
    parse_as_of,
)
from tests.spec_oracle.compare import differences, order_problems, report
from tests.spec_oracle.datasets import SHAPES, generate, update
from tests.spec_oracle.rows import sort_key

SEEDS = range(len(SHAPES))
SECTIONS = {"3": SECTION3_METRICS, "3.1": SECTION31_METRICS}
QUARANTINED = re.compile(r"^(\S+\.csv):.*quarantined (\d+)", re.MULTILINE)


def manage(*argv: str) -> str:
    """Run `python manage.py ARGV…` in-process; its standard output (it must exit 0)."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = main(list(argv))
    assert code == 0, f"manage.py {' '.join(argv)} exited {code}: {err.getvalue().strip()}"
    return out.getvalue()


def product_metrics(as_of: str | None) -> tuple[str, list[dict[str, Any]]]:
    """`metrics --json [--as-of ISO]`: the printed as_of and rows."""
    document = json.loads(manage("metrics", "--json", *(("--as-of", as_of) if as_of else ())))
    return document["as_of"], document["metrics"]


def section_differences(
    section: str, oracle: list[dict[str, Any]], product: list[dict[str, Any]], context: str
) -> str | None:
    """A report of how one section's rows differ (rows, numbers, SPEC's order), or None."""
    metrics = SECTIONS[section]
    expected = [r for r in oracle if r["metric"] in metrics]
    actual = [r for r in product if r["metric"] in metrics]
    lines = differences(expected, actual) + order_problems(actual, sort_key)
    if lines and not actual:
        lines.insert(0, f"the product prints no row of section {section} ({', '.join(metrics)})")
    return report(f"section {section}, {context}", lines) if lines else None


def import_folder(folder: Path) -> str:
    """Import a canonical folder; the product's per-file quarantine counts, for failure messages."""
    output = manage("import", "canonical", str(folder))
    counts = {
        name.removesuffix(".csv"): int(n) for name, n in QUARANTINED.findall(output) if n != "0"
    }
    return f"product quarantined {counts}"


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: f"section{s}")
@pytest.mark.parametrize("seed", SEEDS, ids=lambda s: f"seed{s}")
def test_product_rows_match_the_oracle(
    seed: int, section: str, db_url: str, tmp_path: Path
) -> None:
    dataset = generate(seed)
    folder = dataset.write(tmp_path / "data")
    quarantine = import_folder(folder)
    data = load_folders(folder)
    as_of, product = product_metrics(dataset.as_of)
    oracle = compute(data, parse_as_of(dataset.as_of))
    quarantined = {k: v for k, v in data.quarantined.items() if v}
    context = f"{dataset.name} at {as_of}; oracle quarantined {quarantined}, {quarantine}"
    problem = section_differences(section, oracle, product, context)
    if problem:
        pytest.fail(problem, pytrace=False)


@pytest.mark.parametrize("section", SECTIONS, ids=lambda s: f"section{s}")
@pytest.mark.parametrize("seed", (0, 7), ids=lambda s: f"seed{s}")
def test_a_reimport_that_changes_rows_matches_the_oracle(
    seed: int, section: str, db_url: str, tmp_path: Path
) -> None:
    # Data relative to now, so `metrics --json` without --as-of reads the aggregates the imports
    # keep up to date; the second import (datasets.update) moves a stock snapshot, cancels and
    # un-cancels orders, dispositions returns, retires an item, reclassifies one, moves a count,
    # adds shipments and mappings. Each state is also asked at the dataset's own as_of.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    first = generate(seed, as_of=now)
    folders = [first.write(tmp_path / "first")]
    import_folder(folders[0])
    problems = []
    for step in ("after the first import", "after the second import"):
        if step == "after the second import":
            folders.append(update(seed, first).write(tmp_path / "second"))
            import_folder(folders[1])
        data = load_folders(*folders)
        for asked in (None, first.as_of):
            as_of, product = product_metrics(asked)
            oracle = compute(data, parse_as_of(as_of))
            context = (
                f"{first.name} {step}, metrics {'--as-of ' + asked if asked else 'now'} ({as_of})"
            )
            problems.append(section_differences(section, oracle, product, context))
    if any(problems):
        pytest.fail("\n".join(p for p in problems if p), pytrace=False)

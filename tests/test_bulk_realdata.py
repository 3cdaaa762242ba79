"""The flood of issue 14 on the real Amazon inventory report: one decision per system, from the CLI.

The report (../shared/realdata/amazon/inventory_report_it_2024-01-29.txt, read in place) lists
Amazon.it seller SKUs none of which is a demo item, so each of its distinct SKUs becomes an
unmapped_system_sku exception of amazon. The expected count is read from the file independently
(distinct `sku` cells of rows with a quantity: one row has none, so no stock row), not from
the product.
"""

from __future__ import annotations

import csv
import json

import pytest
from sqlalchemy import Engine, select

import pipeline
from cli.main import main as cli_main
from core.db import read_session
from core.schema import SkuSuggestion
from demo import load_demo
from tests.conftest import require_realdata
from tests.governance_support import exceptions

REPORT = ("amazon", "inventory_report_it_2024-01-29.txt")
UNMAPPED = "unmapped_system_sku"
ACTIVE = ("open", "acknowledged", "in_progress")


def active_amazon(engine: Engine) -> int:
    return sum(
        1
        for row in exceptions(engine, UNMAPPED)
        if row["status"] in ACTIVE and row["facts"]["system"] == "amazon"
    )


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert cli_main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_not_tracked_clears_the_amazon_flood_and_lifting_brings_it_back(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    path = require_realdata(*REPORT)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    skus = {row["sku"] for row in rows if row["sku"].strip() and row["quantity"].strip()}
    load_demo(orders=300, seed=7, engine=engine)
    before = active_amazon(engine)
    report = pipeline.import_file(path, "amazon-listings", engine=engine)
    assert report.ok
    flood = active_amazon(engine) - before
    assert flood == len(skus)  # every distinct Amazon.it SKU is unmapped in the demo brand
    out = run(["mappings", "not-tracked", "amazon", "--note", "marketplace listings", "--user",
               "steward"], capsys)  # fmt: skip
    assert f"{flood + before:,} active unmapped-SKU exception(s)" in out
    detected = json.loads(run(["detect", "--user", "steward", "--json"], capsys))
    assert detected["cleared"] >= flood + before
    assert active_amazon(engine) == 0
    listed = json.loads(run(["mappings", "not-tracked"], capsys))
    assert [(s["system"], s["pattern"]) for s in listed] == [("amazon", "*")]
    run(["mappings", "not-tracked", "amazon", "--lift", "--user", "steward"], capsys)
    again = json.loads(run(["detect", "--user", "steward", "--json"], capsys))
    assert again["reopened"] == flood + before
    assert active_amazon(engine) == flood + before


def test_the_amazon_flood_is_decided_by_two_commands(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    path = require_realdata(*REPORT)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    skus = {row["sku"] for row in rows if row["sku"].strip() and row["quantity"].strip()}
    load_demo(orders=300, seed=7, engine=engine)
    assert pipeline.import_file(path, "amazon-listings", engine=engine).ok
    with read_session(engine) as session:
        suggested = set(
            session.scalars(
                select(SkuSuggestion.system_sku).where(
                    SkuSuggestion.system == "amazon", SkuSuggestion.status == "open"
                )
            )
        )
    assert skus <= suggested  # every unmapped SKU of the file has an open suggestion row
    out = json.loads(run(["mappings", "bulk", "reject", "--system", "amazon", "--reason",
                          "Amazon.it listings are not ours to map", "--json", "--user",
                          "steward"], capsys))  # fmt: skip
    assert out["changed"] == len(suggested)
    line = [r for r in exceptions(engine, UNMAPPED) if r["status"] in ACTIVE]
    teams = {r["team"] for r in line}
    assert teams == {"merchandising"}  # the item master's team owns every unmapped SKU
    done = json.loads(run(["exceptions", "bulk", "acknowledge", "--type", UNMAPPED, "--owner",
                           "merchandising", "--json", "--user", "steward"], capsys))  # fmt: skip
    opened = sum(1 for r in line if r["status"] == "open")
    assert (done["changed"], done["skipped"]) == (opened, len(line) - opened)
    assert opened >= len(skus)  # the file's SKUs were all just opened

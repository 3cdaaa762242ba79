"""`manage.py migration|freeze|book …`: the report's JSON, the pairs, clear refusals, one line on errors."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import Engine

from cli.main import main
from governance.permissions import Actor
from tests.governance_support import make_people
from tests.migration_support import D1, D3, DAYS, EXPECTED_DAYS, two_wms

__all__ = ["two_wms"]  # the fixture

AS_OF = "2026-03-06T23:59:59Z"  # the end of the fifth day


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run a command; its exit status, standard output and standard error."""
    capsys.readouterr()
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_report_json_has_the_daily_rows_and_the_verdict(
    two_wms: str, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = run(capsys, "migration", "open", "--old", "wms", "--new", "wms2",
                           "--from", D1.isoformat(), "--days", "2", "--user", "steward1")  # fmt: skip
    assert status == 0, err
    assert out.startswith("migration 1 open: wms -> wms2 from 2026-03-02 at every location")
    status, out, err = run(capsys, "migration", "report", "--json", "--as-of", AS_OF)
    assert status == 0, err
    report = json.loads(out)
    assert (report["old"], report["new"], report["as_of"], report["ready"]) == (
        "wms", "wms2", AS_OF, False
    )  # fmt: skip
    expected = [
        {"day": d.isoformat(), "compared": t.compared, "equal": t.equal,
         "units_differing": t.units_differing, "match_rate": t.equal / t.compared}
        for d, t in EXPECTED_DAYS.items()
    ]  # fmt: skip
    assert [{k: row[k] for k in expected[0]} for row in report["days"]] == expected
    assert [row["complete"] for row in report["days"]] == [True] * 5
    dc2 = [r for r in report["by_location"] if r["location"] == "DC2"]
    assert [(r["day"], r["compared"], r["equal"], r["old_pairs"], r["new_pairs"]) for r in dc2] == [
        (d.isoformat(), 1, 0, 1, 0) for d in DAYS
    ]
    assert report["blockers"][0].startswith("0 of 2 consecutive complete days")
    assert report["judged_day"] == "2026-03-06"


def test_pairs_and_the_text_report(
    two_wms: str, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "migration", "open", "--old", "wms", "--new", "wms2", "--from", D1.isoformat(),
        "--user", "steward1")  # fmt: skip
    status, out, _ = run(capsys, "migration", "pairs", "--day", D3.isoformat(), "--json",
                         "--as-of", AS_OF)  # fmt: skip
    assert status == 0
    assert [(p["location"], p["sku"], p["status"], p["difference"]) for p in json.loads(out)] == [
        ("DC2", "SKU-A", "sellable", -5),
        ("DC1", "SKU-C", "damaged", 4),
        ("DC1", "SKU-C", "quarantined", -4),
        ("DC1", "SKU-D", "sellable", -3),
        ("DC1", "SKU-A", "sellable", -2),
    ]
    status, out, _ = run(capsys, "migration", "report", "--as-of", AS_OF)
    lines = out.splitlines()
    assert lines[0] == "migration 1: wms -> wms2 from 2026-03-02 (open), at every location"
    assert lines[3].split() == ["2026-03-02", "6", "1", "17", "16.67%", "0"]
    assert "ready: no" in lines


def test_explain_then_close_from_the_command_line(
    two_wms: str, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    run(capsys, "migration", "open", "--old", "wms", "--new", "wms2", "--from", D1.isoformat(),
        "--user", "steward1")  # fmt: skip
    status, _, err = run(capsys, "migration", "explain", "--location", "DC1", "--sku", "SKU-B",
                         "--status", "sellable", "--note", "x", "--user", "steward1")  # fmt: skip
    assert status == 1
    assert err.startswith("error: DC1/SKU-B/sellable is not a differing pair on ")
    assert err.count("\n") == 1
    status, _, err = run(capsys, "migration", "close", "--note", "go", "--user", "steward1")
    assert status == 1 and err.startswith("error: migration 1 is not ready: ")
    status, out, err = run(capsys, "migration", "close", "--note", "go", "--accept-blockers",
                           "--user", "steward2")  # fmt: skip
    assert status == 0, err
    assert out.splitlines() == [
        "migration 1 cut over by steward2: book of DC1 is now wms2",
        "  DC2 left as it is: wms2 holds no stock there",
    ]
    status, out, _ = run(capsys, "book", "show")
    books = json.loads(out)
    assert {k: v["system"] for k, v in books.items()} == {"DC1": "wms2"}
    assert books["DC1"]["origin"] == "set by steward2"


def test_refusals_are_one_clear_line(
    engine: Engine, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    status, _, err = run(capsys, "migration", "report")
    assert (status, err) == (
        1,
        "error: no migration yet: open one with `python manage.py migration open`\n",
    )
    status, _, err = run(capsys, "freeze", "on", "--reason", "x", "--user", "owner.inv")
    assert status == 1
    assert err == (
        "error: owner.inv (owner) may not run a system migration or the item-master freeze; "
        "allowed for: steward, admin\n"
    )
    status, out, _ = run(capsys, "freeze", "on", "--reason", "WMS move", "--user", "steward1")
    assert (status, out) == (0, "item-master freeze on (steward1: WMS move)\n")
    status, out, _ = run(capsys, "freeze", "show")
    assert {k: v for k, v in json.loads(out).items() if k != "since"} == {
        "active": True, "reason": "WMS move", "by": "steward1", "version": 1
    }  # fmt: skip

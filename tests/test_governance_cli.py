"""The command line of SPEC section 5 for governance: detect, exceptions, review, routing."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import Engine

from cli.main import main as cli_main
from core.timeutil import iso_z
from tests.governance_support import AS_OF, add, exceptions, item, make_people, stock

REQUIRED_FIELDS = {"id", "type", "status", "severity", "owner", "entity", "due_at", "last_seen_at"}


@pytest.fixture
def queue(engine: Engine) -> Engine:
    """People, a stock discrepancy and an unapproved SKU, detected at AS_OF."""
    make_people(engine)
    add(
        engine,
        item("SKU-A", 1),
        item("NEW-1", 2, approved_at=None),
        stock("wms", "DC-1", "SKU-A", 10),
        stock("shopify", "DC-1", "SKU-A", 12),
    )
    assert cli_main(["detect", "--as-of", iso_z(AS_OF)]) == 0
    return engine


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Run the CLI; (exit status, stdout, stderr)."""
    capsys.readouterr()
    status = cli_main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_exceptions_list_json(queue: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(["exceptions", "list", "--json"], capsys)
    rows = json.loads(out)
    assert status == 0 and len(rows) == 2
    assert all(set(row) >= REQUIRED_FIELDS for row in rows)
    by_type = {row["type"]: row for row in rows}
    assert by_type["stock_discrepancy"]["owner"] == "inventory control"
    assert by_type["stock_discrepancy"]["severity"] == "high"
    assert by_type["stock_discrepancy"]["last_seen_at"] == "2026-01-21T09:30:00Z"
    assert by_type["stock_discrepancy"]["due_at"] == "2026-01-23T09:30:00Z"
    assert by_type["unapproved_active_sku"]["entity"] == "NEW-1"
    _, out, _ = run(["exceptions", "list", "--json", "--owner", "merchandising"], capsys)
    assert [row["type"] for row in json.loads(out)] == ["unapproved_active_sku"]
    _, out, _ = run(["exceptions", "list", "--json", "--status", "resolved"], capsys)
    assert json.loads(out) == []


def test_resolve_refused_for_a_viewer_then_done_by_the_owner(
    queue: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    exception_id = str(exceptions(queue, "stock_discrepancy")[0]["id"])
    argv = ["exceptions", "resolve", exception_id, "--reason", "data_corrected", "--note", "fixed"]
    status, _, err = run([*argv, "--user", "viewer1"], capsys)
    assert status != 0
    assert (
        err
        == "error: viewer1 (viewer) may not resolve an exception; allowed for: owner, steward, admin\n"
    )
    status, _, err = run([*argv, "--user", "owner.merch"], capsys)
    assert status != 0 and "owned by inventory control: only their own team's" in err
    status, out, _ = run([*argv, "--user", "owner.inv"], capsys)
    assert status == 0 and f"exception {exception_id} is now resolved" in out
    assert exceptions(queue, "stock_discrepancy")[0]["resolution_note"] == "fixed"


def test_clear_refusals(queue: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    exception_id = str(exceptions(queue, "stock_discrepancy")[0]["id"])
    status, _, err = run(
        [
            "exceptions",
            "resolve",
            exception_id,
            "--reason",
            "tired",
            "--note",
            "x",
            "--user",
            "steward1",
        ],
        capsys,
    )
    assert status != 0 and err.startswith(
        "error: unknown reason 'tired': choose one of fixed_at_source"
    )
    status, _, err = run(
        ["exceptions", "acknowledge", exception_id, "--version", "7", "--user", "steward1"], capsys
    )
    assert status != 0 and "changed under you: it is now open" in err
    status, _, err = run(["exceptions", "acknowledge", "999", "--user", "steward1"], capsys)
    assert (status, err) == (1, "error: no exception 999\n")
    status, _, err = run(["detect", "--user", "owner.inv"], capsys)
    assert status != 0 and err.startswith(
        "error: owner.inv (owner) may not run exception detection"
    )


def test_assign_acknowledge_and_show(queue: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    exception_id = str(exceptions(queue, "stock_discrepancy")[0]["id"])
    status, out, _ = run(
        ["exceptions", "assign", exception_id, "--to", "owner.inv", "--user", "steward1"], capsys
    )
    assert status == 0 and "assigned to owner.inv" in out
    assert run(["exceptions", "acknowledge", exception_id, "--user", "owner.inv"], capsys)[0] == 0
    _, out, _ = run(["exceptions", "show", exception_id], capsys)
    shown = json.loads(out)
    assert (shown["status"], shown["assignee"]) == ("acknowledged", "owner.inv")
    assert [h["action"] for h in shown["history"]] == [
        "exception.detect",
        "exception.assign",
        "exception.acknowledge",
    ]


def test_review_export_draft_and_kpis(queue: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(["review", "export", "--week", "2026-W04"], capsys)
    assert status != 0 and "no review for 2026-W04" in err
    assert run(["review", "open", "--week", "2026-W04", "--user", "steward1"], capsys)[0] == 0
    status, out, _ = run(["review", "export", "--week", "2026-W04", "--format", "md"], capsys)
    assert status == 0 and "DRAFT: still open" in out
    assert "Stock discrepancy (inventory control): 1 open" in out
    assert "Review completion: 0 of 2 exception lines reviewed (0 %)" in out
    assert not re.search(
        r"\b[a-z]+_[a-z_]+\b", out.split("\n", 3)[3]
    )  # no identifiers after the header
    status, out, _ = run(
        ["review", "kpis", "--json", "--week", "2026-W04", "--as-of", iso_z(AS_OF)], capsys
    )
    document = json.loads(out)
    assert [row["kpi"] for row in document["kpis"]] == [
        "review_completion",
        "review_completion_exceptions",
        "exception_age_mean_days",
        "exception_age_median_days",
        "mean_time_to_acknowledge_hours",
        "mean_time_to_resolve_hours",
        "reopen_rate",
    ]
    assert document["kpis"][0]["num"] == 0 and document["kpis"][0]["n"] == 2
    # closing with unreviewed lines is refused, naming them, unless the closer confirms
    status, _, err = run(["review", "close", "--week", "2026-W04", "--user", "steward1"], capsys)
    assert status != 0
    assert (
        "agenda lines of 2026-W04 are not reviewed: #1 Stock discrepancy (inventory control)" in err
    )
    assert "--allow-unreviewed" in err
    status, out, _ = run(["review", "close", "--week", "2026-W04", "--user", "steward1",
                          "--allow-unreviewed"], capsys)  # fmt: skip
    assert status == 0 and "0 of 2 exception lines reviewed (0 %)" in out


def test_routing_table_edit_moves_open_exceptions(
    queue: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = run(
        ["routing", "set", "warehouse_stock", "operations", "--user", "steward1"], capsys
    )
    assert status == 0 and "1 open exception(s) moved" in out
    assert exceptions(queue, "stock_discrepancy")[0]["team"] == "operations"
    _, out, _ = run(["routing", "show"], capsys)
    assert json.loads(out)["warehouse_stock"] == "operations"
    status, _, err = run(
        ["routing", "set", "warehouse_stock", "nobody", "--user", "steward1"], capsys
    )
    assert status != 0 and "unknown team 'nobody'" in err


def test_exceptions_show_json_has_status_verification_and_resolution_history(
    queue: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    [row] = exceptions(queue, "stock_discrepancy")
    note = "recounted DC-1"
    argv = ["exceptions", "resolve", str(row["id"]), "--reason", "data_corrected", "--note", note,
            "--user", "owner.inv"]  # fmt: skip
    status, out, _ = run(argv, capsys)
    assert status == 0 and "is now resolved, awaiting verification" in out
    status, out, _ = run(["exceptions", "show", str(row["id"]), "--json"], capsys)
    shown = json.loads(out)
    assert status == 0
    assert (shown["status"], shown["verification"], shown["state"]) == (
        "resolved", "awaiting", "Resolved, awaiting verification",
    )  # fmt: skip
    [closing] = shown["resolutions"]
    assert {k: closing[k] for k in ("status", "resolved_by", "reason", "reason_label", "note",
                                    "outcome", "evidence_file")} == {
        "status": "resolved", "resolved_by": "owner.inv", "reason": "data_corrected",
        "reason_label": "Data corrected", "note": note, "outcome": "awaiting",
        "evidence_file": None,
    }  # fmt: skip
    assert next(h["action"] for h in shown["history"]) == "exception.detect"
    assert shown["comments"] == []

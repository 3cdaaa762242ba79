"""Detection: idempotent, cleared by data, reopened when the problem recurs, won't-fix and historical rules."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine

from core.db import write_session
from core.schema import ImportRun, QuarantinedRow, Return
from core.timeutil import iso_z
from governance import lifecycle
from governance.detection import detect
from governance.permissions import Actor
from tests.governance_support import (
    AS_OF,
    add,
    audit_after,
    exceptions,
    item,
    last_audit_id,
    make_people,
    only,
    set_stock,
    stock,
)

DAY = timedelta(days=1)


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


@pytest.fixture
def discrepancy(engine: Engine) -> Engine:
    """wms holds 10 of SKU-A at DC-1 and shopify 12: one high stock discrepancy."""
    add(
        engine,
        item("SKU-A", 1),
        stock("wms", "DC-1", "SKU-A", 10),
        stock("shopify", "DC-1", "SKU-A", 12),
    )
    return engine


def _status(engine: Engine) -> tuple[str, str, int, bool]:
    row = only(engine, "stock_discrepancy")
    return row["status"], row["severity"], row["reopen_count"], row["cleared_by_data"]


def test_detect_twice_opens_nothing_new(discrepancy: Engine) -> None:
    first = detect(discrepancy, as_of=AS_OF)
    before = exceptions(discrepancy)
    audit_id = last_audit_id(discrepancy)
    second = detect(discrepancy, as_of=AS_OF + DAY)
    after = exceptions(discrepancy)
    assert (first.opened, second.opened, second.reopened, second.cleared) == (1, 0, 0, 0)
    assert [r["id"] for r in after] == [r["id"] for r in before]
    assert after[0]["last_seen_at"] == AS_OF + DAY
    assert after[0]["first_seen_at"] == AS_OF
    assert after[0]["version"] == before[0]["version"]
    # the second run changed no state: its only audit row is the run itself
    assert [a[1] for a in audit_after(discrepancy, audit_id)] == ["detection.run"]


def test_new_exception_is_routed_and_due_by_severity(discrepancy: Engine) -> None:
    detect(discrepancy, as_of=AS_OF)
    row = only(discrepancy, "stock_discrepancy")
    assert (row["team"], row["domain"], row["entity"]) == (
        "inventory control",
        "warehouse_stock",
        "shopify / DC-1 / SKU-A",
    )
    assert row["due_at"] == AS_OF + timedelta(hours=48)  # high: 2 days
    assert row["facts"] == {
        "system": "shopify",
        "location": "DC-1",
        "sku": "SKU-A",
        "system_qty": 12,
        "book_system": "wms",
        "book_qty": 10,
        "difference": 2,
    }
    assert audit_after(discrepancy, 0, "exception") == [
        ("system", "exception.detect", "exception", str(row["id"]), "status", None, "open")
    ]


def test_fixed_clears_then_recurring_reopens_the_same_exception(discrepancy: Engine) -> None:
    detect(discrepancy, as_of=AS_OF)
    exception_id = only(discrepancy, "stock_discrepancy")["id"]
    set_stock(discrepancy, "shopify", "DC-1", "SKU-A", 10)
    audit_id = last_audit_id(discrepancy)
    report = detect(discrepancy, as_of=AS_OF + DAY)
    assert report.cleared == 1
    assert _status(discrepancy) == ("resolved", "high", 0, True)
    cleared = audit_after(discrepancy, audit_id, "exception")
    assert (
        "system",
        "exception.clear",
        "exception",
        str(exception_id),
        "status",
        "open",
        "resolved",
    ) in cleared
    assert (
        "system",
        "exception.clear",
        "exception",
        str(exception_id),
        "resolution_reason",
        None,
        "cleared_by_data",
    ) in cleared

    set_stock(discrepancy, "shopify", "DC-1", "SKU-A", 13)
    audit_id = last_audit_id(discrepancy)
    report = detect(discrepancy, as_of=AS_OF + 2 * DAY)
    row = only(discrepancy, "stock_discrepancy")
    assert (report.reopened, row["id"]) == (1, exception_id)
    assert _status(discrepancy) == ("open", "high", 1, False)
    assert row["facts"]["system_qty"] == 13
    assert row["opened_at"] == AS_OF + 2 * DAY and row["resolved_at"] is None
    reopened = audit_after(discrepancy, audit_id, "exception")
    assert (
        "system",
        "exception.reopen",
        "exception",
        str(exception_id),
        "status",
        "resolved",
        "open",
    ) in reopened
    assert (
        "system",
        "exception.reopen",
        "exception",
        str(exception_id),
        "reopen_count",
        "0",
        "1",
    ) in reopened


def _imported(engine: Engine, run_id: int, entity: str) -> None:
    """A committed import run of `entity` (new evidence for resolutions made before it)."""
    add(
        engine,
        ImportRun(id=run_id, source=entity, entity=entity, system="wms", file_name=f"{entity}.csv",
                  sha256=f"sha{run_id}", status="committed", started_at=AS_OF, finished_at=AS_OF),
    )  # fmt: skip


def test_person_resolved_but_still_found_reopens_once_new_evidence_arrives(
    discrepancy: Engine, people: dict[str, Actor]
) -> None:
    detect(discrepancy, as_of=AS_OF)
    exception_id = only(discrepancy, "stock_discrepancy")["id"]
    with write_session(discrepancy) as session:
        lifecycle.resolve(
            session=session,
            actor=people["owner.inv"],
            exception_id=exception_id,
            reason="fixed_at_source",
            note="recounted",
        )
    assert _status(discrepancy)[0] == "resolved"
    detect(discrepancy, as_of=AS_OF + DAY)  # no import since the resolution: it waits
    assert _status(discrepancy) == ("resolved", "high", 0, False)
    _imported(discrepancy, 1, "cycle_counts")  # not read by the rule
    detect(discrepancy, as_of=AS_OF + DAY)
    assert _status(discrepancy) == ("resolved", "high", 0, False)
    _imported(discrepancy, 2, "stock_levels")
    detect(discrepancy, as_of=AS_OF + DAY)
    assert _status(discrepancy) == ("open", "high", 1, False)
    history = [(a[0], a[1], a[4], a[5], a[6]) for a in audit_after(discrepancy, 0, "exception")]
    assert history == [
        ("system", "exception.detect", "status", None, "open"),
        ("owner.inv", "exception.resolve", "status", "open", "resolved"),
        ("owner.inv", "exception.resolve", "resolution_reason", None, "fixed_at_source"),
        ("owner.inv", "exception.resolve", "resolution_note", None, "recounted"),
        ("owner.inv", "exception.resolve", "verification", None, "awaiting"),
        ("system", "exception.reopen", "status", "resolved", "open"),
        ("system", "exception.reopen", "due_at", iso_z(AS_OF + 2 * DAY), iso_z(AS_OF + 3 * DAY)),
        ("system", "exception.reopen", "resolution_reason", "fixed_at_source", None),
        ("system", "exception.reopen", "resolution_note", "recounted", None),
        ("system", "exception.reopen", "verification", "awaiting", None),
        ("system", "exception.reopen", "reopen_count", "0", "1"),
    ]


def test_wont_fix_stays_closed_unless_severity_rises(
    engine: Engine, people: dict[str, Actor]
) -> None:
    add(
        engine,
        item("SKU-A", 1),
        stock("wms", "DC-1", "SKU-A", 10),
        stock("shopify", "DC-1", "SKU-A", 8),
    )
    detect(engine, as_of=AS_OF)
    row = only(engine, "stock_discrepancy")
    assert row["severity"] == "medium"  # the system shows less than the book
    with write_session(engine) as session:
        lifecycle.wont_fix(
            session=session,
            actor=people["steward1"],
            exception_id=row["id"],
            reason="accepted_risk",
            note="shopify buffer",
        )
    set_stock(engine, "shopify", "DC-1", "SKU-A", 7)  # facts change, severity does not
    detect(engine, as_of=AS_OF + DAY)
    assert _status(engine) == ("wont_fix", "medium", 0, False)
    set_stock(engine, "shopify", "DC-1", "SKU-A", 11)  # now oversell: high
    detect(engine, as_of=AS_OF + 2 * DAY)
    assert _status(engine) == ("open", "high", 1, False)


def _quarantine(
    engine: Engine, run_id: int, lines: list[int], *, file_name: str = "orders.csv"
) -> None:
    add(
        engine,
        ImportRun(
            id=run_id,
            source="orders",
            entity="orders",
            system="oms",
            file_name=file_name,
            sha256="abc" if file_name == "orders.csv" else "def",
            status="committed",
            started_at=AS_OF - DAY,
            finished_at=AS_OF - DAY,
            quarantined=len(lines),
        ),
        *(
            QuarantinedRow(
                import_run_id=run_id,
                entity="orders",
                file_name=file_name,
                file_sha256="abc",
                line_number=n,
                raw_text="x",
                reason="bad date",
                created_at=AS_OF - DAY,
            )
            for n in lines
        ),
    )


def test_historical_rule_keeps_a_persons_resolution_until_its_facts_change(
    engine: Engine, people: dict[str, Actor]
) -> None:
    _quarantine(engine, 1, [2, 3])
    detect(engine, as_of=AS_OF)
    row = only(engine, "quarantined_rows")
    assert (row["team"], row["facts"]["rows"], row["entity"]) == ("systems / IT", 2, "abc")
    with write_session(engine) as session:
        lifecycle.resolve(
            session=session,
            actor=people["admin1"],
            exception_id=row["id"],
            reason="data_corrected",
            note="rows re-sent",
        )
    detect(engine, as_of=AS_OF + DAY)
    assert only(engine, "quarantined_rows")["status"] == "resolved"
    add(
        engine,
        QuarantinedRow(
            import_run_id=1,
            entity="orders",
            file_name="orders.csv",
            file_sha256="abc",
            line_number=9,
            raw_text="x",
            reason="bad date",
            created_at=AS_OF,
        ),
    )
    detect(engine, as_of=AS_OF + 2 * DAY)
    reopened = only(engine, "quarantined_rows")
    assert (reopened["status"], reopened["reopen_count"], reopened["facts"]["rows"]) == (
        "open",
        1,
        3,
    )
    # a later clean import of the same file name and source supersedes the bad one
    add(
        engine,
        ImportRun(
            id=2,
            source="orders",
            entity="orders",
            system="oms",
            file_name="orders.csv",
            sha256="fff",
            status="committed",
            started_at=AS_OF,
            quarantined=0,
        ),
    )
    detect(engine, as_of=AS_OF + 3 * DAY)
    assert only(engine, "quarantined_rows")["cleared_by_data"] is True


def _refunded_return(engine: Engine, received_days: int, refunded: bool) -> None:
    add(
        engine,
        Return(return_id="R-9", quantity=1, sku="SKU-A", channel="shopify",
               receiving_location_id="STORE-1", received_at=AS_OF - received_days * DAY,
               refunded_at=AS_OF - DAY if refunded else None),
    )  # fmt: skip


def test_a_return_becoming_a_black_hole_is_one_exception(engine: Engine) -> None:
    """Received 4 days ago, unrefunded: a lag breach (> 72 h). Once refunded and 7 days old it is
    a black hole, which folds the lag breach: the lag exception clears, saying where it went."""
    _refunded_return(engine, received_days=4, refunded=False)
    detect(engine, as_of=AS_OF)
    lag = only(engine, "return_lag_breach")
    assert (lag["status"], lag["severity"]) == ("open", "medium")
    with write_session(engine) as session:
        row = session.get(Return, "R-9")
        row.refunded_at = AS_OF + DAY
    detect(engine, as_of=AS_OF + 4 * DAY)  # now 8 days since received, refunded 3 days ago
    active = [r for r in exceptions(engine) if r["status"] == "open"]
    assert [(r["type"], r["entity"], r["severity"]) for r in active] == [
        ("black_hole_return", "R-9", "high")
    ]
    assert active[0]["facts"]["also"] == ["return_lag_breach"]
    assert active[0]["facts"]["limit_hours"] == 72.0
    lag = only(engine, "return_lag_breach")
    assert (lag["status"], lag["cleared_by_data"]) == ("resolved", True)
    assert (
        lag["resolution_note"] == "folded into the black-hole return exception of the same entity"
    )

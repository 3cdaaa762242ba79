"""Webhook alerts: one grouped message per detection run, retried, kept until delivered, never blocking."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from cli.main import main
from core.db import read_session, write_session
from core.schema import AlertOutbox, ExceptionRecord
from core.settings import get_settings
from governance.alerts import alert_after_detection, pending_alerts
from governance.kpi_targets import update_kpi_target
from governance.permissions import Actor
from tests.cadence_support import free_port, webhook
from tests.governance_support import add, insert_exception, item, make_people


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    return make_people(engine)


def _use_webhook(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("INVGOV_ALERT_WEBHOOK_URL", url)
    monkeypatch.setenv("INVGOV_ALERT_RETRIES", "2")
    monkeypatch.setenv("INVGOV_ALERT_TIMEOUT_SECONDS", "2")
    monkeypatch.setenv("INVGOV_BASE_URL", "https://invgov.example.com")
    get_settings.cache_clear()


def _highs(engine: Engine, team: str, type_: str, keys: list[str]) -> None:
    with write_session(engine) as session:
        for key in keys:
            exception_id = insert_exception(session, team=team, type_=type_, key=key)
            session.get_one(ExceptionRecord, exception_id).severity = "high"


def test_a_flood_is_one_message_with_counts_and_nothing_new_sends_nothing(
    engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    _highs(engine, "inventory control", "stock_discrepancy", ["DC-01/A", "DC-01/B", "DC-01/<C>"])
    _highs(engine, "store operations", "black_hole_return", ["R-1"])
    with write_session(engine) as session:  # a medium one never alerts
        insert_exception(session, team="operations", type_="stalled_order", key="O-1")
    with webhook() as (url, hook):
        _use_webhook(monkeypatch, url)
        run = alert_after_detection(engine)
        again = alert_after_detection(engine)
    assert run is not None and (run.queued, run.delivered, run.pending) == (1, 1, 0)
    assert again is not None and (again.queued, again.delivered) == (0, 0)
    assert len(hook.received) == 1
    text = hook.received[0]["text"]
    assert text.splitlines() == [
        "invgov: 4 new high-severity exceptions",
        "• stock_discrepancy (inventory control): 3 new, e.g. DC-01/A, DC-01/B, DC-01/&lt;C&gt;",
        "• black_hole_return (store operations): 1 new, e.g. R-1",
        "Open the queue: https://invgov.example.com/queue",
    ]


def test_a_reopened_exception_alerts_again(
    engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    _highs(engine, "inventory control", "stock_discrepancy", ["DC-01/A"])
    with webhook() as (url, hook):
        _use_webhook(monkeypatch, url)
        alert_after_detection(engine)
        with write_session(engine) as session:  # detection reopened it: a new opening instant
            row = session.scalars(select(ExceptionRecord)).one()
            row.opened_at = row.opened_at.replace(day=row.opened_at.day + 1)
        alert_after_detection(engine)
    assert [m["text"].splitlines()[0] for m in hook.received] == [
        "invgov: 1 new high-severity exception", "invgov: 1 new high-severity exception"
    ]  # fmt: skip


def test_undelivered_alerts_are_retried_kept_and_sent_at_the_next_run(
    engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch
) -> None:
    _highs(engine, "inventory control", "stock_discrepancy", ["DC-01/A"])
    with webhook(statuses=[500, 503]) as (url, hook):
        _use_webhook(monkeypatch, url)
        first = alert_after_detection(engine)  # two tries (INVGOV_ALERT_RETRIES=2), both fail
        assert first is not None and (first.queued, first.delivered, first.pending) == (1, 0, 1)
        (waiting,) = pending_alerts(engine)
        assert (waiting["attempts"], waiting["last_error"]) == (2, "HTTP 503 Service Unavailable")
        assert hook.requests == 2 and hook.received == []
        _highs(engine, "store operations", "black_hole_return", ["R-1"])
        second = alert_after_detection(engine)  # the server is back: both messages go, in order
    assert second is not None and (second.queued, second.delivered, second.pending) == (1, 2, 0)
    assert [m["text"].splitlines()[0] for m in hook.received] == [
        "invgov: 1 new high-severity exception", "invgov: 1 new high-severity exception"
    ]  # fmt: skip
    assert "stock_discrepancy" in hook.received[0]["text"]
    assert "black_hole_return" in hook.received[1]["text"]
    with read_session(engine) as session:
        attempts = session.scalars(select(AlertOutbox.attempts).order_by(AlertOutbox.id)).all()
    assert attempts == [3, 1]


def test_an_unreachable_webhook_never_blocks_the_import(
    engine: Engine, people: dict[str, Actor], monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _use_webhook(monkeypatch, f"http://127.0.0.1:{free_port()}/hook")  # nobody listens
    with write_session(engine) as session:
        target = update_kpi_target(session=session, actor=people["steward1"],
                                   metric="stock_discrepancies", amber_margin=0, seen_version=1)  # fmt: skip
    assert target.amber_margin == 0
    add(engine, item("TEE-1", 1))
    stock = tmp_path / "stock_levels.csv"
    stock.write_text(
        "as_of,system,location_id,system_sku,status,quantity\n"
        "2026-01-20T00:00:00Z,wms,DC-01,TEE-1,sellable,5\n"
        "2026-01-20T00:00:00Z,shopify,DC-01,TEE-1,sellable,8\n", encoding="utf-8"
    )  # fmt: skip
    assert main(["import", "canonical", str(stock)]) == 0  # committed, detection ran, alert kept
    (waiting,) = pending_alerts(engine)
    # shopify shows 8 where the book (wms) has 5: one high stock discrepancy, and with a margin
    # of 0 the stock_discrepancies KPI (1 pair against a target of 0) turns red.
    assert waiting["summary"] == "invgov: 1 new high-severity exception, 1 KPI turned red"
    assert waiting["last_error"].startswith("cannot connect")
    with webhook() as (url, hook):
        _use_webhook(monkeypatch, url)
        assert main(["alerts", "send"]) == 0
    assert "• KPI Stock discrepancies is red: 1 (snapshot" in hook.received[0]["text"]
    assert "target = 0, owner inventory control)" in hook.received[0]["text"]
    assert "1 alert(s) delivered, 0 still waiting" in capsys.readouterr().out

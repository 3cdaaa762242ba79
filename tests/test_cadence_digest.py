"""Weekly digests by email, against a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
from sqlalchemy import Engine

from cli.main import main
from core.db import write_session
from core.schema import ExceptionRecord
from core.settings import get_settings
from core.timeutil import utcnow, week_start
from governance import accounts, founders
from governance.permissions import Actor
from metrics.kpi_board import latest_complete_week
from tests.cadence_support import free_port, smtp_server
from tests.governance_support import insert_exception, make_people

BASE = "https://invgov.example.com"
EMAILS = {"owner.inv": "inv@example.com", "steward1": "s1@example.com",
          "owner.merch": "merch@example.com", "admin1": "boss@example.com"}  # fmt: skip


@pytest.fixture
def brand(engine: Engine) -> dict[str, int]:
    """People with emails (steward2 has none), admin1 a founder, three exceptions of two teams."""
    people: dict[str, Actor] = make_people(engine)
    week = latest_complete_week(utcnow())
    now = utcnow()
    with write_session(engine) as session:
        for name, email in EMAILS.items():
            accounts.change_email(session=session, actor=people["root"], name=name, email=email)
        founders.add_founder_recipient(session=session, actor=people["root"], name="admin1")
        late = insert_exception(session, team="inventory control", key="DC-01/<TEE>")
        fresh = insert_exception(session, team="inventory control", key="DC-01/CAP")
        dup = insert_exception(session, team="merchandising", type_="duplicate_barcode", key="123")
        for exception_id, due, seen in ((late, now - timedelta(days=2), None),
                                        (fresh, now + timedelta(days=5), week_start(week)),
                                        (dup, now + timedelta(days=9), None)):  # fmt: skip
            row = session.get_one(ExceptionRecord, exception_id)
            row.due_at = due
            if seen is not None:
                row.first_seen_at = row.opened_at = seen + timedelta(hours=3)
    return {"late": late, "fresh": fresh, "dup": dup}


def _smtp_env(monkeypatch: pytest.MonkeyPatch, port: int) -> None:
    for name, value in {"HOST": "127.0.0.1", "PORT": str(port), "STARTTLS": "false",
                        "FROM": "invgov@example.com", "TIMEOUT_SECONDS": "5"}.items():  # fmt: skip
        monkeypatch.setenv(f"INVGOV_SMTP_{name}", value)
    monkeypatch.setenv("INVGOV_BASE_URL", BASE)
    get_settings.cache_clear()


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_each_team_gets_its_digest_with_its_exceptions_and_links(
    engine: Engine, brand: dict[str, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    week = latest_complete_week(utcnow())
    with smtp_server() as (port, inbox):
        _smtp_env(monkeypatch, port)
        assert main(["digest"]) == 0
    out = capsys.readouterr().out
    assert "no email: steward2 (merchandising)" in out
    assert "no members: operations" not in out  # operations has no exception and no news
    (inv,) = inbox.to("inv@example.com")
    assert inv["Subject"] == f"invgov weekly digest {week} · inventory control: 2 open, 1 overdue"
    text, html = _parts(inv)
    # Two stock discrepancies of the team, one overdue, one first seen during the week.
    assert "  - stock_discrepancy: 2 open (0 high), 1 overdue" in text
    assert f"{BASE}/exceptions?type=stock_discrepancy&team=inventory+control" in text
    assert f"#{brand['late']} stock_discrepancy DC-01/<TEE> (medium)" in text
    assert f"{BASE}/exceptions?exception={brand['late']}" in text
    assert f"During {week}: 1 new, 0 resolved by people, 0 cleared by data, 0 reopened." in text
    assert "duplicate_barcode" not in text  # another team's
    assert "DC-01/&lt;TEE&gt;" in html and "<TEE>" not in html
    assert f"href='{BASE}/exceptions?type=stock_discrepancy&amp;team=inventory+control'" in html
    merch = inbox.to("merch@example.com") + inbox.to("s1@example.com")
    assert [m["Subject"] for m in merch] == [
        f"invgov weekly digest {week} · merchandising: 1 open, 0 overdue"
    ] * 2
    assert "duplicate_barcode: 1 open" in _parts(merch[0])[0]
    (boss,) = inbox.to("boss@example.com")
    assert boss["Subject"].startswith(f"invgov founder digest {week}")
    (pdf,) = [p for p in boss.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_filename() == f"invgov-founder-{week}.pdf"
    assert pdf.get_content()[:5] == b"%PDF-"
    assert "Inventory record accuracy: – (no data" in _parts(boss)[0]
    assert len(inbox.messages) == 4


def test_a_failing_smtp_server_is_reported_with_the_recipients_not_reached(
    engine: Engine, brand: dict[str, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    _smtp_env(monkeypatch, free_port())  # nothing listens there
    assert main(["digest", "--team", "Inventory Control"]) == 1
    err = capsys.readouterr().err
    assert "NOT REACHED owner.inv <inv@example.com> (inventory control): SMTP server " in err
    assert "ConnectionRefusedError" in err
    assert "error: 1 recipient(s) not reached" in err


def test_a_refused_recipient_is_not_reached_and_the_others_are(
    engine: Engine, brand: dict[str, int], monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    with smtp_server(refuse={"merch@example.com"}) as (port, inbox):
        _smtp_env(monkeypatch, port)
        assert main(["digest", "--json"]) == 1
    out = capsys.readouterr().out
    assert '"recipient": "owner.merch <merch@example.com> (merchandising)"' in out
    assert "SMTPRecipientsRefused" in out and "550" in out and "no such mailbox" in out
    assert {a for rcpts, _m in inbox.messages for a in rcpts} == {
        "inv@example.com", "s1@example.com", "boss@example.com"
    }  # fmt: skip


def test_dry_run_writes_the_messages_to_a_folder(
    engine: Engine, brand: dict[str, int], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_BASE_URL", BASE)
    get_settings.cache_clear()
    week = latest_complete_week(utcnow())
    assert main(["digest", "--dry-run", "--out", str(tmp_path / "out")]) == 0
    names = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert names == [f"{week}-founders-admin1.eml", f"{week}-inventory_control-owner.inv.eml",
                     f"{week}-merchandising-owner.merch.eml", f"{week}-merchandising-steward1.eml"]  # fmt: skip

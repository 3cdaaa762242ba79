"""The Sources page: everyone sees history and freshness; stewards and admins upload, preview and import."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import Engine
from streamlit.testing.v1 import AppTest

import pipeline
from core.db import get_engine, write_session
from core.settings import get_settings
from governance.accounts import add_user, create_first_admin
from governance.errors import PermissionDenied
from governance.permissions import Actor, Role
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.connectors_support import all_counts
from tests.governance_support import session_token
from ui import import_jobs
from ui.auth import TOKEN_KEY
from ui.sources_upload import JOB_KEY, upload_problem

APP = str(PROJECT_ROOT / "app.py")
PAGE = "pages/sources.py"
ORDERS = FIXTURES / "shopify-orders" / "orders_export.csv"
PASSWORD = "correct-horse-1"
PAYLOAD = "<script>alert(1)</script>"
TEXT_ONLY = {"dataframe", "arrow_data_frame", "text", "code"}


@pytest.fixture
def people(db_url: str) -> str:
    """An admin, a viewer and a steward."""
    with write_session(get_engine(db_url)) as session:
        admin = create_first_admin(session=session, name="ada", password=PASSWORD)
        add_user(session=session, actor=admin, name="vic", role="viewer", password=PASSWORD)
        add_user(session=session, actor=admin, name="sam", role="steward", team="merchandising",
                 password=PASSWORD)  # fmt: skip
    return db_url


def sources_page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    at.switch_page(PAGE).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def upload(at: AppTest, name: str, content: bytes) -> AppTest:
    at.file_uploader(key="sources.files").upload(name, content, "text/csv").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def plain(markdown: str) -> str:
    """A Markdown body as read: backslash escapes removed."""
    return markdown.replace("\\", "")


def expected_orders() -> dict[str, int]:
    """Rows read, quarantined and per entity, counted from the fixture with the csv module."""
    rows = list(csv.DictReader(io.StringIO(ORDERS.read_text(encoding="utf-8"))))
    good = [r for r in rows if r["Lineitem quantity"].isdigit()]
    fulfilled_at = {r["Name"]: r["Fulfilled at"] for r in rows if r["Fulfilled at"]}
    shipped = [
        r for r in good
        if r["Name"] in fulfilled_at and r["Lineitem fulfillment status"] == "fulfilled"
    ]  # fmt: skip
    return {"read": len(rows), "quarantined": len(rows) - len(good),
            "orders": len({r["Name"] for r in good}), "order_lines": len(good),
            "shipments": len(shipped)}  # fmt: skip


def test_a_viewer_sees_history_and_freshness_but_no_upload(people: str) -> None:
    pipeline.import_file(ORDERS, "shopify-orders", engine=get_engine(people))
    at = sources_page("vic")
    assert [t.value for t in at.title] == ["Sources"]
    assert not at.get("file_uploader")
    assert set(b.label for b in at.button) <= {"Sign out"}
    freshness, history = (d.value for d in at.main.dataframe)
    assert list(
        zip(freshness["source"], freshness["system"], freshness["imports"], strict=True)
    ) == [("shopify-orders", "shopify", 1)]
    assert list(history["file"]) == ["orders_export.csv"]


def test_a_steward_sees_the_upload(people: str) -> None:
    at = sources_page("sam")
    (uploader,) = at.get("file_uploader")
    assert uploader.accept_multiple_files
    assert sorted(uploader.allowed_type) == [".csv", ".tsv", ".txt", ".xlsx"]
    assert {b.label for b in at.button} >= {"Preview", "Import"}
    assert at.button(key="sources.do_import").disabled  # nothing uploaded yet


def test_preview_shows_the_mapped_rows_and_writes_nothing(people: str) -> None:
    expected = expected_orders()
    at = upload(sources_page("sam"), ORDERS.name, ORDERS.read_bytes())
    at.button(key="sources.do_preview").click().run()
    assert not at.exception
    summary = next(t.value for t in at.text if t.value.startswith("orders_export.csv:"))
    assert summary == (
        f"orders_export.csv: format shopify-orders, system shopify; {expected['read']} rows read, "
        f"{expected['quarantined']} would be quarantined"
    )
    assert [t.label for t in at.tabs] == [
        f"orders ({expected['orders']})",
        f"order_lines ({expected['order_lines']})",
        f"shipments ({expected['shipments']})",
        f"quarantined ({expected['quarantined']})",
    ]
    orders = at.main.dataframe[0].value
    assert sorted(orders["order_id"]) == ["#1001", "#1002", "#1003"]
    quarantine = at.main.dataframe[3].value
    assert list(quarantine["reason"]) == ["Lineitem quantity: not a whole number: 'two'"]
    assert all(n == 0 for n in all_counts(get_engine(people)).values())


def test_an_oversized_upload_is_refused_with_a_clear_message(
    people: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INVGOV_MAX_UPLOAD_MB", "1")
    get_settings.cache_clear()
    big = b"sku,name\n" + b"X,y\n" * (1024 * 1024 // 4 + 100)  # just over 1 MiB: 1.1 MB rounded up
    at = upload(sources_page("sam"), "big.csv", big)
    assert [plain(e.value) for e in at.error] == [
        "big.csv is 1.1 MB; the limit is 1 MB. It is not imported."
    ]
    assert at.button(key="sources.do_preview").disabled
    assert at.button(key="sources.do_import").disabled


def test_a_file_of_another_type_is_refused(people: str) -> None:
    # The browser only offers the accepted types; a forged upload is stopped by Streamlit's own
    # server-side extension check before the page sees it, and our check refuses it as well.
    at = sources_page("sam")
    at.file_uploader(key="sources.files").upload("tool.exe", b"MZ", "text/csv").run()
    assert at.exception and not at.get("tabs")
    assert all(n == 0 for n in all_counts(get_engine(people)).values())
    assert upload_problem("tool.exe", 2, 50) == (
        "tool.exe is not one of the accepted file types (.csv, .txt, .tsv, .xlsx)"
    )


@pytest.mark.parametrize(
    ("name", "size", "problem"),
    [
        ("a.CSV", 10, None),
        ("a.tsv", 50 * 1024 * 1024, None),  # exactly the limit
        ("a.tsv", 50 * 1024 * 1024 + 1, "a.tsv is 50.1 MB; the limit is 50 MB"),
        ("a.txt", 0, "a.txt is empty"),
        ("a", 10, "a is not one of the accepted file types (.csv, .txt, .tsv, .xlsx)"),
    ],
)
def test_upload_problem(name: str, size: int, problem: str | None) -> None:
    assert upload_problem(name, size, 50) == problem


def test_import_runs_as_a_job_and_reports(people: str) -> None:
    expected = expected_orders()
    at = upload(sources_page("sam"), ORDERS.name, ORDERS.read_bytes())
    at.button(key="sources.do_import").click().run()
    assert not at.exception
    status = import_jobs.wait_for(at.session_state[JOB_KEY])
    assert status.state == "done" and status.actor == "sam"
    at.run()
    assert not at.exception
    report = at.main.dataframe[0].value
    loaded = expected["orders"] + expected["order_lines"] + expected["shipments"]
    assert report[["file", "format", "status", "read", "inserted", "updated", "quarantined"]].to_dict("records") == [
        {"file": "orders_export.csv", "format": "shopify-orders", "status": "committed",
         "read": expected["read"], "inserted": loaded, "updated": 0, "quarantined": expected["quarantined"]}
    ]  # fmt: skip
    counts = all_counts(get_engine(people))
    assert {k: counts[k] for k in ("orders", "order_lines", "shipments")} == {
        k: expected[k] for k in ("orders", "order_lines", "shipments")
    }
    labels = [b.label for b in at.download_button]
    assert "Download import report (CSV)" in labels and "Download quarantined rows (CSV)" in labels
    quarantine = next(d.value for d in at.main.dataframe if "raw row" in d.value.columns)
    assert list(quarantine["reason"]) == ["Lineitem quantity: not a whole number: 'two'"]
    history = at.main.dataframe[-1].value
    assert list(history["file"]) == ["orders_export.csv"]


def test_the_job_checks_the_permission_itself(people: str, tmp_path: Path) -> None:
    engine: Engine = get_engine(people)
    viewer = Actor("vic", Role.VIEWER)
    with pytest.raises(PermissionDenied, match=r"vic \(viewer\) may not import files"):
        pipeline.import_as(viewer, ORDERS, "auto", engine=engine)
    # Even an actor object claiming a role the database does not hold is refused.
    forged = Actor("vic", Role.ADMIN)
    staging = tmp_path / "staging"
    staging.mkdir()
    job = import_jobs.start_import(forged, [ORDERS], "auto", engine=engine, staging=staging)
    status = import_jobs.wait_for(job)
    assert status.state == "failed"
    assert status.error == "vic (viewer) may not import files; allowed for: steward, admin"
    assert status.reports == ()
    assert not staging.exists()
    assert all(n == 0 for n in all_counts(engine).values())


def test_a_job_imports_several_files_in_order(people: str) -> None:
    engine = get_engine(people)
    files = [FIXTURES / "canonical" / "items.csv", ORDERS]
    job = import_jobs.start_import(Actor("ada", Role.ADMIN), files, "auto", engine=engine)
    status = import_jobs.wait_for(job)
    assert status.state == "done" and status.fraction == 1.0
    assert [(r.file, r.source) for r in status.reports] == [
        ("items.csv", "items"),
        ("orders_export.csv", "shopify-orders"),
    ]
    assert status.text == "Finished: 2 of 2 file(s) imported or refused"


def test_uploaded_text_is_never_rendered_as_html(people: str) -> None:
    name = f"{PAYLOAD}.csv"
    content = f"sku,name,lifecycle_status\n{PAYLOAD},x,bogus\n".encode()
    at = upload(sources_page("sam"), name, content)
    at.button(key="sources.do_preview").click().run()
    assert not at.exception
    shown_as_data = False
    for element in [*at.main, *at.sidebar]:
        if element.type in TEXT_ONLY:
            shown_as_data |= PAYLOAD in str(getattr(element, "value", ""))
            continue
        assert PAYLOAD not in str(element.proto), element.type
        assert not getattr(element.proto, "allow_html", False), element.type
    assert shown_as_data

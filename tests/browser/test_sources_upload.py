"""In a real browser: a steward uploads an export on the Sources page, previews it, imports it, reads the report, undoes it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from core.db import get_engine
from core.schema import ExceptionRecord, ImportRun, OrderLine
from governance.vocabulary import ACTIVE
from tests.browser.conftest import AppServer, sign_in, wait_heading, wait_idle
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser
ORDERS = FIXTURES / "shopify-orders" / "orders_export.csv"


def open_sources(page: object, base: str, user: str) -> object:
    """Sign in and open the Sources page from the menu; returns the main area."""
    sign_in(page, base, user)
    nav = page.locator("[data-testid='stSidebarNav']")  # type: ignore[attr-defined]
    nav.get_by_role("link", name="Sources").click()
    wait_idle(page)
    return page.locator("[data-testid='stMain']")  # type: ignore[attr-defined]


def test_a_steward_uploads_previews_and_imports(app_server: AppServer, page: object) -> None:
    main = open_sources(page, app_server.url, "sam")
    wait_heading(page, "Sources")
    assert main.locator("h1").all_inner_texts() == ["Sources"]
    with page.expect_file_chooser() as chooser:  # type: ignore[attr-defined]
        main.get_by_test_id("stFileUploaderDropzone").click()
    chooser.value.set_files(str(ORDERS))
    main.get_by_text("orders_export.csv").first.wait_for()
    wait_idle(page)

    main.get_by_role("button", name="Preview").click()
    summary = main.get_by_text("orders_export.csv: format shopify-orders, system shopify")
    summary.wait_for()
    assert "5 rows read, 1 would be quarantined" in summary.inner_text()
    for tab in ("orders (3)", "order_lines (4)", "shipments (3)", "quarantined (1)"):
        main.get_by_role("tab", name=tab).wait_for()  # the tabs render just after the summary
        assert main.get_by_role("tab", name=tab).count() == 1
    with get_engine(app_server.db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(ImportRun)).scalar_one() == 0
    impact = main.get_by_text("Exceptions: importing it opens")
    impact.wait_for()
    preview_line = impact.inner_text()

    main.get_by_role("button", name="Import").click()
    main.get_by_role("heading", name="Import report").wait_for(timeout=30_000)
    wait_idle(page)
    totals = main.get_by_text("1 file(s) imported, 0 refused")
    assert totals.inner_text() == (
        "1 file(s) imported, 0 refused: 10 rows loaded, 0 updated, 0 unchanged, 1 quarantined."
    )
    assert main.get_by_role("button", name="Download import report (CSV)").count() == 1
    with get_engine(app_server.db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 4
        actor = conn.execute(select(ImportRun.actor)).scalar_one()
        active = _active_exceptions(conn)
    assert actor == "sam"
    # what the preview said the import would open is what it opened (the exceptions table)
    assert f"opens {active:,}" in preview_line
    assert active > 0
    reported = main.get_by_text("orders_export.csv: exceptions: opened").inner_text()
    assert reported.startswith(f"orders_export.csv: exceptions: opened {active:,}")

    # Issue 14: the import is taken back from the same page, after a confirmation.
    main.get_by_role("button", name="Undo this import…").click()
    main.get_by_role("button", name="Yes, undo run 1").wait_for()
    with get_engine(app_server.db_url).connect() as conn:  # asking is not undoing
        assert conn.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 4
    main.get_by_role("button", name="Yes, undo run 1").click()
    done = main.get_by_text("Import run 1 (orders_export.csv) undone by sam")
    done.wait_for(timeout=30_000)
    # 10 rows (3 orders, 4 lines, 3 shipments) and the one quarantined row, as the report said.
    assert "10 row(s) it inserted deleted" in done.inner_text()
    assert "1 quarantined row(s) removed" in done.inner_text()
    with get_engine(app_server.db_url).connect() as conn:
        assert conn.execute(select(func.count()).select_from(OrderLine)).scalar_one() == 0
        assert conn.execute(select(ImportRun.status)).scalar_one() == "undone"
        assert _active_exceptions(conn) == 0  # the exceptions it opened are cleared by data


def _active_exceptions(conn: object) -> int:
    statuses = ExceptionRecord.status.in_(ACTIVE)
    query = select(func.count()).select_from(ExceptionRecord).where(statuses)
    return conn.execute(query).scalar_one()  # type: ignore[attr-defined]


def test_a_viewer_gets_no_upload(app_server: AppServer, page: object) -> None:
    main = open_sources(page, app_server.url, "vic")
    wait_heading(page, "Sources")
    assert main.locator("h1").all_inner_texts() == ["Sources"]
    assert main.get_by_test_id("stFileUploaderDropzone").count() == 0
    assert main.get_by_text("Stewards and admins import files here").count() == 1

"""In a real browser: a viewer opens the Planning page and downloads the safety-stock table as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser.conftest import (
    AppServer,
    sign_in,
    start_server,
    stop_server,
    wait_heading,
    wait_idle,
)
from tests.test_planning_page import load_planning_data

pytestmark = pytest.mark.browser


@pytest.fixture
def planning_server(people_db: str, tmp_path: Path) -> Iterator[AppServer]:
    """An app server on the accounts database with the Planning page's tiny dataset imported."""
    load_planning_data(people_db, tmp_path / "data")
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def test_a_viewer_downloads_the_safety_stock_table(
    planning_server: AppServer, page: object
) -> None:
    sign_in(page, planning_server.url, "vic")
    nav = page.locator("[data-testid='stSidebarNav']")  # type: ignore[attr-defined]
    nav.get_by_role("link", name="Planning").click()
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")  # type: ignore[attr-defined]
    wait_heading(page, "Planning")
    assert main.locator("h1").all_inner_texts() == ["Planning"]
    main.get_by_role("tab", name="Safety stock").click()
    wait_idle(page)  # only the chosen tab is computed, on the rerun the click starts
    page.wait_for_url("**planning.tab=Safety*")  # type: ignore[attr-defined]
    with page.expect_download() as download:  # type: ignore[attr-defined]
        main.get_by_role("button", name="Safety stock CSV").click()
    body = Path(download.value.path()).read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(body)))
    # amazon SKU-B is short (≈ 5.09 against 5 available), shopify SKU-B is not (test_planning_page)
    assert [(r["channel"], r["SKU"], r["short"], r["available (units)"]) for r in rows] == [
        ("amazon", "SKU-B", "yes", "5"),
        ("shopify", "SKU-B", "no", "5"),
    ]

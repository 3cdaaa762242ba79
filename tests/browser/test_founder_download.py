"""In a real browser: a viewer downloads the founder one-pager of a chosen week from the Overview."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.browser.conftest import (
    AppServer,
    sign_in,
    start_server,
    stop_server,
    wait_heading,
    wait_idle,
)
from tests.test_planning_page import load_planning_data
from ui.founder_download import ended_weeks

pytestmark = pytest.mark.browser


@pytest.fixture
def brand_server(people_db: str, tmp_path: Path) -> Iterator[AppServer]:
    """An app server on the accounts database with a small dataset imported."""
    load_planning_data(people_db, tmp_path / "data")
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def test_a_viewer_downloads_the_founder_one_pager(brand_server: AppServer, page: object) -> None:
    sign_in(page, brand_server.url, "vic")
    wait_idle(page)
    main = page.locator("[data-testid='stMain']")  # type: ignore[attr-defined]
    wait_heading(page, "Overview")
    assert main.locator("h1").all_inner_texts() == ["Overview"]
    chosen = ended_weeks()[1]  # the week before the latest ended one
    box = main.get_by_role("combobox", name="Founder one-pager of week")
    box.click()
    box.press("ArrowDown")
    page.keyboard.type(chosen)  # type: ignore[attr-defined]
    page.get_by_role("option", name=chosen).wait_for()  # type: ignore[attr-defined]
    box.press("Enter")
    wait_idle(page)
    # The page is rendered when pressed (WeasyPrint); a loaded CI machine can take longer than 30 s.
    with page.expect_download(timeout=120_000) as download:  # type: ignore[attr-defined]
        main.get_by_role("button", name="Download the founder one-pager (PDF)").click()
    assert download.value.suggested_filename == f"invgov-founder-{chosen}.pdf"
    pdf = PdfReader(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert len(pdf.pages) == 1
    text = pdf.pages[0].extract_text()
    assert chosen in text and "Inventory record accuracy" in text

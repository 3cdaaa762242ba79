"""In a real browser: a filter changes the URL and the KPI value, and the shared link shows the same."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import AppServer, sign_in, start_server, stop_server, wait_idle
from tests.test_overview_filters import load_counts

pytestmark = pytest.mark.browser
IRA = "Inventory record accuracy"


@pytest.fixture
def counts_server(people_db: str, tmp_path: Path) -> Iterator[AppServer]:
    """An app server on the accounts database with the cycle counts of load_counts imported."""
    load_counts(people_db, tmp_path / "counts")
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def ira_value(page: object) -> object:
    """The value of the inventory record accuracy tile, as a locator."""
    tile = page.locator("[data-testid='stMetric']", has_text=IRA)  # type: ignore[attr-defined]
    return tile.locator("[data-testid='stMetricValue']")


def shows(page: object, value: str) -> None:
    """Wait until the tile shows value: the URL changes before the rerun has drawn the new tiles."""
    expect(ira_value(page)).to_have_text(value, timeout=30_000)  # type: ignore[arg-type]


def test_a_filter_is_in_the_url_and_the_value_and_the_shared_link(
    counts_server: AppServer, page: object, tmp_path: Path
) -> None:
    sign_in(page, counts_server.url, "ada")
    # All locations in the latest complete week: 12 exact of 16 counts (tests/test_overview_filters).
    shows(page, "75.0 %")
    sidebar = page.locator("[data-testid='stSidebar']")  # type: ignore[attr-defined]
    # Typed, then Enter: a click on an option low in the long sidebar scrolls it, which closes the list.
    box = sidebar.get_by_role("combobox", name="Locations")
    box.click()
    page.keyboard.type("S3")  # type: ignore[attr-defined]
    page.get_by_role("option", name="S3", exact=True).wait_for()  # type: ignore[attr-defined]
    box.press("Enter")
    page.keyboard.press("Escape")  # type: ignore[attr-defined]
    wait_idle(page)
    page.wait_for_url("**location=S3**")  # type: ignore[attr-defined]
    assert parse_qs(urlsplit(page.url).query)["location"] == ["S3"]  # type: ignore[attr-defined]
    shows(page, "70.0 %")  # S3: 7 exact of 10
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "overview-location-S3.png"), full_page=True)  # type: ignore[attr-defined]
    shared = page.url  # type: ignore[attr-defined]
    # Moving to another page keeps the filter in the URL.
    nav = page.locator("[data-testid='stSidebarNav']")  # type: ignore[attr-defined]
    nav.get_by_role("link", name="All exceptions").click()
    wait_idle(page)
    page.wait_for_url("**location=S3**")  # type: ignore[attr-defined]
    # The shared link, opened in a new page of the same browser, shows the same view.
    other = page.context.new_page()  # type: ignore[attr-defined]
    other.set_default_timeout(30_000)
    other.goto(shared)
    wait_idle(other)
    shows(other, "70.0 %")
    assert (
        "S3"
        in other.locator(
            "[data-testid='stSidebar'] [data-testid='stMultiSelect']", has_text="Locations"
        ).inner_text()
    )

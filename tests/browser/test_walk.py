"""In a real browser, every role walks every page its menu shows (the menu being the page
registry filtered by role): no exception, no error box; a screenshot of each page at 1440×900 is
written under the test run's temporary folder for a person to look at."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.labels import RAG_WORDS
from governance.permissions import Actor, Role
from tests.browser.conftest import PEOPLE, AppServer, sign_in, start_server, stop_server, wait_idle
from tests.test_planning_page import load_planning_data
from ui.auth import may_view
from ui.page_registry import PAGES

pytestmark = pytest.mark.browser
STATUS_BANDS = {word.upper() for word in RAG_WORDS.values()}  # the tiles' bands (red: st.error)
SCREEN = {"width": 1440, "height": 900}


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the walk's screenshots go (printed at the end of the run by pytest's tmp folder)."""
    return tmp_path_factory.mktemp("page-screenshots")


@pytest.fixture
def walk_server(people_db: str, tmp_path: Path) -> Iterator[AppServer]:
    """An app server on the accounts database with a small dataset imported."""
    load_planning_data(people_db, tmp_path / "data")
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def _titles_for(role: str) -> list[str]:
    actor = Actor(name="walker", role=Role(role))
    return [spec.title for spec in PAGES if may_view(actor, spec.key)]


@pytest.mark.parametrize("user", ["ada", "vic"])  # admin: every page; viewer: read-only
def test_every_role_walks_every_page_of_its_menu(
    walk_server: AppServer, browser: object, screenshots: Path, user: str
) -> None:
    context = browser.new_context(viewport=SCREEN)  # type: ignore[attr-defined]
    page = context.new_page()
    page.set_default_timeout(30_000)
    try:
        sign_in(page, walk_server.url, user)
        nav = page.locator("[data-testid='stSidebarNav']")
        links = nav.get_by_role("link")
        # a link's text is its icon's name, then its title
        titles = [links.nth(i).inner_text().splitlines()[-1] for i in range(links.count())]
        assert titles == _titles_for(PEOPLE[user][0])
        for i, title in enumerate(titles):
            links.nth(i).click()
            wait_idle(page)
            main = page.locator("[data-testid='stMain']")
            assert main.locator("h1").first.inner_text() == title
            assert page.locator("[data-testid='stException']").count() == 0, title
            alerts = page.locator("[data-testid='stAlertContentError']").all_inner_texts()
            errors = [a for a in alerts if a.splitlines()[-1] not in STATUS_BANDS]
            assert errors == [], (title, errors)  # a red KPI's status band is not an error
            name = title.lower().replace(" ", "-")
            page.screenshot(path=str(screenshots / f"{user}-{name}.png"))
    finally:
        context.close()

"""In a real browser: visitors see only sign-in (cold deep links too); each role sees its pages only;
a refresh keeps the session, a deep link lands on its page after signing in, sign-out ends it."""

from __future__ import annotations

import pytest

from tests.browser.conftest import AppServer, sign_in, start_server, stop_server, wait_idle

pytestmark = pytest.mark.browser
PAGE_URLS = ["", "overview", "planning", "data", "account", "admin", "migration"]


def _visible_titles(page: object) -> list[str]:
    return page.locator("h1").all_inner_texts()  # type: ignore[attr-defined]


@pytest.mark.parametrize("path", PAGE_URLS)
def test_cold_deep_link_right_after_start_shows_only_sign_in(
    people_db: str, page: object, path: str
) -> None:
    proc, base = start_server(people_db)  # a new server: this is its very first request
    try:
        page.goto(f"{base}/{path}")  # type: ignore[attr-defined]
        assert _visible_titles(page) == ["Sign in to invgov"]
        assert page.url == f"{base}/signin?next=/{path}"  # type: ignore[attr-defined]
        body = page.locator("body").inner_text()  # type: ignore[attr-defined]
        for private in (
            "Overview",
            "Import history",
            "Quarantined",
            "Audit log",
            "People and teams",
        ):
            assert private not in body
        assert page.locator("[data-testid='stMetric']").count() == 0  # type: ignore[attr-defined]
        assert page.locator("[data-testid='stSidebarNav']").count() == 0  # type: ignore[attr-defined]
    finally:
        stop_server(proc)


def test_admin_sees_the_admin_page_and_a_viewer_does_not(
    app_server: AppServer, page: object
) -> None:
    sign_in(page, app_server.url, "ada")
    nav = page.locator("[data-testid='stSidebarNav']")  # type: ignore[attr-defined]
    assert "Admin" in nav.inner_text()
    nav.get_by_role("link", name="Admin").click()
    wait_idle(page)
    assert _visible_titles(page) == ["Admin"]

    viewer = page.context.browser.new_context().new_page()  # type: ignore[attr-defined]
    sign_in(viewer, app_server.url, "vic")
    assert "Admin" not in viewer.locator("[data-testid='stSidebarNav']").inner_text()
    viewer.goto(f"{app_server.url}/admin")
    wait_idle(viewer)
    assert _visible_titles(viewer) != ["Admin"]
    viewer.context.close()


def test_a_viewer_sees_no_edit_control(app_server: AppServer, page: object) -> None:
    sign_in(page, app_server.url, "vic")
    for path in ("", "data", "account"):
        page.goto(f"{app_server.url}/{path}")  # type: ignore[attr-defined]
        wait_idle(page)  # still signed in: the session cookie came along
        main = page.locator("[data-testid='stMain']")  # type: ignore[attr-defined]
        editors = main.locator("[data-testid='stDataFrameGlideDataEditor'] textarea")
        assert editors.count() == 0
        buttons = [b.strip() for b in main.locator("button").all_inner_texts() if b.strip()]
        allowed = {
            "Change password",
            "Download import history (CSV)",
            "Download quarantined rows (CSV)",
            "XLSX",
        }
        assert set(buttons) <= allowed | {"visibility", "keyboard_double_arrow_right"}, buttons

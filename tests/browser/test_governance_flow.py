"""In a real browser (Chromium): an owner's path and the weekly review meeting, as issue 11 describes.

- A deep link opened signed out shows the sign-in form, then that page; a refresh keeps the person
  signed in on the same page; after signing out the old cookie is refused.
- From My queue, resolving without a reason says so right under the button; with one, the same
  exception shows "Resolved, awaiting verification".
- A steward approves another person's SKU request, then walks the review with Next team across
  three teams and closes it: the confirmation names the lines nobody reviewed.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import pipeline
from core.db import get_engine, read_session, write_session
from core.schema import Item
from core.timeutil import iso_z, utcnow, week_label
from governance import sku_requests
from governance.permissions import actor_by_name
from tests.browser.conftest import (
    AppServer,
    fill_sign_in,
    sign_in,
    start_server,
    stop_server,
    wait_heading,
    wait_idle,
)
from tests.governance_support import exceptions, gtin

pytestmark = pytest.mark.browser
NOTE = "Recounted DC-01: shopify oversold two units, sync fixed"


def _canonical_files(folder: Path) -> Path:
    """One stock discrepancy (wms 10, shopify 12: inventory control), one black-hole return (store
    operations) and an active SKU never approved (merchandising): three teams on the agenda."""
    now = utcnow()
    day = timedelta(days=1)
    files = {
        "locations.csv": "location_id,name,type,channel\nDC-01,Main DC,dc,\nSTORE-01,Store,store,pos\n",
        "items.csv": (
            "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at,approved_by\n"
            f"SKU-A,Tee,tops,Acme,{gtin(1)},A,active,{iso_z(now - 60 * day)},{iso_z(now - 59 * day)},sam\n"
            f"SKU-B,Cap,hats,Acme,{gtin(2)},B,active,{iso_z(now - 60 * day)},{iso_z(now - 59 * day)},sam\n"
            f"SKU-C,Bag,bags,Acme,{gtin(3)},C,active,{iso_z(now - 60 * day)},,\n"
        ),
        "stock_levels.csv": (
            "as_of,system,location_id,system_sku,status,quantity\n"
            f"{iso_z(now - day)},wms,DC-01,SKU-A,sellable,10\n"
            f"{iso_z(now - day)},shopify,DC-01,SKU-A,sellable,12\n"
        ),
        "returns.csv": (
            "return_id,order_id,line_id,sku,quantity,channel,received_at,receiving_location_id,"
            "refunded_at\n"
            f"R-1,O-1,1,SKU-B,1,shopify,{iso_z(now - 10 * day)},STORE-01,{iso_z(now - 9 * day)}\n"
        ),
    }  # fmt: skip
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def governance_server(people_db: str, tmp_path: Path) -> Iterator[AppServer]:
    """The accounts database with detected exceptions of three teams and olga's SKU request."""
    engine = get_engine(people_db)
    pipeline.import_paths([_canonical_files(tmp_path)], "canonical", engine=engine)
    with write_session(engine) as session:
        sku_requests.request_sku(
            session=session, actor=actor_by_name(session, "olga"), sku="NEW-1",
            fields={"name": "Linen shirt", "category": "tops", "brand": "Acme", "barcode": gtin(9)},
        )  # fmt: skip
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def _main(page: Any) -> Any:
    return page.locator("[data-testid='stMain']")


def _open(page: Any, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    wait_idle(page)


def _choose(page: Any, main: Any, label: str, option: str) -> None:
    """Pick an option of a selectbox: open it, type to filter, Enter picks the first match."""
    box = main.get_by_role("combobox", name=label)
    box.click()
    box.press("ArrowDown")
    page.keyboard.type(option)
    page.get_by_role("option", name=option).wait_for()
    box.press("Enter")


def _just_below(control: Any, message: Any) -> bool:
    """Whether a message sits right under a control (not at the top of a long page)."""
    button, shown = control.bounding_box(), message.bounding_box()
    return 0 <= shown["y"] - (button["y"] + button["height"]) < 250


def test_an_owner_signs_in_by_a_link_resolves_stays_signed_in_then_signs_out(
    governance_server: AppServer, page: Any
) -> None:
    base = governance_server.url
    [discrepancy] = exceptions(get_engine(governance_server.db_url), "stock_discrepancy")
    page.goto(f"{base}/exceptions")  # a link opened signed out
    assert page.url == f"{base}/signin?next=/exceptions"
    fill_sign_in(page, "olga")
    page.get_by_text("Signed in as olga").wait_for()
    wait_idle(page)
    wait_heading(page, "All exceptions")
    assert page.locator("h1").all_inner_texts() == ["All exceptions"]  # the page asked for
    assert page.get_by_text("Page not found").count() == 0

    _open(page, "My queue")
    main = _main(page)
    main.get_by_text(f"Exception {discrepancy['id']}", exact=True).wait_for()
    resolve = main.get_by_role("button", name="Resolve", exact=True)
    resolve.click()
    refused = main.get_by_text("Choose a reason: Fixed at source, Data corrected")
    refused.wait_for()
    assert _just_below(resolve, refused)
    _choose(page, main, "Reason", "Fixed at source")
    main.get_by_label("Note (required): what was done, or why it stays").fill(NOTE)
    resolve.click()
    done = main.get_by_text(
        f"Exception {discrepancy['id']} is now resolved, awaiting verification."
    )
    done.wait_for()
    wait_idle(page)
    assert main.get_by_text(f"Exception {discrepancy['id']}", exact=True).count() == 1  # same one
    assert main.get_by_text("Status: Resolved, awaiting verification", exact=False).count() == 1
    [stored] = exceptions(get_engine(governance_server.db_url), "stock_discrepancy")
    assert (stored["status"], stored["verification"], stored["resolution_note"]) == (
        "resolved", "awaiting", NOTE,
    )  # fmt: skip

    page.reload()  # a refresh: still signed in, on the same page
    page.get_by_text("Signed in as olga").wait_for()
    wait_idle(page)
    wait_heading(page, "My queue")
    assert page.locator("h1").all_inner_texts() == ["My queue"]

    old = [c for c in page.context.cookies() if c["name"].startswith("invgov_session_")]
    assert len(old) == 1 and old[0]["httpOnly"] and old[0]["sameSite"] == "Strict"
    page.locator("[data-testid='stSidebar']").get_by_role("button", name="Sign out").click()
    page.locator("h1", has_text="Sign in to invgov").wait_for()
    page.context.add_cookies(old)  # the old cookie, put back by hand, is refused
    page.goto(f"{base}/queue")
    assert page.url == f"{base}/signin?next=/queue"
    assert page.locator("[data-testid='stSidebarNav']").count() == 0


def test_a_steward_walks_the_review_team_by_team_and_closes_it(
    governance_server: AppServer, page: Any
) -> None:
    week = week_label(utcnow())
    sign_in(page, governance_server.url, "sam", "approvals")
    _main(page).get_by_role("button", name="Approve", exact=True).click()
    _main(page).get_by_text("approved: NEW-1 is live.").wait_for()
    with read_session(get_engine(governance_server.db_url)) as session:
        item = session.get(Item, "NEW-1")
        assert item is not None and item.approved_by == "sam"
    _open(page, "Weekly review")
    main = _main(page)
    main.get_by_role("button", name=f"Open the review of {week}").click()
    main.get_by_text("Review completion: 0 of").first.wait_for()
    wait_idle(page)
    first = main.get_by_text("inventory control: 0 of", exact=False)
    first.wait_for()
    for team in ("merchandising", "store operations", "inventory control"):  # round again
        main.get_by_role("button", name="Next team").click()
        main.get_by_text(f"{team}: 0 of", exact=False).wait_for()
        wait_idle(page)
    main.get_by_role("button", name="Close the review (freezes the minutes)").click()
    warning = main.get_by_text("agenda lines are not reviewed", exact=False)
    warning.wait_for()
    listed = main.get_by_text("#1 Stock discrepancy (inventory control)", exact=False)
    assert listed.count() == 1
    confirm = main.get_by_role("button", name="Close with", exact=False)
    confirm.click()
    main.get_by_text(f"Closed the review of {week}; minutes frozen", exact=False).wait_for()
    wait_idle(page)
    assert main.get_by_role("button", name="Record").count() == 0


@pytest.mark.parametrize("path", ["queue", "exceptions", "review", "ownership", "approvals"])
def test_cold_deep_link_to_a_governance_page_shows_only_sign_in(
    people_db: str, page: Any, path: str
) -> None:
    proc, base = start_server(people_db)  # a new server: this is its very first request
    try:
        page.goto(f"{base}/{path}")
        assert page.locator("h1").all_inner_texts() == ["Sign in to invgov"]
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        assert page.locator("[data-testid='stDataFrame']").count() == 0
    finally:
        stop_server(proc)

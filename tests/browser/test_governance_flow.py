"""In a real browser: an owner resolves an exception of their team from My queue with a note and cannot
act on another team's; a steward approves another person's SKU request."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

import jobs
from core.db import get_engine, read_session, write_session
from core.schema import Item
from core.timeutil import iso_z, utcnow
from governance import sku_requests
from governance.permissions import actor_by_name
from tests.browser.conftest import AppServer, sign_in, start_server, stop_server, wait_idle
from tests.governance_support import exceptions, gtin

pytestmark = pytest.mark.browser
NOTE = "Recounted DC-01: shopify oversold two units, sync fixed"


def _canonical_files(folder: Path) -> Path:
    """Canonical CSVs with one stock discrepancy (wms 10, shopify 12) and one black-hole return."""
    now = utcnow()
    day = timedelta(days=1)
    files = {
        "locations.csv": "location_id,name,type,channel\nDC-01,Main DC,dc,\nSTORE-01,Store,store,pos\n",
        "items.csv": (
            "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at,approved_by\n"
            f"SKU-A,Tee,tops,Acme,{gtin(1)},A,active,{iso_z(now - 60 * day)},{iso_z(now - 59 * day)},sam\n"
            f"SKU-B,Cap,hats,Acme,{gtin(2)},B,active,{iso_z(now - 60 * day)},{iso_z(now - 59 * day)},sam\n"
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
    """The accounts database with detected exceptions and olga's pending SKU request, served."""
    engine = get_engine(people_db)
    jobs.import_paths([_canonical_files(tmp_path)], "canonical", engine=engine)  # detects after
    with write_session(engine) as session:
        sku_requests.request_sku(
            session=session, actor=actor_by_name(session, "olga"), sku="NEW-1",
            fields={"name": "Linen shirt", "category": "tops", "brand": "Acme", "barcode": gtin(3)},
        )  # fmt: skip
    proc, base = start_server(people_db)
    try:
        yield AppServer(base, people_db)
    finally:
        stop_server(proc)


def _open(page: Any, title: str) -> None:
    page.locator("[data-testid='stSidebarNav']").get_by_role("link", name=title).click()
    wait_idle(page)


def _main(page: Any) -> Any:
    return page.locator("[data-testid='stMain']")


def _choose(page: Any, main: Any, label: str, option: str) -> None:
    """Pick an option of a selectbox: open it, type to filter, Enter picks the first match."""
    box = main.get_by_role("combobox", name=label)
    box.click()
    box.press("ArrowDown")
    page.keyboard.type(option)
    page.get_by_role("option", name=option).wait_for()
    box.press("Enter")


def _resolve_from_my_queue(page: Any, exception_id: int) -> None:
    _open(page, "My queue")
    main = _main(page)
    main.get_by_text(f"Exception {exception_id}", exact=True).wait_for()  # the most urgent
    _choose(page, main, "Reason", "Fixed at source")
    main.get_by_label("Note (required): what was done, or why it stays").fill(NOTE)
    main.get_by_role("button", name="Resolve", exact=True).click()
    main.get_by_text(f"Exception {exception_id} is now resolved.").wait_for()
    wait_idle(page)


def _sees_no_action_on(page: Any, exception_id: int) -> None:
    _open(page, "All exceptions")
    main = _main(page)
    main.get_by_text(f"Exception {exception_id}", exact=True).wait_for()
    main.get_by_text("only their own team's (inventory control)").wait_for()
    buttons = {b.strip() for b in main.locator("button").all_inner_texts()}
    assert not buttons & {"Acknowledge", "Start work", "Resolve", "Won't fix", "Add comment"}


def test_owner_resolves_own_team_exception_and_steward_approves_a_request(
    governance_server: AppServer, page: Any
) -> None:
    db = get_engine(governance_server.db_url)
    [discrepancy] = exceptions(db, "stock_discrepancy")
    [black_hole] = exceptions(db, "black_hole_return")
    assert (discrepancy["team"], black_hole["team"]) == ("inventory control", "store operations")

    sign_in(page, governance_server.url, "olga")
    _resolve_from_my_queue(page, discrepancy["id"])
    [stored] = exceptions(db, "stock_discrepancy")
    assert (stored["status"], stored["resolution_reason"], stored["resolution_note"]) == (
        "resolved", "fixed_at_source", NOTE,
    )  # fmt: skip
    assert stored["resolved_by"] == "olga"
    # Now the most urgent active exception is store operations' black-hole return.
    _sees_no_action_on(page, black_hole["id"])
    assert exceptions(db, "black_hole_return")[0]["status"] == "open"

    steward = page.context.browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    steward.set_default_timeout(30_000)
    sign_in(steward, governance_server.url, "sam")
    _open(steward, "SKU approvals")
    _main(steward).get_by_role("button", name="Approve", exact=True).click()
    _main(steward).get_by_text("approved: NEW-1 is live.").wait_for()
    wait_idle(steward)
    with read_session(db) as session:
        item = session.get(Item, "NEW-1")
        assert item is not None and item.approved_by == "sam"
    steward.context.close()


@pytest.mark.parametrize("path", ["queue", "exceptions", "review", "ownership", "approvals"])
def test_cold_deep_link_to_a_governance_page_shows_only_sign_in(
    people_db: str, page: Any, path: str
) -> None:
    proc, base = start_server(people_db)  # a new server: this is its very first request
    try:
        page.goto(f"{base}/{path}")
        wait_idle(page)
        assert page.locator("h1").all_inner_texts() == ["Sign in to invgov"]
        assert page.locator("[data-testid='stSidebarNav']").count() == 0
        assert page.locator("[data-testid='stDataFrame']").count() == 0
    finally:
        stop_server(proc)

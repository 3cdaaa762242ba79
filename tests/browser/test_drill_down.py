"""In a real browser: follow a red KPI tile to its page, open the records behind a chart point,
and download them."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.browser.conftest import AppServer, sign_in, wait_idle
from tests.browser.test_overview_filters import counts_server  # noqa: F401  (the fixture)

pytestmark = pytest.mark.browser
IRA = "Inventory record accuracy"


def test_a_red_tile_leads_to_its_page_and_a_point_to_its_records(
    counts_server: AppServer,  # noqa: F811
    page: object,
    tmp_path: Path,
) -> None:
    sign_in(page, counts_server.url, "ada", "?location=S3")
    wait_idle(page)
    # S3 in the latest complete week: 7 exact of 10 counts, 70.0 % against ≥ 98 %: off target.
    tile = page.locator("[data-testid='stVerticalBlock']", has=page.locator(  # type: ignore[attr-defined]
        "[data-testid='stMetric']", has_text=IRA)).last  # fmt: skip
    assert "OFF TARGET" in tile.inner_text()
    tile.get_by_role("link", name="Open Inventory accuracy").click()
    wait_idle(page)
    page.wait_for_url("**/accuracy?**")  # type: ignore[attr-defined]
    assert parse_qs(urlsplit(page.url).query)["location"] == ["S3"]  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Inventory accuracy").wait_for()  # type: ignore[attr-defined]
    assert page.locator("[data-testid='stException']").count() == 0  # type: ignore[attr-defined]
    # Click the weekly chart's last point (the latest week): its ten counts open below.
    chart = page.locator("[data-testid='stPlotlyChart']").first  # type: ignore[attr-defined]
    point = chart.locator(".scatterlayer .trace").first.locator("path.point").last
    point.wait_for()
    box = point.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)  # type: ignore[attr-defined]
    page.get_by_role("heading", name="Counts behind S3 in week").wait_for()  # type: ignore[attr-defined]
    wait_idle(page)
    page.set_viewport_size({"width": 1440, "height": 900})  # type: ignore[attr-defined]
    page.screenshot(path=str(tmp_path / "accuracy-counts-behind.png"), full_page=True)  # type: ignore[attr-defined]
    with page.expect_download() as started:  # type: ignore[attr-defined]
        page.get_by_role("button", name="Counts CSV").click()  # type: ignore[attr-defined]
    download = started.value
    assert download.suggested_filename == "counts-behind.csv"
    rows = list(csv.DictReader(io.StringIO(Path(download.path()).read_text("utf-8-sig"))))
    assert len(rows) == 10 and {r["location"] for r in rows} == {"S3"}
    assert sum(r["within tolerance"] == "yes" for r in rows) == 7

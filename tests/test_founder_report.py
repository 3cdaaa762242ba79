"""The founder one-pager: one A4 page with the Overview's numbers, drift, exceptions by team, exposures."""

from __future__ import annotations

import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import Engine

import pipeline
from cli.main import main
from core.timeutil import iso_z, utcnow, week_start
from metrics.compute import reading
from metrics.kpi_board import latest_complete_week
from metrics.kpi_filtered import filtered_tiles
from metrics.kpi_slices import KpiFilter
from metrics.kpis import Rag
from reports.exposures import Exposure
from reports.founder import founder_html, founder_pdf
from reports.founder_data import DriftingLocation, FounderReport, TeamLoad, founder_report
from tests.governance_support import add, item
from ui.filters import default_dates
from ui.kpi_views import change_text as overview_change
from ui.kpi_views import target_text as overview_target
from ui.kpi_views import value_text as overview_number

WEEK = latest_complete_week(utcnow())


def _counts(tmp: Path) -> Path:
    """Cycle counts over the 8 weeks ending WEEK (k weeks before it), one line a count.

    STORE-03: accurate in weeks k = 2..7, off in k = 0, 1 → last 4 weeks 2/4, the 4 before 4/4.
    DC-01: always accurate, two counts in k = 1 → WEEK's IRA 1/2, the week before's 2/3.
    """
    lines = ["count_id,counted_at,location_id,sku,system_qty,counted_qty"]
    n = 0
    for k in range(8):
        day = iso_z(week_start(WEEK) - timedelta(days=7 * k) + timedelta(days=1))
        plan = [("STORE-03", 10, 10 if k >= 2 else 7), ("DC-01", 5, 5)]
        plan += [("DC-01", 4, 4)] if k == 1 else []
        for location, system_qty, counted in plan:
            n += 1
            lines.append(f"C{n},{day},{location},TEE-A,{system_qty},{counted}")
    path = tmp / "cycle_counts.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _stock(tmp: Path) -> Path:
    """At DC-01 shopify shows more than the book (wms): TEE-A +3, TEE-B +4, TEE-C +10 units."""
    at = iso_z(utcnow() - timedelta(hours=1))
    rows = [("wms", "TEE-A", 5), ("shopify", "TEE-A", 8), ("wms", "TEE-B", 2),
            ("shopify", "TEE-B", 6), ("wms", "TEE-C", 10), ("shopify", "TEE-C", 20)]  # fmt: skip
    path = tmp / "stock_levels.csv"
    path.write_text("as_of,system,location_id,system_sku,status,quantity\n" + "".join(
        f"{at},{system},DC-01,{sku},sellable,{qty}\n" for system, sku, qty in rows), "utf-8")  # fmt: skip
    return path


@pytest.fixture
def brand(engine: Engine, tmp_path: Path) -> Engine:
    add(engine, item("TEE-A", 1, unit_cost=Decimal("10.00")), item("TEE-B", 2, unit_cost=None),
        item("TEE-C", 3, unit_cost=Decimal("2.50")))  # fmt: skip
    reports = pipeline.import_paths(
        [_counts(tmp_path), _stock(tmp_path)], "canonical", engine=engine
    )
    assert all(r.ok for r in reports), [r.reason for r in reports]
    return engine


def test_the_report_has_the_overviews_numbers_and_hand_worked_ones(brand: Engine) -> None:
    report = founder_report(brand, WEEK)
    with reading(brand) as conn:  # the Overview's tiles under its default (unfiltered) range
        span = KpiFilter(
            *default_dates(week_start(WEEK).date() + timedelta(days=6), utcnow().date())
        )
        tiles = {t.kpi.metric: t for t in filtered_tiles(conn, utcnow(), span)}
    assert [k.metric for k in report.kpis] == list(tiles)
    for line in report.kpis:  # the strings the Overview prints for the same tiles
        tile = tiles[line.metric]
        assert line.value == tile.value and line.status == tile.status
        assert line.value_text == overview_number(tile.value, tile.kpi.unit)
        assert line.change_text == (overview_change(tile.change, tile.kpi.unit) or "")
        assert line.target_text == overview_target(tile)
        assert line.owner == tile.target.owner_team
    lag = next(k for k in report.kpis if k.metric == "return_lag_p90_hours")
    assert lag.target_text == "≤ 3.0 days"  # SPEC's 72 h, written as the tile writes it
    ira = next(k for k in report.kpis if k.metric == "inventory_record_accuracy")
    # WEEK: STORE-03 off, DC-01 right → 1/2; the week before 2/3: change 50.0 − 66.7 = −16.7 pp.
    assert (ira.value, ira.value_text, ira.change_text, ira.status) == (
        0.5, "50.0 %", "-16.7 pp", Rag.RED
    )  # fmt: skip
    (drift,) = report.drifting  # DC-01 never drops: only STORE-03 (2/4 against 4/4)
    assert (drift.location, drift.recent, drift.earlier, drift.recent_counts) == (
        "STORE-03", 0.5, 1.0, 4
    )  # fmt: skip
    assert drift.weekly == (1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0)
    # Exposures: TEE-A 3 × 10.00 = 30.00, TEE-C 10 × 2.50 = 25.00, TEE-B 4 units without a cost.
    assert [(e.sku, e.units, e.value) for e in report.exposures] == [
        ("TEE-A", 3, Decimal("30.00")), ("TEE-C", 10, Decimal("25.00")), ("TEE-B", 4, None)
    ]  # fmt: skip
    assert (report.exposures_total, report.exposures_uncosted) == (Decimal("55.00"), 1)
    # Inventory control: the three overstated pairs (high), STORE-03's accuracy (high), and the
    # three stocked SKUs never shipped, dead stock under SPEC section 4's rule (low: each under
    # 1,000 in value or without a cost).
    inventory = next(t for t in report.teams if t.team == "inventory control")
    assert (inventory.active, inventory.overdue, inventory.high) == (4 + 3, 0, 4)


def test_a_week_without_data_shows_the_last_week_with_data_and_says_so(brand: Engine) -> None:
    later = latest_complete_week(utcnow() + timedelta(days=7))  # no count in it
    report = founder_report(brand, later, now=utcnow() + timedelta(days=7))
    ira = next(k for k in report.kpis if k.metric == "inventory_record_accuracy")
    assert (ira.period, ira.no_data_in, ira.value_text) == (WEEK, later, "50.0 %")
    text = PdfReader(io.BytesIO(founder_pdf(brand, later, now=utcnow() + timedelta(days=7))))
    assert f"{WEEK}: no data in {later}" in text.pages[0].extract_text()


def test_the_pdf_is_one_a4_page_showing_those_numbers(brand: Engine, tmp_path: Path) -> None:
    out = tmp_path / "founder.pdf"
    assert main(["report", "founder", "--week", WEEK, "--out", str(out)]) == 0
    assert out.read_bytes()[:5] == b"%PDF-"
    pdf = PdfReader(io.BytesIO(founder_pdf(brand, WEEK)))
    assert len(pdf.pages) == 1
    width, height = (float(v) for v in pdf.pages[0].mediabox.upper_right)
    assert (round(width / 72 * 25.4), round(height / 72 * 25.4)) == (210, 297)  # A4 in mm
    text = pdf.pages[0].extract_text()
    for expected in (f"week {WEEK}", "Inventory record accuracy", "50.0 %", "-16.7 pp",
                     "off target", "STORE-03", "USD 30.00", "USD 55.00", "inventory control"):  # fmt: skip
        assert expected in text, expected
    assert len(PdfReader(out).pages) == 1


def test_a_crowded_report_still_fits_one_page_and_data_is_escaped() -> None:
    report = founder_report_like(teams=12)
    html = founder_html(report)
    assert "&lt;script&gt;" in html and "<script>" not in html
    from weasyprint import HTML

    assert len(HTML(string=html).render().pages) == 1


def founder_report_like(teams: int) -> FounderReport:
    """A synthetic report with long lists (what a busy brand prints)."""
    from reports.founder_data import KpiLine

    kpis = tuple(
        KpiLine(f"m{i}", f"KPI {i}", WEEK, 0.5, "50.0 %", "≥ 98.0 %", Rag.RED, "off target",
                "-1.0 pp", "inventory control", tuple([0.5] * 12))
        for i in range(16)
    )  # fmt: skip
    drifting = tuple(DriftingLocation(f"STORE-{i}", 0.5, 0.9, 40, 40, (0.9,) * 8) for i in range(3))
    loads = tuple(TeamLoad(f"team {i}", 100 + i, i, 3) for i in range(teams))
    exposures = tuple(Exposure("<script>x</script>", "DC-01", f"SKU-{i}", "shopify", 10, Decimal(1))
                      for i in range(5))  # fmt: skip
    return FounderReport(
        WEEK, utcnow(), kpis, drifting, loads, exposures, Decimal(50), 0, "EUR", 0.98
    )


def test_a_week_that_has_not_ended_is_refused(engine: Engine, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    this_week = latest_complete_week(utcnow() + timedelta(days=7))
    assert main(["report", "founder", "--week", this_week, "--out", str(tmp_path / "x.pdf")]) == 1
    assert f"week {this_week} has not ended" in capsys.readouterr().err

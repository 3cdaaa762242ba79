"""The founder one-pager: one A4 page of KPIs, drifting locations, exceptions by team, money exposures.

`founder_pdf(engine, week)` is the entry point (the CLI and the Overview's download call it).
The page is HTML with inline SVG charts rendered by WeasyPrint; every piece of data is escaped.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from html import escape

from sqlalchemy import Engine

from metrics.kpis import Rag
from reports.exposures import Exposure
from reports.founder_data import DriftingLocation, FounderReport, KpiLine, TeamLoad, founder_report
from reports.svg import bar, sparkline

STATUS_COLOURS: dict[Rag, tuple[str, str]] = {  # (background, text)
    Rag.GREEN: ("#1a7f37", "#ffffff"),
    Rag.AMBER: ("#f0a202", "#1b1b1b"),
    Rag.RED: ("#c62828", "#ffffff"),
    Rag.NO_DATA: ("#bdbdbd", "#1b1b1b"),
}
CSS = """
@page { size: A4; margin: 11mm 12mm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 8pt; color: #1b1b1b; }
h1 { font-size: 14pt; margin: 0 0 1mm 0; }
h2 { font-size: 9.5pt; margin: 3.5mm 0 1.2mm 0; border-bottom: 0.6pt solid #999; }
p.sub { margin: 0; color: #555; }
table { border-collapse: collapse; width: 100%; }
th { text-align: left; font-weight: bold; color: #444; border-bottom: 0.5pt solid #999; padding: 0.6mm 1mm; }
td { padding: 0.6mm 1mm; border-bottom: 0.3pt solid #e0e0e0; vertical-align: middle; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.status { font-weight: bold; text-align: center; width: 20mm; }
.cols { display: flex; gap: 6mm; }
.cols > div { flex: 1; }
p.note { color: #555; margin: 1mm 0 0 0; }
div.note { color: #666; font-size: 6.5pt; }
"""


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _money(amount: Decimal | None, currency: str) -> str:
    return "cost unknown" if amount is None else f"{_e(currency)} {amount:,.2f}"


def _period_note(line: KpiLine) -> str:
    """Under a KPI without data in the chosen week: which earlier week its value is from."""
    if line.no_data_in is None:
        return ""
    return f"<div class='note'>{_e(line.period)}: no data in {_e(line.no_data_in)}</div>"


def _kpi_row(line: KpiLine) -> str:
    background, ink = STATUS_COLOURS[line.status]
    return (
        f"<tr><td>{_e(line.label)}{_period_note(line)}</td><td class='num'>{_e(line.value_text)}</td>"
        f"<td class='num'>{_e(line.target_text)}</td>"
        f"<td class='status' style='background:{background};color:{ink}'>{_e(line.status_word)}</td>"
        f"<td class='num'>{_e(line.change_text)}</td><td>{_e(line.owner)}</td>"
        f"<td>{sparkline(line.trend, label=_e(line.label))}</td></tr>"
    )


def _drift_row(place: DriftingLocation, target: float | None) -> str:
    return (
        f"<tr><td>{_e(place.location)}</td><td class='num'>{place.recent * 100:.1f} %</td>"
        f"<td class='num'>{place.earlier * 100:.1f} %</td>"
        f"<td class='num'>−{place.drop * 100:.1f} pp</td>"
        f"<td class='num'>{place.recent_counts:,}</td>"
        f"<td>{sparkline(place.weekly, target=target, label=_e(place.location))}</td></tr>"
    )


def _team_row(team: TeamLoad, largest: int) -> str:
    return (
        f"<tr><td>{_e(team.team)}</td><td class='num'>{team.active:,}</td>"
        f"<td class='num'>{team.overdue:,}</td><td class='num'>{team.high:,}</td>"
        f"<td>{bar(team.active, largest, part=team.overdue)}</td></tr>"
    )


def _exposure_row(item: Exposure, currency: str) -> str:
    cost = "–" if item.unit_cost is None else f"{item.unit_cost:,.2f}"
    return (
        f"<tr><td>{_e(item.kind)}</td><td>{_e(item.location)}</td><td>{_e(item.sku)}</td>"
        f"<td>{_e(item.system or '–')}</td><td class='num'>{item.units:,}</td>"
        f"<td class='num'>{_e(cost)}</td><td class='num'>{_money(item.value, currency)}</td></tr>"
    )


def _section(title: str, head: str, rows: list[str], empty: str) -> str:
    body = "".join(rows) if rows else f"<tr><td colspan='7'>{_e(empty)}</td></tr>"
    return f"<h2>{_e(title)}</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def founder_html(report: FounderReport, generated_at: datetime | None = None) -> str:
    """The one-pager as a complete HTML document (all data escaped)."""
    stamp = f"{report.as_of:%Y-%m-%d %H:%M} UTC"
    largest = max((t.active for t in report.teams), default=0)
    kpis = _section(
        "KPIs against target",
        "<th>KPI</th><th class='num'>value</th><th class='num'>target</th><th>status</th>"
        "<th class='num'>change</th><th>owner</th><th>12 weeks</th>",
        [_kpi_row(line) for line in report.kpis],
        "No KPI has data yet.",
    )
    drift = _section(
        "Where accuracy is drifting",
        "<th>location</th><th class='num'>last 4 wk</th><th class='num'>before</th>"
        "<th class='num'>change</th><th class='num'>counts</th><th>8 weeks</th>",
        [_drift_row(d, report.target_share) for d in report.drifting],
        "No location's record accuracy fell.",
    )
    teams = _section(
        "Open exceptions by team",
        "<th>team</th><th class='num'>open</th><th class='num'>overdue</th>"
        "<th class='num'>high</th><th>open (red: overdue)</th>",
        [_team_row(t, largest) for t in report.teams],
        "No open exceptions.",
    )
    exposures = _section(
        "Top money exposures",
        "<th>kind</th><th>location</th><th>SKU</th><th>system</th><th class='num'>units</th>"
        f"<th class='num'>unit cost</th><th class='num'>value ({_e(report.currency)})</th>",
        [_exposure_row(e, report.currency) for e in report.exposures],
        "No money at risk found.",
    )
    note = (
        f"<p class='note'>All exposures valued at unit cost: {_money(report.exposures_total, report.currency)}"
        f"{f'; {report.exposures_uncosted:,} without a unit cost are not valued' if report.exposures_uncosted else ''}.</p>"
    )
    made = f" · generated {generated_at:%Y-%m-%d %H:%M} UTC" if generated_at else ""
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        f"<title>Founder one-pager {_e(report.week)}</title><style>{CSS}</style></head><body>"
        f"<h1>Founder one-pager · week {_e(report.week)}</h1>"
        f"<p class='sub'>KPIs as the Overview shows them at {_e(stamp)}{_e(made)} · invgov</p>"
        f"{kpis}<div class='cols'><div>{drift}</div><div>{teams}</div></div>{exposures}{note}"
        "</body></html>"
    )


def render_pdf(html: str) -> bytes:
    """HTML to PDF bytes with WeasyPrint (imported here: it loads Pango on first use)."""
    from weasyprint import HTML

    return HTML(string=html).write_pdf()


def founder_pdf(engine: Engine, week: str, now: datetime | None = None) -> bytes:
    """The founder one-pager of an ISO week (`YYYY-Www`) as PDF bytes, read at now (default: now)."""
    from core.timeutil import utcnow

    report = founder_report(engine, week, now)
    return render_pdf(founder_html(report, generated_at=now or utcnow()))

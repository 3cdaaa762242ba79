"""The digests as email: a plain-text and an HTML part (every piece of data escaped), founders' PDF attached."""

from __future__ import annotations

from collections.abc import Sequence
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from html import escape

from cadence.digest import Digests, Person, TeamDigest, link
from reports.founder_data import KpiLine

STYLE = "font-family:sans-serif;font-size:14px;color:#1b1b1b"
CELL = "padding:3px 8px;border-bottom:1px solid #ddd;text-align:left"
STATUS_INK = {"red": "#c62828", "amber": "#b26a00", "green": "#1a7f37", "no_data": "#666"}


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """An HTML table; cells are already-escaped HTML."""
    th = "".join(f"<th style='{CELL}'>{h}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td style='{CELL}'>{c}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table style='border-collapse:collapse'><tr>{th}</tr>{body}</table>"


def _a(href: str, text: str) -> str:
    return f"<a href='{_e(href)}'>{_e(text)}</a>"


def _kpi_text(k: KpiLine) -> str:
    change = f", {k.change_text} on the week before" if k.change_text else ""
    return f"{k.label}: {k.value_text} ({k.status_word}; target {k.target_text}{change})"


def team_subject(d: TeamDigest) -> str:
    """The subject line of a team's digest."""
    return f"invgov weekly digest {d.week} · {d.team}: {d.active} open, {d.overdue_total} overdue"


def team_text(d: TeamDigest, person: Person) -> str:
    """The plain-text body of a team's digest."""
    c = d.changes
    out = [f"Hello {person.name},", "",
           f"Weekly digest of {d.team} for {d.week} (as of {d.as_of:%Y-%m-%d %H:%M} UTC).", "",
           "Open exceptions by line:"]  # fmt: skip
    out += [f"  - {ln.type}: {ln.count} open ({ln.high} high), {ln.overdue} overdue, "
            f"earliest due {ln.earliest_due or '-'}  {ln.link}" for ln in d.lines] or ["  none"]  # fmt: skip
    if d.overdue:
        out += ["", f"Overdue ({d.overdue_total}, oldest due first):"]
        out += [f"  - #{o.id} {o.type} {o.entity} ({o.severity}), due {o.due_at}  {o.link}"
                for o in d.overdue]  # fmt: skip
    out += ["", f"During {d.week}: {c.new} new, {c.resolved} resolved by people, "
            f"{c.cleared} cleared by data, {c.reopened} reopened.", "", "KPIs off target:"]  # fmt: skip
    out += [f"  - {_kpi_text(k)}" for k in d.kpis_off] or ["  none"]
    out += ["", f"Your queue: {d.queue_link}", f"Weekly review: {d.review_link}", ""]
    return "\n".join(out)


def team_html(d: TeamDigest, person: Person) -> str:
    """The HTML body of a team's digest."""
    c = d.changes
    lines = _table(["line", "open", "high", "overdue", "earliest due"],
                   [[_a(ln.link, ln.type), _e(ln.count), _e(ln.high), _e(ln.overdue),
                     _e(ln.earliest_due or "-")] for ln in d.lines])  # fmt: skip
    overdue = _table(["exception", "entity", "severity", "due"],
                     [[_a(o.link, f"#{o.id} {o.type}"), _e(o.entity), _e(o.severity), _e(o.due_at)]
                      for o in d.overdue])  # fmt: skip
    kpis = _table(["KPI", "value", "status", "target", "change"],
                  [[_e(k.label), _e(k.value_text),
                    f"<b style='color:{STATUS_INK.get(k.status, '#666')}'>{_e(k.status_word)}</b>",
                    _e(k.target_text), _e(k.change_text)] for k in d.kpis_off])  # fmt: skip
    return (
        f"<html><body style='{STYLE}'><p>Hello {_e(person.name)},</p>"
        f"<p>Weekly digest of <b>{_e(d.team)}</b> for {_e(d.week)} "
        f"(as of {_e(f'{d.as_of:%Y-%m-%d %H:%M}')} UTC).</p>"
        f"<h3>Open exceptions by line</h3>{lines if d.lines else '<p>None.</p>'}"
        + (
            f"<h3>Overdue ({_e(d.overdue_total)}, oldest due first)</h3>{overdue}"
            if d.overdue
            else ""
        )
        + f"<h3>During {_e(d.week)}</h3><p>{_e(c.new)} new, {_e(c.resolved)} resolved by people, "
        f"{_e(c.cleared)} cleared by data, {_e(c.reopened)} reopened.</p>"
        f"<h3>KPIs off target</h3>{kpis if d.kpis_off else '<p>None.</p>'}"
        f"<p>{_a(d.queue_link, 'Open your queue')} · {_a(d.review_link, 'Weekly review')}</p>"
        "</body></html>"
    )


def founder_subject(g: Digests) -> str:
    """The subject line of the founder digest."""
    red = sum(1 for k in g.founder.kpis if k.status == "red")
    return f"invgov founder digest {g.week}: {red} KPI{'s' * (red != 1)} off target"


def founder_text(g: Digests, person: Person) -> str:
    """The plain-text body of the founder digest."""
    r = g.founder
    out = [f"Hello {person.name},", "",
           f"KPIs for {r.week} (as of {r.as_of:%Y-%m-%d %H:%M} UTC); the one-pager is attached.", ""]  # fmt: skip
    out += [f"  - {_kpi_text(k)}, owner {k.owner}" for k in r.kpis]
    out += ["", "Open exceptions by team:"]
    out += [f"  - {t.team}: {t.active} open, {t.overdue} overdue, {t.high} high" for t in r.teams]
    out += [] if r.teams else ["  none"]
    out += ["", f"Overview: {link('overview')}", ""]
    return "\n".join(out)


def founder_html(g: Digests, person: Person) -> str:
    """The HTML body of the founder digest."""
    r = g.founder
    kpis = _table(["KPI", "value", "status", "target", "change", "owner"],
                  [[_e(k.label), _e(k.value_text),
                    f"<b style='color:{STATUS_INK.get(k.status, '#666')}'>{_e(k.status_word)}</b>",
                    _e(k.target_text), _e(k.change_text), _e(k.owner)] for k in r.kpis])  # fmt: skip
    teams = _table(["team", "open", "overdue", "high"],
                   [[_e(t.team), _e(t.active), _e(t.overdue), _e(t.high)] for t in r.teams])  # fmt: skip
    return (
        f"<html><body style='{STYLE}'><p>Hello {_e(person.name)},</p>"
        f"<p>KPIs for {_e(r.week)} (as of {_e(f'{r.as_of:%Y-%m-%d %H:%M}')} UTC); "
        "the one-pager is attached.</p>"
        f"{kpis}<h3>Open exceptions by team</h3>{teams if r.teams else '<p>None.</p>'}"
        f"<p>{_a(link('overview'), 'Open the Overview')}</p></body></html>"
    )


def message(
    sender: str, person: Person, subject: str, text: str, html: str, pdf: tuple[str, bytes] | None
) -> EmailMessage:
    """One email to one person: plain text with an HTML alternative, a PDF attached if given."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((person.name, person.email or ""))
    msg["Subject"] = subject
    msg["Date"] = formatdate(usegmt=True)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    if pdf is not None:
        name, data = pdf
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg

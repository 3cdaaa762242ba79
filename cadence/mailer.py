"""Sending a week's digests: build one email per person, send them over SMTP (or write .eml files).

SMTP through the standard library with INVGOV_SMTP_HOST / _PORT / _FROM / _USER / _PASSWORD
(a secret, used only to log in) / _STARTTLS. A person without an email, a team without members
and a founder recipient whose account is gone are reported, never silently skipped; a recipient
the server refuses, or every one when it cannot be reached, is reported as not reached.
"""

from __future__ import annotations

import logging
import re
import smtplib
import ssl
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from sqlalchemy import Engine, update

from cadence import digest_render as render
from cadence.digest import Digests, Person, build_digests
from core.db import write_session
from core.schema import DigestRun
from core.settings import Settings, get_settings
from core.timeutil import utcnow
from reports.founder import founder_html, render_pdf

log = logging.getLogger(__name__)
SAFE = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Outgoing:
    """One email ready to go: to whom, of which digest."""

    person: Person
    digest: str  # a team name, or "founders"
    message: EmailMessage


@dataclass
class DigestOutcome:
    """What a sending did: who got mail, who not and why, who has no email."""

    week: str
    sent: list[str] = field(default_factory=list)
    not_reached: list[tuple[str, str]] = field(default_factory=list)
    no_email: list[str] = field(default_factory=list)
    no_members: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every person with an email was reached."""
        return not self.not_reached

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {"week": self.week, "sent": self.sent, "written": self.written,
                "not_reached": [{"recipient": r, "reason": why} for r, why in self.not_reached],
                "no_email": self.no_email, "no_members": self.no_members}  # fmt: skip


def _who(person: Person, digest: str) -> str:
    return (
        f"{person.name} <{person.email}> ({digest})"
        if person.email
        else f"{person.name} ({digest})"
    )


def compose(g: Digests, sender: str, outcome: DigestOutcome) -> list[Outgoing]:
    """Every email of the week's digests; people without an email go to `outcome.no_email`."""
    outgoing: list[Outgoing] = []
    for d in g.teams:
        people = g.members.get(d.team, ())
        if not people:
            outcome.no_members.append(f"{d.team}: {d.active} open, {d.overdue_total} overdue")
        for p in people:
            if not p.email:
                outcome.no_email.append(_who(p, d.team))
                continue
            msg = render.message(sender, p, render.team_subject(d), render.team_text(d, p),
                                 render.team_html(d, p), None)  # fmt: skip
            outgoing.append(Outgoing(p, d.team, msg))
    outcome.no_email += [f"{name} (founders)" for name in g.founders_unreachable]
    if g.founders:
        pdf = (f"invgov-founder-{g.week}.pdf", render_pdf(founder_html(g.founder, utcnow())))
        for p in g.founders:
            if not p.email:
                outcome.no_email.append(_who(p, "founders"))
                continue
            msg = render.message(sender, p, render.founder_subject(g), render.founder_text(g, p),
                                 render.founder_html(g, p), pdf)  # fmt: skip
            outgoing.append(Outgoing(p, "founders", msg))
    return outgoing


def write_eml(outgoing: list[Outgoing], folder: Path, outcome: DigestOutcome) -> None:
    """Dry run: each email as an .eml file in `folder` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for item in outgoing:
        name = SAFE.sub("_", f"{outcome.week}-{item.digest}-{item.person.name}") + ".eml"
        path = folder / name
        path.write_bytes(item.message.as_bytes())
        outcome.written.append(str(path))


def _connect(settings: Settings) -> smtplib.SMTP:
    host = settings.smtp_host or ""
    smtp = smtplib.SMTP(host, settings.smtp_port, timeout=settings.smtp_timeout_seconds)
    try:
        smtp.ehlo()
        if settings.smtp_starttls:
            smtp.starttls(context=ssl.create_default_context())
            smtp.ehlo()
        if settings.smtp_user:
            secret = settings.smtp_password.get_secret_value() if settings.smtp_password else ""
            smtp.login(settings.smtp_user, secret)
    except BaseException:
        smtp.close()
        raise
    return smtp


def send_smtp(outgoing: list[Outgoing], settings: Settings, outcome: DigestOutcome) -> None:
    """Send each email over one SMTP connection; anyone not reached is kept with the reason."""
    if not outgoing:
        return
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    try:
        smtp = _connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        reason = f"SMTP server {where} not reached: {type(exc).__name__}: {exc}"
        log.error(reason)
        outcome.not_reached += [(_who(o.person, o.digest), reason) for o in outgoing]
        return
    with smtp:
        for i, item in enumerate(outgoing):
            who = _who(item.person, item.digest)
            try:
                refused = smtp.send_message(item.message)
            except smtplib.SMTPServerDisconnected as exc:
                outcome.not_reached += [(_who(o.person, o.digest), f"server disconnected: {exc}")
                                        for o in outgoing[i:]]  # fmt: skip
                return
            except (OSError, smtplib.SMTPException) as exc:
                outcome.not_reached.append((who, f"{type(exc).__name__}: {exc}"))
                continue
            if refused:
                outcome.not_reached.append((who, f"refused by {where}: {refused}"))
            else:
                outcome.sent.append(who)


def send_digests(
    engine: Engine,
    week: str,
    *,
    team: str | None = None,
    dry_run: Path | None = None,
    trigger: str = "cli",
) -> DigestOutcome:
    """Build and send (or, with dry_run, write) the week's digests; a sending is recorded."""
    settings = get_settings()
    if dry_run is None and not settings.smtp_host:
        raise ValueError(
            "set INVGOV_SMTP_HOST (and INVGOV_SMTP_FROM) to send, or use --dry-run DIR"
        )
    sender = settings.smtp_from or ("invgov@localhost" if dry_run is not None else "")
    if not sender:
        raise ValueError("set INVGOV_SMTP_FROM, the address digests are sent from")
    outcome = DigestOutcome(week)
    outgoing = compose(build_digests(engine, week, team), sender, outcome)
    if dry_run is not None:
        write_eml(outgoing, dry_run, outcome)
        return outcome
    started = utcnow()
    with write_session(engine) as session:
        run = DigestRun(week=week, trigger=trigger, started_at=started, detail={})
        session.add(run)
        session.flush()
        run_id = run.id
    send_smtp(outgoing, settings, outcome)
    table = DigestRun.__table__
    with write_session(engine) as session:
        session.execute(
            update(table)
            .where(table.c.id == run_id)
            .values(finished_at=utcnow(), sent=len(outcome.sent), failed=len(outcome.not_reached),
                    detail=outcome.as_dict())
        )  # fmt: skip
    log.info("digest %s: %d sent, %d not reached, %d without email", week, len(outcome.sent),
             len(outcome.not_reached), len(outcome.no_email))  # fmt: skip
    return outcome

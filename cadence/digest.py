"""The weekly digests' content: one per owning team (its people), one for founders, for an ISO week.

A team digest holds the team's active exceptions by line (type) with counts and overdue, the most
overdue exceptions one by one, what changed during the week (new, resolved by people, cleared by
data, reopened), and the team's KPIs off target. It is judged at the week's report instant (see
reports.founder_data.report_instant), the same one the founder one-pager uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import Engine, select

from core.db import read_session
from core.schema import ExceptionRecord, Team, User
from core.settings import get_settings
from core.timeutil import iso_z, week_start
from governance.founders import founder_recipients
from governance.queue import group_lines, list_exceptions
from governance.vocabulary import CLEARED_BY_DATA, Status
from reports.founder_data import FounderReport, KpiLine, founder_report

OVERDUE_LISTED = 10


@dataclass(frozen=True)
class Person:
    """Someone a digest is for: user name, email (None: none on file), team."""

    name: str
    email: str | None
    team: str | None


@dataclass(frozen=True)
class Line:
    """One exception line of a team: type, counts, earliest due, a link to its exceptions."""

    type: str
    count: int
    high: int
    overdue: int
    earliest_due: str | None
    link: str


@dataclass(frozen=True)
class Overdue:
    """One overdue exception, with a link to it."""

    id: int
    type: str
    entity: str
    severity: str
    due_at: str
    link: str


@dataclass(frozen=True)
class WeekChanges:
    """What happened to the team's exceptions during the week."""

    new: int
    resolved: int
    cleared: int
    reopened: int


@dataclass(frozen=True)
class TeamDigest:
    """Everything one team's email says."""

    team: str
    week: str
    as_of: datetime
    lines: tuple[Line, ...]
    overdue: tuple[Overdue, ...]
    overdue_total: int
    changes: WeekChanges
    kpis_off: tuple[KpiLine, ...]
    queue_link: str
    review_link: str

    @property
    def active(self) -> int:
        """How many active exceptions the team has."""
        return sum(line.count for line in self.lines)

    @property
    def has_news(self) -> bool:
        """Whether there is anything to tell (active exceptions, KPIs off target, changes)."""
        c = self.changes
        return bool(self.lines or self.kpis_off or c.new or c.resolved or c.cleared or c.reopened)


@dataclass(frozen=True)
class Digests:
    """A week's digests and their recipients (people without an email kept, to be listed)."""

    week: str
    teams: tuple[TeamDigest, ...]
    members: dict[str, tuple[Person, ...]]
    founder: FounderReport
    founders: tuple[Person, ...]
    founders_unreachable: tuple[str, ...]  # names whose account is missing or disabled


def link(path: str, **params: object) -> str:
    """An absolute link into the app (INVGOV_BASE_URL), query parameters encoded."""
    base = get_settings().base_url.rstrip("/")
    query = urlencode({k: v for k, v in params.items() if v is not None})
    return f"{base}/{path}" + (f"?{query}" if query else "")


def team_members(engine: Engine) -> dict[str, tuple[Person, ...]]:
    """Enabled people per team, by name."""
    query = (
        select(User.name, User.email, Team.name.label("team"))
        .join(Team, User.team_id == Team.id)
        .where(User.disabled.is_(False))
        .order_by(Team.name, User.name)
    )
    members: dict[str, list[Person]] = {}
    with read_session(engine) as session:
        for row in session.execute(query):
            members.setdefault(row.team, []).append(Person(row.name, row.email, row.team))
    return {team: tuple(people) for team, people in members.items()}


def _changes(engine: Engine, team: str, week: str) -> WeekChanges:
    table = ExceptionRecord.__table__
    start = week_start(week)
    end = start + timedelta(days=7)
    query = select(table.c.status, table.c.first_seen_at, table.c.opened_at, table.c.resolved_at,
                   table.c.resolution_reason, table.c.reopen_count).where(table.c.team == team)  # fmt: skip
    new = resolved = cleared = reopened = 0
    with read_session(engine) as session:
        for r in session.execute(query):
            new += int(start <= r.first_seen_at < end)
            reopened += int(r.reopen_count > 0 and start <= r.opened_at < end)
            done = r.status == Status.RESOLVED and r.resolved_at and start <= r.resolved_at < end
            cleared += int(bool(done) and r.resolution_reason == CLEARED_BY_DATA)
            resolved += int(bool(done) and r.resolution_reason != CLEARED_BY_DATA)
    return WeekChanges(new, resolved, cleared, reopened)


def team_digest(engine: Engine, team: str, report: FounderReport) -> TeamDigest:
    """One team's digest for the report's week."""
    with read_session(engine) as session:
        rows = list_exceptions(session, status="active", team=team)
    now = iso_z(report.as_of)
    lines = tuple(
        Line(g["type"], g["count"], g["severity"]["high"], g["overdue"], g["earliest_due"],
             link("exceptions", type=g["type"], team=team))
        for g in group_lines(rows, report.as_of)
    )  # fmt: skip
    late = sorted((r for r in rows if r["due_at"] < now), key=lambda r: (r["due_at"], r["id"]))
    overdue = tuple(
        Overdue(r["id"], r["type"], r["entity"], r["severity"], r["due_at"],
                link("exceptions", exception=r["id"]))
        for r in late[:OVERDUE_LISTED]
    )  # fmt: skip
    kpis_off = tuple(k for k in report.kpis if k.owner == team and k.status in ("red", "amber"))
    return TeamDigest(team, report.week, report.as_of, lines, overdue, len(late),
                      _changes(engine, team, report.week), kpis_off, link("queue"),
                      link("review", week=report.week))  # fmt: skip


def owning_teams(engine: Engine, report: FounderReport) -> list[str]:
    """Teams that own exceptions (any status) or KPIs, by name."""
    table = ExceptionRecord.__table__
    with read_session(engine) as session:
        teams = set(session.scalars(select(table.c.team).distinct()))
    teams |= {k.owner for k in report.kpis if k.owner != "–"}
    return sorted(teams)


def build_digests(
    engine: Engine, week: str, team: str | None = None, now: datetime | None = None
) -> Digests:
    """The week's digests: every owning team with something to say and founders (or just `team`)."""
    report = founder_report(engine, week, now)
    chosen = [team] if team else owning_teams(engine, report)
    digests = tuple(
        d for d in (team_digest(engine, t, report) for t in chosen) if team or d.has_news
    )
    with read_session(engine) as session:
        founders = [] if team else founder_recipients(session)
    reachable = tuple(Person(f.name, f.email, None) for f in founders if f.account == "enabled")
    unreachable = tuple(
        f"{f.name} (account {f.account})" for f in founders if f.account != "enabled"
    )
    return Digests(week, digests, team_members(engine), report, reachable, unreachable)

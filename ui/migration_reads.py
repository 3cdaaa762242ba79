"""Reads of the Migration page: governance state uncached, the comparison cached by a change token.

The daily comparison and the checklist read stock, orders and returns (seconds on a big brand),
so they are cached, keyed by the data version (any import), the newest audit row (any steward
change: a freeze, an explanation, a cutover, a mapping) and the minute they are judged at.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import streamlit as st

from core.db import read_session
from core.timeutil import utcnow
from governance import book_systems, freeze, migration
from governance.checklist import Step, migration_checklist
from governance.migration_report import MigrationReport, migration_report
from metrics.parallel_model import Pair
from metrics.parallel_run import (
    locations_known,
    locations_seen,
    pairs_of_day,
    systems_with_stock,
)
from metrics.touched import audit_mark
from ui import data
from ui.frame import DataContext
from ui.queries import DataVersion

TTL_SECONDS = 120
MAX_ENTRIES = 16
Token = tuple[DataVersion, int, datetime]


@dataclass(frozen=True)
class PageState:
    """Governance state as it is now: the migrations, the one shown, the freeze, the choices."""

    migrations: tuple[migration.MigrationView, ...]
    current: migration.MigrationView | None
    freeze: freeze.FreezeState
    books: tuple[book_systems.Book, ...]
    systems: tuple[str, ...]  # systems with stock rows (for opening a migration)
    locations: tuple[str, ...]  # locations known (for choosing the migrated ones)


def page_state() -> PageState:
    """The state the page draws and binds its actions to (read afresh on every run)."""
    engine = data.engine_for(data.database_url())
    with read_session(engine) as session:
        migrations = tuple(migration.list_migrations(session))
        current = migration.current_migration(session)
        where = (
            [] if current is None else locations_seen(session.connection(), current.scope, utcnow())
        )
        books = tuple(b for b in book_systems.books(session, where) if b.location in where)
        conn = session.connection()
        return PageState(migrations, current, freeze.freeze_state(session), books,
                         tuple(systems_with_stock(conn)), tuple(locations_known(conn)))  # fmt: skip


def token(ctx: DataContext) -> Token:
    """What the cached reads are keyed by: data version, newest audit row, the minute (UTC)."""
    with data.engine_for(ctx.url).connect() as conn:
        mark = audit_mark(conn)
    return ctx.version, mark, utcnow().replace(second=0, microsecond=0)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner="Comparing the two systems…")
def report(url: str, key: Token, migration_id: int) -> MigrationReport:
    """The report of a migration judged at the token's minute (closed ones: at their closing)."""
    with read_session(data.engine_for(url)) as session:
        chosen = migration.current_migration(session, migration_id)
        assert chosen is not None
        at = migration.judged_at(chosen, key[2])
        return migration_report(session, migration_id=migration_id, as_of=at)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def pairs(url: str, key: Token, migration_id: int, day: date, as_of: datetime) -> list[Pair]:
    """The differing pairs of one day of a migration."""
    with read_session(data.engine_for(url)) as session:
        chosen = migration.current_migration(session, migration_id)
        assert chosen is not None
        return pairs_of_day(session.connection(), chosen.scope, as_of, day)


@st.cache_data(ttl=TTL_SECONDS, max_entries=MAX_ENTRIES, show_spinner=False)
def checklist(url: str, key: Token, migration_id: int | None) -> list[Step]:
    """The playbook's eight steps with what invgov knows of each."""
    shown = report(url, key, migration_id) if migration_id is not None else None
    with read_session(data.engine_for(url)) as session:
        return migration_checklist(
            session,
            as_of=key[2],
            migration=shown.migration if shown else None,
            readiness=shown.readiness if shown else None,
        )

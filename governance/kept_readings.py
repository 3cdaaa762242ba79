"""Keeping the Migration page's slow readings after detection (metrics.migration_kept)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.db import DatabaseBusy, read_session
from core.timeutil import utcnow
from governance.migration import MigrationStatus, list_migrations
from metrics.migration_kept import keep_readings

log = logging.getLogger(__name__)


def keep_migration_readings(engine: Engine, now: datetime | None = None) -> bool:
    """While a migration is open, read and keep the edge cases and every open migration's
    comparison at now; never raises (the page computes what is not kept). Whether they were kept."""
    try:
        with read_session(engine) as session:
            scopes = [m.scope for m in list_migrations(session) if m.status == MigrationStatus.OPEN]
        if not scopes:  # read only while a migration runs: ~1.3 s per detection at 200k orders
            return False
        return keep_readings(engine, scopes, now or utcnow())
    except DatabaseBusy as busy:
        log.warning("the Migration page's readings were not kept (busy): %s", busy)
    except SQLAlchemyError:
        log.exception("the Migration page's readings were not kept; the page computes them")
    return False

"""Uncached reads of governance state for pages (small tables, changed by people at any moment).

Every function opens one read session and returns plain data: the pages then show the state as
it is now, and the versions they bind to their actions are the versions shown.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from core.db import read_session
from core.schema import FieldOwnership, Item, Review, RoutingRule, SeveritySla
from core.timeutil import utcnow, week_label
from governance import (
    accounts,
    bulk_mappings,
    mappings,
    not_tracked,
    ownership,
    queue,
    review_read,
    sku_requests,
)
from governance.errors import NotFound
from governance.exception_store import load, public
from governance.gov_kpis import governance_kpis
from governance.permissions import Role
from governance.review_read import ReviewStatus
from governance.sku_validation import item_fields
from metrics.kpis import Target, load_targets
from ui import data

RECENT_WEEKS = 8
VERSION_TABLES: dict[str, tuple[Any, str]] = {
    "routing": (RoutingRule, "domain"),
    "field_ownership": (FieldOwnership, "domain"),
    "sla": (SeveritySla, "severity"),
}


def engine() -> Engine:
    """The app's engine for the configured database."""
    return data.engine_for(data.database_url())


def exceptions(
    *, status: str | Iterable[str] | None, team: str | None = None, type: str | None = None
) -> list[dict[str, Any]]:
    """Exceptions as public dicts (most severe first) for a status filter, team and type."""
    with read_session(engine()) as session:
        return queue.list_exceptions(session, status=status, team=team, type=type)


def exception_detail(exception_id: int) -> dict[str, Any]:
    """One exception as it is now: state in words, closings, history (audit rows), comments."""
    with read_session(engine()) as session:
        return queue.detail(session, exception_id)


def exception_row(exception_id: int) -> dict[str, Any] | None:
    """One exception as the lists show it (None when it no longer exists)."""
    with read_session(engine()) as session:
        try:
            return public(load(session, exception_id))
        except NotFound:
            return None


def teams() -> list[str]:
    """Every team an exception may belong to, sorted."""
    with read_session(engine()) as session:
        return sorted(ownership.known_teams(session))


def assignable_people() -> list[dict[str, Any]]:
    """Enabled owners, stewards and admins (who may be given exceptions), by name."""
    with read_session(engine()) as session:
        users = accounts.list_users(session)
    return [u for u in users if not u["disabled"] and u["role"] != Role.VIEWER]


def _versions(session: Session, table: str) -> dict[str, dict[str, Any]]:
    model, key = VERSION_TABLES[table]
    rows = session.execute(select(model.__table__)).mappings()
    return {row[key]: {"version": row["version"], "by": row["updated_by"]} for row in rows}


def ownership_tables() -> dict[str, Any]:
    """Routing, field ownership and SLA hours, each with the stored version per row (0: default)."""
    with read_session(engine()) as session:
        return {
            "routing": ownership.routing_table(session),
            "field_ownership": ownership.field_owners(session),
            "sla": {str(k): v for k, v in ownership.sla_hours(session).items()},
            "versions": {name: _versions(session, name) for name in VERSION_TABLES},
            "teams": sorted(ownership.known_teams(session)),
        }


def kpi_targets() -> dict[str, Target]:
    """Every KPI's target and owner (stored row, else the default) with its version."""
    with engine().connect() as conn:
        return load_targets(conn)


def review(week: str) -> dict[str, Any] | None:
    """The review of a week with its agenda items, or None."""
    with read_session(engine()) as session:
        return review_read.get_review(session, week)


def review_weeks(now: datetime | None = None) -> list[str]:
    """Weeks to choose from, newest first: this week, the recent ones and every reviewed week."""
    moment = now or utcnow()
    recent = {week_label(moment - timedelta(days=7 * back)) for back in range(RECENT_WEEKS)}
    with read_session(engine()) as session:
        stored = set(session.scalars(select(Review.week)))
    return sorted(recent | stored, reverse=True)


def minutes(week: str, fmt: str) -> str:
    """The minutes of a week (frozen once closed, else a draft)."""
    with read_session(engine()) as session:
        return review_read.minutes(session, week, fmt)


def review_is_open(view: dict[str, Any] | None) -> bool:
    """Whether a review exists and is still open."""
    return view is not None and view["status"] == ReviewStatus.OPEN


def gov_kpis(week: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """The governance KPI rows {kpi, value, n, num} at as_of (default now) for a review week."""
    with read_session(engine()) as session:
        return governance_kpis(session, as_of=(as_of or utcnow()).replace(microsecond=0), week=week)


def sku_requests_of(status: str | None = None) -> list[dict[str, Any]]:
    """SKU requests, newest first (optionally of one status)."""
    with read_session(engine()) as session:
        return sku_requests.list_requests(session, status)


def check_request(kind: str, sku: str, fields: dict[str, Any]) -> list[dict[str, Any]]:
    """Live validation of a request being typed: every issue as a dict (nothing is written)."""
    with read_session(engine()) as session:
        return [issue.as_dict() for issue in sku_requests.check_request(session, kind, sku, fields)]


def item_values(sku: str) -> dict[str, Any] | None:
    """The item-master fields of an item, or None when there is no such SKU."""
    with read_session(engine()) as session:
        item = session.get(Item, sku.strip())
        return None if item is None else item_fields(item)


def unapproved_active_skus() -> list[dict[str, Any]]:
    """Imported active items without approval (what a bulk approval would approve)."""
    query = (
        select(Item.sku, Item.name, Item.category, Item.brand, Item.created_at)
        .where(Item.lifecycle_status == "active", Item.approved_at.is_(None))
        .order_by(Item.sku)
    )
    with read_session(engine()) as session:
        return [dict(row) for row in session.execute(query).mappings()]


def suggestions(status: str | None = "open") -> list[dict[str, Any]]:
    """SKU mapping suggestions (open ones by default)."""
    with read_session(engine()) as session:
        return mappings.list_suggestions(session, status)


def bulk_candidates(
    *, system: str | None, pattern: str | None = None, exact: bool = False
) -> list[bulk_mappings.Candidate]:
    """Open suggestions a bulk decision would take (of a system, matching a SKU glob, or exact)."""
    with read_session(engine()) as session:
        return bulk_mappings.open_candidates(session, system=system, pattern=pattern, exact=exact)


def not_tracked_settings() -> list[not_tracked.NotTracked]:
    """The standing not-tracked settings."""
    with read_session(engine()) as session:
        return not_tracked.settings(session)


def stock_systems() -> list[str]:
    """The systems with stock rows."""
    with read_session(engine()) as session:
        return not_tracked.stock_systems(session)

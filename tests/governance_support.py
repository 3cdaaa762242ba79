"""Factories for governance tests: people of every role, canonical rows, exceptions, audit reads."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from stdnum import ean

from core.db import read_session, write_session
from core.schema import AuditEntry, ExceptionRecord, Item, StockLevel
from governance import accounts
from governance.permissions import Actor

AS_OF = datetime(2026, 1, 21, 9, 30, tzinfo=UTC)  # a Wednesday of 2026-W04
PASSWORD = "correct horse battery"
# name -> (role, team)
PEOPLE = {
    "viewer1": ("viewer", None),
    "owner.inv": ("owner", "inventory control"),
    "owner.merch": ("owner", "merchandising"),
    "steward1": ("steward", "merchandising"),
    "steward2": ("steward", "merchandising"),
    "admin1": ("admin", None),
}


def make_people(engine: Engine) -> dict[str, Actor]:
    """A root admin and one account per entry of PEOPLE; returns their actors by name."""
    with write_session(engine) as session:
        root = accounts.create_first_admin(session=session, name="root", password=PASSWORD)
        actors = {"root": root}
        for name, (role, team) in PEOPLE.items():
            actors[name] = accounts.add_user(
                session=session, actor=root, name=name, role=role, team=team, password=PASSWORD
            )
    return actors


def gtin(number: int) -> str:
    """A valid GTIN-13 built from a number."""
    body = f"{number:012d}"
    return body + ean.calc_check_digit(body)


def item(sku: str, number: int, **changes: Any) -> Item:
    """An item passing all five SKU checks unless `changes` break one."""
    values: dict[str, Any] = {
        "name": f"Item {sku}",
        "category": "Tops",
        "brand": "Acme",
        "barcode": gtin(number),
        "abc_class": "A",
        "lifecycle_status": "active",
        "created_at": AS_OF - timedelta(days=60),
        "approved_at": AS_OF - timedelta(days=59),
        "approved_by": "someone",
        "attributes": {},
    }
    values.update(changes)
    return Item(sku=sku, **values)


def stock(system: str, location: str, sku: str, quantity: int, days_ago: int = 1) -> StockLevel:
    """A sellable stock row taken `days_ago` before AS_OF."""
    return StockLevel(
        as_of=AS_OF - timedelta(days=days_ago),
        system=system,
        location_id=location,
        system_sku=sku,
        status="sellable",
        quantity=quantity,
    )


def add(engine: Engine, *rows: object) -> None:
    """Insert rows in one transaction."""
    with write_session(engine) as session:
        session.add_all(rows)


def set_stock(engine: Engine, system: str, location: str, sku: str, quantity: int) -> None:
    """Change the quantity of the stock row `stock(system, location, sku, ...)` made."""
    with write_session(engine) as session:
        row = session.scalars(
            select(StockLevel).where(
                StockLevel.system == system,
                StockLevel.location_id == location,
                StockLevel.system_sku == sku,
            )
        ).one()
        row.quantity = quantity


def exceptions(engine: Engine, type_: str | None = None) -> list[dict[str, Any]]:
    """Stored exceptions (of a type) as dicts, by id."""
    with read_session(engine) as session:
        query = select(ExceptionRecord.__table__).order_by(ExceptionRecord.id)
        if type_:
            query = query.where(ExceptionRecord.type == type_)
        return [dict(row) for row in session.execute(query).mappings()]


def only(engine: Engine, type_: str) -> dict[str, Any]:
    """The one exception of a type."""
    found = exceptions(engine, type_)
    assert len(found) == 1, found
    return found[0]


def audit_after(
    engine: Engine, last_id: int, object_type: str | None = None
) -> list[tuple[Any, ...]]:
    """Audit rows after an id as (actor, action, object_type, object_id, field, old, new)."""
    with read_session(engine) as session:
        query = select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)
        if object_type:
            query = query.where(AuditEntry.object_type == object_type)
        return [
            (e.actor, e.action, e.object_type, e.object_id, e.field, e.old_value, e.new_value)
            for e in session.scalars(query)
        ]


def last_audit_id(engine: Engine) -> int:
    """The id of the newest audit row (0 when none)."""
    with read_session(engine) as session:
        return session.execute(select(AuditEntry.id).order_by(AuditEntry.id.desc())).scalar() or 0


def insert_exception(
    session: Session, *, team: str, type_: str = "stock_discrepancy", key: str = "x"
) -> int:
    """An open exception written directly (setup for permission tests); returns its id."""
    row = ExceptionRecord(
        type=type_,
        fingerprint=f'["{key}"]',
        severity="medium",
        domain="warehouse_stock",
        team=team,
        status="open",
        entity=key,
        facts={},
        first_seen_at=AS_OF,
        last_seen_at=AS_OF,
        opened_at=AS_OF,
        due_at=AS_OF + timedelta(days=7),
        reopen_count=0,
        cleared_by_data=False,
        version=1,
    )
    session.add(row)
    session.flush()
    return row.id


def session_token(name: str, engine: Engine | None = None) -> str:
    """A fresh sign-in session of an account (as signing in starts one); returns its token.

    AppTest cannot send cookies, so page tests put the token where the in-app form keeps it
    (`ui.auth.TOKEN_KEY`); the app then checks it exactly as it checks a cookie's.
    """
    from core.db import get_engine
    from governance.permissions import actor_by_name
    from governance.sessions import start_session

    with write_session(engine or get_engine()) as session:
        return start_session(session=session, actor=actor_by_name(session, name))

"""Alembic environment: migrates the configured database (or the URL passed in the config)."""

from __future__ import annotations

from alembic import context

from core.db import make_engine
from core.engines import register_migrations
from core.schema import Base
from core.settings import get_settings
from core.timeutil import UTCEpoch

register_migrations()
config = context.config
url = config.get_main_option("sqlalchemy.url") or get_settings().database_url


def run_migrations() -> None:
    """Run migrations online against one connection."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write epoch timestamps as plain BIGINT so migrations never import project code."""
    if type_ == "type" and isinstance(obj, UTCEpoch):
        return "sa.BigInteger()"
    return False


def _run(connection: object) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=True,
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations()

"""Schema migrations (Alembic): create or upgrade a database, report its revision."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from core.db import get_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointed at our migrations and a database URL."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str) -> str:
    """Create or upgrade the schema at `url` to the newest revision(s); returns them."""
    engine = get_engine(url)
    config = alembic_config(url)
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "heads")
    return head_revision()


def head_revision() -> str:
    """The newest revision(s) the code knows, comma-separated when branches are not merged yet."""
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return ",".join(sorted(script.get_heads()))


def current_revision(url: str) -> str | None:
    """The revision(s) a database is at (None when it has no schema)."""
    with get_engine(url).connect() as conn:
        heads = MigrationContext.configure(conn).get_current_heads()
    return ",".join(sorted(heads)) or None

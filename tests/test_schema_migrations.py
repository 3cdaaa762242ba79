"""The Alembic revisions create exactly the tables, columns, indexes and constraints the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine

from core.schema import Base


def test_the_migrated_schema_matches_the_models(engine: Engine) -> None:
    # Column types are compared too (Alembic's default): epoch timestamps compare as their BIGINT.
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert differences == []

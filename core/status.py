"""Where the data stands: row counts per entity, recent imports, schema version (SPEC section 5)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, func, select

from core.migrate import current_revision
from core.schema import CANONICAL_TABLES, ImportRun, QuarantinedRow
from core.settings import safe_url
from core.timeutil import iso_z


def entity_counts(engine: Engine) -> dict[str, int]:
    """Rows per canonical entity plus `quarantined_rows`."""
    counts: dict[str, int] = {}
    with engine.connect() as conn:
        for name, model in {**CANONICAL_TABLES, "quarantined_rows": QuarantinedRow}.items():
            counts[name] = conn.execute(
                select(func.count()).select_from(model.__table__)
            ).scalar_one()
    return counts


def recent_imports(engine: Engine, limit: int = 20) -> list[dict[str, Any]]:
    """The latest committed imports, newest first."""
    table = ImportRun.__table__
    query = (
        select(table)
        .where(table.c.status == "committed")
        .order_by(table.c.finished_at.desc(), table.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        {
            "source": r["source"],
            "system": r["system"],
            "file": r["file_name"],
            "sha256": r["sha256"],
            "finished_at": iso_z(r["finished_at"]) if r["finished_at"] else None,
            "read": r["rows_read"],
            "inserted": r["inserted"],
            "updated": r["updated"],
            "unchanged": r["unchanged"],
            "quarantined": r["quarantined"],
        }
        for r in rows
    ]


def status(engine: Engine) -> dict[str, Any]:
    """The `status --json` document."""
    return {
        "counts": entity_counts(engine),
        "imports": recent_imports(engine),
        "schema_version": current_revision(str(engine.url.render_as_string(hide_password=False))),
        "database": safe_url(engine.url.render_as_string(hide_password=False)),
    }


def is_empty(engine: Engine) -> bool:
    """Whether no canonical entity holds any row."""
    return not any(v for k, v in entity_counts(engine).items() if k != "quarantined_rows")

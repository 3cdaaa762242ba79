"""Read queries behind the Sources page (SQLAlchemy Core, bound parameters; no Streamlit here)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine, select

from core.schema import QuarantinedRow

QUARANTINE = QuarantinedRow.__table__
REPORT_QUARANTINE_LIMIT = 10_000


def quarantined_of_files(
    engine: Engine, sha256s: Sequence[str], limit: int = REPORT_QUARANTINE_LIMIT
) -> list[dict[str, Any]]:
    """Quarantined rows of the given files (by content hash: a re-import adds none), by file and line."""
    if not sha256s:
        return []
    query = (
        select(QUARANTINE)
        .where(QUARANTINE.c.file_sha256.in_(list(sha256s)))
        .order_by(QUARANTINE.c.file_name, QUARANTINE.c.line_number)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]

"""The canonical tables as Parquet: one folder per entity, columns typed as the database stores them.

Timestamps stay integer epoch seconds (int64), decimals keep their precision and scale, JSON is
its text. `manage.py export parquet DIR` writes a lake in this layout; `core.spark` reads it.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Engine,
    Float,
    Integer,
    Numeric,
    String,
    Table,
    Text,
    select,
    type_coerce,
)
from sqlalchemy.types import TypeEngine

from core.schema import (
    CANONICAL_TABLES,
    BookSystem,
    ChannelParameterOverride,
    FieldOwnership,
    PlanningWindows,
)
from core.timeutil import UTCEpoch

MANIFEST = "_invgov.json"
PART = "part-00000.parquet"
BATCH_ROWS = 100_000


@dataclass(frozen=True)
class ColumnKind:
    """How a column is written to Parquet and declared to Spark."""

    arrow: Any
    spark: str


def column_kind(sql_type: TypeEngine[Any]) -> ColumnKind:
    """The Parquet (Arrow) and Spark types of a column type of the schema."""
    import pyarrow as pa

    if isinstance(sql_type, UTCEpoch | BigInteger):
        return ColumnKind(pa.int64(), "BIGINT")
    if isinstance(sql_type, Integer):
        return ColumnKind(pa.int32(), "INT")
    if isinstance(sql_type, Boolean):
        return ColumnKind(pa.bool_(), "BOOLEAN")
    if isinstance(sql_type, Numeric) and not isinstance(sql_type, Float):
        precision, scale = sql_type.precision or 38, sql_type.scale or 0
        return ColumnKind(pa.decimal128(precision, scale), f"DECIMAL({precision},{scale})")
    if isinstance(sql_type, Float):
        return ColumnKind(pa.float64(), "DOUBLE")
    if isinstance(sql_type, Date):
        return ColumnKind(pa.date32(), "DATE")
    if isinstance(sql_type, String | Text | JSON):
        return ColumnKind(pa.string(), "STRING")
    raise TypeError(f"no Parquet type for {sql_type!r}")


# Steward tables a metric reads besides the canonical entities (the book system of a location,
# the planning settings stewards override: metrics.settings_store).
METRIC_INPUTS: tuple[type, ...] = (
    BookSystem,
    ChannelParameterOverride,
    FieldOwnership,
    PlanningWindows,
)


def canonical_tables() -> list[Table]:
    """The tables of the canonical entities, in SPEC section 2's order."""
    return [model.__table__ for model in CANONICAL_TABLES.values()]


def lake_tables() -> list[Table]:
    """The tables a lake holds: the canonical entities, then the steward tables metrics read."""
    return canonical_tables() + [model.__table__ for model in METRIC_INPUTS]


def spark_schema(table: Table) -> str:
    """A table's columns as a Spark DDL schema string."""
    return ", ".join(f"`{c.name}` {column_kind(c.type).spark}" for c in table.columns)


def _raw(column: Any) -> Any:
    """A column as stored: epoch seconds as integers, JSON as its text."""
    if isinstance(column.type, UTCEpoch):
        return type_coerce(column, BigInteger).label(column.name)
    return column


def _batches(engine: Engine, table: Table) -> Iterator[list[tuple[Any, ...]]]:
    query = select(*(_raw(c) for c in table.columns)).order_by(*table.primary_key.columns)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True).execute(query)
        while rows := result.fetchmany(BATCH_ROWS):
            yield [tuple(row) for row in rows]


def _cell(value: Any, is_json: bool) -> Any:
    return json.dumps(value, sort_keys=True) if is_json and value is not None else value


def export_table(engine: Engine, table: Table, folder: Path) -> int:
    """Write one table into `folder/<table>/` as Parquet; rows written."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = [column_kind(c.type) for c in table.columns]
    schema = pa.schema([(c.name, k.arrow) for c, k in zip(table.columns, kinds, strict=True)])
    json_columns = [isinstance(c.type, JSON) for c in table.columns]
    target = folder / table.name
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    written = 0
    with pq.ParquetWriter(target / PART, schema) as writer:
        for rows in _batches(engine, table):
            columns = [[_cell(row[i], json_columns[i]) for row in rows] for i in range(len(kinds))]
            writer.write_table(pa.Table.from_arrays(columns, schema=schema))
            written += len(rows)
    return written


def export_parquet(engine: Engine, folder: Path, schema_version: str | None) -> dict[str, int]:
    """Every lake table into `folder`, one sub-folder per table; rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    counts = {table.name: export_table(engine, table, folder) for table in lake_tables()}
    manifest = {
        "exported_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "schema_version": schema_version,
        "rows": counts,
    }
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return counts

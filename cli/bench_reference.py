"""The benchmark's reference: SPEC section 3 metrics written by hand in DuckDB SQL over the CSVs.

Independent of metrics/: it reads the canonical CSV files the demo generator wrote (every cell
as text, cast here) and computes each metric with plain SQL, so `bench` can set the product's
`metrics` beside what a columnar engine does with the same rows. Covered: every section 3 metric
except sku_quality_rate, sku_check_failures and stock_discrepancies (those need the GTIN check
digit, the configurable naming rule and the per-location book system).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

# Settings defaults of SPEC section 3 (tolerances in percent, so the comparison stays exact).
STALLED_HOURS = 48
BLACK_HOLE_DAYS = 7


@dataclass(frozen=True)
class ReferenceRow:
    """One metric row as `metrics --json` prints it."""

    metric: str
    week: str | None
    dim: str
    key: str | None
    value: float | int | None
    n: int
    num: float | int | None


@dataclass(frozen=True)
class Reference:
    """The reference rows and the seconds computing them took (loading the CSVs included)."""

    rows: list[ReferenceRow]
    seconds: float


TABLES = (
    "items", "sku_mappings", "stock_levels", "cycle_counts", "orders", "order_lines",
    "shipments", "returns", "integration_events",
)  # fmt: skip

# Typed views over the text cells: instants as naive UTC timestamps, quantities as integers.
VIEWS = """
CREATE TEMP VIEW t_items AS SELECT sku, nullif(abc_class, '') AS abc_class,
  CAST(replace(created_at, 'Z', '') AS TIMESTAMP) AS created_at FROM items;
CREATE TEMP VIEW t_counts AS SELECT count_id, location_id, sku,
  CAST(replace(counted_at, 'Z', '') AS TIMESTAMP) AS counted_at,
  CAST(system_qty AS BIGINT) AS system_qty, CAST(counted_qty AS BIGINT) AS counted_qty
  FROM cycle_counts;
CREATE TEMP VIEW t_orders AS SELECT order_id, lower(channel) AS channel,
  CAST(replace(placed_at, 'Z', '') AS TIMESTAMP) AS placed_at,
  CAST(replace(cancelled_at, 'Z', '') AS TIMESTAMP) AS cancelled_at FROM orders;
CREATE TEMP VIEW t_lines AS SELECT order_id, line_id, CAST(quantity AS BIGINT) AS quantity,
  nullif(allocated_location_id, '') AS allocated FROM order_lines;
CREATE TEMP VIEW t_ships AS SELECT shipment_id, order_id, line_id, location_id,
  CAST(replace(shipped_at, 'Z', '') AS TIMESTAMP) AS shipped_at,
  CAST(quantity AS BIGINT) AS quantity FROM shipments;
CREATE TEMP VIEW t_returns AS SELECT return_id, nullif(receiving_location_id, '') AS location,
  CAST(replace(received_at, 'Z', '') AS TIMESTAMP) AS received_at,
  CAST(replace(disposition_at, 'Z', '') AS TIMESTAMP) AS disposition_at,
  CAST(replace(refunded_at, 'Z', '') AS TIMESTAMP) AS refunded_at FROM returns;
CREATE TEMP VIEW t_events AS SELECT lower(integration) AS integration, lower(status) AS status,
  nullif(error_type, '') AS error_type,
  CAST(replace(occurred_at, 'Z', '') AS TIMESTAMP) AS occurred_at FROM integration_events;
CREATE TEMP VIEW t_stock AS SELECT system, system_sku,
  CAST(replace(as_of, 'Z', '') AS TIMESTAMP) AS as_of FROM stock_levels;
"""

WEEK = "strftime({col}, '%G-W%V')"

# Each query returns (week, dim, key, value, n, num) rows of one metric.
QUERIES: dict[str, str] = {
    "counts": """
CREATE TEMP TABLE counts AS
SELECT {week_c} AS week, c.location_id AS location, i.abc_class,
  abs(c.counted_qty - c.system_qty) AS diff, c.system_qty,
  abs(c.counted_qty - c.system_qty) * 100 <= (CASE i.abc_class WHEN 'A' THEN 0 WHEN 'B' THEN 2
    WHEN 'C' THEN 5 ELSE 0 END) * abs(c.system_qty) AS accurate
FROM t_counts c LEFT JOIN t_items i ON i.sku = c.sku AND i.created_at <= $as_of
WHERE c.counted_at <= $as_of""",
    "order_facts": """
CREATE TEMP TABLE order_facts AS
WITH o AS (SELECT * FROM t_orders WHERE placed_at <= $as_of),
s AS (SELECT s.* FROM t_ships s JOIN o USING (order_id) WHERE s.shipped_at <= $as_of),
per_line AS (
  SELECT l.order_id, l.quantity, least(coalesce(sum(s.quantity), 0), l.quantity) AS shipped
  FROM t_lines l LEFT JOIN s ON s.order_id = l.order_id AND s.line_id = l.line_id
  GROUP BY l.order_id, l.line_id, l.quantity),
units AS (SELECT order_id, sum(quantity) AS ordered, sum(shipped) AS shipped
  FROM per_line GROUP BY order_id),
shipped AS (SELECT order_id, count(DISTINCT shipment_id) AS shipments,
  count(DISTINCT location_id) AS locations FROM s GROUP BY order_id)
SELECT o.order_id, o.channel, o.placed_at, {week_o} AS week,
  o.cancelled_at IS NOT NULL AND o.cancelled_at <= $as_of AS cancelled,
  coalesce(u.ordered, 0) AS ordered, coalesce(u.shipped, 0) AS shipped_units,
  coalesce(sh.shipments, 0) AS shipments, coalesce(sh.locations, 0) AS locations
FROM o LEFT JOIN units u USING (order_id) LEFT JOIN shipped sh USING (order_id)""",
    "reroutes": """
CREATE TEMP TABLE reroutes AS
SELECT {week_o} AS week, o.channel, s.location_id <> l.allocated AS rerouted
FROM t_ships s JOIN t_orders o USING (order_id)
JOIN t_lines l ON l.order_id = s.order_id AND l.line_id = s.line_id
WHERE s.shipped_at <= $as_of AND o.placed_at <= $as_of AND l.allocated IS NOT NULL""",
}


def grouped(source: str, dims: dict[str, str | None], select: str, where: str = "TRUE") -> str:
    """One UNION ALL of a weekly aggregate over `all` and each dimension (a column, or None)."""
    parts = []
    for dim, column in dims.items():
        key = "NULL" if column is None else f"CAST({column} AS VARCHAR)"
        group = "week" if column is None else f"week, {column}"
        parts.append(
            f"SELECT week, '{dim}' AS dim, {key} AS key, {select} FROM {source} "
            f"WHERE {where} GROUP BY {group}"
        )
    return " UNION ALL ".join(parts)


def metric_sql() -> dict[str, str]:
    """The SQL of each covered metric, by id (rows: week, dim, key, value, n, num)."""
    location = {"all": None, "location": "location"}
    channel = {"all": None, "channel": "channel"}
    stalled_where = f"NOT cancelled AND placed_at <= $as_of - INTERVAL {STALLED_HOURS} HOUR"
    return {
        "inventory_record_accuracy": grouped(
            "counts", location | {"abc_class": "abc_class"},
            "count_if(accurate) / count(*), count(*), count_if(accurate)",
        ),
        "unit_accuracy": grouped(
            "counts", location,
            "CASE WHEN sum(system_qty) = 0 THEN NULL "
            "ELSE greatest(0, 1 - sum(diff) / sum(system_qty)) END, count(*), NULL",
        ),
        "split_order_rate": grouped(
            "order_facts", channel,
            "count_if(shipments >= 2) / count(*), count(*), count_if(shipments >= 2)",
            "shipments >= 1",
        ),
        "multi_location_rate": grouped(
            "order_facts", channel,
            "count_if(locations >= 2) / count(*), count(*), count_if(locations >= 2)",
            "shipments >= 1",
        ),
        "reroute_rate": grouped(
            "reroutes", channel, "count_if(rerouted) / count(*), count(*), count_if(rerouted)"
        ),
        "fill_rate": grouped(
            "order_facts", channel,
            "sum(shipped_units) / sum(ordered), sum(ordered), sum(shipped_units)",
            "NOT cancelled AND ordered > 0",
        ),
        "stalled_orders": snapshot(
            "order_facts", "channel", f"{stalled_where} AND shipped_units < ordered"
        ),
        "return_lag_p50_hours": lag(50),
        "return_lag_p90_hours": lag(90),
        "open_returns": snapshot(
            "t_returns", "location",
            "received_at <= $as_of AND (disposition_at IS NULL OR disposition_at > $as_of)",
        ),
        "black_hole_returns": snapshot(
            "t_returns", "location",
            f"received_at <= $as_of - INTERVAL {BLACK_HOLE_DAYS} DAY AND refunded_at <= $as_of "
            "AND (disposition_at IS NULL OR disposition_at > $as_of)",
        ),
        "integration_failure_rate": grouped(
            f"(SELECT *, {WEEK.format(col='occurred_at')} AS week FROM t_events "
            "WHERE occurred_at <= $as_of)",
            {"all": None, "integration": "integration"},
            "count_if(status = 'failed') / count(*), count(*), count_if(status = 'failed')",
        ),
        "integration_failures": f"""
SELECT week, 'error_type', error_type, count(*), any_value(total), NULL FROM (
  SELECT error_type, {WEEK.format(col="occurred_at")} AS week,
    count(*) OVER (PARTITION BY {WEEK.format(col="occurred_at")}) AS total
  FROM t_events WHERE occurred_at <= $as_of AND status = 'failed')
GROUP BY week, error_type""",
        "unmapped_system_skus": """
WITH seen AS (SELECT DISTINCT system, system_sku FROM t_stock WHERE as_of <= $as_of),
r AS (SELECT seen.*, coalesce(m.sku, i.sku) IS NULL AS unresolved FROM seen
  LEFT JOIN sku_mappings m ON m.system = seen.system AND m.system_sku = seen.system_sku
  LEFT JOIN t_items i ON i.sku = seen.system_sku AND i.created_at <= $as_of)
SELECT NULL, 'all', NULL, count_if(unresolved), count(*), NULL FROM r
UNION ALL SELECT NULL, 'system', system, count_if(unresolved), count(*), NULL FROM r
GROUP BY system""",
    }  # fmt: skip


def snapshot(source: str, column: str, where: str) -> str:
    """A snapshot count: the `all` row always (0 included), a row per non-empty group."""
    return (
        f"SELECT NULL, 'all', NULL, count(*), count(*), NULL FROM {source} WHERE {where} "
        f"UNION ALL SELECT NULL, '{column}', CAST({column} AS VARCHAR), count(*), count(*), NULL "
        f"FROM {source} WHERE {where} GROUP BY {column}"
    )


def lag(percent: int) -> str:
    """Nearest-rank percentile of the disposition lag hours, k = ceil(p·n) in integers."""
    hours = "(epoch(disposition_at) - epoch(received_at)) / 3600.0"
    source = (
        f"(SELECT location, {hours} AS hours, {WEEK.format(col='received_at')} AS week "
        "FROM t_returns WHERE received_at <= $as_of AND disposition_at <= $as_of)"
    )
    pick = f"list_sort(list(hours))[({percent} * count(*) + 99) // 100], count(*), NULL"
    return grouped(source, {"all": None, "location": "location"}, pick)


def compute_reference(folder: Path, as_of: datetime) -> Reference:
    """Every covered metric from the canonical CSVs in a folder, at as_of, timed."""
    started = time.perf_counter()
    naive = as_of.astimezone(UTC).replace(tzinfo=None)
    con = duckdb.connect()
    try:
        for table in TABLES:
            path = str(folder / f"{table}.csv")
            con.execute(
                f"CREATE TEMP TABLE {table} AS SELECT * FROM "
                "read_csv_auto(?, all_varchar = true, header = true)",
                [path],
            )
        con.execute(VIEWS)
        weeks = {
            "week_c": WEEK.format(col="c.counted_at"),
            "week_o": WEEK.format(col="o.placed_at"),
        }
        for statement in QUERIES.values():
            con.execute(statement.format(**weeks), {"as_of": naive})
        rows: list[ReferenceRow] = []
        for metric, sql in metric_sql().items():
            params = {"as_of": naive} if "$as_of" in sql else {}
            for week, dim, key, value, n, num in con.execute(sql, params).fetchall():
                if n > 0 or (dim == "all" and metric in SNAPSHOT_ALWAYS):
                    rows.append(ReferenceRow(metric, week, dim, key, plain(value), int(n), plain(num)))  # fmt: skip
    finally:
        con.close()
    return Reference(rows, time.perf_counter() - started)


SNAPSHOT_ALWAYS = {"stalled_orders", "open_returns", "black_hole_returns"}


def plain(value: object) -> float | int | None:
    """A DuckDB number as a JSON number (decimals to float)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    return float(value)  # type: ignore[arg-type]


def agreeing(reference: list[ReferenceRow], product: list[dict[str, object]]) -> list[str]:
    """The metric ids whose reference rows equal the product's (same rows; values within 1e-9)."""

    def keyed(rows: list[tuple[object, ...]]) -> dict[object, list[tuple[object, ...]]]:
        out: dict[object, list[tuple[object, ...]]] = {}
        for row in rows:
            out.setdefault(row[0], []).append(row[1:])
        return {m: sorted(v, key=repr) for m, v in out.items()}

    mine = keyed([(r.metric, r.week, r.dim, r.key, r.value, r.n, r.num) for r in reference])
    theirs = keyed([tuple(r[f] for f in ("metric", "week", "dim", "key", "value", "n", "num"))
                    for r in product])  # fmt: skip
    return [m for m in mine if same(mine[m], theirs.get(m, []))]


def same(a: list[tuple[object, ...]], b: list[tuple[object, ...]]) -> bool:
    """Whether two row lists match, numbers within 1e-9."""
    if len(a) != len(b):
        return False
    for x, y in zip(a, b, strict=True):
        for u, v in zip(x, y, strict=True):
            if isinstance(u, int | float) and isinstance(v, int | float):
                if not math.isclose(u, v, rel_tol=1e-9, abs_tol=1e-9):
                    return False
            elif u != v:
                return False
    return True

"""From a source's records to metric rows: one grouped query per source, then roll-ups by shape."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from fractions import Fraction
from typing import Any

from sqlalchemy import Connection, func, or_, select

from core.engines import Percentiles, capabilities, integer_division
from core.timeutil import week_label_from_monday_day
from metrics.errors import MetricError
from metrics.model import (
    Context,
    CountOf,
    MetricDef,
    MetricRow,
    Part,
    Percentile,
    Shape,
    Source,
)
from metrics.sql import integer_sum, number

Fact = dict[str, Any]
GroupKey = tuple[int | None, str, str | None]


def load_facts(conn: Connection, source: Source, ctx: Context) -> list[Fact]:
    """A source's records grouped by week and every dimension, parts summed (one query)."""
    if source.load is not None:
        return _group_in_python(source.load(conn, ctx), source)
    if source.records is None:
        raise MetricError(f"source {source.name} has neither records nor a loader")
    rec = source.records(ctx).subquery("records")
    keys = [*([rec.c.wd] if source.weekly else []), *(rec.c[d] for d in source.dims)]
    query = select(
        *keys,
        func.count().label("records"),
        *(integer_sum(rec.c[p]).label(p) for p in source.parts),
    ).group_by(*keys)
    facts = []
    for row in conn.execute(query).mappings():
        fact = {"wd": None, **row}
        facts.append(_as_ints(fact, ("wd", "records", *source.parts)))
    return facts


def _as_ints(fact: Fact, names: Iterable[str]) -> Fact:
    for name in names:
        if fact.get(name) is not None:
            fact[name] = int(fact[name])
    return fact


def _group_in_python(records: list[dict[str, Any]], source: Source) -> list[Fact]:
    grouped: dict[tuple[Any, ...], Fact] = {}
    for record in records:
        week = record["wd"] if source.weekly else None
        key = (week, *(record[d] for d in source.dims))
        fact = grouped.setdefault(
            key,
            {"wd": week, **{d: record[d] for d in source.dims}, "records": 0}
            | dict.fromkeys(source.parts, 0),
        )
        fact["records"] += 1
        for part in source.parts:
            value = record[part]
            fact[part] += value if isinstance(value, Fraction) else int(value)
    return list(grouped.values())


def _add(
    sums: dict[GroupKey, dict[str, Part]], key: GroupKey, fact: Fact, parts: Sequence[str]
) -> None:
    acc = sums.setdefault(key, dict.fromkeys(parts, 0))
    for part in parts:
        acc[part] += fact[part]


def finish(metric: MetricDef, key: GroupKey, parts: Mapping[str, Part]) -> MetricRow:
    """A metric row from its group key (Monday day or None, dim, key) and summed parts."""
    week_day, dim, dim_key = key
    value, n, num = metric.measure.finish(parts)
    week = None if week_day is None else week_label_from_monday_day(week_day)
    return MetricRow(metric.id, week, dim, dim_key, value, n, num, dict(parts))


def rollup(metric: MetricDef, facts: list[Fact]) -> list[MetricRow]:
    """`all` plus one row per key of each dimension; a snapshot sums over every week."""
    parts = metric.measure.parts
    sums: dict[GroupKey, dict[str, Part]] = {}
    if metric.always_all:
        sums[(None, "all", None)] = dict.fromkeys(parts, 0)
    for fact in facts:
        week = fact["wd"] if metric.weekly else None
        _add(sums, (week, "all", None), fact, parts)
        for dim in metric.dims:
            _add(sums, (week, dim, fact[dim]), fact, parts)
    return [finish(metric, key, acc) for key, acc in sums.items()]


def week_share(metric: MetricDef, facts: list[Fact]) -> list[MetricRow]:
    """Per week and key seen: its count, with n the week's total count (e.g. failures by type)."""
    measure = metric.measure
    if not isinstance(measure, CountOf):
        raise MetricError(f"{metric.id}: week_share needs a CountOf measure")
    count, dim = measure.count, metric.dims[0]
    by_key: dict[GroupKey, int] = {}
    week_total: dict[int | None, int] = {}
    for fact in facts:
        key = (fact["wd"], dim, fact[dim])
        by_key[key] = by_key.get(key, 0) + fact[count]
        week_total[fact["wd"]] = week_total.get(fact["wd"], 0) + fact[count]
    return [
        finish(metric, key, {count: value, measure.total: week_total[key[0]]})
        for key, value in by_key.items()
        if value > 0
    ]


def pivot(metric: MetricDef, facts: list[Fact]) -> list[MetricRow]:
    """Per week, one row per fixed key, each counting its own part out of the week's records."""
    sums: dict[int | None, dict[str, int]] = {}
    names = [part for _key, part in metric.pivot]
    for fact in facts:
        acc = sums.setdefault(fact["wd"], dict.fromkeys(["records", *names], 0))
        for part in acc:
            acc[part] += fact[part]
    dim = metric.dims[0]
    return [
        finish(metric, (week, dim, key), {"failing": acc[part], "records": acc["records"]})
        for week, acc in sums.items()
        for key, part in metric.pivot
    ]


SHAPES: dict[Shape, Callable[[MetricDef, list[Fact]], list[MetricRow]]] = {
    Shape.ROLLUP: rollup,
    Shape.WEEK_SHARE: week_share,
    Shape.PIVOT: pivot,
}


def percentile_rows(
    conn: Connection, metrics: Sequence[MetricDef], ctx: Context
) -> list[MetricRow]:
    """Nearest-rank percentiles of metrics sharing one source and dims: one query per grouping."""
    source, dims = metrics[0].source, metrics[0].dims
    measures = {m.id: m.measure for m in metrics if isinstance(m.measure, Percentile)}
    if len(measures) != len(metrics):
        raise MetricError("percentile_rows needs Percentile measures")
    pick = PERCENTILE_PICKERS[capabilities(conn).percentiles]
    rows: list[MetricRow] = []
    for dim in (None, *dims):
        for picked in pick(conn, source, ctx, dim, list(measures.values())):
            key = (picked["wd"], dim or "all", picked[dim] if dim else None)
            parts = {"records": picked["cnt"], "seconds": picked["seconds"]}
            rows.extend(
                finish(metric, key, parts)
                for metric in metrics
                if picked["rn"] == measures[metric.id].rank(picked["cnt"])
            )
    return rows


def _ranked(
    conn: Connection,
    source: Source,
    ctx: Context,
    dim: str | None,
    measures: list[Percentile],
) -> list[Fact]:
    """Rows at the percentile ranks of each group: row_number over the group ordered by value."""
    if source.records is None:
        raise MetricError(f"source {source.name} has no SQL records for percentiles")
    rec = source.records(ctx).subquery("records")
    group = [rec.c.wd, *([rec.c[dim]] if dim else [])]
    ranked = select(
        *group,
        rec.c.seconds,
        func.row_number().over(partition_by=group, order_by=rec.c.seconds).label("rn"),
        func.count().over(partition_by=group).label("cnt"),
    ).subquery("ranked")
    cnt = ranked.c.cnt
    ranks = [
        integer_division(
            number(m.p.numerator) * cnt + number(m.p.denominator - 1), number(m.p.denominator)
        )
        for m in measures
    ]
    query = select(ranked).where(or_(*(ranked.c.rn == k for k in ranks)))
    return [
        _as_ints(dict(row), ("wd", "seconds", "rn", "cnt"))
        for row in conn.execute(query).mappings()
    ]


# How each engine picks nearest-rank percentiles (core.engines names the method per engine).
PERCENTILE_PICKERS = {Percentiles.WINDOW_RANK: _ranked}

"""Row-by-row comparison of two `metrics --json` row lists, with a compact diff."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from tests.spec_oracle.rows import Row

RowKey = tuple[str, str | None, str, str | None]
REL_TOL = 1e-9
ABS_TOL = 1e-12  # so that 0.0 and a float rounding residue of 1e-17 compare equal


def row_key(r: Row) -> RowKey:
    """(metric, week, dim, key): what identifies a row."""
    return (r["metric"], r["week"], r["dim"], r["key"])


def same_number(a: Any, b: Any) -> bool:
    """Both null, or equal: integers exactly, floats within 1e-9 relative."""
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) or isinstance(b, float):
        return math.isclose(a, b, rel_tol=REL_TOL, abs_tol=ABS_TOL)
    return a == b


def differences(expected: Iterable[Row], actual: Iterable[Row]) -> list[str]:
    """One line per differing row: missing, unexpected, or which of value, n, num differ."""
    wanted = {row_key(r): r for r in expected}
    got = {row_key(r): r for r in actual}
    lines = []
    for key in sorted(
        wanted.keys() | got.keys(), key=lambda k: tuple((v is not None, v or "") for v in k)
    ):
        if key not in got:
            lines.append(f"missing    {_show(wanted[key])}")
        elif key not in wanted:
            lines.append(f"unexpected {_show(got[key])}")
        else:
            fields = [
                f for f in ("value", "n", "num") if not same_number(wanted[key][f], got[key][f])
            ]
            if fields:
                detail = ", ".join(
                    f"{f} oracle {wanted[key][f]!r} product {got[key][f]!r}" for f in fields
                )
                lines.append(f"differs    {'/'.join(str(k) for k in key)}: {detail}")
    return lines


def order_problems(actual: list[Row], sort_key: Any) -> list[str]:
    """Where the product's rows are not in SPEC's order (the first such place)."""
    for i in range(1, len(actual)):
        if sort_key(actual[i - 1]) > sort_key(actual[i]):
            return [f"out of order: {_show(actual[i - 1])} before {_show(actual[i])}"]
    return []


def report(title: str, lines: list[str], limit: int = 20) -> str:
    """A compact failure message: how many rows differ and the first `limit` of them."""
    shown = "\n  ".join(lines[:limit])
    more = f"\n  … and {len(lines) - limit} more" if len(lines) > limit else ""
    return f"{title}: {len(lines)} differing rows\n  {shown}{more}"


def _show(r: Row) -> str:
    return f"{r['metric']}/{r['week']}/{r['dim']}/{r['key']} value={r['value']!r} n={r['n']!r} num={r['num']!r}"

"""Seeded random data checked against a naive, independent Python reading of SPEC section 3.

The oracle below is written from the SPEC text alone (plain loops, datetime.isocalendar, Fractions),
sharing no code with metrics/, so a slip in the SQL shows up as a row-by-row difference.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from core.db import get_engine
from metrics import compute_metrics, records_behind
from tests.test_metrics_common import AS_OF, SPEC_31_METRIC_IDS, SPEC_METRIC_IDS, load, rows_of

NOW = int(AS_OF.timestamp())
HOUR, DAY = 3600, 86400
LOCATIONS = ["DC1", "DC2", "STORE1"]
CHANNELS = ["shopify", "amazon", "pos", "wholesale"]
ITEMS = {"A1": "A", "B1": "B", "C1": "C", "N1": "", "B2": "B"}
TOL = {"A": Fraction(0), "B": Fraction(2, 100), "C": Fraction(5, 100)}
Row = dict[str, Any]


def iso(epoch: int | None) -> str:
    return (
        "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def week(epoch: int) -> str:
    year, number, _ = datetime.fromtimestamp(epoch, UTC).isocalendar()
    return f"{year}-W{number:02d}"


class Data:
    """Random canonical rows around as_of, with the edge instants drawn often."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        edges = [
            NOW,
            NOW + 1,
            NOW - 48 * HOUR,
            NOW - 48 * HOUR + 1,
            NOW - 7 * DAY,
            NOW - 7 * DAY + 1,
        ]
        self.edges = edges
        self.orders = [self._order(i) for i in range(50)]
        self.lines = [line for o in self.orders for line in self._lines(o[0])]
        self.lines.append(("GHOST", "L1", 2, "DC1"))  # a line of an unknown order
        self.shipments = self._shipments()
        self.counts = [self._count(i) for i in range(40)]
        self.returns = [self._return(i) for i in range(40)]
        self.events = [self._event(i) for i in range(40)]
        self.stock, self.mappings = self._stock()

    def when(self, empty: float = 0.0) -> int | None:
        rnd = self.rnd
        if rnd.random() < empty:
            return None
        if rnd.random() < 0.2:
            return rnd.choice(self.edges)
        return NOW - rnd.randrange(-2 * DAY, 21 * DAY)

    def _order(self, i: int) -> tuple[Any, ...]:
        placed = self.when()
        assert placed is not None
        cancelled = self.when(empty=0.7)
        return (f"O{i}", self.rnd.choice(CHANNELS), placed, cancelled)

    def _lines(self, order_id: str) -> list[tuple[Any, ...]]:
        rnd = self.rnd
        return [
            (order_id, f"L{k}", rnd.randrange(0, 4), rnd.choice([*LOCATIONS, ""]))
            for k in range(rnd.randrange(0, 4))
        ]

    def _shipments(self) -> list[tuple[Any, ...]]:
        rnd, rows = self.rnd, {}
        for order_id, _channel, placed, _cancelled in [*self.orders, ("GHOST", "", 0, None)]:
            for _ in range(rnd.randrange(0, 4)):
                shipment = f"S{order_id}-{rnd.randrange(2)}"
                line = rnd.choice(["L0", "L1", "L2", "L9"])
                shipped = max(placed, self.when() or 0) if rnd.random() < 0.8 else self.when()
                rows[(shipment, line)] = (
                    shipment, order_id, line, rnd.choice(LOCATIONS), shipped, rnd.randrange(0, 4)
                )  # fmt: skip
        return list(rows.values())

    def _count(self, i: int) -> tuple[Any, ...]:
        rnd = self.rnd
        system = rnd.choice([0, 0, 1, 10, 20, 40, 50, 100])
        counted = max(0, system + rnd.choice([0, 0, 1, -1, 2, -2, 3, 5]))
        sku = rnd.choice([*ITEMS, "X9"])
        return (f"K{i}", self.when(), rnd.choice(LOCATIONS), sku, system, counted)

    def _return(self, i: int) -> tuple[Any, ...]:
        received = self.when(empty=0.15)
        disposition = None
        if received is not None and self.rnd.random() < 0.6:
            disposition = received + self.rnd.choice([0, 1800, HOUR, 30 * HOUR, 5 * DAY, 3 * DAY])
        refunded = self.when(empty=0.4)
        return (f"R{i}", 1, self.rnd.choice([*LOCATIONS, ""]), received, disposition, refunded)

    def _event(self, i: int) -> tuple[Any, ...]:
        rnd = self.rnd
        status = rnd.choice(["success", "failed", "failed"])
        error = rnd.choice(["", "timeout", "unmapped_sku", "stale_sync"])
        return (f"E{i}", self.when(), rnd.choice(["shopify", "amazon", "erp"]), status, error)

    def _stock(self) -> tuple[list[tuple[Any, ...]], list[tuple[str, str, str]]]:
        rnd, rows = self.rnd, {}
        snaps = [NOW - 3 * DAY, NOW - DAY, NOW, NOW + 1]
        skus = [*ITEMS, "a1", "shop-1", "shop-2", "JUNK"]
        for _ in range(120):
            key = (
                rnd.choice(snaps),
                rnd.choice(["wms", "wms", "shopify", "amazon"]),
                rnd.choice(["DC1", "STORE1"]),
                rnd.choice(skus),
                rnd.choice(["sellable", "sellable", "reserved"]),
            )
            rows[key] = (*key, rnd.randrange(0, 6))
        mappings = [
            ("shopify", "shop-1", "A1"),
            ("shopify", "shop-2", "A1"),
            ("amazon", "B1", "C1"),
        ]
        return list(rows.values()), mappings

    def load(self, db_url: str, folder: Path) -> None:
        t = iso
        load(
            db_url,
            folder,
            items=(
                "sku,abc_class,lifecycle_status,created_at",
                [(s, c, "active", "2025-01-01T00:00:00Z") for s, c in ITEMS.items()],
            ),
            sku_mappings=("system,system_sku,sku", self.mappings),
            stock_levels=(
                "as_of,system,location_id,system_sku,status,quantity",
                [(t(a), *rest) for a, *rest in self.stock],
            ),
            cycle_counts=(
                "count_id,counted_at,location_id,sku,system_qty,counted_qty",
                [(c[0], t(c[1]), *c[2:]) for c in self.counts],
            ),
            orders=(
                "order_id,channel,placed_at,cancelled_at",
                [(o, ch, t(p), t(c)) for o, ch, p, c in self.orders],
            ),
            order_lines=("order_id,line_id,quantity,allocated_location_id", self.lines),
            shipments=(
                "shipment_id,order_id,line_id,location_id,shipped_at,quantity",
                [(*s[:4], t(s[4]), s[5]) for s in self.shipments if s[4] is not None],
            ),
            returns=(
                "return_id,quantity,receiving_location_id,received_at,disposition_at,refunded_at",
                [(r[0], r[1], r[2], t(r[3]), t(r[4]), t(r[5])) for r in self.returns],
            ),
            integration_events=(
                "event_id,occurred_at,integration,status,error_type",
                [(e[0], t(e[1]), *e[2:]) for e in self.events],
            ),
        )


def done(epoch: int | None) -> bool:
    return epoch is not None and epoch <= NOW


class Oracle:
    """Naive per-record loops producing SPEC rows."""

    def __init__(self, data: Data) -> None:
        self.d = data
        self.rows: list[Row] = []

    def emit(
        self, metric: str, wk: str | None, dim: str, key: str | None, value: Any, n: int, num: Any
    ) -> None:
        self.rows.append({"metric": metric, "week": wk, "dim": dim, "key": key, "value": value, "n": n, "num": num})  # fmt: skip

    def grouped(self, records: list[tuple[str | None, dict[str, str | None], dict[str, int]]], dims: list[str]) -> dict[tuple[Any, ...], dict[str, int]]:  # fmt: skip
        out: dict[tuple[Any, ...], dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for wk, keys, values in records:
            for dim, key in [("all", None), *((d, keys[d]) for d in dims)]:
                for name, value in values.items():
                    out[(wk, dim, key)][name] += value
        return out

    def counts(self) -> None:
        recs = []
        for _id, at, loc, sku, system, counted in self.d.counts:
            if not done(at):
                continue
            cls = ITEMS.get(sku) or None
            accurate = abs(counted - system) <= TOL.get(cls or "", Fraction(0)) * abs(system)
            values = {"n": 1, "ok": int(accurate), "abs": abs(counted - system), "sys": system}
            recs.append((week(at), {"location": loc, "abc_class": cls}, values))
        for (wk, dim, key), v in self.grouped(recs, ["location", "abc_class"]).items():
            self.emit("inventory_record_accuracy", wk, dim, key, v["ok"] / v["n"], v["n"], v["ok"])
        for (wk, dim, key), v in self.grouped(recs, ["location"]).items():
            value = None if v["sys"] == 0 else max(0.0, 1 - v["abs"] / v["sys"])
            self.emit("unit_accuracy", wk, dim, key, value, v["n"], None)

    def orders(self) -> None:
        orders = {o: (ch, p, c) for o, ch, p, c in self.d.orders if done(p)}
        lines = {(o, ln): (q, alloc or None) for o, ln, q, alloc in self.d.lines}
        ships = [s for s in self.d.shipments if done(s[4]) and s[1] in orders]
        per_order: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
        for s in ships:
            per_order[s[1]].append(s)
        recs, reroutes = [], []
        for order_id, rows in per_order.items():
            ch, placed, _c = orders[order_id]
            split = len({s[0] for s in rows}) >= 2
            multi = len({s[3] for s in rows}) >= 2
            recs.append(
                (week(placed), {"channel": ch}, {"n": 1, "split": int(split), "multi": int(multi)})
            )
            for s in rows:
                line = lines.get((order_id, s[2]))
                if line and line[1]:
                    reroutes.append(
                        (week(placed), {"channel": ch}, {"n": 1, "r": int(s[3] != line[1])})
                    )
        for (wk, dim, key), v in self.grouped(recs, ["channel"]).items():
            self.emit("split_order_rate", wk, dim, key, v["split"] / v["n"], v["n"], v["split"])
        for (wk, dim, key), v in self.grouped(recs, ["channel"]).items():
            self.emit("multi_location_rate", wk, dim, key, v["multi"] / v["n"], v["n"], v["multi"])
        for (wk, dim, key), v in self.grouped(reroutes, ["channel"]).items():
            self.emit("reroute_rate", wk, dim, key, v["r"] / v["n"], v["n"], v["r"])
        self.fill(orders, lines, ships)

    def fill(
        self, orders: dict[str, Any], lines: dict[Any, Any], ships: list[tuple[Any, ...]]
    ) -> None:
        shipped: dict[tuple[str, str], int] = defaultdict(int)
        for s in ships:
            shipped[(s[1], s[2])] += s[5]
        recs, stalled = [], []
        for order_id, (ch, placed, cancelled) in orders.items():
            if done(cancelled):
                continue
            mine = [(ln, q) for (o, ln), (q, _a) in lines.items() if o == order_id]
            if not mine:
                continue
            ordered = sum(q for _ln, q in mine)
            got = sum(min(shipped[(order_id, ln)], q) for ln, q in mine)
            recs.append((week(placed), {"channel": ch}, {"n": ordered, "s": got}))
            if placed <= NOW - 48 * HOUR and got < ordered:
                stalled.append((None, {"channel": ch}, {"n": 1}))
        for (wk, dim, key), v in self.grouped(recs, ["channel"]).items():
            if v["n"] > 0:
                self.emit("fill_rate", wk, dim, key, v["s"] / v["n"], v["n"], v["s"])
        self.snapshot("stalled_orders", stalled, "channel")

    def snapshot(self, metric: str, recs: list[Any], dim: str) -> None:
        grouped = self.grouped(recs, [dim])
        self.emit(metric, None, "all", None, grouped.get((None, "all", None), {}).get("n", 0), grouped.get((None, "all", None), {}).get("n", 0), None)  # fmt: skip
        for (_wk, d, key), v in grouped.items():
            if d != "all":
                self.emit(metric, None, d, key, v["n"], v["n"], None)

    def returns(self) -> None:
        lags: dict[tuple[str, str, str | None], list[int]] = defaultdict(list)
        opened, holes = [], []
        for _id, _q, loc, received, disposition, refunded in self.d.returns:
            if not done(received):
                continue
            where = loc or None
            if done(disposition):
                for dim, key in (("all", None), ("location", where)):
                    lags[(week(received), dim, key)].append(disposition - received)
                continue
            opened.append((None, {"location": where}, {"n": 1}))
            if received <= NOW - 7 * DAY and done(refunded):
                holes.append((None, {"location": where}, {"n": 1}))
        for metric, p in (
            ("return_lag_p50_hours", Fraction(1, 2)),
            ("return_lag_p90_hours", Fraction(9, 10)),
        ):
            for (wk, dim, key), values in lags.items():
                k = math.ceil(p * len(values))
                self.emit(metric, wk, dim, key, sorted(values)[k - 1] / 3600, len(values), None)
        self.snapshot("open_returns", opened, "location")
        self.snapshot("black_hole_returns", holes, "location")

    def events(self) -> None:
        recs, failures, failed_in = [], defaultdict(int), defaultdict(int)
        for _id, at, integration, status, error in self.d.events:
            if not done(at):
                continue
            failed = status == "failed"
            recs.append((week(at), {"integration": integration}, {"n": 1, "f": int(failed)}))
            if failed:
                failures[(week(at), error or None)] += 1
                failed_in[week(at)] += 1
        for (wk, dim, key), v in self.grouped(recs, ["integration"]).items():
            self.emit("integration_failure_rate", wk, dim, key, v["f"] / v["n"], v["n"], v["f"])
        for (wk, error), count in failures.items():
            self.emit("integration_failures", wk, "error_type", error, count, failed_in[wk], None)

    def resolve(self, system: str, system_sku: str) -> str | None:
        for s, ss, sku in self.d.mappings:
            if (s, ss) == (system, system_sku):
                return sku
        return system_sku if system_sku in ITEMS else None

    def side(self, rows: list[tuple[Any, ...]], system: str, loc: str) -> dict[str, int]:
        newest: dict[str, int] = {}
        mine = [r for r in rows if r[1] == system and r[2] == loc and r[4] == "sellable"]
        for r in mine:
            sku = self.resolve(system, r[3])
            if sku is not None:
                newest[sku] = max(newest.get(sku, r[0]), r[0])
        return {
            sku: sum(r[5] for r in mine if r[0] == at and self.resolve(system, r[3]) == sku)
            for sku, at in newest.items()
        }

    def stock(self) -> None:
        rows = [r for r in self.d.stock if r[0] <= NOW]
        recs = []
        for loc in ("DC1", "STORE1"):
            present = {r[1] for r in rows if r[2] == loc and r[4] == "sellable"}
            if "wms" not in present:
                continue
            book = self.side(rows, "wms", loc)
            for system in sorted(present - {"wms"}):
                mine = self.side(rows, system, loc)
                for sku in set(book) | set(mine):
                    s, b = mine.get(sku, 0), book.get(sku, 0)
                    recs.append(
                        (None, {"system": system}, {"n": 1, "d": int(s != b), "o": max(0, s - b)})
                    )
        for (_wk, dim, key), v in self.grouped(recs, ["system"]).items():
            self.emit("stock_discrepancies", None, dim, key, v["d"], v["n"], v["o"])
        seen = {(r[1], r[3]) for r in rows}
        unmapped = [
            (None, {"system": s}, {"n": 1, "u": int(self.resolve(s, ss) is None)}) for s, ss in seen
        ]
        for (_wk, dim, key), v in self.grouped(unmapped, ["system"]).items():
            self.emit("unmapped_system_skus", None, dim, key, v["u"], v["n"], None)

    def all_rows(self) -> list[Row]:
        steps: list[Callable[[], None]] = [
            self.counts,
            self.orders,
            self.returns,
            self.events,
            self.stock,
        ]
        for step in steps:
            step()
        order = {m: i for i, m in enumerate(SPEC_METRIC_IDS)}
        return sorted(
            self.rows,
            key=lambda r: (order[r["metric"]], r["week"] is not None, r["week"] or "", r["dim"] != "all", r["dim"], r["key"] is not None, r["key"] or ""),
        )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_metrics_match_an_independent_oracle(db_url: str, tmp_path: Path, seed: int) -> None:
    data = Data(seed)
    data.load(db_url, tmp_path / "data")
    checked = [m for m in SPEC_METRIC_IDS if not m.startswith("sku_")]
    expected = Oracle(data).all_rows()
    actual = rows_of(db_url, *checked)
    assert len(actual) == len(expected)
    for got, want in zip(actual, expected, strict=True):
        assert got == want


# How many records a row's drill-down holds, read from the row itself.
DRILL_SIZE: dict[str, Callable[[Row], int]] = {
    "inventory_record_accuracy": lambda r: r["n"],
    "unit_accuracy": lambda r: r["n"],
    "split_order_rate": lambda r: r["num"],
    "multi_location_rate": lambda r: r["num"],
    "reroute_rate": lambda r: r["num"],
    "stalled_orders": lambda r: r["value"],
    "return_lag_p50_hours": lambda r: r["n"],
    "return_lag_p90_hours": lambda r: r["n"],
    "open_returns": lambda r: r["value"],
    "black_hole_returns": lambda r: r["value"],
    "sku_quality_rate": lambda r: r["n"],
    "sku_check_failures": lambda r: r["value"],
    "integration_failure_rate": lambda r: r["num"],
    "integration_failures": lambda r: r["value"],
    "stock_discrepancies": lambda r: r["value"],
    "unmapped_system_skus": lambda r: r["value"],
    "recovered_units": lambda r: r["n"],
    "safety_stock_shortfalls": lambda r: r["value"],
    "bundle_availability_breaches": lambda r: r["value"],
    "returns_waiting": lambda r: r["value"],
}
# Rows whose value sums a column of the records behind them (units, not records).
DRILL_SUM = {
    "raw_demand_units": "quantity",
    "fulfillable_demand_units": "quantity",
    "recovered_units": "recovered",
    "dead_stock_units": "units",
    "stranded_units": "units",
}


def test_every_row_drills_down_to_its_records(db_url: str, tmp_path: Path) -> None:
    data = Data(1)
    data.load(db_url, tmp_path / "data")
    engine = get_engine(db_url)
    rows = compute_metrics(engine, AS_OF)
    assert {r["metric"] for r in rows} == set(SPEC_METRIC_IDS + SPEC_31_METRIC_IDS)
    for r in rows:
        frame = records_behind(engine, r, AS_OF)
        if r["metric"] == "fill_rate":  # n and num are units, summed over the orders behind
            assert (int(frame["ordered"].sum()), int(frame["shipped"].sum())) == (r["n"], r["num"])
        if r["metric"] in DRILL_SUM:
            column = DRILL_SUM[r["metric"]]
            assert (int(frame[column].sum()) if len(frame) else 0) == r["value"], r
        if r["metric"] in DRILL_SIZE:
            assert len(frame) == DRILL_SIZE[r["metric"]](r), r
        if r["metric"] == "stock_discrepancies":
            assert int(frame["overstated"].sum()) == r["num"]

"""Seeded random data checked against a naive, independent Python reading of SPEC section 3.1.

The oracle below is written from SPEC section 3.1 and the lead's readings (plain loops, Decimal,
Fraction, statistics.NormalDist), sharing no code with metrics/; the data draws the edge instants
often (exactly 90 and 56 days, day edges of the window, as_of and a second after it).
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pytest

from tests.test_metrics_common import AS_OF, SPEC_31_METRIC_IDS, load, rows_of

NOW = int(AS_OF.timestamp())
HOUR, DAY = 3600, 86400
SKUS = ["A1", "A2", "A3", "B1", "B2", "OLD", "EDGE", "LATE", "KIT1", "KIT2"]
LOCATIONS = {
    "DC1": ("dc", ""),
    "DC2": ("3pl", "shopify"),
    "ST1": ("store", "pos"),
    "ST2": ("store", ""),
}
CHANNELS = ["shopify", "amazon", "pos", "wholesale", "ebay"]
PARAMS = {  # SPEC section 3.1's defaults; any other channel 0.95 / 14 / 3
    "shopify": (0.95, 14, 3),
    "amazon": (0.98, 21, 7),
    "pos": (0.90, 7, 2),
    "wholesale": (0.99, 28, 5),
}
RECIPES = {"KIT1": [("A1", 1), ("A2", 2)], "KIT2": [("A3", 1), ("B9", 1)], "KIT9": [("A1", 1)]}
Row = dict[str, Any]


def iso(epoch: int | None) -> str:
    return (
        "" if epoch is None else datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    )


def week(epoch: int) -> str:
    year, number, _ = datetime.fromtimestamp(epoch, UTC).isocalendar()
    return f"{year}-W{number:02d}"


def done(epoch: int | None) -> bool:
    return epoch is not None and epoch <= NOW


class Data:
    """Random canonical rows around as_of."""

    def __init__(self, seed: int) -> None:
        rnd = self.rnd = random.Random(seed)
        self.edges = [
            NOW, NOW + 1, NOW - DAY, NOW - DAY - 1, NOW - DAY + 1, NOW - 55 * DAY,
            NOW - 56 * DAY, NOW - 56 * DAY + 1, NOW - 90 * DAY, NOW - 90 * DAY + 1,
        ]  # fmt: skip
        self.items = {
            sku: (
                rnd.choice(["active", "active", "draft", "retired"]),
                rnd.choice([NOW - 200 * DAY, NOW - 90 * DAY, NOW - 90 * DAY + 1, NOW - 10 * DAY]),
                rnd.choice([None, Decimal("2.5"), Decimal("0.3333"), Decimal("12")]),
            )
            for sku in SKUS
        }
        self.items["LATE"] = ("active", NOW + 5, Decimal("1"))
        self.items["EDGE"] = ("active", NOW - 90 * DAY, Decimal("1.1050"))
        self.items["OLD"] = ("active", NOW - 200 * DAY, Decimal("3.3333"))
        self.mappings = [
            ("shopify", "shop-a1", "A1"),
            ("pos", "P-KIT1", "KIT1"),
            ("wms", "W-NO", "NOITEM"),
        ]
        self.orders = [self._order(i) for i in range(90)]
        self.lines = [ln for o in self.orders for ln in self._lines(o[0])]
        self.lines.append(("GHOST", "L1", "A1", 5))
        self.orders.append(("OE", "shopify", NOW - 100 * DAY, None))
        self.lines.append(("OE", "L1", "EDGE", 1))
        self.shipments = [self._shipment(i) for i in range(80)]
        self.shipments.append(("SE", "OE", "L1", "DC1", NOW - 90 * DAY, 1))  # exactly on the line
        self.stock = self._stock()
        self.returns = [self._return(i) for i in range(50)]

    def when(self, span: int = 80 * DAY) -> int:
        rnd = self.rnd
        if rnd.random() < 0.3:
            return rnd.choice(self.edges)
        return NOW - rnd.randrange(-DAY, span)

    def _order(self, i: int) -> tuple[Any, ...]:
        rnd = self.rnd
        cancelled = None if rnd.random() < 0.7 else self.when(60 * DAY)
        return (f"O{i}", rnd.choice(CHANNELS), self.when(), cancelled)

    def _lines(self, order_id: str) -> list[tuple[Any, ...]]:
        rnd = self.rnd
        return [
            (order_id, f"L{k}", rnd.choice([*SKUS, "", "NOITEM"]), rnd.randrange(0, 4))
            for k in range(rnd.randrange(0, 4))
        ]

    def _shipment(self, i: int) -> tuple[Any, ...]:
        rnd = self.rnd
        shippable = [(ln[0], ln[1]) for ln in self.lines if ln[2] not in ("OLD", "EDGE")]
        order_id, line_id = rnd.choice([*shippable, ("O1", "L9")])
        shipped = self.when(120 * DAY)
        return (f"S{i}", order_id, line_id, rnd.choice(list(LOCATIONS)), shipped, 1)

    def _stock(self) -> list[tuple[Any, ...]]:
        rnd, rows = self.rnd, {}
        snaps = [NOW - 3 * DAY, NOW - DAY, NOW, NOW + 1]
        system_skus = [*SKUS, "shop-a1", "P-KIT1", "W-NO", "JUNK"]
        for _ in range(220):
            key = (
                rnd.choice(snaps),
                rnd.choice(["wms", "wms", "shopify", "pos"]),
                rnd.choice([*LOCATIONS, "GONE"]),
                rnd.choice(system_skus),
                rnd.choice(["sellable", "sellable", "sellable", "reserved"]),
            )
            rows[key] = (*key, rnd.randrange(-2, 9))
        for loc, sku in (("DC1", "OLD"), ("ST1", "EDGE"), ("GONE", "OLD")):
            key = (NOW - DAY, "wms", loc, sku, "sellable")
            rows[key] = (*key, rnd.randrange(1, 9))
        return list(rows.values())

    def _return(self, i: int) -> tuple[Any, ...]:
        rnd = self.rnd

        def maybe(p: float) -> int | None:
            return None if rnd.random() < p else self.when(30 * DAY)

        received = maybe(0.1)
        disposition_at = maybe(0.4)
        if received is not None and disposition_at is not None and disposition_at < received:
            disposition_at = received + rnd.choice([0, HOUR])
        return (
            f"R{i}", rnd.randrange(1, 4), rnd.choice(["O1", ""]),
            rnd.choice(["shopify", "amazon", ""]), rnd.choice([*LOCATIONS, "GONE", ""]),
            received, rnd.choice(["new", "damaged", ""]),
            rnd.choice(["restock", "refurbish", "quarantine", "write_off", ""]),
            disposition_at, maybe(0.4), maybe(0.5),
        )  # fmt: skip

    def load(self, db_url: str, folder: Path) -> None:
        t = iso
        load(
            db_url,
            folder,
            locations=("location_id,type,channel", [(k, *v) for k, v in LOCATIONS.items()]),
            items=(
                "sku,lifecycle_status,created_at,unit_cost",
                [
                    (s, st, t(c), "" if u is None else str(u))
                    for s, (st, c, u) in self.items.items()
                ],
            ),
            bundle_components=(
                "bundle_sku,component_sku,quantity",
                [(b, c, q) for b, parts in RECIPES.items() for c, q in parts],
            ),
            sku_mappings=("system,system_sku,sku", self.mappings),
            stock_levels=(
                "as_of,system,location_id,system_sku,status,quantity",
                [(t(a), *rest) for a, *rest in self.stock],
            ),
            orders=(
                "order_id,channel,placed_at,cancelled_at",
                [(o, ch, t(p), t(c)) for o, ch, p, c in self.orders],
            ),
            order_lines=("order_id,line_id,sku,quantity", self.lines),
            shipments=(
                "shipment_id,order_id,line_id,location_id,shipped_at,quantity",
                [(*s[:4], t(s[4]), s[5]) for s in self.shipments],
            ),
            returns=(
                "return_id,quantity,order_id,channel,receiving_location_id,received_at,condition,"
                "disposition,disposition_at,refunded_at,restocked_at",
                [(*r[:5], t(r[5]), r[6], r[7], t(r[8]), t(r[9]), t(r[10])) for r in self.returns],
            ),
        )


class Oracle:
    """Naive loops producing the section 3.1 rows."""

    def __init__(self, data: Data) -> None:
        self.d = data
        self.rows: list[Row] = []

    def emit(self, metric: str, wk: str | None, dim: str, key: str | None, value: Any, n: int, num: Any) -> None:  # fmt: skip
        self.rows.append({"metric": metric, "week": wk, "dim": dim, "key": key, "value": value, "n": n, "num": num})  # fmt: skip

    def known(self, sku: str | None) -> bool:
        return sku in self.d.items and done(self.d.items[sku][1])

    def resolve(self, system: str, system_sku: str) -> str | None:
        for s, ss, sku in self.d.mappings:
            if (s, ss) == (system, system_sku):
                return sku
        return system_sku if self.known(system_sku) else None

    def newest(self, system: str, loc: str) -> dict[str, int]:
        mine = [r for r in self.d.stock if r[1] == system and r[2] == loc and r[4] == "sellable" and done(r[0])]  # fmt: skip
        latest: dict[str, int] = {}
        for r in mine:
            sku = self.resolve(system, r[3])
            if sku is not None:
                latest[sku] = max(latest.get(sku, r[0]), r[0])
        return {
            sku: sum(r[5] for r in mine if r[0] == at and self.resolve(system, r[3]) == sku)
            for sku, at in latest.items()
        }

    def book(self) -> dict[tuple[str, str], int]:
        locs = {r[2] for r in self.d.stock}
        return {(loc, sku): u for loc in locs for sku, u in self.newest("wms", loc).items()}

    def demand(self) -> None:
        raw: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        ful: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
        for order_id, channel, placed, cancelled in self.d.orders:
            if not done(placed):
                continue
            mine = [ln for ln in self.d.lines if ln[0] == order_id]
            units = sum(ln[3] for ln in mine)
            good = sum(ln[3] for ln in mine if ln[2] and self.known(ln[2]))
            for key in ((week(placed), "all"), (week(placed), channel)):
                raw[key][0] += units
                raw[key][1] += 1
                if not done(cancelled):
                    ful[key][0] += good
                    ful[key][1] += 1
        for metric, table in (("raw_demand_units", raw), ("fulfillable_demand_units", ful)):
            for (wk, key), (value, n) in table.items():
                if key == "all":
                    self.emit(metric, wk, "all", None, value, n, None)
                else:
                    self.emit(metric, wk, "channel", key, value, n, None)
        back: dict[tuple[str, str | None, bool], list[int]] = defaultdict(lambda: [0, 0])
        for r in self.d.returns:
            if done(r[8]):
                recovered = r[1] if r[7] in ("restock", "refurbish") else 0
                for key in ((week(r[8]), None, True), (week(r[8]), r[3] or None, False)):
                    back[key][0] += recovered
                    back[key][1] += 1
        for (wk, key, is_all), (value, n) in back.items():
            self.emit("recovered_units", wk, "all" if is_all else "channel", key, value, n, None)

    def idle(self) -> None:
        book = {k: u for k, u in self.book().items() if u > 0}
        lines = {(ln[0], ln[1]): ln[2] for ln in self.d.lines}
        shipped = {lines.get((s[1], s[2])) for s in self.d.shipments if NOW - 90 * DAY < s[4] <= NOW}  # fmt: skip
        for metric, test in (
            ("dead_stock_units", lambda st, c: st == "active" and c <= NOW - 90 * DAY),
            ("stranded_units", lambda st, c: st in ("draft", "retired")),
        ):
            groups: dict[str | None, list[Any]] = {None: [0, 0, None]}
            for (loc, sku), units in book.items():
                item = self.d.items.get(sku)
                counted = item is not None and test(item[0], item[1])
                if metric == "dead_stock_units" and sku in shipped:
                    counted = False
                for key in (None, loc):
                    g = groups.setdefault(key, [0, 0, None])
                    g[1] += 1
                    if counted:
                        g[0] += units
                        if item is not None and item[2] is not None:
                            g[2] = (g[2] or Decimal(0)) + units * item[2]
            for key, (value, n, money) in groups.items():
                num = None if money is None else float(money)
                self.emit(metric, None, "all" if key is None else "location", key, value, n, num)

    def safety(self) -> None:
        days: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * 56)
        for order_id, channel, placed, cancelled in self.d.orders:
            age = NOW - placed
            if not 0 <= age < 56 * DAY or done(cancelled):
                continue
            for ln in self.d.lines:
                if ln[0] == order_id and ln[2]:
                    days[(channel, ln[2])][age // DAY] += ln[3]
        channel_of = {loc: ch for loc, (_t, ch) in LOCATIONS.items()}
        book = {k: u for k, u in self.book().items() if u > 0}
        groups: dict[str | None, list[Any]] = {None: [0, 0, []]}
        for (channel, sku), d in sorted(days.items()):
            if sum(d) <= 0:
                continue
            p, lead, lead_sd = PARAMS.get(channel, (0.95, 14, 3))
            mean = Fraction(sum(d), 56)
            var = Fraction(sum(x * x for x in d), 56) - mean * mean
            ss = NormalDist().inv_cdf(p) * math.sqrt(lead * var + mean * mean * lead_sd**2)
            available = sum(
                u
                for (loc, s), u in book.items()
                if s == sku and channel_of.get(loc, "") in ("", channel)
            )
            for key in (None, channel):
                g = groups.setdefault(key, [0, 0, []])
                g[1] += 1
                if available < ss:
                    g[0] += 1
                    g[2].append(ss - available)
        for key, (value, n, short) in groups.items():
            self.emit("safety_stock_shortfalls", None, "all" if key is None else "channel", key, value, n, math.fsum(short))  # fmt: skip

    def bundles(self) -> None:
        groups: dict[str | None, list[int]] = {None: [0, 0, 0]}
        stock = [r for r in self.d.stock if done(r[0]) and r[4] == "sellable"]
        for loc in sorted({r[2] for r in stock}):
            present = {r[1] for r in stock if r[2] == loc}
            if "wms" not in present:
                continue
            book = self.newest("wms", loc)
            for system in sorted(present - {"wms"}):
                for bundle, units in self.newest(system, loc).items():
                    if bundle not in RECIPES or bundle not in self.d.items or units <= 0:
                        continue
                    can = min(book.get(c, 0) // q for c, q in RECIPES[bundle])
                    for key in (None, system):
                        g = groups.setdefault(key, [0, 0, 0])
                        g[1] += 1
                        if units > can:
                            g[0] += 1
                            g[2] += units - can
        for key, (value, n, over) in groups.items():
            self.emit("bundle_availability_breaches", None, "all" if key is None else "system", key, value, n, over)  # fmt: skip

    def handoff(self) -> None:
        groups: dict[tuple[str, str | None], list[int]] = {("all", None): [0, 0]}
        for r in self.d.returns:
            (
                _id,
                qty,
                order_id,
                channel,
                loc,
                received,
                condition,
                word,
                disp,
                refunded,
                restocked,
            ) = r
            if not done(received):
                continue
            if not order_id:
                step = "order_link"
            elif not condition and not done(disp):
                step = "inspection"
            elif not done(disp):
                step = "disposition"
            elif not done(refunded):
                step = "refund"
            elif word in ("restock", "refurbish") and not done(restocked):
                step = "availability"
            else:
                continue
            kind = LOCATIONS[loc][0] if loc in LOCATIONS else ""
            pair = f"{channel or 'unknown'}→{kind or 'unknown'}"
            for key in (("all", None), ("step", step), ("channel_pair", pair)):
                g = groups.setdefault(key, [0, 0])
                g[0] += 1
                g[1] += qty
        for (dim, key), (count, units) in groups.items():
            self.emit("returns_waiting", None, dim, key, count, count, units)

    def all_rows(self) -> list[Row]:
        for step in (self.demand, self.idle, self.safety, self.bundles, self.handoff):
            step()
        order = {m: i for i, m in enumerate(SPEC_31_METRIC_IDS)}
        return sorted(
            self.rows,
            key=lambda r: (order[r["metric"]], r["week"] is not None, r["week"] or "", r["dim"] != "all", r["dim"], r["key"] is not None, r["key"] or ""),
        )  # fmt: skip


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
def test_planning_metrics_match_an_independent_oracle(
    db_url: str, tmp_path: Path, seed: int
) -> None:
    data = Data(seed)
    data.load(db_url, tmp_path / "data")
    expected = Oracle(data).all_rows()
    actual = rows_of(db_url, *SPEC_31_METRIC_IDS)
    assert [(r["metric"], r["week"], r["dim"], r["key"]) for r in actual] == [
        (r["metric"], r["week"], r["dim"], r["key"]) for r in expected
    ]
    for got, want in zip(actual, expected, strict=True):
        assert got == want

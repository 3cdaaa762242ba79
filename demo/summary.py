"""What the demo planted, measured on the generated rows, in lines a person reads after loading."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import cast

from demo.counts import allowed_difference
from demo.generate import Generated
from demo.plan import (
    DC,
    DRIFTING_STORE,
    OVERSTATING_SYSTEM,
    SPIKING_INTEGRATION,
    SPLIT_CHANNEL,
    STORE_IDS,
    iso_week,
)
from demo.planning import story_lines
from demo.stock import BOOK, snapshot_times


def planted_problems(generated: Generated) -> list[str]:
    """One line per planted problem, with its size in this generation."""
    return [
        _accuracy_line(generated),
        _split_line(generated),
        _returns_line(generated),
        _bad_batch_line(generated),
        _barcode_line(generated),
        _integration_line(generated),
        _oversell_line(generated),
        _unmapped_line(generated),
        *story_lines(generated.stories),
    ]


def _accuracy_line(generated: Generated) -> str:
    abc = {i.sku: i.abc_class for i in generated.catalog.items}
    weeks: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for _, counted_at, loc, sku, system, counted, _ in generated.tables["cycle_counts"]:
        if loc == DRIFTING_STORE:
            tally = weeks[iso_week(counted_at.date())]
            tally[0] += abs(counted - system) <= allowed_difference(abc.get(sku, ""), system)
            tally[1] += 1
    rates = [accurate / n for _, (accurate, n) in sorted(weeks.items()) if n]
    return (
        f"inventory record accuracy at {DRIFTING_STORE} drifts from {rates[0]:.0%} "
        f"to {rates[-1]:.0%} week by week"
    )


def _split_line(generated: Generated) -> str:
    channel = {o[0]: o[1] for o in generated.tables["orders"]}
    parcels: dict[str, set[str]] = defaultdict(set)
    for shipment_id, order_id, *_ in generated.tables["shipments"]:
        parcels[order_id].add(shipment_id)
    shipped: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for order_id, ids in parcels.items():
        shipped[channel[order_id]][0] += len(ids) >= 2
        shipped[channel[order_id]][1] += 1
    rates = ", ".join(f"{c} {split / n:.0%}" for c, (split, n) in sorted(shipped.items()))
    return f"split orders concentrated in {SPLIT_CHANNEL} ({rates})"


def _returns_line(generated: Generated) -> str:
    cutoff = generated.plan.cutoff
    open_, black, uninspected = 0, 0, 0
    for row in generated.tables["returns"]:
        received, location, condition, disposed, refunded = row[7], row[8], row[9], row[11], row[12]
        if received is None or disposed is not None or location not in STORE_IDS:
            continue
        open_ += 1
        black += refunded is not None and received <= cutoff - timedelta(days=7)
        uninspected += condition is None
    return (
        f"{open_} returns received at stores and not dispositioned, {black} of them refunded "
        f"and received more than 7 days ago (black holes), {uninspected} never inspected "
        "(waiting at inspection)"
    )


def _bad_batch_line(generated: Generated) -> str:
    planted = generated.catalog.planted
    return (
        f"{len(planted.bad_batch)} active SKUs created in {planted.bad_batch_week} "
        "without barcode or approval"
    )


def _barcode_line(generated: Generated) -> str:
    planted = generated.catalog.planted
    return (
        f"{len(planted.duplicate_barcodes)} barcodes shared by two SKUs, "
        f"{len(planted.invalid_barcodes)} barcodes with a wrong check digit, "
        f"{len(planted.misnamed)} SKUs breaking the naming convention"
    )


def _integration_line(generated: Generated) -> str:
    week = iso_week(generated.plan.spike_week)
    tally: dict[bool, list[int]] = {True: [0, 0], False: [0, 0]}  # in the spike week?
    for _, occurred_at, integration, _, _, status, *_ in generated.tables["integration_events"]:
        if integration == SPIKING_INTEGRATION:
            counts = tally[iso_week(cast(datetime, occurred_at).date()) == week]
            counts[0] += status == "failed"
            counts[1] += 1
    rate, usual = (failed / max(1, n) for failed, n in (tally[True], tally[False]))
    return f"{SPIKING_INTEGRATION} failures spike to {rate:.0%} in {week} (usually {usual:.1%})"


def _oversell_line(generated: Generated) -> str:
    latest: datetime = snapshot_times(generated.plan)[-1]
    sellable: dict[str, dict[str, int]] = defaultdict(dict)
    for as_of, system, loc, sku, status, quantity in generated.tables["stock_levels"]:
        if as_of == latest and loc == DC and status == "sellable":
            sellable[str(system)][str(sku)] = cast(int, quantity)
    book = sellable[BOOK]
    over = [s for s, q in sellable[OVERSTATING_SYSTEM].items() if s in book and q > book[s]]
    return (
        f"{OVERSTATING_SYSTEM} shows more sellable units than {BOOK} at {DC} "
        f"for {len(over)} of {len(book)} SKUs"
    )


def _unmapped_line(generated: Generated) -> str:
    unmapped = generated.listings.unmapped
    parts = ", ".join(f"{len(skus)} {system}" for system, skus in sorted(unmapped.items()))
    return f"channel SKUs mapped to no item: {parts}"

"""The demo's migration story: a new WMS run in parallel with the old one, matching better day by day.

Over the last MIGRATION_DAYS days the new WMS (`wms-next`) exports its stock of the DC and the 3PL
every morning, copying the old WMS's book (weekly snapshots, carried between them) with errors
that fade day by day: in the first week it also files quarantined stock as damaged, and it skips
one export. Two differences stay to the end (a receipt only the new WMS posted, reserved units it
misses), so the page shows what still blocks the cutover until a steward explains them. The
demo steward opens the migration and turns the item-master freeze on.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

import pipeline
from core.db import write_session
from demo.plan import DC, TPL, DemoPlan, at
from demo.stock import BOOK
from demo.writer import write_table
from governance import freeze, migration
from governance.permissions import actor_by_name

NEW_WMS = "wms-next"
MIGRATED = (DC, TPL)
MIGRATION_DAYS = 28
EXPORT_HOUR = 5.0  # after the old WMS's 04:00 snapshot
STATUS_FIX_DAY = 7  # from this day on the new WMS maps quarantined stock right
SKIPPED_DAY = 9  # the new WMS exported nothing that day (its previous snapshot carries)
PLANTED_FROM = 3  # the two lasting differences start on this day
FIRST_ERROR_SHARE, FADE = 0.20, 0.72  # share of pairs wrong on day i: 0.20 × 0.72^i
STEWARD = "steward"
FREEZE_REASON = f"migration of the WMS to {NEW_WMS}: parallel run of the DC and the 3PL"
StockRow = tuple[datetime, str, str, str, str, int]
Rows = Iterable[Sequence[Any]]  # stock_levels rows as the generator holds them
Book = dict[tuple[str, str, str], int]


def start_day(plan: DemoPlan) -> date:
    """The first day of the parallel run."""
    return plan.end - timedelta(days=MIGRATION_DAYS - 1)


def effective_books(stock: Rows) -> list[tuple[datetime, Book]]:
    """The old WMS's stock at the migrated locations after each of its snapshots, oldest first:
    each (location, sku, status) at its newest value (a row missing from a newer snapshot keeps
    its older value, as the comparison reads it)."""
    snapshots: dict[datetime, Book] = {}
    for when, system, location, sku, status, qty in stock:
        if system == BOOK and location in MIGRATED:
            snapshots.setdefault(when, {})[(location, sku, status)] = qty
    state: Book = {}
    found = []
    for when in sorted(snapshots):
        state = {**state, **snapshots[when]}
        found.append((when, state))
    return found


def new_wms_rows(plan: DemoPlan, stock: Rows) -> list[StockRow]:
    """Every stock row the new WMS exports during the parallel run."""
    rng = plan.rng("migration")
    books = effective_books(stock)
    planted = _planted(books[-1][1])
    rows: list[StockRow] = []
    for i in range(MIGRATION_DAYS):
        when = at(start_day(plan) + timedelta(days=i), EXPORT_HOUR)
        if i == SKIPPED_DAY or when > plan.cutoff:
            continue
        book = [state for taken, state in books if taken <= when][-1]
        exported = _export(rng, i, book, planted)
        rows += [(when, NEW_WMS, loc, sku, status, q) for (loc, sku, status), q in exported.items()]
    return rows


def _planted(book: Book) -> dict[tuple[str, str, str], int]:
    """The two differences that stay: +12 sellable at the 3PL, −8 reserved at the DC."""
    sellable = sorted(k for k in book if k[0] == TPL and k[2] == "sellable")
    reserved = sorted(k for k, q in book.items() if k[0] == DC and k[2] == "reserved" and q >= 8)
    return {sellable[0]: 12, reserved[0]: -8} if sellable and reserved else {}


def _export(
    rng: random.Random, i: int, book: Book, planted: dict[tuple[str, str, str], int]
) -> Book:
    """The new WMS's export of day i: the book with day i's errors, in its own status words."""
    share = FIRST_ERROR_SHARE * FADE**i
    exported: Book = {}
    for (location, sku, status), qty in sorted(book.items()):
        units = qty + (planted.get((location, sku, status), 0) if i >= PLANTED_FROM else 0)
        if rng.random() < share:
            spread = 20 if i < STATUS_FIX_DAY else 3
            units = max(0, units + rng.choice([-1, 1]) * rng.randint(1, spread))
        if status == "quarantined" and i < STATUS_FIX_DAY:  # filed as damaged, added to it
            key = (location, sku, "damaged")
            exported[key] = exported.get(key, 0) + units
            continue
        if (
            status == "quarantined"
            and i == STATUS_FIX_DAY
            and (location, sku, "damaged") not in book
        ):
            exported[(location, sku, "damaged")] = 0  # clears what the wrong mapping filed
        exported[(location, sku, status)] = exported.get((location, sku, status), 0) + units
    return exported


def load_migration_story(plan: DemoPlan, stock: Rows, engine: Engine, folder: Path) -> list[str]:
    """Import the new WMS's exports, open the migration and turn the freeze on; summary lines."""
    story = folder / "migration"
    story.mkdir(exist_ok=True)
    written = write_table(story, "stock_levels", new_wms_rows(plan, stock))
    files = [story / "stock_levels.csv"]
    reports = pipeline.import_paths(files, "canonical", engine=engine, actor="demo")
    if not all(r.ok for r in reports):
        raise RuntimeError("; ".join(r.summary() for r in reports))
    notes = [f"migration story: {written} stock rows of {NEW_WMS} over {MIGRATION_DAYS} days"]
    with write_session(engine) as session:
        steward = actor_by_name(session, STEWARD)
        running = migration.current_migration(session)
        if running is None or running.status is not migration.MigrationStatus.OPEN:
            made = migration.open_migration(session=session, actor=steward, old=BOOK, new=NEW_WMS,
                                            start=start_day(plan), locations=MIGRATED)  # fmt: skip
            notes.append(f"migration {made.id} open: {BOOK} -> {NEW_WMS} from {made.start}")
        if not freeze.freeze_state(session).active:
            freeze.set_freeze(session=session, actor=steward, active=True, reason=FREEZE_REASON)
            notes.append("item-master freeze on (set by steward)")
    return notes

"""Building canonical CSV folders: headers, timestamp styles, boundary-heavy instants, rows with unique keys."""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from tests.spec_oracle.data import ENTITIES, parse_timestamp
from tests.spec_oracle.rows import DAY, HOUR

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# Every canonical column (SPEC section 2), and the items.csv extras: unit_cost and one free attribute.
COLUMNS: dict[str, tuple[str, ...]] = {
    entity: tuple(spec.parsers) + (("color",) if entity == "items" else ())
    for entity, spec in ENTITIES.items()
}

# How a timestamp may be written: SPEC section 2 ISO 8601, offsets, no offset (UTC), fractions.
STYLES = ("z", "plus0", "naive", "minus5", "plus530", "fraction", "date")


def format_timestamp(epoch: int, style: str) -> str:
    """An instant written in one ISO 8601 style (a fraction is added to show it is truncated)."""
    utc = EPOCH + timedelta(seconds=epoch)
    if style == "date" and epoch % DAY == 0:
        return utc.strftime("%Y-%m-%d")
    if style == "plus0":
        return utc.strftime("%Y-%m-%dT%H:%M:%S+00:00")
    if style == "naive":
        return utc.strftime("%Y-%m-%dT%H:%M:%S")
    if style == "minus5":
        return (utc - timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S-05:00")
    if style == "plus530":
        return (utc + timedelta(hours=5, minutes=30)).strftime("%Y-%m-%dT%H:%M:%S+05:30")
    if style == "fraction":
        return utc.strftime("%Y-%m-%dT%H:%M:%S.999Z")
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Dataset:
    """One generated canonical folder: its files (entity -> header, rows) and the as_of to ask at."""

    name: str
    as_of: str
    files: dict[str, tuple[list[str], list[list[str]]]] = field(default_factory=dict)

    def write(self, folder: Path) -> Path:
        """Write the CSV files into folder (created); return it."""
        folder.mkdir(parents=True, exist_ok=True)
        for entity, (header, rows) in self.files.items():
            with (folder / f"{entity}.csv").open("w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(header)
                writer.writerows(rows)
        return folder

    def row_count(self) -> int:
        """Rows over every file."""
        return sum(len(rows) for _, rows in self.files.values())


class Builder:
    """Rows of a dataset being generated, relative to its as_of A (epoch seconds)."""

    def __init__(self, rng: random.Random, as_of: str, styles: tuple[str, ...]) -> None:
        self.rng = rng
        self.as_of_text = as_of
        self.A = parse_timestamp(as_of)
        self.styles = styles
        self.rows: dict[str, list[dict[str, str]]] = {entity: [] for entity in COLUMNS}
        self.keys: dict[str, set[tuple[object, ...]]] = {entity: set() for entity in COLUMNS}

    def ts(self, epoch: int | None) -> str:
        """An instant in a random style of this dataset ('' for None)."""
        return "" if epoch is None else format_timestamp(epoch, self.rng.choice(self.styles))

    def at(self, delta: int | None) -> str:
        """A + delta seconds, written in a random style ('' for None)."""
        return "" if delta is None else self.ts(self.A + delta)

    def week_start(self, weeks_back: int = 0) -> int:
        """The offset from A of the Monday 00:00 UTC starting A's ISO week (or one weeks_back before)."""
        moment = EPOCH + timedelta(seconds=self.A)
        monday = datetime.combine(
            moment.date() - timedelta(days=moment.weekday() + 7 * weeks_back),
            datetime.min.time(),
            UTC,
        )
        return int((monday - EPOCH).total_seconds()) - self.A

    def boundaries(self) -> list[int]:
        """Offsets from A where definitions change: as_of, ±1 s, 48 h, 7, 56 and 90 days, day lines,
        the Mondays of A's ISO week and the week before, and the start of A's year."""
        lines = [0, 48 * HOUR, 7 * DAY, 56 * DAY, 90 * DAY, DAY, 55 * DAY]
        offsets = [-line + e for line in lines for e in (-1, 0, 1)]
        year = datetime((EPOCH + timedelta(seconds=self.A)).year, 1, 1, tzinfo=UTC)
        edges = (
            self.week_start(0),
            self.week_start(1),
            int((year - EPOCH).total_seconds()) - self.A,
        )
        return offsets + [edge + e for edge in edges for e in (-1, 0, 1)]

    def moment(self, low_days: int = -130, high_days: int = 3) -> int:
        """An offset from A: often a boundary, often a day line ± 1 s, else uniform in the range."""
        pick = self.rng.random()
        if pick < 0.3:
            return self.rng.choice(self.boundaries())
        if pick < 0.45:
            return -self.rng.randint(0, 57) * DAY + self.rng.choice((-1, 0, 1))
        return self.rng.randint(low_days * DAY, high_days * DAY)

    def add(self, entity: str, **cells: object) -> bool:
        """Append a row (None -> empty cell) unless its natural key (parsed) is already taken."""
        spec = ENTITIES[entity]
        text = {name: "" if value is None else str(value) for name, value in cells.items()}
        key = tuple(_key_part(spec.parsers[k], text.get(k, "")) for k in spec.key)
        if key in self.keys[entity]:
            return False
        self.keys[entity].add(key)
        self.rows[entity].append(text)
        return True

    def add_raw(self, entity: str, **cells: object) -> None:
        """Append a row whatever its key (a deliberate repeat or an unreadable row)."""
        self.rows[entity].append({k: "" if v is None else str(v) for k, v in cells.items()})

    def dataset(
        self, name: str, omit_columns: dict[str, tuple[str, ...]], *, full_header: bool = True
    ) -> Dataset:
        """The files, columns shuffled ("in any column order"); with full_header every canonical
        column but the omitted ones, else only the columns some row carries (an import writes
        only the fields its file carries)."""
        result = Dataset(name, self.as_of_text)
        for entity, rows in self.rows.items():
            if not rows:
                continue
            carried = {c for row in rows for c in row}
            header = [
                c
                for c in COLUMNS[entity]
                if (full_header or c in carried) and c not in omit_columns.get(entity, ())
            ]
            self.rng.shuffle(header)
            result.files[entity] = (header, [[row.get(c, "") for c in header] for row in rows])
        return result


def _key_part(parser: object, cell: str) -> object:
    """A key cell as the import compares it (timestamps as instants)."""
    if parser is parse_timestamp and cell:
        try:
            return parse_timestamp(cell)
        except ValueError:
            return cell
    return cell

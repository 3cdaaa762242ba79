"""Parsing a canonical CSV (SPEC section 2) into a validated batch, quarantining unreadable rows."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from connectors.batch import Batch, PreparedFile, Progress, QuarantineEntry
from connectors.canonical import ENTITIES, ITEM_TYPED_ATTRIBUTES, EntitySpec, row_checks
from connectors.errors import FileRefused
from connectors.fields import RowError
from connectors.limits import check_limits
from connectors.reading import Record, TextTable

# Cells whose emptiness means "not given" rather than "clear the field".
EMPTY_MEANS_ABSENT = {"items": {"created_at"}}


def check_header(table: TextTable, spec: EntitySpec) -> None:
    """Refuse a file whose header lacks the entity's key or required columns, or repeats a name."""
    seen = [name for name in table.header if name]
    duplicates = sorted({n for n in seen if seen.count(n) > 1})
    if duplicates:
        raise FileRefused(
            table.file_name,
            f"repeated column(s) {', '.join(duplicates)}: keep one column of each name",
        )
    known = (*spec.columns, *(ITEM_TYPED_ATTRIBUTES if spec.name == "items" else ()))
    for name in seen:
        column = near_miss(name, known)
        if column is not None:
            raise FileRefused(
                table.file_name,
                f"column {name!r} looks like {column!r} but is not it: canonical column names "
                f"are exact (lower case, underscores); rename it to {column}",
            )
    missing = [c for c in (*spec.key, *spec.required) if c not in table.header]
    if missing:
        raise FileRefused(
            table.file_name,
            f"not a {spec.file_name}: missing column(s) {', '.join(missing)} "
            f"(expected header {','.join(spec.columns)})",
        )


MIN_TYPO_LENGTH = 5  # shorter names are too close to ordinary words to call one letter a typo


def near_miss(name: str, columns: tuple[str, ...]) -> str | None:
    """The canonical column a header name nearly is (other case, spaces, one typo), or None."""
    if name in columns:
        return None
    folded = _folded(name)
    for column in columns:
        if folded == column or (len(column) >= MIN_TYPO_LENGTH and _one_edit(folded, column)):
            return column
    return None


def _folded(name: str) -> str:
    return re.sub(r"[\s\-.]+", "_", name.strip().casefold())


def _one_edit(a: str, b: str) -> bool:
    """Whether a and b differ by one inserted, deleted, replaced or swapped character."""
    if len(a) == len(b):
        diffs = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diffs) == 1:
            return True
        if len(diffs) != 2 or diffs[1] != diffs[0] + 1:
            return False
        i, j = diffs
        return a[i] == b[j] and a[j] == b[i]
    if abs(len(a) - len(b)) != 1:
        return False
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def prepare_canonical(
    table: TextTable, spec: EntitySpec, *, system: str, progress: Progress | None = None
) -> PreparedFile:
    """Validate every row of a canonical file; good rows into a batch, bad rows into quarantine."""
    check_header(table, spec)
    carried = tuple(c for c in spec.columns if c in table.header)
    extras = [n for n in table.header if n and n not in spec.parsers]
    prepared = PreparedFile(table.file_name, table.sha256, "canonical", system, len(table.records))
    if extras and spec.name != "items":
        prepared.notes.append(f"ignored column(s) not in {spec.file_name}: {', '.join(extras)}")
    item_extra = ("attributes", *(n for n in ITEM_TYPED_ATTRIBUTES if n in extras))
    batch = Batch(spec, carried + (item_extra if spec.name == "items" else ()))
    positions = {name: i for i, name in enumerate(table.header) if name}
    plan = _plan(spec, carried, positions)
    for done, record in enumerate(table.records, start=1):
        try:
            batch.add(_parse_record(record, spec, plan, extras, positions, len(table.header)))
        except RowError as exc:
            prepared.quarantine.append(
                QuarantineEntry(record.line, table.raw_text(record), str(exc), spec.name)
            )
        if progress and done % 5000 == 0:
            progress("validating", done, len(table.records))
    prepared.batches.append(batch)
    prepared.notes.extend(table.notes)
    return prepared


# Per carried column: its name, position in the file, parser, and what an empty cell means
# (a reason to refuse the row, None to store NULL, ABSENT to leave the field out).
ABSENT = ""
Column = tuple[str, int, Callable[[str], Any], str | None]


def _plan(spec: EntitySpec, carried: tuple[str, ...], positions: dict[str, int]) -> list[Column]:
    """How each carried column of a file is read (worked out once per file, not per row)."""
    absent = EMPTY_MEANS_ABSENT.get(spec.name, set())
    plan: list[Column] = []
    for name in carried:
        if name in spec.key:
            empty: str | None = f"missing key field {name}"
        elif name in spec.required:
            empty = f"missing required field {name}"
        else:
            empty = ABSENT if name in absent else None
        plan.append((name, positions[name], spec.parsers[name], empty))
    return plan


def _parse_record(
    record: Record,
    spec: EntitySpec,
    plan: list[Column],
    extras: list[str],
    positions: dict[str, int],
    width: int,
) -> dict[str, Any]:
    cells = record.cells
    if len(cells) != width and not (len(cells) > width and not "".join(cells[width:]).strip()):
        raise RowError(f"{len(cells)} fields where the header has {width}")
    row: dict[str, Any] = {}
    for name, position, parse, empty in plan:
        raw = cells[position].strip()
        if not raw:
            if empty:
                raise RowError(empty)
            if empty is None:
                row[name] = None
            continue
        try:
            row[name] = parse(raw)
        except RowError as exc:
            raise RowError(f"{name}: {exc}") from None
    if spec.name == "items":
        _item_attributes(row, cells, extras, positions)
    check_limits(spec.name, row)
    problem = row_checks(spec.name, row)
    if problem:
        raise RowError(problem)
    return row


def _item_attributes(
    row: dict[str, Any], cells: tuple[str, ...], extras: list[str], positions: dict[str, int]
) -> None:
    attributes: dict[str, str] = {}
    for name in extras:
        raw = cells[positions[name]].strip()
        if name in ITEM_TYPED_ATTRIBUTES:
            try:
                row[name] = ITEM_TYPED_ATTRIBUTES[name](raw) if raw else None
            except RowError as exc:
                raise RowError(f"{name}: {exc}") from None
        elif raw:
            attributes[name] = raw
    row["attributes"] = attributes


def spec_for_file_name(file_name: str) -> EntitySpec | None:
    """The entity a canonical file name stands for (`orders.csv` -> orders), or None."""
    stem = file_name.rsplit("/", 1)[-1].removesuffix(".csv").removesuffix(".CSV")
    return ENTITIES.get(stem)

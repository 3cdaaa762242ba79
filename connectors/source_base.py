"""The shared base of source formats: a format declares layouts and a row function; the base does the rest.

Reading (encodings, delimiters, quoted newlines), picking the header layout, filling parent
fields forward within a group, handing each record to the format, and quarantining a record
whose row function raises RowError (with its line and raw text, personal data redacted).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from connectors.batch import PreparedFile, Progress
from connectors.context import SourceContext
from connectors.emitter import Emitter, PreparedSourceFile
from connectors.errors import FileRefused
from connectors.fields import RowError
from connectors.reading import Record, TextTable, read_text_table

PROGRESS_EVERY = 5000


def normalise(name: str) -> str:
    """A header name compared loosely: case-folded, inner whitespace collapsed."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class Layout:
    """One header generation of a format: role -> column name(s), the roles that identify it, pivots."""

    name: str
    columns: Mapping[str, str | tuple[str, ...]]
    required: tuple[str, ...]
    pivot_prefix: str | None = None
    pivot_after: str | None = None

    @property
    def pivots(self) -> bool:
        """Whether this layout has repeated columns to unpivot (and needs at least one)."""
        return bool(self.pivot_prefix or self.pivot_after)

    def resolve(self, header: list[str]) -> dict[str, int] | None:
        """Column index of every role the header has, or None when a required role is missing."""
        positions: dict[str, int] = {}
        for i, name in enumerate(header):
            positions.setdefault(normalise(name), i)
        found: dict[str, int] = {}
        for role, names in self.columns.items():
            for name in (names,) if isinstance(names, str) else names:
                if normalise(name) in positions:
                    found[role] = positions[normalise(name)]
                    break
        if any(role not in found for role in self.required):
            return None
        return found

    def missing(self, header: list[str]) -> list[str]:
        """The identifying columns this header lacks (first alternative named)."""
        have = {normalise(n) for n in header}
        out = []
        for role in self.required:
            names = self.columns[role]
            names = (names,) if isinstance(names, str) else names
            if not any(normalise(n) in have for n in names):
                out.append(names[0])
        return out

    def pivot(self, header: list[str], found: dict[str, int]) -> list[tuple[str, int]]:
        """Repeated columns to unpivot: (label, index), e.g. one per location."""
        if self.pivot_prefix:
            prefix = normalise(self.pivot_prefix) + " "
            words = len(prefix.split())
            return [
                (" ".join(name.split()[words:]), i)
                for i, name in enumerate(header)
                if normalise(name).startswith(prefix)
            ]
        if self.pivot_after:
            start = found[self.pivot_after] + 1
            return [(name.strip(), i) for i, name in enumerate(header) if i >= start and name]
        return []


@dataclass(frozen=True)
class Row:
    """One record seen through a layout: values by role (parents filled forward), pivot cells, position."""

    line: int
    values: Mapping[str, str]
    pivot: tuple[tuple[str, str], ...] = ()
    position: int = 1

    def __getitem__(self, role: str) -> str:
        return self.values.get(role, "")

    def has(self, role: str) -> bool:
        """Whether the file has a column for this role."""
        return role in self.values


@dataclass
class _Groups:
    """Fill-forward state: the last non-empty parent values and the row count of each group."""

    values: dict[str, dict[str, str]] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=dict)


class SourceFormat:
    """One source format. Subclasses declare the class attributes and implement `row` (and maybe `finish`)."""

    name: ClassVar[str]
    default_system: ClassVar[str]
    entity: ClassVar[str]
    layouts: ClassVar[tuple[Layout, ...]]
    group_by: ClassVar[str | None] = None
    fill_forward: ClassVar[tuple[str, ...]] = ()
    read_wide_rows: ClassVar[bool] = False

    def __init__(self, table: TextTable, layout: Layout, ctx: SourceContext, out: Emitter) -> None:
        self.table, self.layout, self.ctx, self.out = table, layout, ctx, out

    @property
    def system(self) -> str:
        """The importing system: `--system`, else the format's own."""
        return self.ctx.system or self.default_system

    @property
    def owns_item_master(self) -> bool:
        """Whether this import's system is the configured item-master system."""
        return self.system == self.ctx.domain_owners.get("item_master")

    @staticmethod
    def is_personal(column: str) -> bool:
        """Whether a column holds personal data (never stored, blanked in quarantined raw text)."""
        return False

    def start(self) -> None:
        """Called before the first record (e.g. to note the snapshot time)."""

    def row(self, row: Row) -> None:
        """Turn one record into canonical rows via `self.out.add`; raise RowError to quarantine it."""
        raise NotImplementedError

    def finish(self) -> None:
        """Called after the last record (e.g. to emit rows that need the whole file)."""

    @classmethod
    def match(cls, header: list[str]) -> tuple[Layout, dict[str, int]] | None:
        """The most specific layout this header fits, with its role positions, or None."""
        fits = [(layout, found) for layout in cls.layouts if (found := layout.resolve(header))]
        fits = [(lay, f) for lay, f in fits if not lay.pivots or lay.pivot(header, f)]
        return max(fits, key=lambda fit: len(fit[0].required), default=None)

    @classmethod
    def missing(cls, header: list[str]) -> str:
        """Why this header fits no layout: the columns the closest layout lacks."""
        closest = min(cls.layouts, key=lambda lay: len(lay.missing(header)))
        lacks = closest.missing(header)
        if not lacks and closest.pivots:
            where = f"'{closest.pivot_prefix} …'" if closest.pivot_prefix else "location"
            return f"{cls.name}: no {where} columns"
        return f"{cls.name}: lacks {', '.join(lacks)}"

    @classmethod
    def prepare(
        cls, data: bytes, file_name: str, ctx: SourceContext, progress: Progress | None = None
    ) -> PreparedFile:
        """The registered preparer: read the file, then `prepare_table`."""
        return cls.prepare_table(read_text_table(data, file_name), ctx, progress)

    @classmethod
    def prepare_table(
        cls, table: TextTable, ctx: SourceContext, progress: Progress | None = None
    ) -> PreparedFile:
        """Read every record of an already decoded table; refuses a header that fits no layout."""
        fit = cls.match(table.header)
        if fit is None:
            raise FileRefused(
                table.file_name, f"not a {cls.name} export ({cls.missing(table.header)})"
            )
        layout, found = fit
        prepared = PreparedSourceFile(
            table.file_name, table.sha256, cls.name, ctx.system or cls.default_system,
            len(table.records),
        )  # fmt: skip
        fmt = cls(table, layout, ctx, Emitter(prepared, cls.entity))
        fmt.out.note(f"{cls.name} layout {layout.name}")
        for note in table.notes:
            fmt.out.note(note)
        fmt.start()
        fmt._read_records(found, progress)
        fmt.finish()
        return fmt.out.finish()

    def reject_line(self, line: int, reason: str) -> None:
        """Quarantine the record starting at a line, from `finish` (rows that needed the whole file)."""
        record = next(r for r in self.table.records if r.line == line)
        self.out.reject(line, self._raw_text(record), reason)

    def _read_records(self, found: dict[str, int], progress: Progress | None) -> None:
        header, groups = self.table.header, _Groups()
        pivot = self.layout.pivot(header, found)
        width = len(header)
        while width and not header[width - 1].strip():
            width -= 1
        for done, record in enumerate(self.table.records, start=1):
            try:
                cells = self._cells(record, width)
                self.row(self._as_row(record.line, cells, found, pivot, groups))
                self.out.accept()
            except RowError as exc:
                self.out.reject(record.line, self._raw_text(record), str(exc))
            if progress and done % PROGRESS_EVERY == 0:
                progress("validating", done, len(self.table.records))

    def _cells(self, record: Record, width: int) -> tuple[str, ...]:
        cells, full = record.cells, len(self.table.header)
        if len(cells) < width:
            raise RowError(f"{len(cells)} fields where the header has {full}")
        if len(cells) > full and "".join(cells[full:]).strip():
            if not self.read_wide_rows:
                raise RowError(f"{len(cells)} fields where the header has {full}")
            self.out.count("row(s) with more fields than the header, read by header position")
        return cells + ("",) * (full - len(cells))

    def _as_row(
        self,
        line: int,
        cells: tuple[str, ...],
        found: dict[str, int],
        pivot: list[tuple[str, int]],
        groups: _Groups,
    ) -> Row:
        values = {role: cells[i].strip() for role, i in found.items()}
        position = 1
        group = values.get(self.group_by or "", "")
        if group:
            position = groups.sizes[group] = groups.sizes.get(group, 0) + 1
            parents = groups.values.setdefault(group, {})
            for role in self.fill_forward:
                if values.get(role):
                    parents[role] = values[role]
                elif role in values:
                    values[role] = parents.get(role, "")
        cells_by_label = tuple((label, cells[i].strip()) for label, i in pivot)
        return Row(line, values, cells_by_label, position)

    def _raw_text(self, record: Record) -> str:
        personal = [i for i, n in enumerate(self.table.header) if n and self.is_personal(n)]
        if not personal:
            return self.table.raw_text(record)
        cells = ["[redacted]" if i in personal and c else c for i, c in enumerate(record.cells)]
        out = io.StringIO()
        csv.writer(out, delimiter=self.table.delimiter, lineterminator="").writerow(cells)
        return out.getvalue()

"""`mapped`: any CSV or XLSX into canonical entities through a TOML mapping file (`--mapping`).

Each source record becomes canonical text cells per target (columns renamed, value maps
applied, timestamps converted to UTC, constants and defaults added, optionally unpivoted),
checked cell by cell with the canonical parsers, then validated by the canonical file parser
exactly as a canonical CSV. A record with any unreadable cell is quarantined whole, under its
own line number and raw text, and none of its targets load.
"""

from __future__ import annotations

from dataclasses import dataclass

from connectors.batch import PreparedFile, Progress, QuarantineEntry
from connectors.canonical_file import prepare_canonical
from connectors.cells import LocalTimes, snapshot_time, zone
from connectors.context import SourceContext
from connectors.errors import FileRefused
from connectors.fields import RowError, parse_timestamp
from connectors.mapping_file import Mapping, Target, load_mapping
from connectors.reading import Record, TextTable, is_xlsx, read_file, read_text_table
from connectors.xlsx_reading import read_xlsx_table
from core.settings import get_settings
from core.timeutil import iso_z

MAPPING_LIMIT_MB = 1


@dataclass
class _Plan:
    """How one target's canonical cells are built: header, fixed values, source column positions."""

    target: Target
    header: list[str]
    fixed: dict[str, str]
    positions: dict[str, int]
    records: list[Record]


def prepare_mapped(
    data: bytes, file_name: str, ctx: SourceContext, progress: Progress | None = None
) -> PreparedFile:
    """Read a file through the mapping named by `--mapping`."""
    if ctx.mapping is None:
        raise FileRefused(file_name, "the mapped source needs a mapping file (--mapping FILE)")
    try:
        mapping = load_mapping(read_file(ctx.mapping, MAPPING_LIMIT_MB), ctx.mapping.name)
    except FileRefused as refused:
        raise FileRefused(file_name, f"mapping {refused.file_name}: {refused.reason}") from None
    if is_xlsx(data, file_name):
        table = read_xlsx_table(data, file_name, mapping.sheet)
    else:
        table = read_text_table(data, file_name, mapping.delimiter, mapping.encoding)
    system = ctx.system or mapping.system or ctx.domain_owners[mapping.entity.domain]
    prepared = map_table(table, mapping, ctx, system=system, progress=progress)
    entities = ", ".join(t.entity.name for t in mapping.targets)
    prepared.notes.insert(0, f"mapping {mapping.name}: {entities}")
    return prepared


def map_table(
    table: TextTable,
    mapping: Mapping,
    ctx: SourceContext,
    *,
    system: str,
    progress: Progress | None = None,
) -> PreparedFile:
    """Convert every record through the mapping, then validate each target with the canonical parser."""
    wanted = [c for t in mapping.targets for c in t.source_columns]
    missing = sorted({c for c in wanted if c not in table.header})
    if missing:
        raise FileRefused(
            table.file_name,
            f"mapping {mapping.name} reads column(s) the file lacks: {', '.join(missing)}",
        )
    notes: list[str] = []
    plans = [_plan(table, t, ctx, system, notes) for t in mapping.targets]
    times = _times(mapping)
    rejected = _convert_all(table, plans, times)
    prepared = PreparedFile(table.file_name, table.sha256, "mapped", system, len(table.records))
    quarantine = list(rejected)
    for plan in plans:
        part = prepare_canonical(
            TextTable(table.file_name, table.sha256, table.encoding, table.delimiter,
                      plan.header, plan.records, table.text),
            plan.target.entity, system=system, progress=progress,
        )  # fmt: skip
        prepared.batches.extend(part.batches)
        quarantine.extend(part.quarantine)
        notes.extend(part.notes)
    prepared.quarantine = _one_per_line(quarantine, mapping.entity.name)
    prepared.notes = [*dict.fromkeys([*notes, *table.notes]), *filter(None, [times.note()])]
    return prepared


def _convert_all(table: TextTable, plans: list[_Plan], times: LocalTimes) -> list[QuarantineEntry]:
    """Fill each plan's records; a record with any unreadable cell goes to no target."""
    rejected: list[QuarantineEntry] = []
    for record in table.records:
        try:
            converted = [_convert(record, table, plan, times) for plan in plans]
        except RowError as exc:
            rejected.append(QuarantineEntry(record.line, table.raw_text(record), str(exc), None))
            continue
        for plan, records in zip(plans, converted, strict=True):
            plan.records.extend(records)
    return rejected


def _times(mapping: Mapping) -> LocalTimes:
    settings = get_settings()
    day_first = settings.source_day_first if mapping.day_first is None else mapping.day_first
    return LocalTimes(
        zone(mapping.timezone or settings.source_timezone), day_first, mapping.date_formats
    )


def _plan(
    table: TextTable, target: Target, ctx: SourceContext, system: str, notes: list[str]
) -> _Plan:
    spec = target.entity
    fixed = dict(target.constants)
    defaults: dict[str, str | None] = {"system": system, "location_id": ctx.location}
    for name, value in defaults.items():
        if name in spec.parsers and name not in target.columns and name not in fixed and value:
            fixed[name] = value
    if "as_of" in spec.parsers and "as_of" not in target.columns and "as_of" not in fixed:
        as_of, note = snapshot_time(ctx.as_of, ctx.file_mtime, ctx.file_time)
        fixed["as_of"] = iso_z(as_of)
        notes.append(note)
    carried = {*target.columns, *fixed}
    if target.unpivot:
        carried |= {target.unpivot.field, target.unpivot.value}
    header = [c for c in spec.columns if c in carried] + sorted(carried - set(spec.columns))
    positions = {f: table.header.index(c) for f, c in target.columns.items()}
    return _Plan(target, header, fixed, positions, [])


def _convert(record: Record, table: TextTable, plan: _Plan, times: LocalTimes) -> list[Record]:
    target = plan.target
    cells = record.cells + ("",) * (len(table.header) - len(record.cells))
    base: dict[str, str] = {
        **plan.fixed,
        **{
            f: _value(target, f, cells[i], times, target.columns[f])
            for f, i in plan.positions.items()
        },
    }
    rows = [base]
    if target.unpivot:
        pivot, rows = target.unpivot, []
        for key, column in pivot.columns.items():
            raw = cells[table.header.index(column)].strip()
            if raw:
                value = _value(target, pivot.value, raw, times, column)
                rows.append({**base, pivot.field: key, pivot.value: value})
    for row in rows:
        for name in (*target.entity.key, *target.entity.required):
            if not row.get(name):
                where = f" (column {target.columns[name]})" if name in target.columns else ""
                raise RowError(f"missing {target.entity.name} field {name}{where}")
    return [
        Record(record.line, record.end_line, tuple(row.get(c, "") for c in plan.header))
        for row in rows
    ]


def _value(target: Target, name: str, raw: str, times: LocalTimes, column: str) -> str:
    """A source cell as canonical text: value map, timestamps to UTC; checked by the field's parser."""
    value = raw.strip()
    value = target.values.get(name, {}).get(value.casefold(), value)
    parser = target.entity.parsers.get(name)
    if not value or parser is None:
        return value
    if parser is parse_timestamp:
        return iso_z(times.parse(value, column))
    try:
        parser(value)
    except RowError as exc:
        raise RowError(f"{column}: {exc}") from None
    return value


def _one_per_line(entries: list[QuarantineEntry], entity: str) -> list[QuarantineEntry]:
    """Quarantine entries merged so each line appears once (the first reason kept)."""
    by_line: dict[int, QuarantineEntry] = {}
    for entry in entries:
        if entry.line not in by_line:
            by_line[entry.line] = QuarantineEntry(entry.line, entry.raw_text, entry.reason, entity)
    return [by_line[line] for line in sorted(by_line)]

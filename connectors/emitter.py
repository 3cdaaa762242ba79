"""Collecting what a source file says as canonical rows: validated, keyed, summed or replaced, and counted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from connectors.batch import Batch, PreparedFile, QuarantineEntry
from connectors.canonical import ENTITIES, ITEM_TYPED_ATTRIBUTES, row_checks
from connectors.errors import ConnectorError
from connectors.fields import RowError
from connectors.limits import check_limits, quantity_problem
from core.schema.limits import shown
from core.settings import get_settings


@dataclass(frozen=True)
class SystemRecord:
    """A variant a system holds without a SKU, keyed by the system's own fields (e.g. handle + options)."""

    system: str
    key: str
    line: int
    fields: tuple[tuple[str, str], ...]
    kind: str = "variant"

    def __post_init__(self) -> None:
        # Kept as found in the file, in text columns: a NUL character is shown as ␀.
        object.__setattr__(self, "key", shown(self.key))
        object.__setattr__(self, "fields", tuple((n, shown(v)) for n, v in self.fields))


@dataclass(frozen=True)
class SkuFacts:
    """What a source says about one of its system SKUs besides stock: a title and a barcode."""

    title: str | None = None
    barcode: str | None = None

    def __post_init__(self) -> None:
        for name in ("title", "barcode"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, shown(value))


@dataclass
class PreparedSourceFile(PreparedFile):
    """A prepared source file, plus its system records without a SKU and what it says of its SKUs."""

    system_records: list[SystemRecord] = field(default_factory=list)
    system_skus: dict[str, SkuFacts] = field(default_factory=dict)
    keys_with_sku: set[str] = field(default_factory=set)  # source keys of records that have a SKU


class Emitter:
    """Rows of one source record are pending until the record is accepted, then join their batches."""

    def __init__(self, prepared: PreparedSourceFile, entity: str) -> None:
        self.prepared = prepared
        self.entity = entity
        self._batches: dict[str, Batch] = {}
        self._pending: list[tuple[str, dict[str, Any], bool, bool, bool]] = []
        self._pending_records: list[SystemRecord] = []
        self._pending_facts: list[tuple[str, SkuFacts]] = []
        self._pending_keys: list[str] = []
        self._repeats: Counter[tuple[str, bool]] = Counter()
        self.counts: Counter[str] = Counter()
        self._rejected: set[int] = set()

    def add(
        self,
        entity: str,
        row: dict[str, Any],
        *,
        sum_quantity: bool = False,
        create_only: bool = False,
        repeats_expected: bool = False,
    ) -> None:
        """Validate a canonical row (RowError when unreadable) and hold it until the record is accepted.

        A repeated key replaces the earlier row, or adds to its quantity with `sum_quantity`;
        repeats are reported in the notes unless `repeats_expected` (e.g. an order per line).
        """
        spec = ENTITIES[entity]
        if entity == "items":
            row.setdefault("attributes", {})
        for name in spec.key:
            if row.get(name) in (None, ""):
                raise RowError(f"missing key field {name}")
        for name in spec.required:
            if row.get(name) in (None, ""):
                raise RowError(f"missing required field {name}")
        check_limits(entity, row)
        problem = row_checks(entity, row)
        if problem:
            raise RowError(problem)
        self._pending.append((entity, row, sum_quantity, create_only, repeats_expected))

    def accept(self) -> None:
        """The record was read: its pending rows join their batches (RowError when a sum is out of bounds)."""
        self._check_sums()
        for entity, row, sum_quantity, create_only, expected in self._pending:
            batch = self._batch(entity, row, create_only)
            key = tuple(row[k] for k in batch.spec.key)
            earlier = batch.rows.get(key)
            if earlier is not None and not expected:
                self._repeats[(entity, sum_quantity)] += 1
                if sum_quantity:
                    row = {**row, "quantity": earlier["quantity"] + row["quantity"]}
            batch.add(row)
        self._pending.clear()
        self.prepared.system_records.extend(self._pending_records)
        for system_sku, facts in self._pending_facts:
            known = self.prepared.system_skus.get(system_sku, SkuFacts())
            self.prepared.system_skus[system_sku] = SkuFacts(
                facts.title or known.title, facts.barcode or known.barcode
            )
        self.prepared.keys_with_sku.update(self._pending_keys)
        self._pending_records.clear()
        self._pending_facts.clear()
        self._pending_keys.clear()

    def _check_sums(self) -> None:
        """A quantity summed over repeated keys stays within the bound (checked before anything joins)."""
        bound = get_settings().max_quantity
        sums: dict[tuple[str, tuple[Any, ...]], int] = {}
        for entity, row, sum_quantity, _create_only, _expected in self._pending:
            batch = self._batches.get(entity)
            if not sum_quantity or batch is None:
                continue
            key = tuple(row[k] for k in batch.spec.key)
            earlier = batch.rows.get(key)
            if earlier is None:
                continue
            total = sums.get((entity, key), earlier["quantity"]) + row["quantity"]
            sums[(entity, key)] = total
            reason = quantity_problem("summed quantity", total, bound)
            if reason:
                raise RowError(f"{reason}; repeated key {', '.join(map(str, key))}")

    def reject(self, line: int, raw_text: str, reason: str, entity: str | None = None) -> None:
        """The record could not be read: drop its pending rows and quarantine it (once per line)."""
        self._pending.clear()
        self._pending_records.clear()
        self._pending_facts.clear()
        self._pending_keys.clear()
        if line in self._rejected:
            return
        self._rejected.add(line)
        self.prepared.quarantine.append(
            QuarantineEntry(line, raw_text, reason, entity or self.entity)
        )

    def describe(
        self, system_sku: str, *, title: str | None = None, barcode: str | None = None
    ) -> None:
        """Hold a system SKU's title and barcode (they help map it); empty values keep earlier ones."""
        self._pending_facts.append((system_sku, SkuFacts(title or None, barcode or None)))

    def system_record(self, record: SystemRecord) -> None:
        """Hold a source record that has no SKU; it is kept as a system record once its record is read."""
        self._pending_records.append(record)

    def has_sku(self, key: str) -> None:
        """Note that the record a system keys this way carries a SKU (a stored system record of it goes)."""
        self._pending_keys.append(key)

    def count(self, what: str, n: int = 1) -> None:
        """Count something worth telling (rendered as `N what` in the notes)."""
        self.counts[what] += n

    def note(self, text: str | None) -> None:
        """Add a note for the import report (ignored when None)."""
        if text and text not in self.prepared.notes:
            self.prepared.notes.append(text)

    def finish(self) -> PreparedSourceFile:
        """The prepared file: batches in canonical entity order, counts and repeats as notes."""
        order = list(ENTITIES)
        self.prepared.batches = sorted(
            self._batches.values(), key=lambda b: order.index(b.spec.name)
        )
        for what, n in self.counts.items():
            self.note(f"{n} {what}")
        for (entity, summed), n in sorted(self._repeats.items()):
            rule = "quantities summed" if summed else "the later row wins"
            self.note(f"{n} repeated {entity} key(s) in the file: {rule}")
        return self.prepared

    def _batch(self, entity: str, row: dict[str, Any], create_only: bool) -> Batch:
        batch = self._batches.get(entity)
        if batch is None:
            spec = ENTITIES[entity]
            columns = tuple(c for c in spec.columns if c in row)
            if entity == "items":
                columns += ("attributes", *(c for c in ITEM_TYPED_ATTRIBUTES if c in row))
            batch = self._batches[entity] = Batch(spec, columns, create_only=create_only)
        if set(row) != set(batch.columns):
            raise ConnectorError(
                f"{entity} rows of one file must carry the same fields: "
                f"{sorted(row)} vs {sorted(batch.columns)}"
            )
        return batch

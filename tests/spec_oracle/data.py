"""The canonical CSV files of SPEC section 2 read into typed records, with the import rules that shape them.

SPEC section 2 rules implemented here:
- "Timestamps are ISO 8601; a timestamp without offset is UTC; all computation is in UTC."
  Fractional seconds are truncated (lead's reading: "timestamps are compared in whole epoch
  seconds"); a timestamp is kept as integer epoch seconds.
- "Quantities are integers." `unit_cost` is "a decimal".
- "Vocabularies (matched case-insensitively, stored as shown)": a listed word is stored as the
  list shows it (`abc_class` upper case, every other word lower case); a word outside an open
  vocabulary (channel, error_type) is stored lower case (brief of this oracle).
- An empty cell is null.
- "A row that cannot be read (missing key or required field, unparseable number or date, a word
  outside a closed vocabulary above, a return received after its disposition) is not dropped: it
  is quarantined": here it never reaches the metrics, and is counted in `Data.quarantined`.
  bundle_components rows with quantity < 1 are quarantined too (READINGS item 9).
- "Within one file, a repeated natural key: the later row wins."
- "An import writes only the fields its file carries; re-importing a row with the same natural
  key replaces those fields": several folders are read in order and merged that way.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from tests.spec_oracle.records import (
    BundleComponent,
    CycleCount,
    Event,
    Item,
    Location,
    Order,
    OrderLine,
    Return,
    Shipment,
    SkuMapping,
    StockRow,
)

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Unreadable(ValueError):
    """A cell or row that SPEC section 2 quarantines."""


def parse_timestamp(text: str) -> int:
    """ISO 8601 to epoch seconds; no offset is UTC; a fraction of a second is truncated."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise Unreadable(f"not an ISO 8601 timestamp: {text!r}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    delta = moment - EPOCH
    return delta.days * 86400 + delta.seconds  # microseconds dropped: truncation to the second


def parse_int(text: str) -> int:
    """An integer quantity."""
    try:
        return int(text)
    except ValueError:
        raise Unreadable(f"not an integer: {text!r}") from None


def parse_decimal(text: str) -> Decimal:
    """A decimal number (unit_cost)."""
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise Unreadable(f"not a decimal: {text!r}") from None
    if not value.is_finite():
        raise Unreadable(f"not a finite decimal: {text!r}")
    return value


def vocabulary(words: str, *, closed: bool) -> Callable[[str], str]:
    """A parser matching `words` case-insensitively and storing each as written in `words`."""
    shown = {word.lower(): word for word in words.split()}

    def parse(text: str) -> str:
        if text.lower() in shown:
            return shown[text.lower()]
        if closed:
            raise Unreadable(f"{text!r} is not one of {words}")
        return text.lower()

    return parse


def text(value: str) -> str:
    """Text as given."""
    return value


LOCATION_TYPE = vocabulary("dc 3pl store marketplace_fc", closed=True)
CHANNEL = vocabulary("shopify amazon pos wholesale", closed=False)
LIFECYCLE = vocabulary("draft active retired", closed=True)
ABC_CLASS = vocabulary("A B C", closed=True)
STOCK_STATUS = vocabulary(
    "sellable reserved inbound returned quarantined damaged refurbished", closed=True
)
CONDITION = vocabulary("new like_new damaged defective", closed=True)
DISPOSITION = vocabulary("restock refurbish quarantine write_off", closed=True)
EVENT_STATUS = vocabulary("success failed", closed=True)
ERROR_TYPE = vocabulary(
    "failed_update unmapped_sku duplicate_record validation_error timeout stale_sync", closed=False
)


@dataclass(frozen=True)
class Entity:
    """One canonical file: its record type, natural key, required fields and cell parsers."""

    record: type
    key: tuple[str, ...]
    required: tuple[str, ...]
    parsers: dict[str, Callable[[str], Any]]


TS, INT = parse_timestamp, parse_int
ENTITIES: dict[str, Entity] = {
    "locations": Entity(Location, ("location_id",), ("type",),
                        {"location_id": text, "name": text, "type": LOCATION_TYPE, "channel": CHANNEL}),
    "items": Entity(Item, ("sku",), ("lifecycle_status",),
                    {"sku": text, "name": text, "category": text, "brand": text, "barcode": text,
                     "abc_class": ABC_CLASS, "lifecycle_status": LIFECYCLE, "created_at": TS,
                     "approved_at": TS, "approved_by": text, "parent_sku": text,
                     "unit_cost": parse_decimal}),
    "bundle_components": Entity(BundleComponent, ("bundle_sku", "component_sku"), ("quantity",),
                                {"bundle_sku": text, "component_sku": text, "quantity": INT}),
    "sku_mappings": Entity(SkuMapping, ("system", "system_sku"), ("sku",),
                           {"system": text, "system_sku": text, "sku": text}),
    "stock_levels": Entity(StockRow, ("as_of", "system", "location_id", "system_sku", "status"),
                           ("quantity",),
                           {"as_of": TS, "system": text, "location_id": text, "system_sku": text,
                            "status": STOCK_STATUS, "quantity": INT}),
    "cycle_counts": Entity(CycleCount, ("count_id",),
                           ("counted_at", "location_id", "sku", "system_qty", "counted_qty"),
                           {"count_id": text, "counted_at": TS, "location_id": text, "sku": text,
                            "system_qty": INT, "counted_qty": INT, "counted_by": text}),
    "orders": Entity(Order, ("order_id",), ("channel", "placed_at"),
                     {"order_id": text, "channel": CHANNEL, "placed_at": TS, "cancelled_at": TS}),
    "order_lines": Entity(OrderLine, ("order_id", "line_id"), ("quantity",),
                          {"order_id": text, "line_id": text, "sku": text, "quantity": INT,
                           "allocated_location_id": text}),
    "shipments": Entity(Shipment, ("shipment_id", "line_id"),
                        ("order_id", "location_id", "shipped_at", "quantity"),
                        {"shipment_id": text, "order_id": text, "line_id": text,
                         "location_id": text, "shipped_at": TS, "quantity": INT}),
    "returns": Entity(Return, ("return_id",), ("quantity",),
                      {"return_id": text, "order_id": text, "line_id": text, "sku": text,
                       "quantity": INT, "channel": CHANNEL, "initiated_at": TS, "received_at": TS,
                       "receiving_location_id": text, "condition": CONDITION,
                       "disposition": DISPOSITION, "disposition_at": TS, "refunded_at": TS,
                       "restocked_at": TS}),
    "integration_events": Entity(Event, ("event_id",), ("occurred_at", "integration", "status"),
                                 {"event_id": text, "occurred_at": TS, "integration": text,
                                  "entity_type": text, "entity_key": text, "status": EVENT_STATUS,
                                  "error_type": ERROR_TYPE, "message": text}),
}  # fmt: skip


@dataclass
class Data:
    """Every entity's records by natural key, and how many rows each file quarantined."""

    records: dict[str, dict[tuple[str, ...], Any]] = field(default_factory=dict)
    quarantined: dict[str, int] = field(default_factory=dict)

    def all(self, entity: str) -> list[Any]:
        """The records of one entity (empty when no file carried it)."""
        return list(self.records.get(entity, {}).values())


def _row_check(entity: str, values: dict[str, Any]) -> None:
    """Cross-field rules: a return received after its disposition; a bundle quantity below 1."""
    if entity == "returns":
        received, disposed = values.get("received_at"), values.get("disposition_at")
        if received is not None and disposed is not None and received > disposed:
            raise Unreadable("return received after its disposition")
    if entity == "bundle_components" and values["quantity"] < 1:
        raise Unreadable("bundle component quantity below 1 (READINGS item 9)")


def _parse_row(
    entity: str, raw: Mapping[str, str], fields_present: Iterable[str]
) -> dict[str, Any]:
    """The typed cells of one row (only the columns its file carries); raises Unreadable."""
    spec = ENTITIES[entity]
    values: dict[str, Any] = {}
    for name in fields_present:
        cell = (raw.get(name) or "").strip()  # empty cell (or a short row) = null
        values[name] = spec.parsers[name](cell) if cell else None
    for name in spec.key + spec.required:
        if values.get(name) is None:
            raise Unreadable(f"missing {name}")
    return values


def _read_rows(entity: str, lines: list[str]) -> tuple[list[dict[str, Any]], int]:
    """The parsed rows of one CSV text and the count quarantined."""
    reader = csv.DictReader(lines)
    header = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = header
    spec = ENTITIES[entity]
    missing = [name for name in spec.key + spec.required if name not in header]
    if missing:
        raise ValueError(f"{entity}.csv is refused: no column {', '.join(missing)}")
    carried = [name for name in header if name in spec.parsers]
    rows, quarantined = [], 0
    for raw in reader:
        try:
            if None in raw or None in raw.values():
                raise Unreadable("wrong number of fields")
            values = _parse_row(entity, raw, carried)
            _row_check(entity, values)
        except Unreadable:
            quarantined += 1
            continue
        rows.append(values)
    return rows, quarantined


def _merge(
    stored: dict[tuple[str, ...], dict[str, Any]], entity: str, rows: list[dict[str, Any]]
) -> None:
    """Upsert by natural key: a row replaces the fields it carries; the later row wins."""
    for values in rows:
        key = tuple(values[name] for name in ENTITIES[entity].key)
        stored[key] = {**stored.get(key, {}), **values}


def load_texts(folders: Iterable[Mapping[str, str]]) -> Data:
    """Data from CSV texts (entity name -> file text), one mapping per import, merged in order."""
    stored: dict[str, dict[tuple[str, ...], dict[str, Any]]] = {}
    quarantined: dict[str, int] = {}
    for texts in folders:
        for entity, content in texts.items():
            rows, bad = _read_rows(entity, content.splitlines(keepends=True))
            quarantined[entity] = quarantined.get(entity, 0) + bad
            _merge(stored.setdefault(entity, {}), entity, rows)
    data = Data(quarantined=quarantined)
    for entity, by_key in stored.items():
        record = ENTITIES[entity].record
        names = {f.name for f in fields(record)}
        data.records[entity] = {}
        for key, values in by_key.items():
            if entity == "items" and values.get("created_at") is None:
                raise ValueError(
                    f"items.csv: item {key[0]} has no created_at; the product gives it the import "
                    "time, which this oracle cannot know"
                )
            data.records[entity][key] = record(**{k: v for k, v in values.items() if k in names})
    return data


def read_folder(folder: Path) -> dict[str, str]:
    """The canonical CSV texts of a folder (entity name -> text), UTF-8 with or without BOM."""
    return {
        path.stem: path.read_text(encoding="utf-8-sig")
        for path in sorted(folder.glob("*.csv"))
        if path.stem in ENTITIES
    }


def load_folders(*folders: Path) -> Data:
    """Data of one or more folders imported in order."""
    return load_texts([read_folder(folder) for folder in folders])

"""Declarative TOML mapping files for the `mapped` and `sql` sources: read and checked once.

    system = "wms"                     # importing system (and the `system` field if unmapped)
    delimiter = ";"  encoding = "cp1252"  sheet = "Stock"   # reading (all optional)
    date_format = "%d/%m/%Y %H:%M"     # strptime format(s) for timestamps (else ISO/settings)
    timezone = "Europe/Paris"          # zone of timestamps without offset (else settings)
    day_first = true                   # day/month order of spreadsheet dates (else settings)
    entity = "stock_levels"            # the canonical entity the rows become, with:
    [columns]    canonical_field = "Source column"
    [constants]  canonical_field = "fixed value"
    [values.<field>]  "source word" = "canonical word"      (matched case-insensitively)
    [unpivot]    field = "status"  value = "quantity"  [unpivot.columns] sellable = "Available"
    url = "sqlite:///wms.db" | url_env = "WMS_URL";  query = "SELECT ..."   (sql source only)

Several entities from one row (e.g. a POS sale -> order, line, shipment): instead of the
top-level `entity` and its tables, one [[targets]] table each with entity, columns, ...
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from typing import Any

from connectors.canonical import ENTITIES, EntitySpec
from connectors.errors import FileRefused

READING = {
    "system", "delimiter", "encoding", "sheet", "date_format", "timezone", "day_first",
    "url", "url_env", "query",
}  # fmt: skip
TARGET = {"entity", "columns", "constants", "values", "unpivot"}


@dataclass(frozen=True)
class Unpivot:
    """One canonical row per listed source column: `field` takes the key, `value` the cell."""

    field: str
    value: str
    columns: dict[str, str]


@dataclass(frozen=True)
class Target:
    """One canonical entity a source row becomes: renamed columns, constants, value maps, unpivot."""

    entity: EntitySpec
    columns: dict[str, str] = field(default_factory=dict)
    constants: dict[str, str] = field(default_factory=dict)
    values: dict[str, dict[str, str]] = field(default_factory=dict)
    unpivot: Unpivot | None = None

    @property
    def source_columns(self) -> list[str]:
        """Every source column this target reads."""
        pivot = list(self.unpivot.columns.values()) if self.unpivot else []
        return [*self.columns.values(), *pivot]


@dataclass(frozen=True)
class Mapping:
    """A checked mapping file: how to read the source, and one or more targets."""

    name: str
    targets: tuple[Target, ...]
    system: str | None = None
    delimiter: str | None = None
    encoding: str | None = None
    sheet: str | None = None
    date_formats: tuple[str, ...] = ()
    timezone: str | None = None
    day_first: bool | None = None
    url: str | None = None
    url_env: str | None = None
    query: str | None = None

    @property
    def entity(self) -> EntitySpec:
        """The first target's entity (the one unreadable rows are filed under)."""
        return self.targets[0].entity


def load_mapping(data: bytes, name: str) -> Mapping:
    """Parse and check a mapping file; FileRefused naming the mapping file when it is wrong."""
    try:
        raw = tomllib.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise FileRefused(name, f"not a TOML mapping file ({exc})") from None
    unknown = sorted(set(raw) - READING - TARGET - {"targets"})
    if unknown:
        raise FileRefused(name, f"unknown mapping key(s) {', '.join(unknown)}")
    tables = raw.get("targets") or [{k: v for k, v in raw.items() if k in TARGET}]
    if not isinstance(tables, list) or (raw.get("targets") and set(raw) & TARGET):
        raise FileRefused(name, "give either one top-level `entity` or [[targets]], not both")
    day_first = raw.get("day_first")
    if day_first is not None and not isinstance(day_first, bool):
        raise FileRefused(name, "`day_first` must be true or false")
    return Mapping(
        name=name,
        targets=tuple(_target(t, name) for t in tables),
        system=_text(raw, "system", name),
        delimiter=_text(raw, "delimiter", name),
        encoding=_text(raw, "encoding", name),
        sheet=_text(raw, "sheet", name),
        date_formats=_formats(raw.get("date_format"), name),
        timezone=_text(raw, "timezone", name),
        day_first=day_first,
        url=_text(raw, "url", name),
        url_env=_text(raw, "url_env", name),
        query=_text(raw, "query", name),
    )


def _target(raw: object, name: str) -> Target:
    if not isinstance(raw, dict):
        raise FileRefused(name, "each [[targets]] entry must be a table")
    unknown = sorted(set(raw) - TARGET)
    if unknown:
        raise FileRefused(name, f"unknown target key(s) {', '.join(unknown)}")
    entity = ENTITIES.get(str(raw.get("entity", "")))
    if entity is None:
        raise FileRefused(name, f"`entity` must be one of {', '.join(ENTITIES)}")
    values = raw.get("values", {})
    if not isinstance(values, dict):
        raise FileRefused(name, "[values] must hold one table per field")
    target = Target(
        entity=entity,
        columns=_table(raw, "columns", name),
        constants=_table(raw, "constants", name),
        values={f: {k.casefold(): v for k, v in _table(values, f, name).items()} for f in values},
        unpivot=_unpivot(raw.get("unpivot"), name),
    )
    _check_fields(target, name)
    return target


def _check_fields(target: Target, name: str) -> None:
    spec = target.entity
    named = [*target.columns, *target.constants, *target.values]
    if target.unpivot:
        named += [target.unpivot.field, target.unpivot.value]
    if spec.name == "items":  # extra item columns become attributes
        return
    unknown = sorted({f for f in named if f not in spec.parsers})
    if unknown:
        raise FileRefused(
            name,
            f"{', '.join(unknown)} not field(s) of {spec.name} (fields: {', '.join(spec.columns)})",
        )


def _text(raw: dict[str, Any], key: str, name: str) -> str | None:
    value = raw.get(key)
    if value is not None and not isinstance(value, str):
        raise FileRefused(name, f"`{key}` must be a string")
    return value


def _table(raw: dict[str, Any], key: str, name: str) -> dict[str, str]:
    value = raw.get(key, {})
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise FileRefused(name, f"[{key}] must map names to strings")
    return dict(value)


def _formats(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise FileRefused(name, "`date_format` must be a string or a list of strings")


def _unpivot(value: object, name: str) -> Unpivot | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not {"field", "value", "columns"} <= set(value):
        raise FileRefused(name, "[unpivot] needs `field`, `value` and [unpivot.columns]")
    return Unpivot(str(value["field"]), str(value["value"]), _table(value, "columns", name))

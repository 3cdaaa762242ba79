"""The conformance suite every source format passes with its own fixture (tests/fixtures/<format>/)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from connectors.auto import FORMATS, detect
from connectors.reading import read_path
from connectors.sources import SOURCES, SourceContext, prepare_file
from core.settings import get_settings
from tests.conftest import FIXTURES
from tests.connectors_support import all_counts, quarantined

MAPPINGS = Path(__file__).resolve().parent.parent / "connectors" / "mappings"


@dataclass(frozen=True)
class Case:
    """A format's fixture, the line of its one bad row, and a text that row holds."""

    source: str
    fixture: str
    bad_line: int
    bad_text: str
    mapping: str | None = None
    item_master: str | None = None  # the system owning the item master while the case runs

    @property
    def path(self) -> Path:
        return FIXTURES / self.fixture

    def options(self) -> pipeline.ImportOptions:
        return pipeline.ImportOptions(mapping=MAPPINGS / self.mapping if self.mapping else None)


CASES = [
    # A non-owner's product file creates nothing (issue 14): Shopify owns the item master here.
    Case(
        "shopify-products",
        "shopify-products/products_export.csv",
        7,
        "4.00638E+12",
        item_master="shopify",
    ),
    Case("shopify-inventory", "shopify-inventory/inventory_export.csv", 7, "lots"),
    Case("shopify-orders", "shopify-orders/orders_export.csv", 9, "two"),
    Case("amazon-listings", "amazon-listings/open_listings.txt", 5, "NW-SOCK"),
    Case("amazon-fba-inventory", "amazon-fba-inventory/manage_fba_inventory_21.txt", 4, "n/a"),
    Case("amazon-fba-inventory", "amazon-fba-inventory/manage_fba_inventory_18.txt", 4, "n/a"),
    Case("amazon-fba-returns", "amazon-fba-returns/customer_returns.txt", 5, "MYSTERY_GRADE"),
    Case("square-items", "square-items/item_library.csv", 5, "1.5"),
    Case("mapped", "mapped/wms_stock.csv", 4, "abc", "generic_wms_stock.toml"),
    Case("mapped", "mapped/3pl_returns.csv", 5, "Smelly", "generic_3pl_returns.toml"),
    Case("mapped", "mapped/pos_sales.csv", 4, "1,5", "generic_pos_sales.toml"),
]
IDS = [c.fixture for c in CASES]


def owned_by(case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    """Set the case's item-master system for the test."""
    if case.item_master is not None:
        monkeypatch.setenv("INVGOV_ITEM_MASTER_SYSTEM", case.item_master)
        get_settings.cache_clear()


def test_every_source_format_has_a_conformance_case() -> None:
    assert {c.source for c in CASES} == {*FORMATS, "mapped"}
    assert {*FORMATS, "mapped", "sql", "auto"} <= set(SOURCES)


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_every_format_is_documented(name: str) -> None:
    fmt = FORMATS[name]
    module = sys.modules[fmt.__module__]
    assert module.__doc__ and fmt.__doc__ and fmt.layouts
    assert all(layout.name and layout.required for layout in fmt.layouts)


@pytest.mark.parametrize("case", [c for c in CASES if c.source in FORMATS], ids=lambda c: c.fixture)
def test_header_is_recognised_by_auto(case: Case) -> None:
    assert detect(read_path(case.path)).name == case.source


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_keys_are_complete_and_unique(case: Case) -> None:
    ctx = SourceContext(
        system=None, domain_owners={"item_master": "erp"}, mapping=case.options().mapping
    )
    prepared = prepare_file(case.source, case.path, ctx)
    assert prepared.batches
    for batch in prepared.batches:
        keys = [tuple(row[k] for k in batch.spec.key) for row in batch.rows.values()]
        assert all(v not in (None, "") for key in keys for v in key)
        assert len(keys) == len(set(keys)) == len(batch.rows)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_bad_row_is_quarantined_with_file_and_line(
    case: Case, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    owned_by(case, monkeypatch)
    report = pipeline.import_file(case.path, case.source, engine=engine, options=case.options())
    assert report.ok, report.reason
    assert report.quarantined == 1
    (row,) = quarantined(engine)
    assert (row["file_name"], row["line_number"]) == (case.path.name, case.bad_line)
    assert case.bad_text in row["raw_text"]
    assert row["reason"]
    assert sum(all_counts(engine).values()) == report.inserted > 0


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_second_import_changes_nothing(
    case: Case, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    owned_by(case, monkeypatch)
    first = pipeline.import_file(case.path, case.source, engine=engine, options=case.options())
    before = (all_counts(engine), len(quarantined(engine)))
    second = pipeline.import_file(case.path, case.source, engine=engine, options=case.options())
    assert first.ok and second.ok
    assert (second.inserted, second.updated) == (0, 0)
    assert (all_counts(engine), len(quarantined(engine))) == before


@pytest.mark.parametrize("case", CASES, ids=IDS)
@pytest.mark.parametrize(
    "content",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", b"colour,size\nred,large\n", b""],
    ids=["binary", "wrong-columns", "empty"],
)
def test_unreadable_file_is_refused_and_writes_nothing(
    case: Case, content: bytes, engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / case.path.name
    path.write_bytes(content)
    report = pipeline.import_file(path, case.source, engine=engine, options=case.options())
    assert not report.ok
    assert report.reason
    assert sum(all_counts(engine).values()) == 0
    assert quarantined(engine) == []

"""bundle_availability_breaches on hand-made kits, components and the stock of several systems."""

from __future__ import annotations

from pathlib import Path

import pytest

import pipeline
from core.db import get_engine
from metrics import records_behind
from metrics.bundles import bundle_checks
from metrics.compute import reading
from metrics.model import make_context
from tests.test_metrics_common import AS_OF, load, row, rows_of

BUNDLES = "bundle_availability_breaches"
CREATED = "2025-01-01T00:00:00Z"
ITEMS = [(sku, "active", CREATED) for sku in ("KIT1", "KIT2", "KIT3", "C1", "C2", "C3")]
COMPONENTS = [
    ("KIT1", "C1", 1),
    ("KIT1", "C2", 2),
    ("KIT2", "C1", 1),
    ("KIT2", "C3", 1),  # the book holds no C3 anywhere: a missing component counts 0
    ("KIT3", "C1", 2),
    ("KIT4", "C1", 1),  # KIT4 has no item: not a bundle
]
D = "2026-01-20T00:00:00Z"
STOCK = [
    # the book (wms) at DC1: C1 5, C2 3; at DC2: C1 −1 (taken as it is)
    (D, "wms", "DC1", "C1", "sellable", 5),
    (D, "wms", "DC1", "C2", "sellable", 3),
    (D, "wms", "DC2", "C1", "sellable", -1),
    # shopify at DC1 and DC2
    (D, "shopify", "DC1", "shop-kit1", "sellable", 2),  # mapped to KIT1
    (D, "shopify", "DC1", "KIT2", "sellable", 1),
    (D, "shopify", "DC1", "KIT3", "sellable", 2),
    (D, "shopify", "DC1", "KIT4", "sellable", 7),
    (D, "shopify", "DC2", "KIT3", "sellable", 1),
    # pos at DC1: KIT1 0 (no triple), KIT3 3
    (D, "pos", "DC1", "KIT1", "sellable", 0),
    (D, "pos", "DC1", "KIT3", "sellable", 3),
    # amazon at STORE1, where the book has no sellable row: never compared
    (D, "amazon", "STORE1", "KIT1", "sellable", 9),
    ("2026-01-21T09:30:01Z", "shopify", "DC1", "KIT1", "sellable", 50),  # after as_of
]


@pytest.fixture
def bundle_db(db_url: str, tmp_path: Path) -> str:
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at", ITEMS),
        bundle_components=("bundle_sku,component_sku,quantity", COMPONENTS),
        sku_mappings=("system,system_sku,sku", [("shopify", "shop-kit1", "KIT1")]),
        stock_levels=("as_of,system,location_id,system_sku,status,quantity", STOCK),
    )
    return db_url


@pytest.mark.hand_worked("bundle_availability_breaches")
def test_bundle_availability_breaches(bundle_db: str) -> None:
    # Triples (system units > 0 at a compared location) and buildable from the book:
    #   shopify DC1 KIT1: 2 vs min(5 // 1, 3 // 2) = 1 -> breach, 1 over
    #   shopify DC1 KIT2: 1 vs min(5 // 1, 0 // 1) = 0 -> breach, 1 over (C3 missing)
    #   shopify DC1 KIT3: 2 vs 5 // 2 = 2 -> equal, no breach
    #   shopify DC2 KIT3: 1 vs −1 // 2 = −1 -> breach, 2 over
    #   pos DC1 KIT3: 3 vs 2 -> breach, 1 over
    assert rows_of(bundle_db, BUNDLES) == [
        row(BUNDLES, None, "all", None, 4, 5, 5),
        row(BUNDLES, None, "system", "pos", 1, 1, 1),
        row(BUNDLES, None, "system", "shopify", 3, 4, 4),
    ]


def test_the_bundles_behind_a_row(bundle_db: str) -> None:
    engine = get_engine(bundle_db)
    frame = records_behind(engine, row(BUNDLES, None, "system", "shopify", 3, 4, 4), AS_OF)
    columns = ["location", "bundle_sku", "system_units", "buildable", "excess", "limiting"]
    assert frame[columns].values.tolist() == [
        ["DC1", "KIT1", 2, 1, 1, "C2"],
        ["DC1", "KIT2", 1, 0, 1, "C3"],
        ["DC2", "KIT3", 1, -1, 2, "C1"],
    ]
    assert frame["components"].iloc[0] == ("C1: 5 book units / 1 = 5; C2: 3 book units / 2 = 1")
    with reading(engine) as conn:
        checks = bundle_checks(conn, make_context(AS_OF))
    kit2 = next(c for c in checks if c.bundle_sku == "KIT2")
    assert [(c.sku, c.quantity, c.book_units, c.can_build) for c in kit2.components] == [
        ("C1", 1, 5, 5),
        ("C3", 1, 0, 0),
    ]


def test_a_component_quantity_below_one_is_quarantined(db_url: str, tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "bundle_components.csv").write_text(
        "bundle_sku,component_sku,quantity\nKIT1,C1,1\nKIT1,C2,0\nKIT1,C3,-2\n", encoding="utf-8"
    )
    (report,) = pipeline.import_paths([folder], "canonical", engine=get_engine(db_url))
    assert (report.status, report.inserted, report.quarantined) == ("committed", 1, 2)

"""A person's resolution waits for new evidence (SPEC section 4): real imports, SQLite and PostgreSQL.

The sequence of issue 11: resolve; detect again with no new data (stays resolved); import unrelated
data (stays); import the rule's data still showing the problem (reopens, the resolver's note shown
with the file); resolve again and import data without the problem (verified).
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

import pipeline
from core.db import read_session, write_session
from core.timeutil import iso_z, utcnow
from governance import lifecycle, queue
from governance.detection import detect
from governance.permissions import Actor
from tests.governance_support import gtin, make_people, only, set_stock

NOTE = "Recounted DC-01 and fixed the Shopify sync"
DAY = timedelta(days=1)


@pytest.fixture
def people(engine: Engine) -> dict[str, Actor]:
    """Accounts of every role."""
    return make_people(engine)


def _write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _stock(folder: Path, shopify: int, hours_ago: int) -> Path:
    """A stock snapshot: the WMS (the book) holds 10 of SKU-A at DC-01, Shopify `shopify`."""
    at = iso_z(utcnow() - timedelta(hours=hours_ago))
    return _write(
        folder,
        "stock_levels.csv",
        "as_of,system,location_id,system_sku,status,quantity\n"
        f"{at},wms,DC-01,SKU-A,sellable,10\n{at},shopify,DC-01,SKU-A,sellable,{shopify}\n",
    )


def _import(engine: Engine, path: Path) -> None:
    [report] = pipeline.import_paths([path], "canonical", engine=engine)  # detection runs after it
    assert report.ok, report.reason


def _state(engine: Engine) -> tuple[str, str | None, int]:
    row = only(engine, "stock_discrepancy")
    return row["status"], row["verification"], row["reopen_count"]


def _resolve(engine: Engine, actor: Actor, note: str) -> int:
    exception_id = only(engine, "stock_discrepancy")["id"]
    with write_session(engine) as session:
        state = lifecycle.resolve(session=session, actor=actor, exception_id=exception_id,
                                  reason="fixed_at_source", note=note)  # fmt: skip
    assert (state["status"], state["verification"]) == ("resolved", "awaiting")
    return exception_id


def test_a_resolution_waits_for_new_evidence_then_reopens_or_is_verified(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    now = utcnow()
    items = _write(
        tmp_path / "a",
        "items.csv",
        "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at\n"
        f"SKU-A,Tee,Tops,Acme,{gtin(1)},A,active,{iso_z(now - 60 * DAY)},{iso_z(now - 59 * DAY)}\n",
    )
    _import(engine, items)
    _import(engine, _stock(tmp_path / "b", shopify=12, hours_ago=30))
    assert _state(engine) == ("open", None, 0)  # Shopify shows 2 more than the book: high
    exception_id = _resolve(engine, people["owner.inv"], NOTE)

    detect(engine)  # no new data at all
    assert _state(engine) == ("resolved", "awaiting", 0)

    orders = _write(
        tmp_path / "c", "orders.csv", f"order_id,channel,placed_at\nO-1,shopify,{iso_z(now)}\n"
    )
    _import(engine, orders)  # an import, but of nothing the rule reads
    assert _state(engine) == ("resolved", "awaiting", 0)

    _import(engine, _stock(tmp_path / "d", shopify=12, hours_ago=20))  # still 12 against 10
    assert _state(engine) == ("open", None, 1)
    with read_session(engine) as session:
        view = queue.detail(session, exception_id)
    [closing] = view["resolutions"]
    assert (closing["resolved_by"], closing["reason_label"], closing["note"]) == (
        "owner.inv", "Fixed at source", NOTE,
    )  # fmt: skip
    assert (closing["outcome"], closing["evidence_file"]) == ("reopened", "stock_levels.csv")
    assert view["state"] == "Open"
    reopen = [h for h in view["history"] if h["action"] == "exception.reopen"]
    assert "shown again by stock_levels.csv" in reopen[0]["detail"]

    _resolve(engine, people["owner.inv"], "Shopify corrected by hand")
    detect(engine)
    assert _state(engine) == ("resolved", "awaiting", 1)
    _import(engine, _stock(tmp_path / "e", shopify=10, hours_ago=10))  # the problem is gone
    assert _state(engine) == ("resolved", "verified", 1)
    with read_session(engine) as session:
        view = queue.detail(session, exception_id)
    assert [c["outcome"] for c in view["resolutions"]] == ["reopened", "verified"]
    assert view["state"] == "Resolved and verified"
    assert view["resolutions"][1]["evidence_file"] == "stock_levels.csv"


def test_a_problem_that_clears_before_any_new_evidence_stays_awaiting(
    engine: Engine, people: dict[str, Actor], tmp_path: Path
) -> None:
    """Data changed outside an import (here: a direct fix) is not evidence: still awaiting."""
    now = utcnow()
    _import(
        engine,
        _write(
            tmp_path / "a",
            "items.csv",
            "sku,name,category,brand,barcode,abc_class,lifecycle_status,created_at,approved_at\n"
            f"SKU-A,Tee,Tops,Acme,{gtin(1)},A,active,{iso_z(now - 9 * DAY)},{iso_z(now - 8 * DAY)}\n",
        ),
    )
    _import(engine, _stock(tmp_path / "b", shopify=12, hours_ago=30))
    _resolve(engine, people["steward1"], "Set Shopify to the book")
    set_stock(engine, "shopify", "DC-01", "SKU-A", 10)
    detect(engine)
    assert _state(engine) == ("resolved", "awaiting", 0)

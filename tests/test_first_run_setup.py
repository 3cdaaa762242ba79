"""First-run setup: the two ownership questions, asked while the database is empty, stored audited."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

import pipeline
from cli.main import main
from cli.setup_commands import cmd_setup
from core.db import read_session, write_session
from core.schema import FieldOwnership
from governance import book_systems, first_run
from governance.errors import PermissionDenied
from metrics.aggregates import settings_key
from metrics.settings_store import effective_settings
from reports.exposures import stock_overstated
from tests.conftest import FIXTURES, PROJECT_ROOT
from tests.connectors_support import table_rows
from tests.governance_support import (
    audit_after,
    last_audit_id,
    make_people,
    session_token,
)
from tests.test_metrics_common import load, row, rows_of
from ui.auth import TOKEN_KEY

DISC = "stock_discrepancies"
SHOPIFY_STOCK = FIXTURES / "shopify-inventory" / "inventory_export.csv"


def _owners(engine: Engine) -> dict[str, str]:
    with read_session(engine) as session:
        rows = session.execute(select(FieldOwnership.domain, FieldOwnership.system))
        return {domain: system for domain, system in rows}


def _needs(engine: Engine) -> bool:
    with read_session(engine) as session:
        return first_run.needs_setup(session)


def test_setup_is_due_on_an_empty_database_until_answered(engine: Engine) -> None:
    people = make_people(engine)
    assert _needs(engine)
    before = last_audit_id(engine)
    with write_session(engine) as session:
        answers = first_run.answer_setup(
            session=session, actor=people["admin1"], item_master="Shopify", warehouse_stock="3pl"
        )
    assert [(a.domain, a.system) for a in answers] == [
        ("item_master", "shopify"),
        ("warehouse_stock", "3pl"),
    ]
    assert answers[0].consequence.startswith("Items are created and updated only from shopify's")
    assert _owners(engine) == {"item_master": "shopify", "warehouse_stock": "3pl"}
    # one audit row per answer, old = the settings' defaults (erp, wms)
    assert audit_after(engine, before, "field_ownership") == [
        ("admin1", "field_ownership.edit", "field_ownership", "item_master", "system", "erp", "shopify"),
        ("admin1", "field_ownership.edit", "field_ownership", "warehouse_stock", "system", "wms", "3pl"),
    ]  # fmt: skip
    assert not _needs(engine)


def test_setup_is_not_due_once_the_database_holds_data(engine: Engine) -> None:
    assert _needs(engine)
    pipeline.import_paths([FIXTURES / "canonical"], "canonical", engine=engine)
    assert not _needs(engine)


@pytest.mark.parametrize("who", ["viewer1", "owner.inv"])
def test_only_stewards_and_admins_answer(engine: Engine, who: str) -> None:
    people = make_people(engine)
    before = last_audit_id(engine)
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        first_run.answer_setup(
            session=session, actor=people[who], item_master="shopify", warehouse_stock="3pl"
        )
    assert _owners(engine) == {}
    assert audit_after(engine, before) == []
    assert _needs(engine)


def test_a_bad_second_answer_stores_neither(engine: Engine) -> None:
    people = make_people(engine)
    with pytest.raises(Exception, match="not valid"), write_session(engine) as session:
        first_run.answer_setup(
            session=session, actor=people["steward1"], item_master="erp", warehouse_stock="w m s"
        )
    assert _owners(engine) == {}


def test_the_item_master_answer_decides_which_files_create_items(engine: Engine) -> None:
    people = make_people(engine)
    # default item master (erp): a Shopify stock file records stock, creates no item
    assert pipeline.import_file(SHOPIFY_STOCK, "shopify-inventory", engine=engine).ok
    assert table_rows(engine, "items") == []
    with write_session(engine) as session:
        first_run.answer_setup(
            session=session, actor=people["steward1"], item_master="shopify", warehouse_stock="wms"
        )
    assert pipeline.import_file(SHOPIFY_STOCK, "shopify-inventory", engine=engine).ok
    skus = {i["sku"] for i in table_rows(engine, "items")}
    assert {"NW-TEE-S", "NW-TEE-M"} <= skus  # NW-MUG is quarantined (Available: lots)


def test_the_warehouse_stock_answer_is_the_book_of_the_metrics(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    people = make_people(engine)
    d20 = "2026-01-20T00:00:00Z"
    load(
        db_url,
        tmp_path / "data",
        items=("sku,lifecycle_status,created_at", [("SKU-A", "active", "2026-01-01T00:00:00Z")]),
        stock_levels=(
            "as_of,system,location_id,system_sku,status,quantity",
            [(d20, "wms", "DC1", "SKU-A", "sellable", 5), (d20, "shopify", "DC1", "SKU-A", "sellable", 7)],
        ),
    )  # fmt: skip
    # book wms (the default): shopify 7 vs 5 -> one pair, differs, 2 units overstated
    assert rows_of(db_url, DISC) == [
        row(DISC, None, "all", None, 1, 1, 2),
        row(DISC, None, "system", "shopify", 1, 1, 2),
    ]
    with engine.connect() as conn:
        key_before = settings_key(effective_settings(conn))
        # The founder one-pager's money exposure agrees: shopify shows 2 units beyond the book.
        [exposure] = stock_overstated(conn, datetime(2026, 1, 21, tzinfo=UTC))
        assert (exposure.system, exposure.location, exposure.units) == ("shopify", "DC1", 2)
    with write_session(engine) as session:
        first_run.answer_setup(
            session=session, actor=people["admin1"], item_master="erp", warehouse_stock="shopify"
        )
    # book shopify: wms 5 vs 7 -> one pair, differs, nothing overstated
    assert rows_of(db_url, DISC) == [
        row(DISC, None, "all", None, 1, 1, 0),
        row(DISC, None, "system", "wms", 1, 1, 0),
    ]
    with engine.connect() as conn:
        assert effective_settings(conn).book_system == "shopify"
        assert settings_key(effective_settings(conn)) != key_before  # the aggregates rebuild
        assert (
            stock_overstated(conn, datetime(2026, 1, 21, tzinfo=UTC)) == []
        )  # the stored book shopify: none
    with read_session(engine) as session:  # the Ownership page's book list says the same
        assert book_systems.book_of(session, "DC1").system == "shopify"


def test_cli_setup_takes_options(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    make_people(engine)
    argv = ["setup", "--user", "admin1", "--item-master", "erp", "--warehouse-stock", "3pl"]
    assert main(argv) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("item master: erp. Items are created and updated only from erp's")
    assert out[1].startswith("warehouse stock: 3pl. 3pl's stock quantities are the book")
    assert _owners(engine) == {"item_master": "erp", "warehouse_stock": "3pl"}


def test_cli_setup_refuses_to_guess_without_a_terminal(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_people(engine)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["setup", "--user", "admin1", "--item-master", "shopify"]) == 1
    assert "needs --item-master SYSTEM and --warehouse-stock SYSTEM" in capsys.readouterr().err
    assert _owners(engine) == {}


def test_cli_setup_asks_on_a_terminal(
    engine: Engine, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    make_people(engine)
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    replies = iter(["shopify", ""])  # Enter keeps warehouse stock at its default, wms
    args = argparse.Namespace(user="steward1", item_master=None, warehouse_stock=None)
    assert cmd_setup(args, prompt=lambda _: next(replies)) == 0
    out = capsys.readouterr().out
    assert "Which system owns the item master" in out
    assert "keeping wms: wms's stock quantities are the book" in out
    assert _owners(engine) == {"item_master": "shopify", "warehouse_stock": "wms"}


def _overview(user: str) -> AppTest:
    at = AppTest.from_file(str(PROJECT_ROOT / "app.py"), default_timeout=30)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    at.switch_page("pages/overview.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_the_overview_asks_admins_on_an_empty_database(engine: Engine) -> None:
    make_people(engine)
    at = _overview("admin1")
    assert [s.value for s in at.subheader][:1] == ["First-run setup"]
    first, second = at.selectbox
    assert first.label.startswith("Which system owns the item master")
    assert "only from erp's files" in at.caption[0].value
    second.set_value("3pl").run()
    assert "3pl's stock quantities are the book" in at.caption[1].value
    at.button[0].click().run()
    assert not at.exception
    assert _owners(engine) == {"item_master": "erp", "warehouse_stock": "3pl"}
    assert "First-run setup" not in [s.value for s in at.subheader]
    assert at.success[0].value == (
        "Saved: erp owns item master, 3pl owns warehouse stock. Now import your files on the "
        "Sources page."
    )


def test_the_overview_does_not_ask_viewers(engine: Engine) -> None:
    make_people(engine)
    at = _overview("viewer1")
    assert "First-run setup" not in [s.value for s in at.subheader]

"""The Planning page on a tiny hand-made dataset, and the planning settings stewards edit.

The data is placed relative to now (the page shows now): ANCHOR is an hour before the test starts,
events are whole days before it. Every expected number is worked out in the comments.
"""

from __future__ import annotations

import json
import math
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from statistics import NormalDist
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import Engine, select
from streamlit.testing.v1 import AppTest

from cli.main import main as cli_main
from core.db import get_engine, read_session, write_session
from core.schema import AuditEntry, ChannelParameterOverride
from core.timeutil import iso_z, utcnow
from governance.errors import ConflictError, PermissionDenied
from governance.permissions import Actor
from governance.planning_settings import (
    InvalidSetting,
    update_channel_parameters,
    update_planning_windows,
)
from metrics.compute import reading
from metrics.current import stored_rows
from metrics.planning_board import (
    board_token,
    demand_weeks,
    planning_rows,
    safety_stock_table,
)
from metrics.refresh import refresh
from metrics.settings_store import effective_settings
from tests.governance_support import make_people, session_token
from tests.test_metrics_common import load
from ui.auth import TOKEN_KEY
from ui.planning_views import TAB_KEY, TABS

APP = str(Path(__file__).resolve().parent.parent / "app.py")
ANCHOR = utcnow().replace(second=0, microsecond=0) - timedelta(hours=1)


def ago(days: int) -> str:
    """ANCHOR − days, as the CSVs write it."""
    return iso_z(ANCHOR - timedelta(days=days))


OLD = ago(200)
ITEMS = [
    # sku, lifecycle_status, created_at, unit_cost
    ("SKU-A", "active", OLD, "2.50"),  # 10 at DC1, never shipped: dead, value 25.00
    ("SKU-B", "active", OLD, "4"),  # shipped 9 days ago: not dead
    ("SKU-R", "retired", OLD, "10"),  # 4 at S1: stranded, value 40.00
    ("KIT", "active", OLD, ""),  # a bundle: C1 × 1 + C2 × 2
    ("C1", "active", OLD, ""),  # 3 at DC1, dead, no unit cost
    ("C2", "active", OLD, ""),  # 2 at DC1, dead, no unit cost
]
LOCATIONS = [("DC1", "dc", ""), ("S1", "store", "pos")]
STOCK = [
    (ago(1), "wms", "DC1", "SKU-A", "sellable", 10),
    (ago(1), "wms", "DC1", "SKU-B", "sellable", 5),
    (ago(1), "wms", "DC1", "C1", "sellable", 3),
    (ago(1), "wms", "DC1", "C2", "sellable", 2),
    (ago(1), "wms", "S1", "SKU-R", "sellable", 4),
    (ago(1), "shopify", "DC1", "KIT", "sellable", 3),  # can build min(3 // 1, 2 // 2) = 1
]
ORDERS = [
    ("O1", "shopify", ago(10), ""),
    ("O2", "shopify", ago(10), ago(9)),  # cancelled
    ("O3", "amazon", ago(3), ""),
]
LINES = [("O1", "1", "SKU-B", 3), ("O2", "1", "SKU-B", 2), ("O3", "1", "SKU-B", 4)]
SHIPMENTS = [("SH1", "O1", "1", "DC1", ago(9), 3)]
RETURNS_HEADER = (
    "return_id,quantity,order_id,channel,receiving_location_id,received_at,condition,"
    "disposition,disposition_at,refunded_at,restocked_at"
)
RETURNS = [
    ("R1", 1, "O1", "shopify", "S1", ago(5), "", "", "", "", ""),  # inspection, shopify→store
    ("R4", 3, "O1", "shopify", "S1", ago(3), "", "", "", "", ""),  # inspection, shopify→store
    ("R2", 2, "", "shopify", "DC1", ago(2), "", "", "", "", ""),  # order link, shopify→dc
    ("R3", 1, "O3", "pos", "S1", ago(4), "new", "", "", "", ""),  # disposition, pos→store
    # complete; 2 units recovered in the week of O1 (dispositioned 10 days ago)
    ("R5", 2, "O1", "shopify", "DC1", ago(12), "new", "restock", ago(10), ago(10), ago(10)),
]
Z95, Z98 = NormalDist().inv_cdf(0.95), NormalDist().inv_cdf(0.98)
# shopify SKU-B: O1 3 units on day 10 (O2 cancelled): S = 3, Σd² = 9; with 0.95 / 14 / 3 the
# radicand is (14 · (56·9 − 9) + 9 · 9) / 56² = (6930 + 81) / 3136 = 7011/3136 -> SS ≈ 2.46.
SHOPIFY_SS = Z95 * math.sqrt(7011 / 3136)
# amazon SKU-B: O3 4 units on day 3: with 0.98 / 21 / 7 the radicand is
# (21 · (56·16 − 16) + 16 · 49) / 3136 = (18480 + 784) / 3136 = 19264/3136 -> SS ≈ 5.09.
AMAZON_SS = Z98 * math.sqrt(19264 / 3136)
AVAILABLE_B = 5  # SKU-B at DC1, a location of no channel (serves both)


def load_planning_data(db_url: str, folder: Path) -> None:
    """Import the tiny dataset above into a database."""
    load(
        db_url,
        folder,
        locations=("location_id,type,channel", LOCATIONS),
        items=("sku,lifecycle_status,created_at,unit_cost", ITEMS),
        bundle_components=(
            "bundle_sku,component_sku,quantity",
            [("KIT", "C1", 1), ("KIT", "C2", 2)],
        ),
        stock_levels=("as_of,system,location_id,system_sku,status,quantity", STOCK),
        orders=("order_id,channel,placed_at,cancelled_at", ORDERS),
        order_lines=("order_id,line_id,sku,quantity", LINES),
        shipments=("shipment_id,order_id,line_id,location_id,shipped_at,quantity", SHIPMENTS),
        returns=(RETURNS_HEADER, RETURNS),
    )


@pytest.fixture
def planning_db(db_url: str, tmp_path: Path) -> Engine:
    load_planning_data(db_url, tmp_path / "data")
    return get_engine(db_url)


@pytest.fixture
def people(planning_db: Engine) -> dict[str, Actor]:
    return make_people(planning_db)


def planning_page(user: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token(user)
    at.run()
    at.switch_page("pages/planning.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def on_tab(at: AppTest, label: str) -> AppTest:
    """Choose a tab of the page (only the chosen tab is computed) and run it."""
    at.session_state[TAB_KEY] = label
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def frames(at: AppTest) -> list[pd.DataFrame]:
    return [d.value for d in at.dataframe]


def frame_with(at: AppTest, column: str) -> pd.DataFrame:
    """The first table shown with this column, blanks as None."""
    found = [f for f in frames(at) if column in f.columns]
    assert found, [list(f.columns) for f in frames(at)]
    return found[0].astype(object).where(found[0].notna(), None)


def test_the_planning_page_shows_the_hand_worked_numbers(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    at = planning_page("viewer1")
    assert at.title[0].value == "Planning"
    demand = frame_with(at, "raw demand (units)")
    # The first channel shown is "All channels": the week of O1/O2 has raw 3 + 2 = 5 units of 2
    # orders, fulfillable 3 (O2 cancelled), recovered 2 (R5), cancelled share 1 of 2 = 50 %;
    # the week of O3 has raw 4, fulfillable 4, recovered 0, nothing cancelled.
    shown = demand[
        ["raw demand (units)", "fulfillable demand (units)", "recovered (units)", "orders placed"]
    ].values.tolist()
    assert shown == [[5, 3, 2, 2], [4, 4, 0, 1]]
    assert demand["cancelled share (%)"].tolist() == [50.0, 0.0]
    with reading(planning_db) as conn:  # the same numbers as the metric rows
        weeks = [w for w in demand_weeks(planning_rows(conn, utcnow())) if w.channel == "all"]
    assert [(w.raw_units, w.fulfillable_units, w.recovered_units) for w in weeks] == [
        (5, 3, 2),
        (4, 4, 0),
    ]

    # Only the chosen tab is computed: the safety stock table waits for its tab.
    assert not [f for f in frames(at) if "safety stock (units)" in f.columns]
    by_location = frame_with(on_tab(at, "Dead and stranded stock"), "dead units")
    # All: dead 10 + 3 + 2 = 15 units worth 25.00 (only SKU-A has a cost); stranded 4 worth 40.
    # DC1: the dead ones; S1: the stranded SKU-R.
    assert by_location.to_dict("records") == [
        {"location": "All locations", "dead units": 15, "dead value (USD)": 25.0,
         "stranded units": 4, "stranded value (USD)": 40.0},
        {"location": "DC1", "dead units": 15, "dead value (USD)": 25.0,
         "stranded units": 0, "stranded value (USD)": None},
        {"location": "S1", "dead units": 0, "dead value (USD)": None,
         "stranded units": 4, "stranded value (USD)": 40.0},
    ]  # fmt: skip
    skus = frame_with(at, "why")
    assert skus[["location", "SKU", "units", "value (USD)"]].values.tolist() == [
        ["DC1", "C1", 3, None],
        ["DC1", "C2", 2, None],
        ["DC1", "SKU-A", 10, 25.0],
        ["S1", "SKU-R", 4, 40.0],
    ]
    assert skus["last shipped (UTC)"].tolist() == ["never"] * 4

    safety = frame_with(on_tab(at, "Safety stock"), "safety stock (units)")
    # Largest shortfall first: amazon is short (5.09 > 5 available), shopify is not (2.46).
    assert safety[["channel", "SKU", "short", "available (units)"]].values.tolist() == [
        ["amazon", "SKU-B", "yes", AVAILABLE_B],
        ["shopify", "SKU-B", "no", AVAILABLE_B],
    ]
    # values are shown to 2 decimals: 5.09 and 2.46, short by 0.09
    assert safety["safety stock (units)"].tolist() == [round(AMAZON_SS, 2), round(SHOPIFY_SS, 2)]
    assert (round(AMAZON_SS, 2), round(SHOPIFY_SS, 2)) == (5.09, 2.46)
    assert safety["shortfall (units)"].tolist() == [round(AMAZON_SS - AVAILABLE_B, 2), 0.0]
    # d̄ = 4/56 and 3/56; σd = √(880/3136) and √(495/3136); L, σL, p of amazon and shopify.
    assert safety["mean daily demand d̄ (units)"].tolist() == [round(4 / 56, 2), round(3 / 56, 2)]
    assert safety["daily deviation σd (units)"].tolist() == [
        round(math.sqrt(880 / 3136), 2),
        round(math.sqrt(495 / 3136), 2),
    ]
    assert safety[["lead time L (days)", "lead-time deviation σL (days)", "service level (%)"]].values.tolist() == [
        [21.0, 7.0, 98.0],
        [14.0, 3.0, 95.0],
    ]  # fmt: skip
    assert safety["z"].tolist() == [round(Z98, 2), round(Z95, 2)]  # 2.05, 1.64

    bundles = frame_with(on_tab(at, "Bundles"), "bundle SKU")
    # shopify offers 3 KIT at DC1; C1 builds 3 // 1 = 3, C2 builds 2 // 2 = 1: oversold by 2.
    assert bundles[["system", "location", "bundle SKU", "sold by the system (units)",
                    "can be built (units)", "oversold (units)", "limited by"]].values.tolist() == [
        ["shopify", "DC1", "KIT", 3, 1, 2, "C2"],
    ]  # fmt: skip

    funnel = frame_with(on_tab(at, "Returns handoff"), "returns waiting")
    # order link: R2 (2 units, 2 days); inspection: R1 and R4 (4 units, ages 5 and 3 days + the
    # hour since ANCHOR: median 4.04); disposition: R3 (1 unit, 4 days); refund, back in stock: 0.
    assert funnel[["step", "returns waiting", "units", "owning team"]].values.tolist() == [
        ["Link to its order", 1, 2, "store operations"],
        ["Inspection", 2, 4, "store operations"],
        ["Disposition", 1, 1, "inventory control"],
        ["Refund", 0, 0, "finance"],
        ["Back in stock", 0, 0, "inventory control"],
    ]
    ages = funnel["median age (days)"].tolist()
    # ages grow with the time the test takes after ANCHOR: allow a few hours, never less
    expected = [2.0, 4.0, 4.0]
    assert all(e <= a <= e + 0.2 for a, e in zip(ages[:3], expected, strict=True)), ages
    assert ages[3] is None

    at.multiselect(key="planning.handoff.pairs").set_value(["shopify→store"]).run()
    funnel = frame_with(at, "returns waiting")
    assert funnel["returns waiting"].tolist() == [0, 2, 0, 0, 0]  # R1 and R4 only


def test_every_planning_table_downloads_as_csv_and_xlsx(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    at = planning_page("viewer1")
    labels = [b.label for tab in TABS for b in on_tab(at, tab).get("download_button")]
    # demand, by location, SKUs, safety stock, bundles, handoff: each CSV and XLSX
    assert labels.count("XLSX") == 6
    assert {"Demand CSV", "By location CSV", "SKUs CSV", "Safety stock CSV", "Bundles CSV",
            "Handoff CSV"} <= set(labels)  # fmt: skip


def _set_shopify(session: Any, actor: Actor, p: str, seen: int) -> Any:
    return update_channel_parameters(
        session=session, actor=actor, channel="Shopify", service_level=p,
        lead_time_days="14", lead_time_sd_days="3", seen_version=seen,
    )  # fmt: skip


def test_a_higher_service_level_makes_a_pair_short_with_an_audit_trail(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    with reading(planning_db) as conn:
        before = board_token(conn)
    with write_session(planning_db) as session:
        changed = _set_shopify(session, people["steward1"], "0.9999", seen=0)
    assert (changed.channel, changed.version, changed.updated_by) == ("shopify", 1, "steward1")
    with read_session(planning_db) as session:
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.object_type == "channel_parameters")
        ).all()
        # only the service level changed (14 and 3 are shopify's defaults already)
        assert [(a.actor, a.object_id, a.field, a.old_value, a.new_value) for a in audit] == [
            ("steward1", "shopify", "service_level", "0.95", "0.9999")
        ]
    with reading(planning_db) as conn:
        after = board_token(conn)
        pairs = {p.channel: p for p in safety_stock_table(conn, utcnow())}
    assert after.settings != before.settings  # the aggregates are rebuilt on the next refresh
    # z(0.9999) ≈ 3.719 · √(7011/3136) ≈ 5.56 > 5 available: short now.
    expected = NormalDist().inv_cdf(0.9999) * math.sqrt(7011 / 3136)
    assert pairs["shopify"].safety_stock == pytest.approx(expected)
    assert pairs["shopify"].short and pairs["shopify"].shortfall == pytest.approx(expected - 5)

    safety = frame_with(on_tab(planning_page("viewer1"), "Safety stock"), "safety stock (units)")
    assert safety["short"].tolist() == ["yes", "yes"]


def test_a_stale_edit_and_a_non_steward_are_refused(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    with write_session(planning_db) as session:
        _set_shopify(session, people["steward1"], "0.97", seen=0)
    with pytest.raises(ConflictError), write_session(planning_db) as session:
        _set_shopify(session, people["admin1"], "0.99", seen=0)  # made against version 0
    for name in ("viewer1", "owner.inv"):
        with pytest.raises(PermissionDenied), write_session(planning_db) as session:
            _set_shopify(session, people[name], "0.99", seen=1)
    with read_session(planning_db) as session:
        row = session.get(ChannelParameterOverride, "shopify")
        assert row is not None and (row.service_level, row.version) == (Decimal("0.97"), 1)


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"service_level": "1"}, "service_level"),
        ({"service_level": "0"}, "service_level"),
        ({"lead_time_days": "-1"}, "lead_time_days"),
        ({"lead_time_sd_days": "-0.5"}, "lead_time_sd_days"),
        ({"service_level": "many"}, "service_level"),
    ],
)
def test_values_out_of_range_are_refused_naming_the_field(
    planning_db: Engine, people: dict[str, Actor], fields: dict[str, str], field: str
) -> None:
    values = {"service_level": "0.9", "lead_time_days": "7", "lead_time_sd_days": "1"} | fields
    with pytest.raises(InvalidSetting) as refused, write_session(planning_db) as session:
        update_channel_parameters(
            session=session, actor=people["steward1"], channel="*", seen_version=0, **values
        )
    assert refused.value.field == field


def test_the_windows_count_in_the_metrics(planning_db: Engine, people: dict[str, Actor]) -> None:
    with pytest.raises(InvalidSetting) as refused, write_session(planning_db) as session:
        update_planning_windows(session=session, actor=people["steward1"], dead_stock_days=0,
                                safety_stock_window_days=56, seen_version=0)  # fmt: skip
    assert refused.value.field == "dead_stock_days"
    with write_session(planning_db) as session:
        update_planning_windows(session=session, actor=people["steward1"], dead_stock_days=5,
                                safety_stock_window_days=2, seen_version=0)  # fmt: skip
    with reading(planning_db) as conn:
        chosen = effective_settings(conn)
        assert (chosen.dead_stock_days, chosen.safety_stock_window_days) == (5, 2)
        # a 2-day window holds no order (the newest is 3 days old): no pair at all
        assert safety_stock_table(conn, utcnow()) == []


def test_a_steward_edits_the_parameters_on_the_ownership_page(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("steward1")
    at.run()
    at.switch_page("pages/ownership.py").run()
    at.selectbox(key="ownership.planning.channel").select("shopify").run()
    at.number_input(key="ownership.planning.shopify.v0.service_level").set_value(1.5)
    next(b for b in at.button if b.label == "Save parameters").click().run()
    assert [e.value for e in at.error] == ["service level must be above 0 and below 1 (e.g. 0.95)."]
    at.number_input(key="ownership.planning.shopify.v0.service_level").set_value(0.99)
    next(b for b in at.button if b.label == "Save parameters").click().run()
    assert [s.value for s in at.success] == ["Saved the parameters of shopify."]
    with read_session(planning_db) as session:
        row = session.get(ChannelParameterOverride, "shopify")
        assert row is not None and (row.service_level, row.updated_by) == (
            Decimal("0.99"),
            "steward1",
        )


def test_a_viewer_sees_the_settings_but_no_form(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state[TOKEN_KEY] = session_token("viewer1")
    at.run()
    at.switch_page("pages/ownership.py").run()
    assert not at.exception
    assert "Save parameters" not in [b.label for b in at.button]
    channels = frame_with(at, "lead time (days)")
    assert channels["channel"].tolist() == [
        "amazon",
        "pos",
        "shopify",
        "wholesale",
        "Any other channel",
    ]


def test_the_planning_cli_sets_and_shows(
    planning_db: Engine, people: dict[str, Actor], capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert (
        cli_main(["planning", "set", "Amazon", "--lead-time-days", "30", "--user", "steward1"]) == 0
    )
    # the service level and deviation not given keep amazon's 0.98 and 7
    assert capsys.readouterr().out.strip() == (
        "amazon: service level 0.98, lead time 30 days, deviation 7 days (version 1)"
    )
    assert cli_main(["planning", "windows", "--dead-stock-days", "0", "--user", "steward1"]) == 1
    assert "at least 1 day" in capsys.readouterr().err
    assert cli_main(["planning", "set", "pos", "--service-level", "0.5", "--user", "viewer1"]) == 1
    assert cli_main(["planning", "show"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["channels"]["amazon"] == {
        "service_level": "0.98", "lead_time_days": "30", "lead_time_sd_days": "7", "version": 1,
    }  # fmt: skip
    assert (shown["dead_stock_days"], shown["windows_version"]) == (90, 0)


def test_an_edit_makes_the_next_refresh_rebuild_the_aggregates(
    planning_db: Engine, people: dict[str, Actor]
) -> None:
    def shortfalls(conn: Any) -> Any:
        rows = stored_rows(conn, utcnow())
        if rows is None:
            return None
        return next(
            r.value for r in rows if r.metric == "safety_stock_shortfalls" and r.dim == "all"
        )

    with write_session(planning_db) as session:
        refresh(session, now=utcnow())
    with reading(planning_db) as conn:
        assert shortfalls(conn) == 1  # amazon SKU-B only
    with write_session(planning_db) as session:
        _set_shopify(session, people["steward1"], "0.9999", seen=0)
    with reading(planning_db) as conn:
        assert shortfalls(conn) is None  # computed with other settings: they no longer answer
    with write_session(planning_db) as session:
        assert refresh(session, now=utcnow()).mode == "full"
    with reading(planning_db) as conn:
        assert shortfalls(conn) == 2  # shopify SKU-B is short too

"""The weekly review of a demo week: agenda by type and team, decisions, frozen minutes in Markdown and CSV; KPIs."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import Engine, update

from cli.main import main as cli_main
from core.db import read_session, write_session
from core.schema import ExceptionRecord
from core.timeutil import utcnow, week_label
from demo import load_demo
from governance import review, review_read
from governance.completion import completion
from governance.errors import GovernanceError, PermissionDenied, UnreviewedLines
from governance.gov_kpis import governance_kpis
from governance.permissions import actor_by_name
from tests.governance_support import AS_OF, exceptions, insert_exception, make_people


def _export(week: str, fmt: str, capsys: pytest.CaptureFixture[str]) -> str:
    capsys.readouterr()
    assert cli_main(["review", "export", "--week", week, "--format", fmt]) == 0
    return capsys.readouterr().out


@pytest.mark.slow
def test_minutes_of_a_demo_week_list_every_item_with_its_decision(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    load_demo(orders=300, seed=7, engine=engine)
    week = week_label(utcnow())
    with write_session(engine) as session:
        items = review.open_review(
            session=session, actor=actor_by_name(session, "steward"), week=week
        )["items"]
    active = [
        r for r in exceptions(engine) if r["status"] in ("open", "acknowledged", "in_progress")
    ]
    assert {i["key"] for i in items if i["kind"] == "exceptions"} == {
        f"exceptions:{r['type']}:{r['team']}" for r in active
    }
    assert len(items) > 5
    decisions = {item["key"]: f"decision {n} on {item['key']}" for n, item in enumerate(items)}
    with write_session(engine) as session:
        steward = actor_by_name(session, "steward")
        for n, item in enumerate(items):
            review.record_decision(
                session=session,
                actor=steward,
                week=week,
                key=item["key"],
                decision=decisions[item["key"]],
                next_action=f"action {n}",
                due_date=(AS_OF + timedelta(days=n)).date(),
            )
    assert cli_main(["review", "close", "--week", week, "--user", "steward2"]) == 0

    markdown = _export(week, "md", capsys)
    rows = list(csv.DictReader(io.StringIO(_export(week, "csv", capsys))))
    assert "closed by steward2" in markdown
    for n, item in enumerate(items):
        line = next(ln for ln in markdown.splitlines() if ln.startswith(f"| {item['position']} |"))
        assert item["title"] in line and decisions[item["key"]] in line and f"action {n}" in line
    assert [(r["item"], r["decision"], r["reviewed"]) for r in rows] == [
        (item["title"], decisions[item["key"]], "yes") for item in items
    ]
    assert f"Review completion: {sum(i['kind'] == 'exceptions' for i in items)} of" in markdown
    # the minutes are frozen: decisions are refused and later data changes nothing
    with pytest.raises(GovernanceError, match="closed"), write_session(engine) as session:
        review.record_decision(
            session=session,
            actor=actor_by_name(session, "steward"),
            week=week,
            key=items[0]["key"],
            decision="late",
        )
    with write_session(engine) as session:
        session.execute(update(ExceptionRecord).values(status="resolved"))
    assert _export(week, "md", capsys) == markdown


@pytest.fixture
def people(engine: Engine) -> dict[str, object]:
    """Accounts of every role."""
    return make_people(engine)


def test_owners_record_decisions_on_their_own_team_lines(engine: Engine, people: dict) -> None:
    with write_session(engine) as session:
        insert_exception(session, team="inventory control", key="a")
        insert_exception(session, team="merchandising", type_="duplicate_barcode", key="b")
    with write_session(engine) as session:
        view = review.open_review(session=session, actor=people["steward1"], week="2026-W04")
    keys = [i["key"] for i in view["items"] if i["kind"] == "exceptions"]
    assert keys == [
        "exceptions:stock_discrepancy:inventory control",
        "exceptions:duplicate_barcode:merchandising",
    ]
    with write_session(engine) as session:
        done = review.record_decision(
            session=session,
            actor=people["owner.inv"],
            week="2026-W04",
            key=keys[0],
            decision="recount DC-1",
        )
    assert (done["reviewed"], done["recorded_by"]) == (True, "owner.inv")
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        review.record_decision(
            session=session,
            actor=people["owner.inv"],
            week="2026-W04",
            key=keys[1],
            decision="not mine",
        )
    with pytest.raises(PermissionDenied), write_session(engine) as session:
        review.open_review(session=session, actor=people["owner.inv"], week="2026-W05")
    with pytest.raises(GovernanceError, match="already exists"), write_session(engine) as session:
        review.open_review(session=session, actor=people["admin1"], week="2026-W04")
    with read_session(engine) as session:
        kpis = {row["kpi"]: row for row in governance_kpis(session, as_of=AS_OF, week="2026-W04")}
    assert (kpis["review_completion"]["num"], kpis["review_completion"]["n"]) == (1, 2)
    assert kpis["review_completion"]["value"] == 0.5


@pytest.mark.parametrize("raw", ["2026-W54", "2026-13", "W04", "2026-w4"])
def test_week_labels_are_checked(raw: str) -> None:
    with pytest.raises(GovernanceError, match="is not an ISO week"):
        review_read.parse_week(raw)


def test_governance_kpis_by_hand(engine: Engine) -> None:
    hour = timedelta(hours=1)
    with write_session(engine) as session:
        ids = [insert_exception(session, team="inventory control", key=f"k{n}") for n in range(4)]
    # k0: acknowledged after 2 h, still open; k1: acknowledged after 4 h, resolved after 10 h;
    # k2: resolved after 20 h, then reopened once (open again); k3: won't fix.
    changes = {
        ids[0]: {"status": "acknowledged", "acknowledged_at": AS_OF + 2 * hour},
        ids[1]: {
            "status": "resolved",
            "acknowledged_at": AS_OF + 4 * hour,
            "resolved_at": AS_OF + 10 * hour,
        },
        ids[2]: {"status": "open", "reopen_count": 1},
        ids[3]: {"status": "wont_fix", "resolved_at": AS_OF + hour},
    }
    with write_session(engine) as session:
        for exception_id, values in changes.items():
            session.execute(
                update(ExceptionRecord).where(ExceptionRecord.id == exception_id).values(**values)
            )
    as_of = AS_OF + 48 * hour
    with read_session(engine) as session:
        kpis = {row["kpi"]: row for row in governance_kpis(session, as_of=as_of, week="2026-W04")}
    assert kpis["exception_age_mean_days"]["value"] == pytest.approx(
        2.0
    )  # k0 and k2, both 2 days old
    assert kpis["exception_age_mean_days"]["n"] == 2
    assert kpis["mean_time_to_acknowledge_hours"]["value"] == pytest.approx(3.0)  # (2 + 4) / 2
    assert kpis["mean_time_to_resolve_hours"]["value"] == pytest.approx(10.0)  # k1 only
    assert (kpis["reopen_rate"]["num"], kpis["reopen_rate"]["n"]) == (1, 3)  # k2 of k1, k2, k3
    assert kpis["review_completion"]["value"] is None  # no review that week


def test_a_decision_alone_does_not_tick_reviewed_and_closing_names_what_is_left(
    engine: Engine, people: dict
) -> None:
    with write_session(engine) as session:
        insert_exception(session, team="inventory control", key="a")
        insert_exception(session, team="merchandising", type_="duplicate_barcode", key="b")
        review.open_review(session=session, actor=people["steward1"], week="2026-W04")
    first, second = (
        "exceptions:stock_discrepancy:inventory control",
        ("exceptions:duplicate_barcode:merchandising"),
    )
    with write_session(engine) as session:
        noted = review.record_decision(session=session, actor=people["steward1"], week="2026-W04",
                                       key=first, decision="recount", reviewed=False)  # fmt: skip
    assert noted["reviewed"] is False  # only the person ticks it
    with pytest.raises(UnreviewedLines) as refused, write_session(engine) as session:
        review.close_review(session=session, actor=people["steward1"], week="2026-W04")
    assert [line["key"] for line in refused.value.lines] == [first, second]
    assert "#1 Stock discrepancy (inventory control): 1 open" in str(refused.value)
    assert "#2 Duplicate barcode (merchandising): 1 open" in str(refused.value)
    with write_session(engine) as session:
        review.record_decision(session=session, actor=people["steward1"], week="2026-W04",
                               key=first, decision="recount")  # fmt: skip
        view = review.close_review(session=session, actor=people["steward1"], week="2026-W04",
                                   allow_unreviewed=True)  # fmt: skip
    assert view["status"] == "closed"
    with read_session(engine) as session:
        done = completion(review_read.get_review(session, "2026-W04")["items"])
        kpis = {row["kpi"]: row for row in governance_kpis(session, as_of=AS_OF, week="2026-W04")}
    # 1 of the 2 exception lines reviewed: 50 %, the same figure the KPI and the minutes give
    assert (done.reviewed, done.lines, done.percent) == (1, 2, "50 %")
    assert kpis["review_completion"]["value"] == done.share == 0.5
    with read_session(engine) as session:
        assert "Review completion: 1 of 2 exception lines reviewed (50 %)" in review_read.minutes(
            session, "2026-W04"
        )

"""`setup`: the first-run questions (which system owns the item master, which owns warehouse stock)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from cli import CommandError
from cli.governance_support import actor_argument, reading, unit_of_work
from governance import first_run
from governance.permissions import actor_by_name

OPTIONS = {first_run.ITEM_MASTER: "item_master", first_run.WAREHOUSE_STOCK: "warehouse_stock"}


def register(commands: Any) -> None:
    """Add `setup` to the parser."""
    p = commands.add_parser(
        "setup", help="first run: which system owns the item master and warehouse stock"
    )
    p.add_argument("--item-master", metavar="SYSTEM", help="e.g. erp, shopify (asked if missing)")
    p.add_argument("--warehouse-stock", metavar="SYSTEM", help="e.g. wms, 3pl (asked if missing)")
    actor_argument(p, "who answers (a steward or an admin)")
    p.set_defaults(handler=cmd_setup)


def _ask(question: first_run.SetupQuestion, prompt: Callable[[str], str]) -> str:
    """One question on the terminal; Enter keeps the current answer."""
    print(question.question)
    print(f"  for example: {', '.join(question.suggestions)}")
    print(
        f"  keeping {question.current}: {first_run.consequence(question.domain, question.current)}"
    )
    answer = prompt(f"  system [{question.current}]: ").strip()
    return answer or question.current


def cmd_setup(args: argparse.Namespace, prompt: Callable[[str], str] = input) -> int:
    """Ask (or take from the options) both answers, store them, and say what they mean."""
    with reading() as session:
        asked = first_run.questions(session)
        holds_data = first_run.holds_data(session)
    answers: dict[str, str] = {}
    for question in asked:
        given = getattr(args, OPTIONS[question.domain])
        if given is None and not sys.stdin.isatty():
            raise CommandError(
                "setup needs --item-master SYSTEM and --warehouse-stock SYSTEM when it cannot ask "
                "(standard input is not a terminal)"
            )
        answers[question.domain] = given if given is not None else _ask(question, prompt)
    with unit_of_work() as session:
        stored = first_run.answer_setup(
            session=session,
            actor=actor_by_name(session, args.user),
            item_master=answers[first_run.ITEM_MASTER],
            warehouse_stock=answers[first_run.WAREHOUSE_STOCK],
        )
    for answer in stored:
        print(f"{answer.domain.replace('_', ' ')}: {answer.system}. {answer.consequence}")
    if holds_data:
        print(
            "The database already holds data: the answers count from the next import and metrics."
        )
    return 0

"""Shared pieces of the governance command groups: units of work, JSON output, the --user argument."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from cli import CommandError
from core.db import get_engine, read_session, write_session
from governance.errors import GovernanceError


@contextmanager
def unit_of_work() -> Iterator[Session]:
    """A write session whose governance refusals become one-line CLI errors."""
    try:
        with write_session(get_engine()) as session:
            yield session
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc


@contextmanager
def reading() -> Iterator[Session]:
    """A read session whose governance errors become one-line CLI errors."""
    try:
        with read_session(get_engine()) as session:
            yield session
    except GovernanceError as exc:
        raise CommandError(str(exc)) from exc


def print_json(data: Any) -> None:
    """Indented JSON on standard output."""
    print(json.dumps(data, indent=2, ensure_ascii=False, default=str))


def actor_argument(parser: argparse.ArgumentParser, helptext: str = "who acts") -> None:
    """The required --user NAME of a change."""
    parser.add_argument("--user", required=True, help=helptext)

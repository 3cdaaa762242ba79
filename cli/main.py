"""Parse the command line, run one command, turn project errors into one line and an exit status."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from cli import (
    cadence_commands,
    data_commands,
    engine_commands,
    governance_commands,
    import_commands,
    metric_commands,
    migration_commands,
    planning_commands,
    setup_commands,
    user_commands,
)
from core.migrate import current_revision, head_revision
from core.settings import get_settings, safe_url, settings_error_text

Handler = Callable[[argparse.Namespace], int]
DATABASE_FAILED = (
    "the database could not complete the command and nothing of it was written: check that it "
    "is reachable (INVGOV_DATABASE_URL) and try again"
)
REGISTRARS = [
    data_commands.register,
    import_commands.register,
    user_commands.register,
    metric_commands.register,
    governance_commands.register,
    cadence_commands.register,
    migration_commands.register,
    planning_commands.register,
    engine_commands.register,
    setup_commands.register,
]


def build_parser() -> argparse.ArgumentParser:
    """The full parser, every command group registered."""
    parser = argparse.ArgumentParser(prog="manage.py", description="invgov command line")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in REGISTRARS:
        register(commands)
    return parser


def main(argv: list[str]) -> int:
    """Run one command; exit 0 on success, non-zero with a one-line reason on stderr otherwise."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    args = build_parser().parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI never shows a traceback; the log keeps the detail
        logging.getLogger("cli").debug("command failed", exc_info=True)
        if isinstance(exc, ValidationError):
            message = settings_error_text(exc)
        elif isinstance(exc, DBAPIError):
            message = _schema_hint() or DATABASE_FAILED
        else:
            message = _one_line(exc)
        print(f"error: {message}", file=sys.stderr)
        return 1


def _schema_hint() -> str | None:
    """Why a database error happened when the schema is missing or old, else None."""
    url = get_settings().database_url
    try:
        current, head = current_revision(url), head_revision()
    except Exception:  # the database itself is unreachable: the original error says more
        return None
    if current == head:
        return None
    state = "has no schema" if current is None else f"is at schema {current}, not {head}"
    return f"the database {safe_url(url)} {state}: run `python manage.py init` first"


def _one_line(exc: Exception) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else exc.__class__.__name__

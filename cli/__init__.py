"""The `manage.py` command line: one module per command group."""


class CommandError(Exception):
    """A refusal or failure the CLI reports in one line (exit status 1)."""

"""Errors of the connectors package: structural problems with a whole file."""

from __future__ import annotations


class ConnectorError(Exception):
    """Base of every connector error."""


class FileRefused(ConnectorError):
    """A file that cannot be read at all; nothing from it is written."""

    def __init__(self, file_name: str, reason: str) -> None:
        super().__init__(f"{file_name}: refused: {reason}")
        self.file_name = file_name
        self.reason = reason

"""Typed cell parsers: every one returns a value or raises RowError with a reason a person can act on."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from core.timeutil import parse_iso


class RowError(ValueError):
    """A row-level problem: the row is quarantined with this message as its reason."""


Parser = Callable[[str], Any]
_INTEGRAL_FLOAT = re.compile(r"^[+-]?\d+\.0*$")


def parse_text(raw: str) -> str:
    """Text, trimmed."""
    return raw.strip()


def parse_int(raw: str) -> int:
    """A whole number; `5.0` is accepted, `5.5` and words are not."""
    value = raw.strip()
    try:
        return int(value)
    except ValueError:
        if _INTEGRAL_FLOAT.match(value):
            return int(value.split(".")[0])
        raise RowError(f"not a whole number: {value!r}") from None


def parse_decimal(raw: str) -> Decimal:
    """A decimal number with a dot separator."""
    try:
        value = Decimal(raw.strip())
    except InvalidOperation:
        raise RowError(f"not a decimal number: {raw.strip()!r}") from None
    if not value.is_finite():
        raise RowError(f"not a finite number: {raw.strip()!r}")
    return value


def parse_timestamp(raw: str) -> datetime:
    """An ISO 8601 timestamp; no offset means UTC; a fraction of a second is truncated (as stored),
    so cross-field checks compare the very instants that are kept."""
    try:
        return parse_iso(raw).replace(microsecond=0)
    except ValueError:
        raise RowError(f"not an ISO 8601 timestamp: {raw.strip()!r}") from None


@dataclass(frozen=True)
class Vocabulary:
    """Words matched case-insensitively and stored as declared; `closed` refuses any other word,
    an open vocabulary stores it in lower case (so `Faire` and `faire` are one channel)."""

    words: tuple[str, ...]
    closed: bool = True

    def __call__(self, raw: str) -> str:
        value = raw.strip()
        for word in self.words:
            if word.lower() == value.lower():
                return word
        if self.closed:
            raise RowError(f"{value!r} is not one of {', '.join(self.words)}")
        return value.lower()

"""Posting one JSON message to a Slack-compatible incoming webhook, retried with backoff.

The webhook URL is a secret (INVGOV_ALERT_WEBHOOK_URL): it is never logged or returned in an
error; messages name its host only.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

log = logging.getLogger(__name__)
BACKOFF_SECONDS = 0.5  # waits 0.5 s, 1 s, 2 s, ... between tries


@dataclass(frozen=True)
class Delivery:
    """How a post ended: delivered or not, after how many tries, the last error."""

    delivered: bool
    tries: int
    error: str | None = None


def host_of(url: str) -> str:
    """The host part of a URL, safe to log (the path of a webhook URL is its secret)."""
    return urlsplit(url).hostname or "?"


def _post_once(url: str, body: bytes, timeout: float) -> None:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        if not 200 <= response.status < 300:
            raise OSError(f"HTTP {response.status}")


def _reason(exc: Exception) -> str:
    if isinstance(exc, urllib.error.HTTPError):
        return f"HTTP {exc.code} {exc.reason}"
    if isinstance(exc, urllib.error.URLError):
        return f"cannot connect: {exc.reason}"
    return f"{type(exc).__name__}: {exc}"


def post_json(
    url: str,
    payload: dict[str, Any],
    *,
    tries: int,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
) -> Delivery:
    """POST payload as JSON up to `tries` times (backoff between), each with a short timeout."""
    if urlsplit(url).scheme not in ("http", "https"):
        return Delivery(False, 0, "the webhook URL must start with http:// or https://")
    body = json.dumps(payload).encode("utf-8")
    error = None
    for attempt in range(1, max(1, tries) + 1):
        try:
            _post_once(url, body, timeout)
        except Exception as exc:  # any failure is retried, then kept for the next run
            error = _reason(exc)
            log.warning("webhook %s: try %d of %d failed: %s", host_of(url), attempt, tries, error)
            if attempt < tries:
                sleep(BACKOFF_SECONDS * 2 ** (attempt - 1))
            continue
        return Delivery(True, attempt)
    return Delivery(False, max(1, tries), error)

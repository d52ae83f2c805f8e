"""When to retry a failed call, and how long to wait first.

Retried: connection failures and timeouts, 408, 409, 429 and 5xx (and any
status whose ``x-should-retry`` header says ``true``; ``false`` forbids it).
The wait is the server's ``Retry-After`` (``retry-after-ms``, seconds, or an
HTTP date) when it gives one of at most ``max_retry_after`` seconds, else an
exponential backoff ``initial_delay * 2**n`` capped at ``max_delay`` with up to
25% random jitter taken off. A ``Retry-After`` longer than ``max_retry_after``
is not waited out: the error is raised at once, its ``retry_after`` says when.

Chat completions are a POST: not idempotent. A failure after the request was
sent (a dropped connection, a read timeout, a 500/502/504) may come from a
request the server processed and billed; retrying it may run it twice. Those
are the *ambiguous* failures; ``retry_ambiguous=False`` retries only the ones
that certainly did not run (connect failures, 408, 409, 429, 503).

``sleep``, ``async_sleep``, ``now`` and ``random`` are injectable so that tests
run on a fake clock.
"""

from __future__ import annotations

import asyncio
import email.utils
import random as _random
import time
from collections.abc import Awaitable, Callable, Mapping

import attrs

from .exceptions import APIConnectionError, APIError, APIStatusError

__all__ = ["DEFAULT_MAX_RETRIES", "RETRYABLE_STATUSES", "RetryPolicy", "parse_retry_after"]

DEFAULT_MAX_RETRIES = 2
RETRYABLE_STATUSES = frozenset({408, 409, 429})
#: statuses that mean "not processed": safe to retry even a non-idempotent POST
UNPROCESSED_STATUSES = frozenset({408, 409, 429, 503})


def parse_retry_after(headers: Mapping[str, str], now: float) -> float | None:
    """Seconds to wait from ``retry-after-ms``, or ``Retry-After`` (seconds or an HTTP date); None when absent."""
    raw_ms = headers.get("retry-after-ms")
    if raw_ms:
        try:
            value = float(raw_ms) / 1000.0
        except ValueError:
            value = -1.0
        if value >= 0:
            return value
    raw = headers.get("retry-after")
    if not raw:
        return None
    raw = raw.strip()
    try:
        seconds = float(raw)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(raw)
        except (TypeError, ValueError, IndexError):
            return None
        return max(0.0, when.timestamp() - now)
    return seconds if seconds >= 0 else None


@attrs.frozen
class RetryPolicy:
    """Bounded retries with backoff; one per client, overridable per call (``with_max_retries``)."""

    max_retries: int = DEFAULT_MAX_RETRIES
    initial_delay: float = 0.5
    max_delay: float = 8.0
    #: the longest Retry-After we wait out; a longer one raises at once
    max_retry_after: float = 60.0
    #: retry failures where the POST may have reached the server (see the module docstring)
    retry_ambiguous: bool = True
    sleep: Callable[[float], None] = time.sleep
    async_sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    now: Callable[[], float] = time.time
    random: Callable[[], float] = _random.random

    def __attrs_post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError(f"max_retries must be 0 or more, got {self.max_retries}")

    def with_max_retries(self, max_retries: int | None) -> RetryPolicy:
        return (
            self
            if max_retries is None or max_retries == self.max_retries
            else attrs.evolve(self, max_retries=max_retries)
        )

    def is_retryable(self, error: APIError) -> bool:
        """Whether this failure is worth another attempt (ignoring how many were made)."""
        if isinstance(error, APIConnectionError):
            return self.retry_ambiguous or not error.may_have_reached_server
        if not isinstance(error, APIStatusError):
            return False
        forced = str(error.response.headers.get("x-should-retry", "")).lower()
        if forced in ("true", "false"):
            return forced == "true"
        status = error.status_code
        if status not in RETRYABLE_STATUSES and status < 500:
            return False
        return self.retry_ambiguous or status in UNPROCESSED_STATUSES

    def backoff(self, retries_done: int) -> float:
        """The wait before retry number ``retries_done + 1`` when the server gave no Retry-After."""
        delay = min(self.initial_delay * (2.0**retries_done), self.max_delay)
        return max(0.0, delay * (1.0 - 0.25 * self.random()))

    def next_wait(self, error: APIError, retries_done: int) -> float | None:
        """Seconds to wait before retrying, or None to give up and raise ``error``."""
        if retries_done >= self.max_retries or not self.is_retryable(error):
            return None
        if isinstance(error, APIStatusError) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.max_retry_after else None
        return self.backoff(retries_done)

"""Keep secrets out of everything recorded traffic turns into: reports, recordings, terminal lines.

A header is secret when its name says so (``Authorization``, ``api-key``, ``Cookie``, ``Set-Cookie``, any
``*token*``, ``*secret*``, ``*-key``, ``*session*``...); its value becomes ``***`` (``Bearer ***`` for a
bearer token, the form :mod:`conformance.suite.exchange` uses). Query parameters with such names (Google's
``?key=``) are masked in URLs the same way.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "***"
BEARER_MASK = "Bearer ***"

_SECRET_WORDS = (
    "authorization",
    "cookie",
    "token",
    "secret",
    "password",
    "passwd",
    "session",
    "credential",
    "signature",
    "api-key",
    "api_key",
    "apikey",
)
# names that contain a secret-looking word but carry nothing secret
_HARMLESS = {"x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens", "x-ratelimit-reset-tokens", "idempotency-key"}


@functools.lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    lower = name.strip().lower()
    if lower in _HARMLESS:
        return False
    return (
        any(word in lower for word in _SECRET_WORDS)
        or lower in ("key", "sig", "code")
        or lower.endswith(("-key", "_key", ".key"))
    )


def mask_value(name: str, value: str) -> str:
    if name.strip().lower() in ("authorization", "proxy-authorization") and value.lower().startswith("bearer"):
        return BEARER_MASK
    return MASK


def redact_headers(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    """Header names kept as given (later duplicates joined with ", "), secret values masked."""
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        value = mask_value(name, value) if is_secret_name(name) else value
        out[name] = f"{out[name]}, {value}" if name in out else value
    return out


def redact_url(url: str) -> str:
    """The URL with secret query parameters and any user:password@ masked."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"{MASK}@{netloc.rsplit('@', 1)[1]}"
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        if any(is_secret_name(k) for k, _ in pairs):
            query = urlencode([(k, MASK if is_secret_name(k) else v) for k, v in pairs], safe="*")
    if (netloc, query) == (parts.netloc, parts.query):
        return url
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))

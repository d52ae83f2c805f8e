"""The TLS context the connections this package opens itself share: one per process.

httpx builds a new ``ssl.SSLContext`` for every client it creates, and loading the CA bundle into it costs
about 15 ms of CPU. A client made per task, per request or per worker paid that every time, whether it spoke
TLS or plain HTTP to loopback. ``default_context()`` builds the context as httpx does (``SSL_CERT_FILE``, else
``SSL_CERT_DIR``, else certifi's bundle) once, and again only when one of those variables has changed. It is
used where this package creates an ``httpx`` client itself (``Gpt52()``, ``AsyncGpt52()`` without
``http_client``) and by the ``conformance`` tools; a client you bring keeps its own TLS settings.
An ``SSLContext`` may be shared between clients and threads; none of its users changes it.
"""

from __future__ import annotations

import functools
import os
import ssl

import httpx

__all__ = ["default_context"]


def default_context() -> ssl.SSLContext:
    """The verifying context an ``httpx`` client would build now, shared while the variables stay the same."""
    return _context(os.environ.get("SSL_CERT_FILE") or None, os.environ.get("SSL_CERT_DIR") or None)


@functools.lru_cache(maxsize=4)
def _context(cert_file: str | None, cert_dir: str | None) -> ssl.SSLContext:
    # the arguments are the cache key: httpx reads the same two variables while it builds the context
    return httpx.create_ssl_context()

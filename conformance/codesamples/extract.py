"""The request a code sample sends, dispatched on its language."""

from __future__ import annotations

from urllib.parse import urlsplit

from conformance.codesamples.base import ExtractedRequest, SampleError
from conformance.codesamples.curl import _curl, _http
from conformance.codesamples.javascript import _javascript
from conformance.codesamples.python import _python

__all__ = ["extract_request"]


def extract_request(language: str, code: str) -> ExtractedRequest:
    """Dispatch on the canonical language (see :data:`LANGUAGES`)."""
    readers = {"python": _python, "javascript": _javascript, "curl": _curl, "http": _http}
    reader = readers.get(language)
    if reader is None:
        raise SampleError(f"samples in {language!r} are not read (only Python, JavaScript, cURL, HTTP)")
    try:
        request = reader(code)
    except SampleError:
        from conformance.codesamples.sdk import read_sdk

        sdk = read_sdk(language, code)  # the OpenAI SDK's client.chat.completions.create(...) and the like
        if sdk is None:
            raise
        request = sdk
    try:
        parts = urlsplit(request.url)
    except ValueError as exc:
        raise SampleError(f"the URL {request.url[:80]!r} is not a valid URL ({exc})", request.line) from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise SampleError(f"the URL {request.url[:80]!r} is not an absolute http(s) URL", request.line)
    return request

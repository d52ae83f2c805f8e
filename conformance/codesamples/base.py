"""What a code sample sends, the error when it cannot be read, and the choice of a sample's API call."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import attrs

from conformance.codesamples.lenient_json import ExampleSyntaxError, loads

__all__ = ["LANGUAGES", "ExtractedRequest", "SampleError", "is_download", "normalise_language"]

#: Canonical sample languages and the names fences, tabs and x-codeSamples use for them.
LANGUAGES = {
    "python": ("python", "py", "python3", "requests"),
    "javascript": ("javascript", "js", "node", "nodejs", "node.js", "typescript", "ts", "jsx", "fetch"),
    "curl": ("curl", "bash", "sh", "shell", "console", "zsh", "shell-session"),
    "http": ("http", "raw http"),
}
_ALIASES = {alias: lang for lang, aliases in LANGUAGES.items() for alias in aliases}


def normalise_language(name: str | None) -> str | None:
    """``"JavaScript"`` -> ``"javascript"``, ``"cURL"`` -> ``"curl"``; None when not a sample language."""
    if not name:
        return None
    return _ALIASES.get(name.strip().lower())


class SampleError(ValueError):
    """The sample's request could not be read; ``line`` is 1-based within the sample."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@attrs.frozen
class ExtractedRequest:
    """What a sample sends. ``body`` is meaningful only when ``has_body``; lines are 1-based in the sample."""

    language: str
    method: str
    url: str
    has_body: bool
    body: Any
    line: int
    body_line: int

    def summary(self) -> str:
        return f"{self.method} {self.url}"


def _json_value(value: Any, what: str, line: int) -> Any:
    """A Python literal as JSON: tuples become lists; sets, bytes and non-string keys are errors."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise SampleError(f"{what} has a key that is not a string ({key!r})", line)
            out[key] = _json_value(item, what, line)
        return out
    if isinstance(value, list | tuple):
        return [_json_value(item, what, line) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise SampleError(f"{what} holds a {type(value).__name__}, which JSON cannot send", line)


def _parse_body_text(text: str, line: int, what: str) -> Any:
    try:
        return loads(text)
    except ExampleSyntaxError as exc:
        raise SampleError(
            f"{what} is not JSON: {exc.reason} (line {exc.line} of the body)", line + exc.line - 1
        ) from None


_MEDIA = re.compile(r"\.(?:png|jpe?g|gif|webp|bmp|svg|tiff?|mp3|wav|ogg|flac|m4a|mp4|webm|mov|pdf|txt|csv)$", re.I)


def is_download(request: ExtractedRequest, others: list[ExtractedRequest]) -> bool:
    """A GET without a body that fetches a media file, or goes to another host than the sample's other calls:
    an input being downloaded (an image to describe), not the API call the page documents."""
    if request.method != "GET" or request.has_body:
        return False
    parts = urlsplit(request.url)
    if _MEDIA.search(parts.path):
        return True
    hosts = {urlsplit(o.url).netloc for o in others if o is not request and (o.method != "GET" or o.has_body)}
    return bool(hosts) and parts.netloc not in hosts


def _api_call(calls: list[ExtractedRequest | SampleError], none: str, language: str, code: str) -> ExtractedRequest:
    """The sample's API call: the first request that is not a download; an SDK call beats downloads.

    A call that cannot be read is the answer (its error) unless another call is the API call.
    """
    found = [c for c in calls if isinstance(c, ExtractedRequest)]
    api = [r for r in found if not is_download(r, found)]
    for call in calls:
        if isinstance(call, SampleError):
            if not api:
                raise call
        elif call in api:
            return call
    if found:
        from conformance.codesamples.sdk import read_sdk

        sdk = read_sdk(language, code)
        if sdk is not None:
            return sdk  # type: ignore[no-any-return]
        urls = ", ".join(r.url for r in found[:3])
        raise SampleError(f"the sample only downloads {urls} (an input, not an API call of the page)", found[0].line)
    raise SampleError(none)

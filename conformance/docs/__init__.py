"""Doc checks: GitBook doc pages against the OpenAPI specs they embed, one page or a whole catalog.

Public API (for the CLI, the conformance suite and the mock server):

* :func:`check_page` -> :class:`PageResult` (findings, or why the page was skipped);
* :func:`check_catalog` -> :class:`CatalogResult` (every page under a directory, in parallel);
* :func:`example_response` -> the example response a page shows, parsed (JSON, JSON5 or a Python literal);
* :func:`parse_page` -> :class:`Page` (spec references, model list, code samples, examples).

Rules are registered in :mod:`conformance.docs.rules` (ids ``doc-*``).
"""

from __future__ import annotations

import contextlib
import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.codesamples import SampleError, extract_request
from conformance.codesamples.lenient_json import ExampleSyntaxError, loads
from conformance.docs import rules
from conformance.docs.page import Page, PageReadError, parse_page, read_page
from conformance.errors import InputError

if TYPE_CHECKING:
    from conformance.docs.catalog import CatalogResult, check_catalog, discover_pages
    from conformance.docs.check import PageResult, check_page, check_text

# the checkers are imported on first use: the mock reads a page's example response and needs none of them
_LAZY = {
    "CatalogResult": "conformance.docs.catalog",
    "check_catalog": "conformance.docs.catalog",
    "discover_pages": "conformance.docs.catalog",
    "PageResult": "conformance.docs.check",
    "check_page": "conformance.docs.check",
    "check_text": "conformance.docs.check",
}

__all__ = [
    "CatalogResult",
    "ExampleSyntaxError",
    "Page",
    "PageResult",
    "check_catalog",
    "check_page",
    "check_text",
    "discover_pages",
    "example_response",
    "example_responses",
    "loads",
    "parse_page",
    "rules",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def example_responses(page_path: str | Path) -> list[tuple[int, str | None, Any]]:
    """Every example response on the page: ``(page line, operation path it follows or None, parsed value)``.

    The operation path is the URL path of the nearest code sample before the
    example (``/v1/chat/completions``). Raises :class:`~conformance.errors.InputError`
    when the page cannot be read or an example cannot be parsed (saying where).
    """
    path = Path(page_path)
    try:
        text = read_page(path)
    except PageReadError as exc:
        raise InputError(f"{path}: {exc}") from None
    page = parse_page(text, str(path))
    events = sorted(
        [(s.line, 0, s) for s in page.samples] + [(e.line, 1, e) for e in page.examples], key=lambda e: (e[0], e[1])
    )
    current: str | None = None
    out: list[tuple[int, str | None, Any]] = []
    for line, kind, block in events:
        if kind == 0:
            with contextlib.suppress(SampleError):
                current = urlsplit(extract_request(block.language or "", block.code).url).path or current
            continue
        if block.stream:
            continue  # a streamed (SSE) example is a sequence of chunks, not one response
        try:
            value = loads(block.code)
        except ExampleSyntaxError as exc:
            raise InputError(
                f"{path}:{block.page_line(exc.line)}: the example response is not JSON, JSON5 or a "
                f"Python literal: {exc.reason} (column {exc.column})"
            ) from None
        out.append((line, current, value))
    return out


def example_response(page_path: str | Path, operation: str | None = None) -> dict[str, Any]:
    """The (first) example response a page shows, parsed: JSON, JSON5 (comments, single quotes) or a Python dict.

    ``operation`` (a path such as ``/v1/responses``) picks the example that
    follows the code samples calling that path; by default the first example.
    Raises :class:`~conformance.errors.InputError` saying what is wrong and where.
    """
    examples = example_responses(page_path)
    if operation is not None:
        wanted = operation.rstrip("/")
        examples = [e for e in examples if e[1] is not None and e[1].rstrip("/").endswith(wanted)]
    if not examples:
        which = f" after a sample calling {operation}" if operation else ""
        raise InputError(f"{page_path}: expected an example response (a ```json or ```json5 block){which}, found none")
    line, _, value = examples[0]
    if not isinstance(value, dict):
        raise InputError(
            f"{page_path}:{line}: expected the example response to be a JSON object, found a {type(value).__name__}"
        )
    return value

"""The example response of a doc page, for the ``documented`` mode.

Uses ``conformance.docs.example_response`` when the docs stage provides it;
otherwise reads the first ``json5``/``json`` code block after the page's
"Response" heading or ``<summary>Response</summary>`` and parses it with
:mod:`json5` (the pages use single quotes).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import json5

from conformance.errors import InputError

_MARKER = re.compile(r"(<summary>\s*Response\s*</summary>|^#+\s*Response\b.*$)", re.IGNORECASE | re.MULTILINE)
_FENCE = re.compile(r"^```[ \t]*(json5|json|jsonc|javascript|js)?[ \t]*\n(.*?)^```", re.DOTALL | re.MULTILINE)


def example_response(page: Path) -> dict[str, Any]:
    """The response example a doc page shows, as a JSON object."""
    finder = None
    try:
        from conformance import docs  # type: ignore[attr-defined,unused-ignore]

        finder = getattr(docs, "example_response", None)
    except ImportError:
        pass
    if callable(finder):
        value = finder(page)
        if isinstance(value, dict):
            return value
    return parse_example(page)


def parse_example(page: Path) -> dict[str, Any]:
    try:
        text = page.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{page}: no such doc page", hint="give a page with --page") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{page}: cannot read the doc page ({exc})") from None
    marker = _MARKER.search(text)
    if marker is None:
        raise InputError(f"{page}: expected a 'Response' section (heading or <summary>Response</summary>), found none")
    fence = _FENCE.search(text, marker.end())
    if fence is None:
        raise InputError(f"{page}: expected a ```json5 code block after the 'Response' section, found none")
    line = text.count("\n", 0, fence.start()) + 1
    try:
        value = json5.loads(fence.group(2))
    except ValueError as exc:
        raise InputError(f"{page}:{line}: expected a JSON5 response example, found a syntax error: {exc}") from None
    if not isinstance(value, dict):
        raise InputError(
            f"{page}:{line}: expected the response example to be a JSON object, found {type(value).__name__}"
        )
    return value

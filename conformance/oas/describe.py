"""Short descriptions of JSON values for messages: one rendering, one list of JSON type names."""

from __future__ import annotations

import json
from typing import Any

#: how long a rendered value may be before it is cut (with "…")
LIMIT = 120


def short_json(value: Any, limit: int = LIMIT, *, raw_strings: bool = False) -> str:
    """``value`` as compact, key-sorted JSON, cut to ``limit`` characters (the last one ``…``).

    ``raw_strings``: a string is shown as it is, without JSON quotes (for a
    ``found`` that is already text). Characters outside ASCII are kept as they are.
    """
    if raw_strings and isinstance(value, str):
        text = value
    else:
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_list(values: Any, limit: int = 60, *, raw_strings: bool = False) -> str:
    """Several values, each shortened, joined by commas."""
    return ", ".join(short_json(v, limit, raw_strings=raw_strings) for v in values)


def value_class(value: Any) -> str:
    """The JSON type of a value, as named in a finding's kind: null, boolean, integer, number, string, array, object."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"

"""Schema violations as the doc check reports them: the explainer is :meth:`conformance.oas.Validator.explain`
(a failed ``oneOf``/``anyOf`` by its closest branch; ``required``, ``enum`` and ``type`` in words)."""

from __future__ import annotations

from typing import Any

import attrs

from conformance.oas import Validator
from conformance.oas.validate import value_at


@attrs.frozen
class _Issue:
    pointer: str
    keyword: str
    message: str
    expected: str | None
    found: str | None


def _explain(validator: Validator, instance: Any) -> list[_Issue]:
    """Violations as issues, explained by :meth:`conformance.oas.Validator.explain`."""
    return [_Issue(v.path, v.keyword, v.text, v.expected, v.found) for v in validator.explain(instance)]


def _get(value: Any, pointer: str, default: Any = None) -> Any:
    return value_at(value, pointer, default)

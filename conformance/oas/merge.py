"""The one ``allOf`` merge: a schema and its ``allOf`` members folded into one schema object.

``allOf`` means "every member holds". Readers that need one object (the mock's
generator and its compiled answers, drift's comparison) fold the members in with
:func:`merge_all_of`, whose rules are:

* members are read in order, after the schema's own keywords; a member that is a
  ``$ref`` is followed with ``resolve`` (a member that cannot be followed, or is
  not an object, adds nothing); a member's own ``allOf`` is folded first;
* ``properties`` are united; a property named in several places takes the
  schema of the last one naming it;
* ``required`` lists are united (each name once, in the order met);
* lower bounds (``minimum``, ``minLength``, ``minItems``, ``minProperties``)
  take the largest value and upper bounds (``maximum``, ``maxLength``,
  ``maxItems``, ``maxProperties``) the smallest: the range every member allows;
* every other keyword keeps the first value met (the schema's own, then the
  members' in order).

The result describes values valid under all members for the keywords above; a
reader that must be exact (a validator) keeps ``allOf`` as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

JSON = Any
LOWER_BOUNDS = ("minimum", "minLength", "minItems", "minProperties")
UPPER_BOUNDS = ("maximum", "maxLength", "maxItems", "maxProperties")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def merge_all_of(
    schema: dict[str, Any],
    resolve: Callable[[JSON], JSON] | None = None,
    *,
    spend: Callable[[], bool] | None = None,
    _depth: int = 0,
) -> dict[str, Any]:
    """``schema`` with its ``allOf`` members folded in (see the module docstring); ``schema`` is not changed.

    ``resolve`` maps a member to the schema it stands for (following ``$ref``;
    ``None`` for one that cannot be followed); ``spend`` is asked before each
    member and stops the merge when it says ``False`` (a work budget).
    """
    parts = schema.get("allOf")
    if not isinstance(parts, list):
        return schema
    merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
    properties: dict[str, Any] = (
        dict(merged.get("properties") or {}) if isinstance(merged.get("properties"), dict) else {}
    )
    required: list[Any] = list(merged.get("required") or []) if isinstance(merged.get("required"), list) else []
    seen_required = set(r for r in required if isinstance(r, str))
    for part in parts:
        if spend is not None and not spend():
            break
        if resolve is not None:
            part = resolve(part)
        if not isinstance(part, dict):
            continue
        if isinstance(part.get("allOf"), list) and _depth < 64:
            part = merge_all_of(part, resolve, spend=spend, _depth=_depth + 1)
        for key, value in part.items():
            if key == "properties" and isinstance(value, dict):
                properties.update(value)  # in place: merging thousands of members stays linear
            elif key == "required" and isinstance(value, list):
                for name in value:
                    if repr(name) not in seen_required:
                        seen_required.add(repr(name))
                        required.append(name)
            elif key in LOWER_BOUNDS and _number(value) and _number(merged.get(key, value)):
                merged[key] = max(merged.get(key, value), value)
            elif key in UPPER_BOUNDS and _number(value) and _number(merged.get(key, value)):
                merged[key] = min(merged.get(key, value), value)
            elif key != "allOf":
                merged.setdefault(key, value)
    if properties:
        merged["properties"] = properties
    if required:
        merged["required"] = required
    return merged

"""Schema violations explained for people: a failed ``oneOf``/``anyOf`` by its closest alternative, ``required``,
``enum`` and ``type`` in words, with the JSON pointer of the offending value."""

from __future__ import annotations

import json
import re
from typing import Any

import attrs

from conformance.findings import describe
from conformance.schema import Validator, compile_draft7, join_pointer, pointer_escape, resolve_pointer


@attrs.frozen
class _Issue:
    pointer: str
    keyword: str
    message: str
    expected: str | None
    found: str | None


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "integer" if isinstance(value, int) else "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def _explain(validator: Validator, instance: Any) -> list[_Issue]:
    """Violations as issues; a failed oneOf/anyOf is explained by its closest alternative."""
    issues: list[_Issue] = []
    for violation in validator.violations(instance):
        keyword = violation.schema_path.rsplit("/", 1)[-1]
        if keyword in ("oneOf", "anyOf") and "not valid under any" in violation.message:
            closest = _closest_alternative(validator.json_schema, violation.schema_path, instance, violation.path)
            if closest:
                issues.extend(closest)
                continue
        issues.append(
            _issue(
                keyword,
                violation.path,
                violation.message,
                violation.expected,
                violation.found,
                _fragment(validator.json_schema, violation.schema_path),
                instance,
            )
        )
    return issues


def _fragment(schema: Any, pointer: str) -> Any:
    try:
        return resolve_pointer(schema, pointer)
    except KeyError:
        return None


def _closest_alternative(schema: Any, schema_path: str, instance: Any, path: str, depth: int = 0) -> list[_Issue]:
    branches = _fragment(schema, schema_path)
    try:
        sub = resolve_pointer(instance, path)
    except KeyError:
        return []
    if not isinstance(branches, list) or not branches or depth > 3:
        return []
    best: list[Any] | None = None
    best_schema: Any = None
    for branch in branches:
        try:
            errors = list(compile_draft7(branch).iter_errors(sub))
        except Exception:  # an alternative we cannot compile is not a candidate
            continue
        if best is None or len(errors) < len(best):
            best, best_schema = errors, branch
    if not best:
        return []
    issues: list[_Issue] = []
    for error in best:
        pointer = path + join_pointer(*error.instance_path)
        spath = join_pointer(*error.schema_path)
        keyword = str(error.schema_path[-1]) if error.schema_path else ""
        if keyword in ("oneOf", "anyOf") and "not valid under any" in str(error.message):
            deeper = _closest_alternative(best_schema, spath, sub, join_pointer(*error.instance_path), depth + 1)
            if deeper:
                issues.extend(attrs.evolve(issue, pointer=path + issue.pointer) for issue in deeper)
                continue
        issues.append(
            _issue(
                keyword,
                pointer,
                str(error.message),
                keyword,
                describe(error.instance),
                _fragment(best_schema, spath),
                instance,
            )
        )
    return issues


def _issue(
    keyword: str, pointer: str, message: str, expected: str | None, found: str | None, fragment: Any, instance: Any
) -> _Issue:
    at = f" {pointer}" if pointer else ""
    if keyword == "required":
        match = re.match(r'^"(.*)" is a required property$', message)
        if match:
            name = match.group(1)
            member = "/" + pointer_escape(name)
            # validators report a missing member at its parent or at the member itself: accept both
            if pointer.endswith(member) and _get(instance, pointer, _ABSENT) is _ABSENT:
                pointer = pointer[: -len(member)]
            at = f" {pointer}" if pointer else ""
            return _Issue(
                pointer + member,
                keyword,
                f'lacks the required property "{name}"' + (f" in{at}" if at else ""),
                f"required: {describe(fragment)}" if fragment is not None else expected,
                "absent",
            )
    if keyword in ("enum", "const") and fragment is not None:
        allowed = fragment if isinstance(fragment, list) else [fragment]
        shown = ", ".join(json.dumps(v, ensure_ascii=False) for v in allowed[:8]) + (", …" if len(allowed) > 8 else "")
        return _Issue(
            pointer,
            keyword,
            f"has{at} = {found}; the schema allows only {shown}",
            f"{keyword}: {describe(fragment)}",
            found,
        )
    if keyword == "type" and fragment is not None:
        try:
            value = resolve_pointer(instance, pointer)
            kind = _json_type(value)
        except KeyError:
            kind = "?"
        expected_types = fragment if isinstance(fragment, list) else [fragment]
        return _Issue(
            pointer,
            keyword,
            f"has{at} = {found} ({kind}); the schema expects {' or '.join(map(str, expected_types))}",
            f"type: {describe(fragment)}",
            found,
        )
    return _Issue(pointer, keyword, f"at{at or ' /'}: {message}", expected, found)


_ABSENT = object()


def _get(value: Any, pointer: str, default: Any = None) -> Any:
    try:
        return resolve_pointer(value, pointer)
    except KeyError:
        return default

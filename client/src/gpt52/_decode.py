"""Decode answers into the generated models: leniently by default, exactly with ``strict=True``.

Public entry points (the client uses them too):

* ``decode_completion(data, *, strict=False)`` -> ``ChatCompletion``
* ``decode_chunk(data, *, strict=False)`` -> ``ChatCompletionChunk``
* ``completion_issues(data)`` / ``chunk_issues(data)``: every place the data departs from the spec's
  model, as ``DecodeIssue(path, expected, found)``, without raising.

**Lenient (default)**, like the official ``openai`` SDK: the answer is read even where the server sent
something the spec did not foresee, and what was sent stays visible:

* an unknown enum value (``finish_reason: "end_turn"``, ``object: ""``, ``service_tier: "on_demand"``)
  is kept as the plain string (the attribute's type still lists the known values);
* ``null`` in an optional member the spec does not mark nullable is read as absent (``UNSET``);
  ``null`` in a required one is kept as ``None``; a missing required member is ``UNSET``;
* unknown members stay in ``additional_properties`` (``completion["provider"]``);
* a member of the wrong shape (a string where an object was expected) is kept as it came;
* in a union of models (a tool call is a function or a custom call) the variant whose members the
  value matches best is chosen, even when it lacks one of them.

Only what is needed to make sense of an answer is enforced: a JSON object with a ``choices`` list
of objects (a chunk without ``choices``, or with ``null``, is read as having none). Anything else
raises ``APIResponseValidationError``.

**Strict** (``strict=True``): the generated model's own ``from_dict``, as the spec says, after
reading ``null`` in optional non-nullable members as absent. A failure raises
``APIResponseValidationError`` naming the member (``choices[0].finish_reason``), what the spec
expects and what was found.

The decoding plans are computed once from the generated classes (their attrs fields and type
annotations), so a regenerated client needs no edits here.
"""

from __future__ import annotations

import inspect
import re
import sys
import threading
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeGuard, TypeVar, Union, cast

import attrs
from gpt52_client import models
from gpt52_client.models import ChatCompletion, ChatCompletionChunk
from gpt52_client.types import UNSET, Unset

from .exceptions import APIResponseValidationError

__all__ = [
    "DecodeIssue",
    "chunk_issues",
    "completion_issues",
    "decode_chunk",
    "decode_completion",
    "decode_model",
    "enum_values",
    "prune_nulls",
]

M = TypeVar("M")
_Issues = list["DecodeIssue"] | None
_Path = tuple[str | int, ...]
_Decoder = Callable[[Any, _Issues, _Path], Any]
#: members without which an answer cannot be read at all (a list of choice objects)
_ESSENTIAL = "choices"


@attrs.frozen
class DecodeIssue:
    """One place where an answer departs from the generated model: ``choices[0].finish_reason``."""

    path: str
    expected: str
    found: str

    def __str__(self) -> str:
        return f"{self.path or '<answer>'}: expected {self.expected}, found {self.found}"


def _path_text(path: _Path) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def _found(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, Unset):
        return "nothing (the member is missing)"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _note(issues: _Issues, path: _Path, expected: str, value: object) -> None:
    if issues is not None:
        issues.append(DecodeIssue(_path_text(path), expected, _found(value)))


# -- plans: one per generated class, computed from its attrs fields and annotations -----------------


@attrs.frozen
class _Field:
    key: str  # the JSON member
    arg: str  # the __init__ argument
    required: bool
    nullable: bool
    decode: _Decoder
    expected: str
    #: the one model this member holds (directly or in a list), if exactly one
    nested: type | None


@attrs.frozen
class _Plan:
    cls: type
    fields: tuple[_Field, ...]
    #: (json key, value) of the enum-typed members: used to score the variants of a union
    literals: tuple[tuple[str, frozenset[object]], ...]
    required_keys: frozenset[str]


_PLANS: dict[type, _Plan] = {}
_PLANS_LOCK = threading.RLock()
_POP = re.compile(r"""d\.pop\(\s*["']([^"']+)["']""")


def _json_keys(cls: type) -> set[str]:
    try:
        return set(_POP.findall(inspect.getsource(getattr(cls, "from_dict"))))  # noqa: B009 - any model class
    except (OSError, TypeError):  # pragma: no cover - sources not shipped
        return set()


def _ident(key: str) -> str:
    snake = re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", key)
    return re.sub(r"\W", "_", snake).lower()


def _key_of(name: str, popped: set[str]) -> str:
    for candidate in (name, name.rstrip("_")):
        if candidate in popped:
            return candidate
    for key in popped:
        if _ident(key) in (name, name.rstrip("_")):
            return key
    return name.rstrip("_") if name.endswith("_") else name


def _namespace(cls: type) -> dict[str, Any]:
    module = sys.modules.get(cls.__module__)
    return {**vars(models), **(vars(module) if module else {}), "Unset": Unset, "Any": Any}


def _is_model(tp: object) -> TypeGuard[type]:
    return isinstance(tp, type) and attrs.has(tp) and hasattr(tp, "from_dict")


def _describe(tp: object) -> str:
    if typing.get_origin(tp) is Literal:
        return "one of " + ", ".join(repr(v) for v in typing.get_args(tp))
    if _is_model(tp):
        return f"an object ({getattr(tp, '__name__', tp)})"
    if typing.get_origin(tp) is list:
        return "an array"
    if tp is str:
        return "a string"
    if tp is int:
        return "an integer"
    if tp is float:
        return "a number"
    if tp is bool:
        return "a boolean"
    return str(getattr(tp, "__name__", tp))


def _members(tp: object) -> tuple[list[object], bool]:
    """(the union's members other than None/Unset, whether None is one of them).

    An open enum, ``Literal[...] | str``, counts as its ``Literal``: the spec's values are what an answer is
    checked against (an issue names any other), and any other string is kept as sent all the same.
    """
    if typing.get_origin(tp) in (Union, types.UnionType):
        args = typing.get_args(tp)
        options = [a for a in args if a not in (type(None), Unset)]
        if str in options and any(typing.get_origin(a) is Literal for a in options):
            options.remove(str)
        return options, type(None) in args
    return [tp], False


def _raw(value: Any, issues: _Issues, path: _Path) -> Any:
    return value


def _literal(values: frozenset[object], expected: str) -> _Decoder:
    def decode(value: Any, issues: _Issues, path: _Path) -> Any:
        if issues is not None and value not in values:
            _note(issues, path, expected, value)
        return value  # an unknown value is kept as sent

    return decode


def _primitive(tp: type, expected: str) -> _Decoder:
    kinds: tuple[type, ...] = (int, float) if tp is float else (tp,)

    def decode(value: Any, issues: _Issues, path: _Path) -> Any:
        if issues is not None and (not isinstance(value, kinds) or (tp is not bool and isinstance(value, bool))):
            _note(issues, path, expected, value)
        return value

    return decode


def _list(item: _Decoder) -> _Decoder:
    def decode(value: Any, issues: _Issues, path: _Path) -> Any:
        if not isinstance(value, list):
            _note(issues, path, "an array", value)
            return value
        if issues is None:
            return [item(v, None, path) for v in value]
        return [item(v, issues, (*path, i)) for i, v in enumerate(value)]

    return decode


def _model(cls: type) -> _Decoder:
    def decode(value: Any, issues: _Issues, path: _Path) -> Any:
        if not isinstance(value, dict):
            _note(issues, path, f"an object ({cls.__name__})", value)
            return value
        return _decode(_plan(cls), value, issues, path)

    return decode


def _score(plan: _Plan, value: dict[str, Any]) -> tuple[int, int]:
    clash = sum(1 for key, allowed in plan.literals if key in value and value[key] not in allowed)
    present = sum(1 for key in plan.required_keys if key in value)
    return (-clash, present - len(plan.required_keys))


def _union(options: list[object]) -> _Decoder:
    model_types = [t for t in options if _is_model(t)]
    list_types = [t for t in options if typing.get_origin(t) is list]
    lister = _compile(list_types[0]) if list_types else None
    expected = " or ".join(_describe(t) for t in options)

    def decode(value: Any, issues: _Issues, path: _Path) -> Any:
        if isinstance(value, dict) and model_types:
            plans = [_plan(t) for t in model_types]
            best = max(plans, key=lambda p: _score(p, value)) if len(plans) > 1 else plans[0]
            return _decode(best, value, issues, path)
        if isinstance(value, list) and lister is not None:
            return lister(value, issues, path)
        if issues is not None and not any(_accepts(t, value) for t in options):
            _note(issues, path, expected, value)
        return value

    return decode


def _accepts(tp: object, value: object) -> bool:
    if typing.get_origin(tp) is Literal:
        return value in typing.get_args(tp)
    if tp in (str, int, bool):
        return isinstance(value, cast(type, tp))
    if tp is float:
        return isinstance(value, int | float)
    return tp is Any


def _compile(tp: object) -> _Decoder:
    options, _nullable = _members(tp)
    if len(options) != 1:
        return _union(options)
    only = options[0]
    origin = typing.get_origin(only)
    if origin is Literal:
        return _literal(frozenset(typing.get_args(only)), _describe(only))
    if origin is list:
        args = typing.get_args(only)
        return _list(_compile(args[0])) if args else _raw
    if _is_model(only):
        return _model(only)
    if only in (str, int, float, bool):
        return _primitive(cast(type, only), _describe(only))
    return _raw


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    with _PLANS_LOCK:  # computed once, even when several threads decode their first answer together
        plan = _PLANS.get(cls)
        if plan is None:
            plan = _PLANS[cls] = _compute_plan(cls)
        return plan


def _compute_plan(cls: type) -> _Plan:
    hints = typing.get_type_hints(cls, globalns=_namespace(cls))
    popped = _json_keys(cls)
    fields: list[_Field] = []
    literals: list[tuple[str, frozenset[object]]] = []
    required: set[str] = set()
    # nested models are planned when first met (decoders are lazy), so a model may contain itself
    for field in attrs.fields(cls):
        if not field.init or field.name == "additional_properties":
            continue
        tp = hints.get(field.name, Any)
        key = _key_of(field.name, popped)
        options, nullable = _members(tp)
        is_required = field.default is attrs.NOTHING
        if is_required:
            required.add(key)
        if len(options) == 1 and typing.get_origin(options[0]) is Literal:
            literals.append((key, frozenset(typing.get_args(options[0]))))
        expected = " or ".join(_describe(t) for t in options) + (" or null" if nullable else "")
        inner = [typing.get_args(t)[0] if typing.get_origin(t) is list and typing.get_args(t) else t for t in options]
        held = [t for t in inner if _is_model(t)]
        nested = held[0] if len(held) == 1 and isinstance(held[0], type) else None
        fields.append(_Field(key, field.alias or field.name, is_required, nullable, _compile(tp), expected, nested))
    return _Plan(cls, tuple(fields), tuple(literals), frozenset(required))


def _decode(plan: _Plan, data: dict[str, Any], issues: _Issues, path: _Path) -> Any:
    rest = dict(data)
    kwargs: dict[str, Any] = {}
    for field in plan.fields:
        if field.key in rest:
            value = rest.pop(field.key)
            where = (*path, field.key) if issues is not None else path
            if value is None:
                if field.nullable:
                    kwargs[field.arg] = None
                elif field.required:
                    kwargs[field.arg] = None
                    _note(issues, where, field.expected, None)
                # null in an optional, non-nullable member: read as absent (UNSET), as the spec allows it
            else:
                kwargs[field.arg] = field.decode(value, issues, where)
        elif field.required:
            kwargs[field.arg] = UNSET
            if issues is not None:
                _note(issues, (*path, field.key), field.expected, UNSET)
    obj = plan.cls(**kwargs)
    obj.additional_properties = rest
    return obj


def enum_values(cls: type, key: str) -> frozenset[object] | None:
    """The values the generated ``cls`` lists for its enum member ``key`` (None: not an enum member)."""
    return dict(_plan(cls).literals).get(key)


def decode_model(cls: type[M], data: dict[str, Any]) -> M:
    """Any generated model from parsed JSON, leniently (see the module's docstring)."""
    result: M = _decode(_plan(cls), data, None, ())
    return result


def _issues(cls: type, data: object) -> list[DecodeIssue]:
    issues: list[DecodeIssue] = []
    if not isinstance(data, dict):
        _note(issues, (), f"an object ({cls.__name__})", data)
        return issues
    _decode(_plan(cls), data, issues, ())
    return issues


def completion_issues(data: object) -> list[DecodeIssue]:
    """Every place where ``data`` departs from the generated ``ChatCompletion``.

    Stricter than ``strict=True``: the generated models themselves let an unknown value through where a
    member may also be null (a chunk's ``finish_reason``) or hold a union, and keep it as sent; this lists it.
    """
    return _issues(ChatCompletion, data)


def chunk_issues(data: object) -> list[DecodeIssue]:
    """Every place where ``data`` departs from the generated ``ChatCompletionChunk``."""
    return _issues(ChatCompletionChunk, data)


# -- strict: the generated from_dict, after reading null in optional non-nullable members as absent ---


def _pruned(data: dict[str, Any], plan: _Plan) -> dict[str, Any]:
    """A copy of ``data`` without nulls in the plan's optional, non-nullable members (nested too)."""
    out = dict(data)
    for field in plan.fields:
        if field.key not in out:
            continue
        value = out[field.key]
        if value is None:
            if not field.required and not field.nullable:
                del out[field.key]
            continue
        if field.nested is None:
            continue
        nested = _plan(field.nested)
        if isinstance(value, dict):
            out[field.key] = _pruned(value, nested)
        elif isinstance(value, list):
            out[field.key] = [_pruned(v, nested) if isinstance(v, dict) else v for v in value]
    return out


def prune_nulls(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``data`` without the nulls the generated ``cls`` cannot hold in optional members."""
    return _pruned(data, _plan(cls))


def _strict(cls: type[M], data: dict[str, Any]) -> M:
    try:
        result: M = getattr(cls, "from_dict")(_pruned(data, _plan(cls)))  # noqa: B009 - any model class
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        found = _issues(cls, data)
        if found:
            more = f" (and {len(found) - 1} more)" if len(found) > 1 else ""
            message = f"the answer does not match {cls.__name__}: {found[0]}{more}"
        else:
            message = f"the answer does not match {cls.__name__} ({type(exc).__name__}: {exc})"
        raise APIResponseValidationError(message, body=data, issues=found) from exc
    return result


def _lenient(cls: type[M], data: object) -> M:
    if not isinstance(data, dict):
        raise APIResponseValidationError(
            f"the answer is not a JSON object ({cls.__name__} expected), found {_found(data)}", body=data
        )
    choices = data.get(_ESSENTIAL)
    if choices is None and cls is ChatCompletionChunk:
        # a chunk without choices (a keep-alive, usage or metadata chunk) has nothing to add to the message
        data = {**data, _ESSENTIAL: []}
        choices = []
    if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
        where = (
            _ESSENTIAL
            if not isinstance(choices, list)
            else (f"{_ESSENTIAL}[{next(i for i, c in enumerate(choices) if not isinstance(c, dict))}]")
        )
        issue = DecodeIssue(
            where,
            "an array of choice objects" if where == _ESSENTIAL else "a choice object",
            _found(choices if where == _ESSENTIAL else None),
        )
        raise APIResponseValidationError(
            f"the answer cannot be read as {cls.__name__}: {issue}", body=data, issues=[issue]
        )
    return decode_model(cls, data)


def decode_completion(data: object, *, strict: bool = False) -> ChatCompletion:
    """A ``ChatCompletion`` from a parsed JSON body; ``APIResponseValidationError`` if it cannot be read."""
    if strict:
        if not isinstance(data, dict):
            raise APIResponseValidationError(f"the answer is not a JSON object, found {_found(data)}", body=data)
        return _strict(ChatCompletion, data)
    return _lenient(ChatCompletion, data)


def decode_chunk(data: object, *, strict: bool = False) -> ChatCompletionChunk:
    """A ``ChatCompletionChunk`` from one parsed ``data:`` payload; ``APIResponseValidationError`` if unreadable."""
    if strict:
        if not isinstance(data, dict):
            raise APIResponseValidationError(f"the chunk is not a JSON object, found {_found(data)}", body=data)
        return _strict(ChatCompletionChunk, data)
    return _lenient(ChatCompletionChunk, data)

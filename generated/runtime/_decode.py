"""Decode JSON into the generated models, reading an unexpected ``null`` as "absent".

The spec (with ``spec/overlay.yaml``) declares where servers send ``null``
(``finish_reason`` until the last chunk, ``logprobs``, ``usage``...), and the
generated models accept ``None`` there. Servers also send ``null`` for optional
members the spec does not mark nullable (``"role": null`` in a delta, for
instance); the generated model would reject the whole answer for it. For an
*optional* member whose generated type has no ``None``, ``null`` is therefore
read as "absent" (the model's ``UNSET``) before ``from_dict``. A ``null`` in a
required member is left alone: the model rejects it and the caller gets an
``APIResponseValidationError`` naming it.

The tables are computed once from the generated classes, so a regenerated client
is handled without edits here.
"""

from __future__ import annotations

import re
from typing import Any

import attrs

from . import models
from .models.chat_completion import ChatCompletion
from .models.chat_completion_chunk import ChatCompletionChunk
from .types import Unset

__all__ = ["decode_chunk", "decode_completion", "prune_nulls"]

_NAME = re.compile(r"[A-Za-z_]\w*")


@attrs.frozen
class _Plan:
    #: optional members whose model type cannot hold None: a null is dropped (read as unset)
    drop_null: tuple[str, ...]
    #: members holding a nested model (or a list of them) with something to prune: (json key, plan)
    nested: tuple[tuple[str, _Plan], ...]

    @property
    def empty(self) -> bool:
        return not self.drop_null and not self.nested


_EMPTY = _Plan((), ())
_PLANS: dict[type, _Plan] = {}


def _json_key(field: attrs.Attribute[Any]) -> str:
    return field.name[:-1] if field.name.endswith("_") else field.name


def _plan(cls: type) -> _Plan:
    plan = _PLANS.get(cls)
    if plan is not None:
        return plan
    _PLANS[cls] = _EMPTY  # breaks cycles (a model nested in itself)
    drop: list[str] = []
    nested: list[tuple[str, _Plan]] = []
    for field in attrs.fields(cls):
        annotation: object = field.type  # a string: the generated modules use postponed annotations
        if field.name == "additional_properties" or not isinstance(annotation, str):
            continue
        names = _NAME.findall(annotation)
        if isinstance(field.default, Unset) and "None" not in names:
            drop.append(_json_key(field))
        targets = [getattr(models, name) for name in names if hasattr(getattr(models, name, None), "from_dict")]
        if len(targets) == 1 and attrs.has(targets[0]):
            child = _plan(targets[0])
            if not child.empty:
                nested.append((_json_key(field), child))
    plan = _Plan(tuple(drop), tuple(nested))
    _PLANS[cls] = plan
    return plan


def _prune(data: dict[str, Any], plan: _Plan) -> None:
    for key in plan.drop_null:
        if key in data and data[key] is None:
            del data[key]
    for key, child in plan.nested:
        value = data.get(key)
        if isinstance(value, dict):
            _prune(value, child)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    _prune(item, child)


def prune_nulls(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Remove (in place) the nulls the generated ``cls`` cannot hold in optional members; returns ``data``."""
    _prune(data, _plan(cls))
    return data


_CHUNK_PLAN = _plan(ChatCompletionChunk)
_COMPLETION_PLAN = _plan(ChatCompletion)


def decode_chunk(data: dict[str, Any]) -> ChatCompletionChunk:
    """A ``ChatCompletionChunk`` from one parsed ``data:`` payload (KeyError/TypeError/ValueError if it is not one)."""
    _prune(data, _CHUNK_PLAN)
    return ChatCompletionChunk.from_dict(data)


def decode_completion(data: dict[str, Any]) -> ChatCompletion:
    """A ``ChatCompletion`` from a parsed JSON body (KeyError/TypeError/ValueError if it is not one)."""
    _prune(data, _COMPLETION_PLAN)
    return ChatCompletion.from_dict(data)

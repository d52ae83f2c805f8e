"""Property: a spec diffed with itself, or with a reordered copy of itself, reports nothing."""

from __future__ import annotations

import copy
import random
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.drift import diff_specs

NAMES = st.sampled_from(["model", "messages", "role", "content", "n", "seed", "usage", "id", "type", "tools"])
SCALARS = st.sampled_from(
    [
        {"type": "string"},
        {"type": "integer"},
        {"type": "number", "nullable": True},
        {"type": "boolean"},
        {"type": "string", "format": "uri"},
    ]
)
ENUMS = st.lists(st.sampled_from(["a", "b", "c", "d", 1, None]), min_size=1, max_size=4, unique=True).map(
    lambda values: {"enum": values}
)
REF = st.just({"$ref": "#/components/schemas/Shared"})


def _schemas() -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        objects = st.dictionaries(NAMES, inner, min_size=1, max_size=4).map(
            lambda props: {
                "type": "object",
                "properties": props,
                "required": sorted(props)[: len(props) // 2 + 1],
                "description": "an object",
            }
        )
        arrays = inner.map(lambda item: {"type": "array", "items": item})
        variants = st.lists(inner, min_size=1, max_size=4).map(lambda vs: {"oneOf": vs})
        labelled = st.lists(st.sampled_from(["user", "system", "tool"]), min_size=1, max_size=3, unique=True).map(
            lambda roles: {
                "anyOf": [
                    {"type": "object", "properties": {"role": {"type": "string", "enum": [r]}}, "required": ["role"]}
                    for r in roles
                ]
            }
        )
        return objects | arrays | variants | labelled

    return st.recursive(SCALARS | ENUMS | REF, extend, max_leaves=8)


SCHEMAS = _schemas()


@st.composite
def specs(draw: st.DrawFn) -> dict[str, Any]:
    paths = draw(
        st.lists(
            st.sampled_from(["/v1/chat/completions", "/chat/completions", "/v1/models"]),
            min_size=1,
            max_size=3,
            unique=True,
        )
    )
    spec: dict[str, Any] = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "servers": [{"url": "https://a.example"}, {"url": "https://b.example"}],
        "paths": {},
        "components": {
            "schemas": {"Shared": draw(SCHEMAS)},
            "securitySchemes": {"k": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"k": []}],
    }
    for path in paths:
        spec["paths"][path] = {
            "post": {
                "operationId": path.replace("/", "_"),
                "parameters": [
                    {"name": "q", "in": "query", "schema": draw(SCHEMAS)},
                    {"name": "h", "in": "header", "required": True, "schema": {"type": "string"}},
                ],
                "requestBody": {"content": {"application/json": {"schema": draw(SCHEMAS)}}},
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {"schema": draw(SCHEMAS)},
                            "text/event-stream": {"schema": draw(SCHEMAS)},
                        },
                    },
                    "400": {"description": "bad"},
                },
            }
        }
    return spec


SET_LISTS = {"enum", "required", "oneOf", "anyOf", "allOf", "type", "security", "parameters", "servers", "tags"}


def reorder(node: Any, rng: random.Random, key: str = "") -> Any:
    """The same document with every object's keys and every set-like list shuffled."""
    if isinstance(node, dict):
        items = [(k, reorder(v, rng, k)) for k, v in node.items()]
        rng.shuffle(items)
        return dict(items)
    if isinstance(node, list):
        items = [reorder(v, rng) for v in node]
        if key in SET_LISTS:
            rng.shuffle(items)
        return items
    return node


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs())
def test_a_spec_diffed_with_itself_reports_nothing(spec: dict[str, Any]) -> None:
    assert diff_specs(spec, spec) == []
    assert diff_specs(spec, copy.deepcopy(spec)) == []


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(spec=specs(), seed=st.integers(min_value=0, max_value=2**32 - 1))
def test_a_reordered_copy_reports_nothing(spec: dict[str, Any], seed: int) -> None:
    shuffled = reorder(spec, random.Random(seed))
    assert diff_specs(spec, shuffled) == []
    assert diff_specs(shuffled, spec) == []


def _cycle_spec(alternatives: list[Any], parameters: list[Any] | None = None) -> dict[str, Any]:
    op: dict[str, Any] = {
        "responses": {
            "200": {
                "description": "ok",
                "content": {"application/json": {"schema": {"type": "array", "items": {"oneOf": alternatives}}}},
            }
        }
    }
    if parameters is not None:
        op["parameters"] = parameters
    return {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {"/v1/chat/completions": {"post": op}},
        "components": {"schemas": {"Shared": {"$ref": "#/components/schemas/Shared"}}},
    }


def test_swapped_alternatives_around_a_self_reference_are_no_change() -> None:
    """Seed 7's example: a cycle inside ``oneOf`` is the same cycle whichever position its alternative has."""
    shared = {"$ref": "#/components/schemas/Shared"}
    old = _cycle_spec([shared, {"type": "string"}])
    new = _cycle_spec([{"type": "string"}, shared])
    assert diff_specs(old, new) == []
    assert diff_specs(new, old) == []


def test_reordered_parameters_keep_their_broken_references() -> None:
    def param(name: str, ref: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": {"$ref": ref}}

    a, b = param("a", "#/components/schemas/Shared"), param("b", "#/components/schemas/Nowhere")
    old = _cycle_spec([{"type": "string"}], [a, b])
    new = _cycle_spec([{"type": "string"}], [b, a])
    assert diff_specs(old, new) == []


def test_a_cycle_that_moves_to_another_alternative_is_still_reported() -> None:
    """Keying by content must not hide a real change: the self-reference newly reached is a finding."""
    old = _cycle_spec([{"type": "string"}, {"type": "integer"}])
    new = _cycle_spec([{"type": "string"}, {"$ref": "#/components/schemas/Shared"}])
    assert "drift-ref-cycle" in {f.rule_id for f in diff_specs(old, new)}

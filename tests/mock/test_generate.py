"""The schema-driven generator, the compiled response makers and small pure helpers."""

from __future__ import annotations

import random
from typing import Any

import jsonschema
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.mock.app import pointer_to_param
from conformance.mock.compiler import Compiler, CProvider, Ctx
from conformance.mock.generate import MISSING, Generator, allows, generate, is_nullable
from conformance.oas import to_json_schema

LEAVES = st.one_of(
    st.builds(
        lambda lo, span: {"type": "string", "minLength": lo, "maxLength": lo + span},
        st.integers(0, 5),
        st.integers(0, 20),
    ),
    st.sampled_from(["uuid", "date-time", "date", "email", "uri", "ipv4", "ipv6", "hostname"]).map(
        lambda fmt: {"type": "string", "format": fmt}
    ),
    st.builds(
        lambda lo, span: {"type": "integer", "minimum": lo, "maximum": lo + span},
        st.integers(-1000, 1000),
        st.integers(0, 50),
    ),
    st.builds(
        lambda lo, ex: {"type": "number", "minimum": lo, "exclusiveMaximum": lo + ex},
        st.floats(-100, 100),
        st.floats(0.01, 10),
    ),
    st.builds(lambda m: {"type": "integer", "multipleOf": m, "minimum": 1}, st.integers(1, 9)),
    st.just({"type": "boolean"}),
    st.just({"type": "null"}),
    st.lists(st.one_of(st.text(max_size=5), st.integers()), min_size=1, max_size=4, unique=True).map(
        lambda values: {"enum": values}
    ),
    st.builds(lambda v: {"const": v}, st.one_of(st.text(max_size=5), st.integers(), st.booleans())),
    st.just({"type": ["string", "null"]}),
    st.just({}),
)
NAMES = st.text(alphabet="abcdefgh_", min_size=1, max_size=6)


def _object(props: dict[str, Any], required: list[str], closed: bool) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": props,
        "required": [name for name in required if name in props],
    }
    if closed:
        schema["additionalProperties"] = False
    return schema


SCHEMAS = st.recursive(
    LEAVES,
    lambda inner: st.one_of(
        st.builds(
            lambda items, n, unique: {
                "type": "array",
                "items": items,
                "minItems": n,
                **(
                    {"uniqueItems": True}
                    if unique and items.get("type") == "string" and items.get("maxLength") != 0
                    else {}
                ),
            },
            inner,
            st.integers(0, 3),
            st.booleans(),
        ),
        st.builds(_object, st.dictionaries(NAMES, inner, max_size=4), st.lists(NAMES, max_size=4), st.booleans()),
        st.builds(lambda a, b: {"anyOf": [a, b]}, inner, inner),
        st.builds(lambda a: {"allOf": [a, {"description": "x"}]}, inner),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(SCHEMAS, st.integers(0, 2**32))
def test_generated_values_satisfy_the_schema(schema: dict[str, Any], seed: int) -> None:
    value = generate(schema, random.Random(seed))
    jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())


@settings(max_examples=100, deadline=None, derandomize=True, database=None)
@given(SCHEMAS, st.integers(0, 2**32))
def test_generation_is_deterministic(schema: dict[str, Any], seed: int) -> None:
    assert generate(schema, random.Random(seed)) == generate(schema, random.Random(seed))


def test_openapi_nullable_and_refs() -> None:
    tag: dict[str, Any] = {"type": "string", "enum": ["a", "b"]}
    pet: dict[str, Any] = {
        "type": "object",
        "required": ["name", "tag"],
        "properties": {"name": {"type": "string", "nullable": True}, "tag": {"$ref": "#/definitions/Tag"}},
    }
    root = {"definitions": {"Pet": pet, "Tag": tag}}
    for seed in range(20):
        value = Generator(random.Random(seed), root=root).value({"$ref": "#/definitions/Pet"})
        inlined = {**pet, "properties": {"name": {"type": "string", "nullable": True}, "tag": tag}}
        jsonschema.validate(value, to_json_schema(inlined))


def test_recursive_schema_terminates() -> None:
    root = {
        "$defs": {"node": {"type": "object", "required": ["child"], "properties": {"child": {"$ref": "#/$defs/node"}}}}
    }
    value = Generator(random.Random(1), root=root).value({"$ref": "#/$defs/node"})
    depth = 0
    while isinstance(value, dict):
        value = value["child"]
        depth += 1
    assert value is None and depth > 5


@pytest.mark.parametrize(
    ("schema", "value", "expected"),
    [
        ({"type": "string"}, "x", True),
        ({"type": "string"}, None, False),
        ({"type": "string", "nullable": True}, None, True),
        ({"type": ["integer", "null"]}, None, True),
        ({"type": "number"}, 3, True),
        ({"type": "integer"}, 3.0, True),
        ({"type": "integer"}, True, False),
        ({"type": "string", "enum": ["a"]}, "b", False),
        ({"enum": ["a", None]}, None, True),
        ({}, None, True),
        ({"const": 1}, 2, False),
    ],
)
def test_allows(schema: dict[str, Any], value: Any, expected: bool) -> None:
    assert allows(schema, value) is expected


def test_is_nullable_only_when_null_is_allowed() -> None:
    assert is_nullable({"type": "object", "nullable": True})
    assert not is_nullable({"nullable": True, "properties": {}})  # OAS: nullable without type adds nothing
    assert is_nullable({})
    assert not is_nullable({"type": "string"})


def test_compiler_providers_fit_the_schema_or_fall_back() -> None:
    def kind(schema: Any, path: Any, comp: Any) -> Any:
        return (lambda ctx: "chat.completion") if allows(schema, "chat.completion") else None

    providers: dict[tuple[str, ...], CProvider] = {
        ("kind",): kind,
        ("extra",): lambda schema, path, comp: lambda ctx: MISSING,
    }
    fits = {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "string"}, "extra": {}}}
    drifted = {"type": "object", "required": ["kind"], "properties": {"kind": {"type": "integer"}, "extra": {}}}
    assert Compiler(providers).compile(fits)(Ctx(random.Random(0))) == {"kind": "chat.completion"}
    value = Compiler(providers).compile(drifted)(Ctx(random.Random(0)))
    assert set(value) == {"kind"} and isinstance(value["kind"], int)


@pytest.mark.parametrize(
    ("pointer", "param"),
    [("", None), ("/model", "model"), ("/messages/0/role", "messages[0].role"), ("/a~1b/2", "a/b[2]")],
)
def test_pointer_to_param(pointer: str, param: str | None) -> None:
    assert pointer_to_param(pointer) == param


@pytest.mark.parametrize("fmt", ["date-time", "date", "uuid", "email", "uri", "hostname", "ipv4", "ipv6"])
def test_unique_items_of_a_format_stay_in_the_format(fmt: str) -> None:
    # found by test_generated_values_satisfy_the_schema: distinct date-times were made by a suffix ("...Z1")
    schema = {"type": "array", "items": {"type": "string", "format": fmt}, "minItems": 4, "uniqueItems": True}
    for seed in range(20):
        value = generate(schema, random.Random(seed))
        assert len(set(value)) == 4
        jsonschema.validate(value, schema, format_checker=jsonschema.FormatChecker())

from __future__ import annotations

import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.mock.compiler import Compiler, Ctx, _choose
from conformance.mock.generate import Generator
from conformance.oas import Resolver, Validator, merge_all_of

from .fixtures import PETS


def test_the_documented_rules() -> None:
    schema = {
        "description": "outer",
        "allOf": [
            {"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"], "maxProperties": 5},
            {"allOf": [{"properties": {"b": {"type": "integer"}}, "required": ["a", "b"]}]},
            {"description": "inner", "maxProperties": 3, "minProperties": 1},
            "not a schema",
        ],
    }
    merged = merge_all_of(schema)
    assert merged == {
        "description": "outer",
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "integer"}},
        "required": ["a", "b"],
        "maxProperties": 3,
        "minProperties": 1,
    }
    assert "allOf" in schema  # the input is left as it is


def test_members_that_are_references_are_followed_and_broken_ones_add_nothing() -> None:
    resolver = Resolver(PETS)
    schema = {"allOf": [{"$ref": "#/components/schemas/Owner"}, {"$ref": "#/components/schemas/Broken"}]}
    merged = merge_all_of(schema, lambda part: resolver.follow_or(part))
    assert merged == {"type": "object", "required": ["id"], "properties": {"id": {"type": "integer"}}}


def test_a_budget_stops_the_merge() -> None:
    calls: list[int] = []

    def spend() -> bool:
        calls.append(1)
        return len(calls) < 2

    merged = merge_all_of({"allOf": [{"minimum": 1}, {"maximum": 2}, {"type": "integer"}]}, spend=spend)
    assert merged == {"minimum": 1}


# The mock had two allOf mergers: the generator's (tightest bounds, first value wins) and the compiled
# answers' (_choose: the last value wins). For this schema they disagreed on minItems (3 against 1), so a
# compiled answer carried one item where the schema asks for three.
DISAGREEING: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {
        "items": {
            "allOf": [
                {
                    "type": "array",
                    "items": {"type": "object", "required": ["x"], "properties": {"x": {"type": "string"}}},
                    "minItems": 3,
                },
                {"minItems": 1},
            ]
        }
    },
}


def test_the_mock_merges_allof_one_way() -> None:
    inner = DISAGREEING["properties"]["items"]
    expected = merge_all_of(inner)
    assert expected["minItems"] == 3
    assert _choose(inner) == expected
    assert Generator(random.Random(1))._merge_all_of(inner) == expected


def test_a_compiled_answer_meets_the_merged_schema() -> None:
    compiler = Compiler({("items", "*", "x"): lambda schema, path, comp: lambda ctx: "value"})
    made = compiler.compile(DISAGREEING)(Ctx(random.Random(1)))
    assert len(made["items"]) == 3
    assert Validator(DISAGREEING).is_valid(made)


@given(st.lists(st.tuples(st.sampled_from(["minLength", "maxLength"]), st.integers(0, 50)), min_size=1, max_size=6))
def test_bounds_narrow_to_the_range_every_member_allows(bounds: list[tuple[str, int]]) -> None:
    merged = merge_all_of({"type": "string", "allOf": [{key: value} for key, value in bounds]})
    lows = [v for k, v in bounds if k == "minLength"]
    highs = [v for k, v in bounds if k == "maxLength"]
    assert merged.get("minLength") == (max(lows) if lows else None)
    assert merged.get("maxLength") == (min(highs) if highs else None)

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.oas import is_nullable_ref, nullable_ref, short_json, value_class, wrapped_ref
from conformance.oas.nullable import unwrap_single

JSONS = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=5), inner, max_size=4),
    max_leaves=20,
)


@given(JSONS, st.integers(min_value=2, max_value=200))
def test_short_json_is_never_longer_than_its_limit(value: object, limit: int) -> None:
    text = short_json(value, limit)
    assert len(text) <= limit
    assert text.endswith("…") or len(text) < limit or len(short_json(value, 10_000)) == limit


def test_short_json_quotes_strings_unless_asked_not_to() -> None:
    assert short_json("é") == '"é"'
    assert short_json("é", raw_strings=True) == "é"
    assert short_json({"b": 1, "a": [True, None]}) == '{"a": [true, null], "b": 1}'
    assert [value_class(v) for v in (None, True, 1, 1.5, "", [], {})] == [
        "null",
        "boolean",
        "integer",
        "number",
        "string",
        "array",
        "object",
    ]


def test_the_nullable_reference_idiom() -> None:
    site = nullable_ref("#/components/schemas/X", {"description": "d"})
    assert site == {"allOf": [{"$ref": "#/components/schemas/X"}], "nullable": True, "description": "d"}
    assert is_nullable_ref(site) and wrapped_ref(site) == "#/components/schemas/X"
    assert not is_nullable_ref({"allOf": [{"type": "string"}], "nullable": True})
    assert not is_nullable_ref({"allOf": [{"$ref": "#/a"}, {"$ref": "#/b"}]})
    assert unwrap_single({"allOf": [{"type": "string"}], "nullable": True}) == {"type": "string", "nullable": True}

"""The tolerant example parser: JSON, JSON5 and Python literals; exact errors; never a crash."""

from __future__ import annotations

import json
import math
from typing import Any

import json5
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.codesamples.lenient_json import ExampleSyntaxError, loads, loads_with_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ("{'a': 'b'}", {"a": "b"}),
        ("{a: 1, b: [1, 2,],}", {"a": 1, "b": [1, 2]}),
        ("// leading comment\n{\n  /* block */ 'x': null, # hash comment\n}", {"x": None}),
        ("{'ok': True, 'no': False, 'none': None}", {"ok": True, "no": False, "none": None}),
        ("[0x1F, +1, .5, 5., -Infinity]", [31, 1, 0.5, 5.0, -math.inf]),
        ("'it\\'s'", "it's"),
        ('"line\\\ncontinued"', "linecontinued"),
        ('"\\x41\\u00e9\\ud83d\\ude00"', "Aé😀"),
        ("{$id: 1, _x: 2}", {"$id": 1, "_x": 2}),
        ("\ufeff{}", {}),
    ],
)
def test_accepts_json_json5_and_python_literals(text: str, expected: Any) -> None:
    assert loads(text) == expected


@pytest.mark.parametrize(
    ("text", "reason", "line", "column"),
    [
        ("", "expected a value, found the end of the text", 1, 1),
        ("{", "expected a property name or '}', found the end of the text", 1, 2),
        ('{"a" 1}', "expected ':' after a property name, found '1'", 1, 6),
        ('{\n  "a": 1\n  "b": 2\n}', "expected ',' or '}', found '\"b\"'", 3, 3),
        (" move it{'id': 1}", "expected a value, found 'move'", 1, 2),
        ("[1, 2] 3", "expected the end of the text, found '3'", 1, 8),
        ("[,]", "expected a value or ']', found ','", 1, 2),
        ("{'a': 'open", "unterminated string", 1, 7),
        ("/* never closed", "unterminated /* comment", 1, 1),
        ("[1 @]", "expected ',' or ']', found '@'", 1, 4),
        ('"\\u12"', "incomplete \\u escape in a string", 1, 2),
    ],
)
def test_errors_say_what_and_where(text: str, reason: str, line: int, column: int) -> None:
    with pytest.raises(ExampleSyntaxError) as caught:
        loads(text)
    assert (caught.value.reason, caught.value.line, caught.value.column) == (reason, line, column)


def test_lines_point_at_each_member() -> None:
    text = "{\n  'id': 'x',\n  'data': [\n    {'url': 'u'},\n    2\n  ]\n}"
    value, lines = loads_with_lines(text)
    assert value == {"id": "x", "data": [{"url": "u"}, 2]}
    assert lines == {"": 1, "/id": 2, "/data": 3, "/data/0": 4, "/data/0/url": 4, "/data/1": 5}


def test_deep_nesting_is_not_a_recursion_error() -> None:
    assert loads("[" * 5000 + "]" * 5000) is not None
    with pytest.raises(ExampleSyntaxError):
        loads("[" * 5000)


def test_huge_integer_is_an_error_not_a_crash() -> None:
    with pytest.raises(ExampleSyntaxError) as caught:
        loads("[" + "9" * 5000 + ", oops]")
    assert caught.value.reason.startswith("number '99999")


# -- properties ----------------------------------------------------------------------------------------
_keys = st.text(max_size=8)
_scalars = (
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=False) | st.text(max_size=12)
)
json_values = st.recursive(
    _scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4), max_leaves=25
)


@given(json_values)
def test_strict_json_round_trips(value: Any) -> None:
    text = json.dumps(value)
    assert loads(text) == json.loads(text)
    assert loads_with_lines(text)[0] == json.loads(text)  # the slow path agrees with the fast one


@given(json_values, st.booleans(), st.booleans(), st.sampled_from(["'", '"']))
def test_json5_renderings_round_trip(value: Any, quote_keys: bool, trailing: bool, quote: str) -> None:
    text = json5.dumps(
        value,
        quote_keys=quote_keys,
        trailing_commas=trailing,
        indent=2,
        quote_style=json5.QuoteStyle.ALWAYS_SINGLE if quote == "'" else json5.QuoteStyle.ALWAYS_DOUBLE,
    )
    assert loads(text) == value  # (json5.loads itself leaves escaped surrogate pairs unjoined)


@given(json_values)
def test_python_repr_round_trips(value: Any) -> None:
    text = repr(value)
    if "inf" in text:  # repr(inf) is not a literal
        return
    assert loads(text) == value


_json5_alphabet = st.sampled_from(
    [*"{}[]:,'\"\\/*#\n tfnxu0123456789.eE+-_$aIN", "true", "null", "None", "Infinity", "//", "/*", "*/"]
)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_json5_alphabet, max_size=40).map("".join) | st.text(max_size=60))
def test_arbitrary_text_never_crashes(text: str) -> None:
    try:
        loads(text)
    except ExampleSyntaxError as exc:
        lines = text.count("\n") + text.count("\r") + 1
        assert 1 <= exc.line <= lines
        assert exc.column >= 1


@settings(max_examples=300)
@given(st.lists(_json5_alphabet, max_size=30).map("".join))
def test_whatever_json5_accepts_we_read_the_same(text: str) -> None:
    try:
        expected = json5.loads(text)
    except Exception:  # the reference parser rejects it: nothing to compare
        return
    got = loads(text)
    if isinstance(expected, float) and math.isnan(expected):
        assert isinstance(got, float) and math.isnan(got)
    else:
        assert json.dumps(got, sort_keys=True) == json.dumps(expected, sort_keys=True)

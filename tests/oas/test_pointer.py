from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.oas import Pointer, join_pointer, pointer_escape, pointer_unescape, resolve_pointer


@given(st.lists(st.text(max_size=6), max_size=5))
def test_format_then_parse_gives_the_tokens_back(tokens: list[str]) -> None:
    pointer = Pointer(tuple(tokens))
    assert Pointer.parse(str(pointer)) == pointer
    assert Pointer.parse(pointer.fragment) == pointer
    assert str(pointer) == join_pointer(*tokens)


@given(st.text(max_size=10))
def test_escape_round_trips(token: str) -> None:
    assert pointer_unescape(pointer_escape(token)) == token
    assert "/" not in pointer_escape(token)


def test_resolve_walks_objects_and_arrays_and_names_what_is_missing() -> None:
    doc = {"a/b": [{"~x": 1}]}
    assert resolve_pointer(doc, "/a~1b/0/~0x") == 1
    assert Pointer.parse("#/a~1b/0").resolve(doc) == {"~x": 1}
    assert resolve_pointer(doc, "") is doc
    with pytest.raises(KeyError, match="no item '3'"):
        resolve_pointer(doc, "/a~1b/3")
    with pytest.raises(KeyError, match="no key 'c'"):
        resolve_pointer(doc, "#/c")


def test_parse_refuses_text_that_is_not_a_pointer() -> None:
    with pytest.raises(ValueError, match="starting with '/'"):
        Pointer.parse("components")
    assert (Pointer.parse("/a") / "b" / 0).parent == Pointer(("a", "b"))

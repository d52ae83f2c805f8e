from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.errors import SpecError
from conformance.oas import Resolver, deref, inlined_size, pointer_escape

from .fixtures import PETS


def test_a_chain_of_references_ends_at_its_target_with_its_name() -> None:
    res = Resolver(PETS).resolve({"$ref": "#/components/schemas/Pet"}, "/here")
    assert res.ok and res.name == "Pet" and res.pointer == "/components/schemas/Pet"
    assert res.node is PETS["components"]["schemas"]["Pet"]


def test_a_node_without_a_reference_is_its_own_target() -> None:
    node = {"type": "string"}
    res = Resolver(PETS).resolve(node, "/x")
    assert res.node is node and res.ok


@pytest.mark.parametrize(
    ("name", "kind", "detail"),
    [
        ("Loop", "cycle", "$ref cycle: #/components/schemas/Loop2 -> #/components/schemas/Loop"),
        ("Broken", "missing", "points nowhere (no key 'Nowhere' under #/components/schemas)"),
        ("Remote", "external", "external $ref 'other.yaml#/Pet' is not supported"),
    ],
)
def test_broken_references_come_back_as_values(name: str, kind: str, detail: str) -> None:
    resolver = Resolver(PETS)
    res = resolver.resolve(PETS["components"]["schemas"][name], f"/components/schemas/{name}")
    assert res.problem is not None
    assert res.problem.kind == kind
    assert detail in res.problem.detail
    assert resolver.follow_or(PETS["components"]["schemas"][name], "fallback") == "fallback"
    with pytest.raises(SpecError, match=kind if kind != "missing" else "points nowhere"):
        resolver.follow(PETS["components"]["schemas"][name], "/here")


def test_keywords_beside_a_reference_are_kept_for_readers_that_honour_them() -> None:
    res = Resolver(PETS).resolve({"$ref": "#/components/schemas/Kind", "description": "what"}, "")
    assert res.with_siblings() == {"type": "string", "enum": ["cat", "dog"], "description": "what"}


def test_deref_inlines_shares_targets_and_keeps_or_refuses_cycles() -> None:
    pet = deref(PETS, {"$ref": "#/components/schemas/Pet"})
    assert pet["properties"]["kind"] == {"type": "string", "enum": ["cat", "dog"]}
    tree = deref(PETS, {"$ref": "#/components/schemas/Tree"}, keep_cycles=True)
    assert tree["properties"]["children"]["items"] == {"$ref": "#/components/schemas/Tree"}
    with pytest.raises(SpecError, match="cycle"):
        deref(PETS, {"$ref": "#/components/schemas/Tree"})
    with pytest.raises(SpecError, match="points nowhere"):
        deref(PETS, {"$ref": "#/components/schemas/Broken"})


def test_inlined_size_counts_and_spots_recursion() -> None:
    assert inlined_size(PETS, {"$ref": "#/components/schemas/Tree"}) is None
    size = inlined_size(PETS, {"$ref": "#/components/schemas/Pet"})
    assert size is not None and size > 3


NAMES = st.sampled_from(["A", "B", "C", "D", "a/b", "t~"])


@given(st.dictionaries(NAMES, st.one_of(NAMES, st.none(), st.just("http://x/y")), min_size=1))
def test_resolve_never_raises_and_says_why_a_chain_stops(links: dict[str, str | None]) -> None:
    """Each schema is a reference to another name (maybe absent), to another document, or a plain schema."""

    def ref(name: str) -> str:
        return name if name.startswith("http") else "#/components/schemas/" + pointer_escape(name)

    schemas = {n: ({"$ref": ref(t)} if t is not None else {"type": "string"}) for n, t in links.items()}
    spec = {"components": {"schemas": schemas}}
    resolver = Resolver(spec)
    for name in schemas:
        visited, current, expected = [name], name, "ok"
        while True:
            target = links[current]
            if target is None:
                break
            if target.startswith("http"):
                expected = "external"
                break
            if target not in links:
                expected = "missing"
                break
            if target in visited:
                expected = "cycle"
                break
            visited.append(target)
            current = target
        res = resolver.resolve(schemas[name], "/components/schemas/" + pointer_escape(name))
        assert (res.problem.kind if res.problem else "ok") == expected
        if res.problem is None:
            assert res.node == {"type": "string"}

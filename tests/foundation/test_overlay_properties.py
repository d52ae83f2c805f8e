"""Properties of the declared normalisation: key order never matters; applying it twice equals applying it once."""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.overlay import Overlay, OverlayResult, apply_overlay, load_overlay

from .helpers import REPO, write_overlay

SETTINGS = settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@functools.cache
def real_overlay() -> Overlay:
    return load_overlay(REPO / "spec" / "overlay.yaml")


def reorder(node: Any, rng: random.Random) -> Any:
    """The same document with the members of every object in another order."""
    if isinstance(node, dict):
        items = list(node.items())
        rng.shuffle(items)
        return {key: reorder(value, rng) for key, value in items}
    if isinstance(node, list):
        return [reorder(value, rng) for value in node]
    return node


def prefix(overlay: Overlay, count: int) -> Overlay:
    return Overlay(overlay.path, overlay.title, overlay.actions[:count])


@pytest.fixture(scope="module")
def expected(_published_once: dict[str, Any]) -> OverlayResult:
    return apply_overlay(_published_once, real_overlay())


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_key_order_does_not_change_the_result(_published_once: dict[str, Any], expected: OverlayResult,
                                              seed: int) -> None:
    shuffled = apply_overlay(reorder(_published_once, random.Random(seed)), real_overlay())
    assert shuffled.spec == expected.spec
    assert shuffled.findings == expected.findings
    assert [(a.index, n) for a, n in shuffled.applied] == [(a.index, n) for a, n in expected.applied]


@SETTINGS
@given(data=st.data())
def test_applying_twice_equals_applying_once(_published_once: dict[str, Any], data: st.DataObject) -> None:
    overlay = real_overlay()
    count = data.draw(st.integers(1, len(overlay.actions)), label="actions")
    # the two forms the pipeline builds (corrections alone would target schemas the cosmetic lifts create)
    kinds = data.draw(st.sampled_from([("cosmetic",), ("cosmetic", "correction")]), label="kinds")
    part = prefix(overlay, count)
    once = apply_overlay(_published_once, part, kinds=kinds)
    twice = apply_overlay(once.spec, part, kinds=kinds)
    assert twice.spec == once.spec
    # the second time, every action that ran has nothing left to do
    ran = [a.index for a in part.actions if a.kind in kinds]
    assert [(f.rule_id, f.pointer) for f in twice.findings] == [
        ("overlay-action-unneeded", f"/actions/{index}") for index in ran]


def test_the_whole_overlay_is_idempotent(_published_once: dict[str, Any]) -> None:
    once = apply_overlay(_published_once, real_overlay())
    twice = apply_overlay(once.spec, real_overlay())
    assert twice.spec == once.spec
    assert {f.rule_id for f in twice.findings} == {"overlay-action-unneeded"}
    assert len(twice.findings) == len(real_overlay().actions)


_SMALL_ACTIONS = ["update-info", "remove-nullable", "lift-both", "type-integer"]


def _small_spec(rng: random.Random) -> dict[str, Any]:
    body = {"type": "object", "required": ["id"], "properties": {
        "id": {"type": "string"}, "created": {"type": "number"},
        "meta": {"nullable": True, "description": "free-form"},
    }}
    spec = {"openapi": "3.0.0", "info": {"title": "t", "version": "1"}, "paths": {
        p: {"post": {"responses": {"200": {"description": "ok", "content": {"application/json": {
            "schema": {**body, "description": p}}}}}}} for p in ("/a", "/b")}}
    return reorder(spec, rng)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chosen=st.lists(st.sampled_from(_SMALL_ACTIONS), min_size=1, unique=True))
def test_small_overlays_are_order_free_and_idempotent(seed: int, chosen: list[str]) -> None:
    catalogue = {
        "update-info": {"target": "$.info", "update": {"version": "2"}},
        "remove-nullable": {"target": "$..[?@.nullable == true && !@.type].nullable", "remove": True},
        "lift-both": {"target": "$.paths['/a','/b'].post.responses['200'].content['application/json'].schema",
                      "x-lift": "Thing"},
        "type-integer": {"target": "$..properties.created", "update": {"type": "integer"}},
    }
    with tempfile.TemporaryDirectory() as tmp:
        overlay = write_overlay(Path(tmp), *(catalogue[name] for name in _SMALL_ACTIONS if name in chosen))
    plain = apply_overlay(_small_spec(random.Random(0)), overlay)
    shuffled = apply_overlay(_small_spec(random.Random(seed)), overlay)
    assert shuffled.spec == plain.spec
    assert shuffled.findings == plain.findings
    assert apply_overlay(plain.spec, overlay).spec == plain.spec

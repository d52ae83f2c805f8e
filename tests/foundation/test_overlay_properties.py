"""Properties of the declared normalisation: key order never matters; applying it (or any prefix of it)
twice equals applying it once."""

from __future__ import annotations

import functools
import random
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.overlay import Action, Overlay, OverlayResult, apply_overlay, load_overlay

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


def prefix(overlay: Overlay, actions: list[Action]) -> Overlay:
    return Overlay(overlay.path, overlay.title, tuple(actions))


@pytest.fixture(scope="module")
def expected(_published_once: dict[str, Any]) -> OverlayResult:
    return apply_overlay(_published_once, real_overlay())


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1))
def test_key_order_does_not_change_the_result(
    _published_once: dict[str, Any], expected: OverlayResult, seed: int
) -> None:
    shuffled = apply_overlay(reorder(_published_once, random.Random(seed)), real_overlay())
    assert shuffled.spec == expected.spec
    assert shuffled.findings == expected.findings
    assert [(a.index, n) for a, n in shuffled.applied] == [(a.index, n) for a, n in expected.applied]


def _forms(overlay: Overlay) -> list[tuple[tuple[str, ...], list[Action]]]:
    """The two forms the pipeline builds, each with the actions it runs (corrections alone would target
    schemas that the cosmetic lifts create)."""
    return [
        (kinds, [a for a in overlay.actions if a.kind in kinds])
        for kinds in (("cosmetic",), ("cosmetic", "correction"))
    ]


def test_every_prefix_applied_twice_equals_applying_it_once(_published_once: dict[str, Any]) -> None:
    """The contract: no action leaves a state that only a later action makes consistent, so every prefix of
    the overlay (an overlay being written, or one cut short by a failure) can be re-applied to its own output.
    Exhaustive: every prefix of both forms (the state after n actions is built from the state after n - 1)."""
    overlay = real_overlay()
    for kinds, active in _forms(overlay):
        state = _published_once
        for count, action in enumerate(active, start=1):
            state = apply_overlay(state, prefix(overlay, [action]), kinds=kinds).spec
            part = prefix(overlay, active[:count])
            twice = apply_overlay(state, part, kinds=kinds)
            assert twice.spec == state, f"{kinds}: re-applying the first {count} actions changed the spec"
            # the second time, every action has nothing left to do
            assert [(f.rule_id, f.pointer) for f in twice.findings] == [
                ("overlay-action-unneeded", f"/actions/{a.index}") for a in active[:count]
            ], (kinds, count)


def test_the_whole_overlay_is_idempotent(_published_once: dict[str, Any]) -> None:
    once = apply_overlay(_published_once, real_overlay())
    twice = apply_overlay(once.spec, real_overlay())
    assert twice.spec == once.spec
    assert {f.rule_id for f in twice.findings} == {"overlay-action-unneeded"}
    assert len(twice.findings) == len(real_overlay().actions)


_SMALL_ACTIONS = ["update-info", "remove-nullable", "lift-both", "type-integer"]


def _small_spec(rng: random.Random) -> dict[str, Any]:
    body = {
        "type": "object",
        "required": ["id"],
        "properties": {
            "id": {"type": "string"},
            "created": {"type": "number"},
            "meta": {"nullable": True, "description": "free-form"},
        },
    }
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "t", "version": "1"},
        "paths": {
            p: {
                "post": {
                    "responses": {
                        "200": {
                            "description": "ok",
                            "content": {"application/json": {"schema": {**body, "description": p}}},
                        }
                    }
                }
            }
            for p in ("/a", "/b")
        },
    }
    return reorder(spec, rng)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), chosen=st.lists(st.sampled_from(_SMALL_ACTIONS), min_size=1, unique=True))
def test_small_overlays_are_order_free_and_idempotent(seed: int, chosen: list[str]) -> None:
    catalogue = {
        "update-info": {"target": "$.info", "update": {"version": "2"}},
        "remove-nullable": {"target": "$..[?@.nullable == true && !@.type].nullable", "remove": True},
        "lift-both": {
            "target": "$.paths['/a','/b'].post.responses['200'].content['application/json'].schema",
            "x-lift": "Thing",
        },
        "type-integer": {"target": "$..properties.created", "update": {"type": "integer"}},
    }
    with tempfile.TemporaryDirectory() as tmp:
        overlay = write_overlay(Path(tmp), *(catalogue[name] for name in _SMALL_ACTIONS if name in chosen))
    plain = apply_overlay(_small_spec(random.Random(0)), overlay)
    shuffled = apply_overlay(_small_spec(random.Random(seed)), overlay)
    assert shuffled.spec == plain.spec
    assert shuffled.findings == plain.findings
    assert apply_overlay(plain.spec, overlay).spec == plain.spec

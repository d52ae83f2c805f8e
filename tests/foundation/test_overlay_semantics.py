"""Overlay semantics on small specs: update, remove, x-lift; no-op actions and vanished targets."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from conformance.errors import OverlayError
from conformance.findings import Level
from conformance.overlay import KINDS, OverlayResult, apply_overlay

from .helpers import minimal_spec, write_overlay


def apply(
    spec: dict[str, Any], tmp_path: Path, *actions: dict[str, Any], kinds: tuple[str, ...] = KINDS
) -> OverlayResult:
    return apply_overlay(spec, write_overlay(tmp_path, *actions), kinds=kinds, location="overlay.yaml")


def chat() -> dict[str, Any]:
    """Two aliases with the same inline response schema (descriptions differ), the published shape."""
    body = {
        "type": "object",
        "required": ["id", "usage"],
        "properties": {
            "id": {"type": "string", "description": "an id"},
            "usage": {
                "type": "object",
                "nullable": True,
                "description": "token counts",
                "properties": {"total_tokens": {"type": "number"}},
                "example": None,
            },
        },
    }
    spec = minimal_spec()
    spec["paths"] = {}
    for path, text in (("/v1/chat", "the versioned path"), ("/chat", "the alias")):
        schema = copy.deepcopy(body)
        schema["description"] = text
        spec["paths"][path] = {
            "post": {"responses": {"200": {"description": "ok", "content": {"application/json": {"schema": schema}}}}}
        }
    return spec


V1 = "$.paths['/v1/chat'].post.responses['200'].content['application/json'].schema"
BOTH = "$.paths['/v1/chat','/chat'].post.responses['200'].content['application/json'].schema"


# -- update -------------------------------------------------------------------------------------


def test_update_merges_objects_recursively(tmp_path: Path) -> None:
    spec = minimal_spec()
    result = apply(spec, tmp_path, {"target": "$.info", "update": {"version": "2", "contact": {"name": "x"}}})
    assert result.spec["info"] == {"title": "tiny", "version": "2", "contact": {"name": "x"}}
    assert result.findings == ()
    assert [(a.index, n) for a, n in result.applied] == [(0, 1)]
    assert spec == minimal_spec()  # the input is never changed


def test_update_of_the_root(tmp_path: Path) -> None:
    result = apply(minimal_spec(), tmp_path, {"target": "$", "update": {"security": [{"bearer": []}]}})
    assert result.spec == minimal_spec(security=[{"bearer": []}])


def test_update_appends_to_a_target_array_and_replaces_nested_ones(tmp_path: Path) -> None:
    spec = minimal_spec(tags=[{"name": "a"}], servers=[{"url": "https://a.test"}])
    result = apply(
        spec,
        tmp_path,
        {"target": "$.tags", "update": [{"name": "a"}, {"name": "b"}]},
        {"target": "$", "update": {"servers": [{"url": "https://b.test"}]}},
    )
    assert result.spec["tags"] == [{"name": "a"}, {"name": "b"}]
    assert result.spec["servers"] == [{"url": "https://b.test"}]


def test_update_every_match(tmp_path: Path) -> None:
    result = apply(
        chat(), tmp_path, {"target": BOTH + ".properties.usage.properties.total_tokens", "update": {"type": "integer"}}
    )
    for path in ("/v1/chat", "/chat"):
        schema = result.spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["properties"]["usage"]["properties"]["total_tokens"] == {"type": "integer"}
    assert [n for _, n in result.applied] == [2]


def test_an_update_that_changes_nothing_is_reported_unneeded(tmp_path: Path) -> None:
    result = apply(
        minimal_spec(), tmp_path, {"target": "$.info", "update": {"title": "tiny"}, "description": "rename the API"}
    )
    assert result.spec == minimal_spec()
    [finding] = result.findings
    assert (finding.rule_id, finding.level, finding.location, finding.pointer) == (
        "overlay-action-unneeded",
        Level.WARNING,
        "overlay.yaml",
        "/actions/0",
    )
    assert finding.message == (
        "action 0 (oas-invalid: $.info) changed nothing; upstream seems to have fixed it (rename the API)"
    )


# -- remove -------------------------------------------------------------------------------------


def test_remove_every_match(tmp_path: Path) -> None:
    spec = chat()
    result = apply(
        spec,
        tmp_path,
        {"target": "$..[?@.nullable == true && !@.type].nullable", "remove": True},
        {"target": BOTH + ".properties.usage.nullable", "remove": True},
    )
    for path in ("/v1/chat", "/chat"):
        usage = result.spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"]["schema"][
            "properties"
        ]["usage"]
        assert "nullable" not in usage
    # the first action found nothing to remove (every nullable has a type): no longer needed, not an error
    assert [(f.rule_id, f.pointer) for f in result.findings] == [("overlay-action-unneeded", "/actions/0")]
    assert [n for _, n in result.applied] == [0, 2]


def test_remove_whose_member_is_already_gone_is_unneeded(tmp_path: Path) -> None:
    result = apply(minimal_spec(), tmp_path, {"target": "$.info.summary", "remove": True})
    assert result.spec == minimal_spec()
    assert [(f.rule_id, f.pointer) for f in result.findings] == [("overlay-action-unneeded", "/actions/0")]


def test_remove_whose_parent_vanished_fails(tmp_path: Path) -> None:
    with pytest.raises(OverlayError) as caught:
        apply(minimal_spec(), tmp_path, {"target": "$.components.schemas.Gone.required", "remove": True})
    assert caught.value.message == (
        "overlay.yaml: 1 overlay target(s) no longer exist in the spec: "
        "action 0 (oas-invalid: $.components.schemas.Gone.required)"
    )


# -- targets ------------------------------------------------------------------------------------


def test_targets_that_match_nothing_fail_naming_every_action(tmp_path: Path) -> None:
    with pytest.raises(OverlayError) as caught:
        apply(
            minimal_spec(),
            tmp_path,
            {"target": "$.paths['/gone'].get", "update": {"summary": "x"}},
            {"target": "$.info", "update": {"version": "2"}},
            {"target": "$.components.schemas.Gone", "x-lift": "Gone"},
        )
    assert caught.value.message == (
        "overlay.yaml: 2 overlay target(s) no longer exist in the spec: "
        "action 0 (oas-invalid: $.paths['/gone'].get); action 2 (oas-invalid: $.components.schemas.Gone)"
    )
    assert caught.value.hint == ("upstream changed the spec; run `conformance drift` and update spec/overlay.yaml")
    assert caught.value.exit_code == 2


def test_kinds_select_actions(tmp_path: Path) -> None:
    actions = (
        {"target": "$.info", "update": {"version": "2"}},
        {"target": "$.info", "update": {"title": "fixed"}, "x-kind": "correction"},
    )
    assert apply(minimal_spec(), tmp_path, *actions, kinds=("cosmetic",)).spec["info"] == {
        "title": "tiny",
        "version": "2",
    }
    assert apply(minimal_spec(), tmp_path, *actions, kinds=("correction",)).spec["info"] == {
        "title": "fixed",
        "version": "1",
    }
    assert apply(minimal_spec(), tmp_path, *actions).spec["info"] == {"title": "fixed", "version": "2"}


# -- x-lift -------------------------------------------------------------------------------------


def test_lift_moves_the_schema_and_leaves_a_reference(tmp_path: Path) -> None:
    result = apply(chat(), tmp_path, {"target": V1, "x-lift": "ChatCompletion"})
    lifted = chat()["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert result.spec["components"]["schemas"] == {"ChatCompletion": lifted}
    assert result.spec["paths"]["/v1/chat"]["post"]["responses"]["200"]["content"]["application/json"] == {
        "schema": {"$ref": "#/components/schemas/ChatCompletion"}
    }
    assert result.spec["paths"]["/chat"] == chat()["paths"]["/chat"]


def test_lift_shares_one_component_between_aliases(tmp_path: Path) -> None:
    result = apply(chat(), tmp_path, {"target": BOTH, "x-lift": "ChatCompletion"})
    ref = {"schema": {"$ref": "#/components/schemas/ChatCompletion"}}
    for path in ("/v1/chat", "/chat"):
        assert result.spec["paths"][path]["post"]["responses"]["200"]["content"]["application/json"] == ref
    assert list(result.spec["components"]["schemas"]) == ["ChatCompletion"]
    assert [n for _, n in result.applied] == [2]
    assert result.findings == ()


def test_lift_refuses_a_name_taken_by_another_contract(tmp_path: Path) -> None:
    spec = chat()
    schema = spec["paths"]["/chat"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]
    schema["required"] = ["id"]  # the alias no longer promises `usage`
    with pytest.raises(OverlayError) as caught:
        apply(spec, tmp_path, {"target": BOTH, "x-lift": "ChatCompletion"})
    pointer = "/paths/~1v1~1chat/post/responses/200/content/application~1json/schema"
    assert caught.value.message == (
        f"action 0 (oas-invalid: {BOTH}): components/schemas/ChatCompletion exists with a different contract "
        f"than the schema at {pointer}"
    )
    assert caught.value.hint == "give the lifted schema another name, or correct one of them first"


def test_lift_of_a_nullable_schema_keeps_nullability_at_the_site(tmp_path: Path) -> None:
    result = apply(
        chat(),
        tmp_path,
        {"target": BOTH, "x-lift": "ChatCompletion"},
        {"target": "$.components.schemas.ChatCompletion.properties.usage", "x-lift": "CompletionUsage"},
    )
    schemas = result.spec["components"]["schemas"]
    assert schemas["CompletionUsage"] == {
        "type": "object",
        "description": "token counts",
        "properties": {"total_tokens": {"type": "number"}},
    }
    assert schemas["ChatCompletion"]["properties"]["usage"] == {
        "allOf": [{"$ref": "#/components/schemas/CompletionUsage"}],
        "nullable": True,
        "description": "token counts",
    }


def test_lift_of_a_reference_changes_nothing(tmp_path: Path) -> None:
    once = apply(chat(), tmp_path, {"target": BOTH, "x-lift": "ChatCompletion"}).spec
    again = apply(once, tmp_path, {"target": BOTH, "x-lift": "ChatCompletion"})
    assert again.spec == once
    assert [(f.rule_id, f.pointer) for f in again.findings] == [("overlay-action-unneeded", "/actions/0")]


@pytest.mark.parametrize("combo", ["anyOf", "oneOf", "allOf"])
def test_lift_of_a_site_that_a_correction_wrapped_changes_nothing(tmp_path: Path, combo: str) -> None:
    """A correction may wrap a lifted reference (`anyOf: [$ref, {type: string}]`) and drop the plain `$ref`;
    lifting the site again must see its own reference inside and leave it alone."""
    usage = "$.components.schemas.ChatCompletion.properties.usage"
    actions = [
        {"target": BOTH, "x-lift": "ChatCompletion"},
        {"target": "$.components.schemas.ChatCompletion.properties.id", "x-lift": "Id"},
        {
            "target": "$.components.schemas.ChatCompletion.properties.id",
            "update": {combo: [{"$ref": "#/components/schemas/Id"}, {"type": "integer"}]},
        },
        {"target": "$.components.schemas.ChatCompletion.properties.id['$ref']", "remove": True},
        {"target": usage, "x-lift": "CompletionUsage"},
    ]
    once = apply(chat(), tmp_path, *actions).spec
    assert once["components"]["schemas"]["ChatCompletion"]["properties"]["id"] == {
        combo: [{"$ref": "#/components/schemas/Id"}, {"type": "integer"}]
    }
    again = apply(once, tmp_path, *actions)
    assert again.spec == once
    assert {f.rule_id for f in again.findings} == {"overlay-action-unneeded"}


def test_lift_of_a_site_wrapping_another_reference_still_lifts_nothing_it_does_not_own(tmp_path: Path) -> None:
    """A site whose `anyOf` refers to some other schema is not the lifted one: lifting it under a name taken by
    a different contract still fails."""
    spec = apply(
        chat(),
        tmp_path,
        {"target": BOTH, "x-lift": "ChatCompletion"},
        {"target": "$.components.schemas.ChatCompletion.properties.id", "x-lift": "Id"},
        {
            "target": "$.components.schemas.ChatCompletion.properties.id",
            "update": {"anyOf": [{"$ref": "#/components/schemas/Id"}, {"type": "integer"}]},
        },
        {"target": "$.components.schemas.ChatCompletion.properties.id['$ref']", "remove": True},
    ).spec
    with pytest.raises(OverlayError, match="components/schemas/ChatCompletion exists with a different contract"):
        apply(
            spec, tmp_path, {"target": "$.components.schemas.ChatCompletion.properties.id", "x-lift": "ChatCompletion"}
        )


def test_lift_of_something_that_is_not_a_schema_fails(tmp_path: Path) -> None:
    with pytest.raises(OverlayError) as caught:
        apply(chat(), tmp_path, {"target": V1 + ".properties.id.type", "x-lift": "Id"})
    assert caught.value.message == (
        f"action 0 (oas-invalid: {V1}.properties.id.type): expected a schema object at "
        "/paths/~1v1~1chat/post/responses/200/content/application~1json/schema/"
        "properties/id/type, found str"
    )

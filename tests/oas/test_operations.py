from __future__ import annotations

from conformance.oas import OperationIndex, json_media, operations

from .fixtures import PETS


def test_every_operation_including_referenced_path_items() -> None:
    labels = [op.label for op in operations(PETS)]
    assert labels == ["GET /pets", "POST /pets", "GET /pets/{id}", "GET /pets/mine"]
    index = OperationIndex(PETS)
    one = index.get("GET", "/pets/{id}")
    assert one is not None and one.operation_id == "getPet" and one.pointer == "/paths/~1pets~1{id}/get"


def test_paths_match_exactly_first_then_templates() -> None:
    index = OperationIndex(PETS)
    assert index.match_path("/pets/mine") == "/pets/mine"
    assert index.match_path("/pets/42") == "/pets/{id}"
    assert index.match_path("/pets/42/toys") is None


def test_a_request_url_finds_its_operation_behind_the_server_base_path() -> None:
    index = OperationIndex(PETS)
    found = index.find("get", "http://127.0.0.1:9/v1/pets/7")
    assert found is not None and found.path == "/pets/{id}"
    found = index.find("POST", "http://127.0.0.1:9/proxy/v1/pets", target_base="/proxy")
    assert found is not None and found.label == "POST /pets"
    assert index.find("DELETE", "http://127.0.0.1:9/v1/pets") is None


def test_parts_of_an_operation_follow_references() -> None:
    index = OperationIndex(PETS)
    post = index.get("post", "/pets")
    assert post is not None
    media, pointer, schema, required = index.request_json(post) or ("", "", None, False)
    assert (media, required, schema) == ("application/json", True, {"$ref": "#/components/schemas/Pet"})
    assert pointer == "/paths/~1pets/post/requestBody/content/application~1json/schema"
    assert (index.response(post, 422) or {}).get("description") == "bad"
    assert (index.response(post, 500) or {}).get("description") == "other"
    status, _, _, _ = index.success_json(post) or ("", "", "", None)
    assert status == "201"
    listing = index.get("get", "/pets")
    assert listing is not None and (index.success_json(listing) or ("",))[0] == "200"


def test_json_media_prefers_plain_json() -> None:
    content = {"application/problem+json": {"schema": {}}, "application/json; charset=utf-8": {"schema": {}}}
    assert json_media(content) == "application/json; charset=utf-8"
    assert json_media({"text/plain": {}}) is None
    assert json_media({"application/json": {}}, with_schema=True) is None

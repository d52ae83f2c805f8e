"""The stages find operations through the one model: a path item that is a ``$ref`` and a templated path are
found by the suite and by drift alike (the suite matched exact paths only and skipped referenced path items;
drift's own walk skipped them too)."""

from __future__ import annotations

import copy

from conformance.drift.walk import operations as drift_operations
from conformance.suite.checks import SpecView

from .fixtures import PETS


def test_the_suite_finds_a_templated_operation_behind_a_referenced_path_item() -> None:
    view = SpecView(PETS, "pets")
    found = view.find("GET", "http://127.0.0.1:9/v1/pets/7")
    assert found is not None and found.label == "GET /pets/{id}"
    assert view.find("GET", "http://127.0.0.1:9/v1/pets/mine") is view.find("GET", "/pets/mine")


def test_drift_compares_operations_of_referenced_path_items() -> None:
    ops = drift_operations(copy.deepcopy(PETS))
    assert ("get", "/pets/{id}") in ops
    op, pointer, item = ops[("get", "/pets/{id}")]
    assert op["operationId"] == "getPet" and pointer == "/paths/~1pets~1{id}/get" and "get" in item


def test_a_recorded_request_is_explained_in_words() -> None:
    from conformance.suite.checks import CheckContext
    from conformance.suite.exchange import Exchange
    from conformance.traffic.requests import RequestChecker

    ctx = CheckContext(SpecView(PETS, "published"), SpecView(PETS, "normalised"), client_parse=False)
    ex = Exchange.build(
        operation="POST /pets",
        method="POST",
        url="http://127.0.0.1:9/v1/pets",
        request_headers={"Content-Type": "application/json"},
        request_body={"name": "Tom", "kind": "cow"},
        status=201,
        response_headers={"Content-Type": "application/json"},
        response_body=b'{"name": "Tom", "kind": "cat"}',
    )
    [finding] = RequestChecker(ctx).check(ex)
    assert finding.pointer == "/kind"
    assert (
        finding.message
        == 'published request schema of POST /pets: has /kind = "cow"; the schema allows only "cat", "dog"'
    )

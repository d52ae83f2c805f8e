"""Property: every request the spec allows gets a 200 that validates against the 200 schema (or a 400 the
API would also give), for requests generated from the request schema by schemathesis + hypothesis."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.mock.auth import DEFAULT_API_KEY
from conformance.mock.server import MockServer
from conformance.oas import Validator

from .helpers import AUTH, PATH, Schemas, events

# requests the request schema allows but the API refuses all the same (and so does the mock)
SEMANTIC_400 = {("tool_choice", "invalid_value"), ("n", "integer_above_max_value")}
SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
)


def _check(client: httpx.Client, schemas: Schemas, payload: dict[str, Any], mode: str) -> None:
    response = client.post(PATH, json=payload, headers={**AUTH, "X-Mock-Mode": mode})
    reproduce = (
        f"curl -s {client.base_url}{PATH} -H 'X-Mock-Mode: {mode}' "
        f"-H 'Authorization: Bearer {DEFAULT_API_KEY}' -d '{response.request.content.decode()}'"
    )
    if response.status_code == 400:
        error = response.json()["error"]
        assert (error["param"], error["code"]) in SEMANTIC_400, reproduce
        return
    assert response.status_code == 200, reproduce
    if payload.get("stream") is True:
        out = events(response)
        assert out[-1] == "[DONE]", reproduce
        for chunk in out[:-1]:
            assert schemas.chunk_violations(chunk) == [], reproduce
    else:
        assert schemas.completion_violations(response.json()) == [], reproduce


@pytest.fixture(scope="module")
def bodies(published: Schemas) -> st.SearchStrategy[Any]:
    operation = schemathesis.openapi.from_dict(published.spec)[PATH]["POST"]
    return operation.as_strategy().map(lambda case: case.body)


def test_published_spec_requests_get_valid_published_answers(
    published_server: MockServer, published: Schemas, bodies: st.SearchStrategy[Any]
) -> None:
    """strict-spec mode (conformant for non-streamed requests) against the published schemas, literally."""
    with httpx.Client(base_url=published_server.base_url, timeout=30) as client:

        @SETTINGS
        @given(bodies)
        def run(payload: dict[str, Any]) -> None:
            _check(client, published, payload, "strict-spec")

        run()


def test_default_server_answers_valid_against_the_normalised_spec(
    default_server: MockServer, normalised: Schemas, bodies: st.SearchStrategy[Any]
) -> None:
    """conformant mode on the normalised spec: answers and OpenAI-style streams validate against it."""
    accepts = Validator(normalised.op.request_schema)
    with httpx.Client(base_url=default_server.base_url, timeout=30) as client:

        @SETTINGS
        @given(bodies)
        def run(payload: dict[str, Any]) -> None:
            if not accepts.is_valid(payload):
                return  # the normalised request schema may be stricter than the published one
            _check(client, normalised, payload, "conformant")

        run()

"""The mock's accepted keys, in process: the test key, --api-key, AIMLAPI_KEY; 401 messages that quote nothing."""

from __future__ import annotations

import pytest

from conformance.mock.auth import DEFAULT_API_KEY, INVALID, MISSING, accepted_keys, auth_problem, describe, key_problem


def test_the_test_key_is_always_accepted() -> None:
    assert accepted_keys((), environ={}) == frozenset({DEFAULT_API_KEY.encode()})
    assert accepted_keys(["sk-a"], environ={}) == frozenset({DEFAULT_API_KEY.encode(), b"sk-a"})


@pytest.mark.parametrize(
    ("value", "added"), [("sk-env", True), ("  sk-env  ", True), ("", False), ("   ", False), ("sk bad", False)]
)
def test_aimlapi_key_is_accepted_when_it_is_a_usable_key(value: str, added: bool) -> None:
    keys = accepted_keys((), environ={"AIMLAPI_KEY": value})
    assert (b"sk-env" in keys) is added
    assert len(keys) == 1 + added


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (None, MISSING),
        (b"Bearer sk-other", INVALID),
        (b"Bearer " + DEFAULT_API_KEY.encode(), None),
        (b"BEARER " + DEFAULT_API_KEY.encode(), None),
        (b"sk-other", "Malformed Authorization header: expected the scheme 'Bearer', found another scheme."),
        (b"Bearer  ", "Malformed Authorization header: expected 'Bearer <key>' with one non-empty key, found none."),
    ],
)
def test_auth_problem(header: bytes | None, problem: str | None) -> None:
    assert auth_problem(header, accepted_keys((), environ={})) == problem


def test_no_message_quotes_the_header() -> None:
    keys = accepted_keys((), environ={})
    for header in (b"sk-live-123", b"Token sk-live-123", b"Bearer sk-live-123", b"Bearer sk-live-123 x"):
        message = auth_problem(header, keys)
        assert message is not None and "live-123" not in message


def test_key_problems_and_the_startup_description() -> None:
    assert key_problem("sk-fine_0.9") is None
    assert key_problem("a\tb") is not None
    assert describe(accepted_keys((), environ={})) == f"the test key {DEFAULT_API_KEY}"
    assert describe(accepted_keys(["sk-a", "sk-b"], environ={})) == f"the test key {DEFAULT_API_KEY} and 2 more"


def test_named_variables_add_their_keys() -> None:
    env = {"OTHER_KEY": "sk-other", "EMPTY": " ", "AIMLAPI_KEY": "sk-main"}
    keys = accepted_keys((), environ=env, env_names=["OTHER_KEY", "EMPTY", "UNSET"])
    assert keys == frozenset({DEFAULT_API_KEY.encode(), b"sk-other", b"sk-main"})

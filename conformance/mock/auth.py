"""Which bearer keys the mock accepts, and the 401 it gives the others.

The mock accepts a fixed set of keys so that a client's handling of an invalid
key can be tested against it:

* :data:`DEFAULT_API_KEY` (``mock-key-not-secret``), always: the documented test
  key (the conformance suite sends it to the mock when ``AIMLAPI_KEY`` is unset);
* every ``--api-key KEY`` given to ``conformance mock`` (``MockServer(api_keys=...)``);
* the value of ``AIMLAPI_KEY`` in the mock's environment, when set: the key the
  client and the suite read from there, so that they work against a mock started
  in the same environment; likewise each variable named by ``--api-key-env NAME``
  (``MockServer(api_key_envs=...)``: a key passed this way never appears in a
  command line). Only their number is ever reported, never their values.

Any other key gets 401 ``invalid_api_key``; no 401 message repeats any part of the
``Authorization`` header.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping

DEFAULT_API_KEY = "mock-key-not-secret"
KEY_ENV = "AIMLAPI_KEY"
MAX_KEY_LENGTH = 512

MISSING = (
    "You didn't provide an API key. Expected an Authorization header of the form "
    "'Authorization: Bearer <key>', found none."
)
MALFORMED_SCHEME = "Malformed Authorization header: expected the scheme 'Bearer', found another scheme."
MALFORMED_KEY = "Malformed Authorization header: expected 'Bearer <key>' with one non-empty key, found none."
INVALID = (
    "Incorrect API key provided. The mock accepts its test key 'mock-key-not-secret', the keys given with "
    "--api-key and the key in AIMLAPI_KEY (or --api-key-env) when it was started with one."
)


def key_problem(key: str) -> str | None:
    """Why ``key`` cannot be an accepted key (``None`` when it can); the message never quotes the key."""
    if not key:
        return "expected a non-empty key, found an empty one"
    if len(key) > MAX_KEY_LENGTH:
        return f"expected at most {MAX_KEY_LENGTH} characters, found {len(key)}"
    if any(c.isspace() or not c.isprintable() or not c.isascii() for c in key):
        return "expected printable ASCII without spaces, found whitespace or other characters"
    return None


def accepted_keys(
    given: Iterable[str] = (), environ: Mapping[str, str] | None = None, env_names: Iterable[str] = ()
) -> frozenset[bytes]:
    """The keys the mock accepts, as the bytes an ``Authorization: Bearer`` header carries.

    ``given`` must already be checked with :func:`key_problem`; a malformed or empty key in ``AIMLAPI_KEY`` or
    in a variable of ``env_names`` is ignored (a client could not send it either).
    """
    env = os.environ if environ is None else environ
    keys = {DEFAULT_API_KEY, *given}
    for name in (KEY_ENV, *env_names):
        from_env = env.get(name, "").strip()
        if from_env and key_problem(from_env) is None:
            keys.add(from_env)
    return frozenset(key.encode("ascii") for key in keys)


def auth_problem(header: bytes | None, accepted: frozenset[bytes]) -> str | None:
    """The 401 message for an ``Authorization`` header, or ``None`` when it carries an accepted key."""
    if header is not None and header[:7] == b"Bearer " and header[7:] in accepted:
        return None  # the common case, checked without decoding
    if header is None:
        return MISSING
    scheme, _, token = header.decode("latin-1").strip().partition(" ")
    if scheme.lower() != "bearer":
        return MALFORMED_SCHEME
    token = token.strip()
    if not token or any(c.isspace() for c in token):
        return MALFORMED_KEY
    if token.encode("latin-1") in accepted:
        return None  # `bearer` in another case, or surrounding spaces: accepted as OpenAI does
    return INVALID


def describe(accepted: frozenset[bytes]) -> str:
    """What the startup line says about the keys: the test key by name, the others only counted."""
    others = len(accepted) - 1
    return f"the test key {DEFAULT_API_KEY}" + (f" and {others} more" if others else "")

"""Every network fault the fetcher meets ends in a FetchError (exit 3) that says what was expected and found.

Driven against a real HTTP server on 127.0.0.1; the backoff goes through a fake ``sleep``
so the retries are counted and their delays recorded, never waited for.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from foundation.helpers import (
    COMMIT_A,
    SPEC_PATH,
    SPEC_REPO,
    Reply,
    SleepRecorder,
    always,
    free_port,
    loopback,
    minimal_spec,
    sequence,
    sha256,
)

from conformance.errors import EXIT_UPSTREAM, FetchError
from conformance.load.fetch import Fetcher, Lock, cache_file, fetch_pinned

pytestmark = pytest.mark.slow

SPEC_BYTES = json.dumps(minimal_spec(), indent=2).encode()
FILE = f"/{SPEC_REPO}/main/{SPEC_PATH}"


def make(
    url: str,
    sleep: SleepRecorder,
    *,
    retries: int = 2,
    backoff: float = 0.25,
    timeout: float = 2.0,
    max_bytes: int = 1_000_000,
) -> Fetcher:
    return Fetcher(base_url=url, retries=retries, backoff=backoff, sleep=sleep, timeout=timeout, max_bytes=max_bytes)


def test_ok_maps_repo_ref_path_onto_the_base_url(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(200, SPEC_BYTES))) as server:
        fetched, spec = make(server.url, sleep).get_spec(SPEC_REPO, "main", SPEC_PATH)
    assert [(r.method, r.path) for r in server.requests] == [("GET", FILE)]
    assert fetched.content == SPEC_BYTES
    assert fetched.origin == server.url + FILE
    assert fetched.commit is None
    assert spec == minimal_spec()
    assert sleep.calls == []


def test_connection_refused_is_retried_then_reported(sleep: SleepRecorder) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(FetchError) as caught:
        make(url, sleep, retries=2, backoff=0.25).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.exit_code == EXIT_UPSTREAM
    assert caught.value.message == (
        f"GET {url}{FILE}: expected an HTTP response, found a connection failure "
        "([Errno 111] Connection refused) after 3 attempt(s)"
    )
    assert caught.value.hint is not None and "SPEC_MIRROR" in caught.value.hint
    assert sleep.calls == [0.25, 0.5]


def test_timeout_is_retried_then_reported(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(200, SPEC_BYTES, delay=30))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep, retries=1, backoff=0.5, timeout=0.2).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == (
        f"GET {server.url}{FILE}: expected a response within 0.2s, found none (timed out) after 2 attempt(s)"
    )
    assert sleep.calls == [0.5]  # (not the server's count: a request given up on may never be read)


def test_404_is_not_retried(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(404, b"404: Not Found"))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == f"GET {server.url}{FILE}: expected 200, found 404 Not Found"
    assert caught.value.exit_code == EXIT_UPSTREAM
    assert len(server.requests) == 1
    assert sleep.calls == []


@pytest.mark.parametrize("status", [500, 502, 503, 429])
def test_server_errors_are_retried_with_bounded_exponential_backoff(sleep: SleepRecorder, status: int) -> None:
    with loopback(always(Reply(status, b"busy"))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep, retries=3, backoff=0.5).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == f"GET {server.url}{FILE}: expected 200, found {status} after 4 attempt(s)"
    assert len(server.requests) == 4
    assert sleep.calls == [0.5, 1.0, 2.0]


def test_no_retries_means_one_attempt(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(503))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep, retries=0).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message.endswith("expected 200, found 503 after 1 attempt(s)")
    assert len(server.requests) == 1
    assert sleep.calls == []


def test_a_server_error_then_success_returns_the_body(sleep: SleepRecorder) -> None:
    with loopback(sequence(Reply(502), Reply(503), Reply(200, SPEC_BYTES))) as server:
        fetched = make(server.url, sleep, retries=3, backoff=0.1).get(SPEC_REPO, "main", SPEC_PATH)
    assert fetched.content == SPEC_BYTES
    assert len(server.requests) == 3
    assert sleep.calls == [0.1, 0.2]


def test_other_statuses_fail_at_once(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(403, b"forbidden"))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == f"GET {server.url}{FILE}: expected 200, found 403"
    assert len(server.requests) == 1


def test_truncated_body(sleep: SleepRecorder) -> None:
    reply = Reply(200, SPEC_BYTES[:20], length=len(SPEC_BYTES))
    with loopback(always(reply)) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep).get(SPEC_REPO, "main", SPEC_PATH)
    message = caught.value.message
    assert message.startswith(f"GET {server.url}{FILE}: truncated or malformed response: ")
    assert f"received 20 bytes, expected {len(SPEC_BYTES)}" in message
    assert caught.value.exit_code == EXIT_UPSTREAM
    assert len(server.requests) == 1


def test_oversized_body_with_content_length(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(200, SPEC_BYTES))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep, max_bytes=64).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == (
        f"GET {server.url}{FILE}: expected at most 64 bytes, found Content-Length {len(SPEC_BYTES)}"
    )


def test_oversized_body_without_content_length(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(200, b"x" * 5000, length=-1))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep, max_bytes=64).get(SPEC_REPO, "main", SPEC_PATH)
    message = caught.value.message
    assert message.startswith(f"GET {server.url}{FILE}: expected at most 64 bytes, found more (")
    assert message.endswith(" read, then stopped)")


def test_a_body_of_exactly_max_bytes_is_accepted(sleep: SleepRecorder) -> None:
    with loopback(always(Reply(200, b"y" * 64, length=-1))) as server:
        assert make(server.url, sleep, max_bytes=64).get(SPEC_REPO, "main", SPEC_PATH).content == b"y" * 64


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            b"<html><body>rate limited</body></html>",
            "expected a JSON object (an OpenAPI document), found str: '<html><body>rate limited</body></html>'",
        ),
        (b'{"openapi": "3.0.0", "paths": ', "expected JSON, found a syntax error at line 1 column 31"),
        (b"\xff\xfe{}", "expected UTF-8 text, found undecodable byte at offset 0"),
        (b"[1, 2]", "expected a JSON object (an OpenAPI document), found a JSON list"),
    ],
    ids=["html", "broken-json", "not-utf8", "json-list"],
)
def test_not_json(sleep: SleepRecorder, body: bytes, expected: str) -> None:
    with loopback(always(Reply(200, body))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep).get_spec(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message.startswith(f"{server.url}{FILE}: {expected}")
    assert caught.value.exit_code == EXIT_UPSTREAM


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (
            {"swagger": "2.0", "paths": {}},
            "expected an OpenAPI 3.x document, found no 'openapi' key (keys: ['paths', 'swagger'])",
        ),
        ({"openapi": "2.0.0", "paths": {}}, "expected an OpenAPI 3.x document, found openapi='2.0.0'"),
        ({"openapi": 3.0, "paths": {}}, "expected an OpenAPI 3.x document, found openapi=3.0"),
        ({"openapi": "3.0.0", "info": {}}, "expected an OpenAPI 3.x document with a 'paths' object, found NoneType"),
    ],
    ids=["swagger-2", "openapi-2", "openapi-not-a-string", "no-paths"],
)
def test_json_that_is_not_openapi_3(sleep: SleepRecorder, doc: object, expected: str) -> None:
    with loopback(always(Reply(200, json.dumps(doc).encode()))) as server, pytest.raises(FetchError) as caught:
        make(server.url, sleep).get_spec(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == f"{server.url}{FILE}: {expected}"


def _lock(sha: str) -> Lock:
    return Lock(SPEC_REPO, SPEC_PATH, COMMIT_A, sha, len(SPEC_BYTES), "2026-01-01T00:00:00+00:00")


def test_fetch_pinned_rejects_a_sha256_mismatch_and_caches_nothing(
    sleep: SleepRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    wrong = "0" * 64
    with loopback(always(Reply(200, SPEC_BYTES))) as server, pytest.raises(FetchError) as caught:
        fetch_pinned(make(server.url, sleep), _lock(wrong))
    assert [r.path for r in server.requests] == [f"/{SPEC_REPO}/{COMMIT_A}/{SPEC_PATH}"]
    assert caught.value.message == (
        f"{server.url}/{SPEC_REPO}/{COMMIT_A}/{SPEC_PATH}: sha256 mismatch: "
        f"expected {wrong} (spec/lock.json), found {sha256(SPEC_BYTES)}"
    )
    assert caught.value.exit_code == EXIT_UPSTREAM
    assert not (tmp_path / "cache").exists()


def test_fetch_pinned_verifies_caches_and_then_reads_the_cache(
    sleep: SleepRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    lock = _lock(sha256(SPEC_BYTES))
    with loopback(always(Reply(200, SPEC_BYTES))) as server:
        path, spec = fetch_pinned(make(server.url, sleep), lock)
        again, spec_again = fetch_pinned(make(server.url, sleep), lock)
    assert path == again == cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH)
    assert path == tmp_path / "cache" / "upstream" / SPEC_REPO / COMMIT_A / SPEC_PATH
    assert path.read_bytes() == SPEC_BYTES
    assert spec == spec_again == minimal_spec()
    assert len(server.requests) == 1  # the second call was served by the verified cache


def test_fetch_pinned_refetches_over_a_corrupted_cache(
    sleep: SleepRecorder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    stale = cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b'{"openapi": "3.0.0", "paths": {}}')
    with loopback(always(Reply(200, SPEC_BYTES))) as server:
        path, _ = fetch_pinned(make(server.url, sleep), _lock(sha256(SPEC_BYTES)))
    assert len(server.requests) == 1
    assert path.read_bytes() == SPEC_BYTES


def test_a_gzipped_body_is_decoded_not_taken_for_truncated(sleep: SleepRecorder) -> None:
    """raw.githubusercontent.com gzips: its Content-Length counts the compressed bytes."""
    packed = gzip.compress(SPEC_BYTES)
    with loopback(always(Reply(200, packed, (("Content-Encoding", "gzip"),)))) as server:
        fetched = make(server.url, sleep).get(SPEC_REPO, "main", SPEC_PATH)
    assert fetched.content == SPEC_BYTES
    assert server.requests[0].headers["accept-encoding"].startswith("gzip")


def test_a_gzip_bomb_is_stopped_at_max_bytes(sleep: SleepRecorder) -> None:
    packed = gzip.compress(b" " * 1_000_000)
    assert len(packed) < 2000
    with (
        loopback(always(Reply(200, packed, (("Content-Encoding", "gzip"),)))) as server,
        pytest.raises(FetchError) as caught,
    ):
        make(server.url, sleep, max_bytes=10_000).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message.startswith(f"GET {server.url}{FILE}: expected at most 10000 bytes, found more (")

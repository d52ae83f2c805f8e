"""`conformance fetch` over a real loopback server: faults exit 3, say why, and leave the lock and cache untouched."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from foundation.helpers import (
    COMMIT_A,
    COMMIT_B,
    SPEC_PATH,
    SPEC_REPO,
    Handler,
    Loopback,
    Reply,
    Request,
    SleepRecorder,
    always,
    free_port,
    loopback,
    minimal_spec,
    sequence,
    sha256,
    snapshot,
)

import conformance.load.fetch
from conformance.cli import main
from conformance.commands import fetch as fetch_command
from conformance.errors import FetchError
from conformance.load.fetch import Fetcher, cache_file, fetch

pytestmark = pytest.mark.slow

SPEC_BYTES = json.dumps(minimal_spec(), indent=2).encode()
NEW_BYTES = json.dumps(minimal_spec(info={"title": "tiny", "version": "2"}), indent=2).encode()
OLD_MAIN = b'{"openapi": "3.0.0", "paths": {}, "info": {"title": "old main"}}'
STALE_PIN = b"stale bytes that do not match the lock"


@pytest.fixture
def state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sleep: SleepRecorder) -> SimpleNamespace:
    """A project pinned to COMMIT_A (sha256 of SPEC_BYTES), a cache with an old `main` and a stale pin."""
    from foundation.helpers import make_project

    lock = {
        "repo": SPEC_REPO,
        "path": SPEC_PATH,
        "commit": COMMIT_A,
        "sha256": sha256(SPEC_BYTES),
        "size": len(SPEC_BYTES),
        "fetched_at": "2026-01-01T00:00:00+00:00",
    }
    root = make_project(tmp_path / "project", lock=lock)
    cache = tmp_path / "cache"
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(cache))
    for ref, content in (("main", OLD_MAIN), (COMMIT_A, STALE_PIN)):
        target = cache_file(SPEC_REPO, ref, SPEC_PATH)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    # the default backoff sleeps for real; record it instead
    monkeypatch.setattr(conformance.load.fetch, "time", SimpleNamespace(sleep=sleep))
    return SimpleNamespace(root=root, cache=cache, lock=root / "spec" / "lock.json")


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[Handler], Loopback]]:
    servers: list[Loopback] = []
    stack: list[object] = []

    def start(handler: Handler) -> Loopback:
        manager = loopback(handler)
        server = manager.__enter__()
        stack.append(manager)
        servers.append(server)
        monkeypatch.setenv("SPEC_BASE_URL", server.url)
        return server

    yield start
    for manager in reversed(stack):
        manager.__exit__(None, None, None)  # type: ignore[attr-defined]


def _files(state: SimpleNamespace) -> dict[str, bytes]:
    return {**snapshot(state.root), **{f"cache/{k}": v for k, v in snapshot(state.cache).items()}}


FAULTS: dict[str, Reply] = {
    "404": Reply(404, b"404: Not Found"),
    "5xx": Reply(503, b"unavailable"),
    "truncated": Reply(200, SPEC_BYTES[:10], length=len(SPEC_BYTES)),
    "oversized": Reply(200, b"{}", length=64 * 1024 * 1024),
    "not-json": Reply(200, b"<!doctype html><title>Oops</title>"),
    "not-openapi": Reply(200, b'{"swagger": "2.0", "paths": {}}'),
}
EXPECTED = {
    "404": "expected 200, found 404 Not Found",
    "5xx": "expected 200, found 503 after 4 attempt(s)",
    "truncated": f"received 10 bytes, expected {len(SPEC_BYTES)}",
    "oversized": f"expected at most {20 * 1024 * 1024} bytes, found Content-Length {64 * 1024 * 1024}",
    "not-json": "expected a JSON object (an OpenAPI document), found str",
    "not-openapi": "expected an OpenAPI 3.x document, found no 'openapi' key",
}
COMMANDS = {
    "pinned": ["fetch"],
    "ref": ["fetch", "--ref", "main"],
    "update-lock": ["fetch", "--ref", COMMIT_B, "--update-lock"],
}


def _assert_clean_failure(capsys: pytest.CaptureFixture[str], code: int, expected: str) -> str:
    out, err = capsys.readouterr()
    assert code == 3
    assert "Traceback" not in err and "Traceback" not in out
    assert err.startswith("conformance fetch: error: ")
    assert expected in err
    return err


@pytest.mark.parametrize("command", list(COMMANDS))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_fault_exits_3_and_changes_nothing(
    state: SimpleNamespace,
    serve: Callable[[Handler], Loopback],
    capsys: pytest.CaptureFixture[str],
    fault: str,
    command: str,
    sleep: SleepRecorder,
) -> None:
    before = _files(state)
    serve(always(FAULTS[fault]))
    code = main(COMMANDS[command])
    _assert_clean_failure(capsys, code, EXPECTED[fault])
    assert _files(state) == before
    if fault == "5xx":
        assert sleep.calls == [0.5, 1.0, 2.0]  # the default backoff, recorded instead of slept


@pytest.mark.parametrize("command", list(COMMANDS))
def test_connection_refused_exits_3_and_changes_nothing(
    state: SimpleNamespace,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    command: str,
    sleep: SleepRecorder,
) -> None:
    before = _files(state)
    monkeypatch.setenv("SPEC_BASE_URL", f"http://127.0.0.1:{free_port()}")
    code = main(COMMANDS[command])
    err = _assert_clean_failure(
        capsys, code, "found a connection failure ([Errno 111] Connection refused) after 4 attempt(s)"
    )
    assert (
        "  hint: retry later, or work offline with --mirror DIR or SPEC_MIRROR=DIR, a mirror laid out as "
        "DIR/{repo}/{ref}/{path}"
    ) in err
    assert sleep.calls == [0.5, 1.0, 2.0]
    assert _files(state) == before


def test_timeout_exits_3_and_changes_nothing(
    state: SimpleNamespace,
    serve: Callable[[Handler], Loopback],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the CLI's 20 s default is too long for a test: the same fetcher, with a short timeout
    monkeypatch.setattr(
        fetch_command,
        "fetcher",
        lambda args: args.context.fetcher(timeout=0.2, retries=1, sleep=lambda s: None),
    )
    before = _files(state)
    serve(always(Reply(200, SPEC_BYTES, delay=30)))
    code = main(["fetch"])
    _assert_clean_failure(capsys, code, "expected a response within 0.2s, found none (timed out) after 2 attempt(s)")
    assert _files(state) == before


def test_sha256_mismatch_of_the_pin_exits_3_and_changes_nothing(
    state: SimpleNamespace, serve: Callable[[Handler], Loopback], capsys: pytest.CaptureFixture[str]
) -> None:
    before = _files(state)
    server = serve(always(Reply(200, NEW_BYTES)))
    code = main(["fetch"])
    err = _assert_clean_failure(
        capsys, code, f"sha256 mismatch: expected {sha256(SPEC_BYTES)} (spec/lock.json), found {sha256(NEW_BYTES)}"
    )
    assert "  hint: upstream content for a pinned commit changed" in err
    assert [r.path for r in server.requests] == [f"/{SPEC_REPO}/{COMMIT_A}/{SPEC_PATH}"]
    assert _files(state) == before


def test_pinned_fetch_verifies_and_caches(
    state: SimpleNamespace, serve: Callable[[Handler], Loopback], capsys: pytest.CaptureFixture[str]
) -> None:
    lock_before = state.lock.read_bytes()
    serve(always(Reply(200, SPEC_BYTES)))
    assert main(["fetch"]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    pinned = cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH)
    assert out == (
        f"fetched {SPEC_REPO}@{COMMIT_A}:{SPEC_PATH}\n"
        f"  sha256 {sha256(SPEC_BYTES)} ({len(SPEC_BYTES)} bytes), same as the pin\n"
        f"  cached at {pinned}\n"
    )
    assert pinned.read_bytes() == SPEC_BYTES
    assert state.lock.read_bytes() == lock_before
    assert cache_file(SPEC_REPO, "main", SPEC_PATH).read_bytes() == OLD_MAIN


def test_fetch_another_ref_reports_the_difference_and_keeps_the_lock(
    state: SimpleNamespace, serve: Callable[[Handler], Loopback], capsys: pytest.CaptureFixture[str]
) -> None:
    lock_before = state.lock.read_bytes()
    server = serve(always(Reply(200, NEW_BYTES)))
    assert main(["fetch", "--ref", "main", "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {
        "repo": SPEC_REPO,
        "ref": "main",
        "path": SPEC_PATH,
        "sha256": sha256(NEW_BYTES),
        "size": len(NEW_BYTES),
        "cached": str(cache_file(SPEC_REPO, "main", SPEC_PATH)),
        "matches_lock": False,
        "lock_updated": False,
        "lock_commit": COMMIT_A,
    }
    assert [r.path for r in server.requests] == [f"/{SPEC_REPO}/main/{SPEC_PATH}"]
    assert cache_file(SPEC_REPO, "main", SPEC_PATH).read_bytes() == NEW_BYTES
    assert state.lock.read_bytes() == lock_before


def test_update_lock_accepts_a_commit(
    state: SimpleNamespace, serve: Callable[[Handler], Loopback], capsys: pytest.CaptureFixture[str]
) -> None:
    serve(always(Reply(200, NEW_BYTES)))
    assert main(["fetch", "--ref", COMMIT_B, "--update-lock"]) == 0
    out = capsys.readouterr().out
    assert "DIFFERS from the pin" in out
    assert f"  lock updated: commit {COMMIT_B}\n" in out
    lock = json.loads(state.lock.read_text())
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lock.pop("fetched_at"))
    assert lock == {
        "repo": SPEC_REPO,
        "path": SPEC_PATH,
        "commit": COMMIT_B,
        "sha256": sha256(NEW_BYTES),
        "size": len(NEW_BYTES),
    }
    assert cache_file(SPEC_REPO, COMMIT_B, SPEC_PATH).read_bytes() == NEW_BYTES
    assert not [p.name for p in state.lock.parent.iterdir() if p.name.startswith(".lock.json.")]
    # the new pin is then fetched (and verified) from the cache, without the network
    assert main(["fetch"]) == 0
    assert "same as the pin" in capsys.readouterr().out


def test_retry_then_success_through_the_cli(
    state: SimpleNamespace,
    serve: Callable[[Handler], Loopback],
    capsys: pytest.CaptureFixture[str],
    sleep: SleepRecorder,
) -> None:
    server = serve(sequence(Reply(500), Reply(200, SPEC_BYTES)))
    assert main(["fetch"]) == 0
    assert "same as the pin" in capsys.readouterr().out
    assert len(server.requests) == 2
    assert sleep.calls == [0.5]


def test_no_lock_is_an_input_error(state: SimpleNamespace, capsys: pytest.CaptureFixture[str]) -> None:
    state.lock.unlink()
    assert main(["fetch"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"conformance fetch: error: {state.lock}: no lock to fetch from\n"
        "  hint: run `conformance fetch --ref main --update-lock`\n"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("{not json", "expected JSON, found a syntax error at line 1"),
        ("null", "expected a JSON object (the lock), found a JSON NoneType"),
        (
            '{"repo": "x"}',
            "expected keys ['path', 'commit', 'sha256', 'size', 'fetched_at'] in the lock, found only ['repo']",
        ),
    ],
)
def test_a_broken_lock_is_an_input_error(
    state: SimpleNamespace, capsys: pytest.CaptureFixture[str], content: str, expected: str
) -> None:
    state.lock.write_text(content)
    assert main(["fetch"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"conformance fetch: error: {state.lock}: {expected}")
    assert "Traceback" not in err


def _github(commits: list[str] | None, body: bytes) -> Handler:
    """Raw files under /{repo}/{ref}/{path}; the commits API under /repos/ (500 when ``commits`` is None)."""

    def handler(request: Request) -> Reply:
        if request.path.startswith(f"/repos/{SPEC_REPO}/commits?"):
            if commits is None:
                return Reply(500, b"api down")
            return Reply(
                200,
                json.dumps(
                    [
                        {
                            "sha": c,
                            "commit": {
                                "committer": {"date": "2026-01-02T03:04:05Z"},
                                "message": f"change {c[:7]}\n\nbody",
                            },
                        }
                        for c in commits
                    ]
                ).encode(),
            )
        return Reply(200, body)

    return handler


def test_update_lock_on_a_branch_resolves_the_commit_through_the_api(
    state: SimpleNamespace, sleep: SleepRecorder
) -> None:
    with loopback(_github([COMMIT_B, COMMIT_A], NEW_BYTES)) as server:
        fetcher = Fetcher(base_url=server.url, api_url=server.url, retries=0, sleep=sleep)
        result = fetch(fetcher, ref="main", update_lock=True)
    assert [r.path for r in server.requests] == [
        f"/{SPEC_REPO}/main/{SPEC_PATH}",
        f"/repos/{SPEC_REPO}/commits?path={SPEC_PATH}&sha=main&per_page=100",
    ]
    assert result.lock_updated and result.lock is not None
    assert (result.lock.commit, result.lock.sha256, result.lock.size) == (COMMIT_B, sha256(NEW_BYTES), len(NEW_BYTES))
    assert json.loads(state.lock.read_text())["commit"] == COMMIT_B
    assert cache_file(SPEC_REPO, COMMIT_B, SPEC_PATH).read_bytes() == NEW_BYTES


def test_update_lock_that_cannot_resolve_the_commit_changes_nothing(
    state: SimpleNamespace, sleep: SleepRecorder
) -> None:
    before = _files(state)
    with loopback(_github(None, NEW_BYTES)) as server, pytest.raises(FetchError) as caught:
        fetch(Fetcher(base_url=server.url, api_url=server.url, retries=1, sleep=sleep), ref="main", update_lock=True)
    assert caught.value.message == (
        f"GET {server.url}/repos/{SPEC_REPO}/commits?path={SPEC_PATH}&sha=main"
        "&per_page=100: expected 200, found 500 after 2 attempt(s)"
    )
    assert _files(state) == before  # not even the cached `main` was replaced


def test_update_lock_on_another_branch_asks_for_that_branch_history(
    state: SimpleNamespace, sleep: SleepRecorder
) -> None:
    with loopback(_github([COMMIT_B], NEW_BYTES)) as server:
        fetch(
            Fetcher(base_url=server.url, api_url=server.url, retries=0, sleep=sleep),
            ref="release/2.0",
            update_lock=True,
        )
    assert [r.path for r in server.requests] == [
        f"/{SPEC_REPO}/release/2.0/{SPEC_PATH}",
        f"/repos/{SPEC_REPO}/commits?path={SPEC_PATH}&sha=release/2.0&per_page=100",
    ]
    assert json.loads(state.lock.read_text())["commit"] == COMMIT_B


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (b'{"message": "API rate limit exceeded"}', "expected a JSON list of commits, found dict"),
        (
            b'[{"sha": "abc"}]',
            'expected commits with sha, commit.committer.date and commit.message, found [{"sha": "abc"}]',
        ),
        (b"<html>", "expected a JSON list of commits, found something else"),
    ],
    ids=["object", "incomplete-commit", "html"],
)
def test_a_commits_api_answer_that_is_not_a_commit_list(
    state: SimpleNamespace, sleep: SleepRecorder, body: bytes, expected: str
) -> None:
    before = _files(state)

    def handler(request: Request) -> Reply:
        return Reply(200, body) if request.path.startswith("/repos/") else Reply(200, NEW_BYTES)

    with loopback(handler) as server, pytest.raises(FetchError) as caught:
        fetch(Fetcher(base_url=server.url, api_url=server.url, retries=0, sleep=sleep), ref="main", update_lock=True)
    assert caught.value.message == (
        f"GET {server.url}/repos/{SPEC_REPO}/commits?path={SPEC_PATH}&sha=main&per_page=100: {expected}"
    )
    assert _files(state) == before

"""What a source cannot make `fetch` do: replace a verified copy with other bytes, run without end, lead it to
another host; and what an unchanged source leaves alone (the lock's fetched_at). Doc pages pinned in the lock are
fetched and verified like the spec."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from pathlib import Path

import pytest
from foundation.helpers import (
    COMMIT_A,
    COMMIT_B,
    SPEC_PATH,
    SPEC_REPO,
    Reply,
    Request,
    always,
    loopback,
    make_project,
    minimal_spec,
    sha256,
    snapshot,
)

from conformance.cli import main
from conformance.errors import EXIT_UPSTREAM, FetchError
from conformance.load.fetch import Fetcher, Lock, Pin, cache_file, fetch_doc_pages

from .test_fetch_mirror import make_mirror

GOOD = json.dumps(minimal_spec(), indent=2).encode()
TAMPERED = json.dumps(minimal_spec(info={"title": "tiny", "version": "evil"}), indent=2).encode()
PAGE_PATH = "docs/api-references/text-models-llm/openai/gpt-5.2.md"
PAGE = b"# GPT-5.2\n\nA page.\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lock = {
        "repo": SPEC_REPO,
        "path": SPEC_PATH,
        "commit": COMMIT_A,
        "sha256": sha256(GOOD),
        "size": len(GOOD),
        "fetched_at": "2026-01-01T00:00:00+00:00",
        "doc_pages": [
            {
                "repo": SPEC_REPO,
                "path": PAGE_PATH,
                "commit": COMMIT_B,
                "sha256": sha256(PAGE),
                "size": len(PAGE),
                "fetched_at": "2026-01-01T00:00:00+00:00",
            }
        ],
    }
    root = make_project(tmp_path / "project", lock=lock)
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return root


def _page(mirror: Path, content: bytes = PAGE) -> None:
    target = mirror / SPEC_REPO / COMMIT_B / PAGE_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(content)


def test_a_tampered_source_keeps_the_verified_cache(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = make_mirror(tmp_path / "good", {COMMIT_A: GOOD, "main": GOOD}, [COMMIT_A])
    _page(good)
    assert main(["fetch", "--mirror", str(good)]) == 0
    cached = cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH)
    assert cached.read_bytes() == GOOD
    before = snapshot(tmp_path / "cache")
    evil = make_mirror(tmp_path / "evil", {COMMIT_A: TAMPERED, "main": TAMPERED}, [COMMIT_A])
    _page(evil, b"# tampered\n")
    capsys.readouterr()
    assert main(["fetch", "--ref", COMMIT_A, "--mirror", str(evil)]) == EXIT_UPSTREAM
    err = capsys.readouterr().err
    assert f"sha256 mismatch: expected {sha256(GOOD)} (spec/lock.json), found {sha256(TAMPERED)}" in err
    assert "the cached copy, if any, was kept" in err
    assert snapshot(tmp_path / "cache") == before
    # the verified copy still serves every later command, from the same bad source
    assert main(["fetch", "--mirror", str(evil)]) == 0
    assert main(["fetch", "--ref", "main", "--update-lock", "--mirror", str(evil)]) == EXIT_UPSTREAM
    assert Lock.load(project / "spec" / "lock.json").sha256 == sha256(GOOD)


def test_update_lock_with_unchanged_content_keeps_fetched_at(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = make_mirror(tmp_path / "mirror", {COMMIT_A: GOOD, "main": GOOD}, [COMMIT_A])
    lock_file = project / "spec" / "lock.json"
    before = lock_file.read_bytes()
    assert main(["fetch", "--update-lock", "--mirror", str(mirror)]) == 0
    assert lock_file.read_bytes() == before
    assert "lock unchanged" in capsys.readouterr().out


def test_the_pinned_doc_pages_are_fetched_and_verified(
    project: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mirror = make_mirror(tmp_path / "mirror", {COMMIT_A: GOOD}, [COMMIT_A])
    _page(mirror)
    assert main(["fetch", "--mirror", str(mirror), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [Path(p).read_bytes() for p in info["doc_pages"]] == [PAGE]
    _page(mirror, b"# changed\n")
    for path in info["doc_pages"]:
        Path(path).unlink()
    with pytest.raises(FetchError) as caught:
        fetch_doc_pages(Fetcher(mirror=mirror), Lock.load(project / "spec" / "lock.json"))
    assert f"expected {sha256(PAGE)} (spec/lock.json)" in caught.value.message
    assert not cache_file(SPEC_REPO, COMMIT_B, PAGE_PATH).exists()


def test_the_lock_round_trips_its_doc_pages(project: Path) -> None:
    lock_file = project / "spec" / "lock.json"
    lock = Lock.load(lock_file)
    assert lock.doc_pages == (
        Pin(SPEC_REPO, PAGE_PATH, COMMIT_B, sha256(PAGE), len(PAGE), "2026-01-01T00:00:00+00:00"),
    )
    lock.save(lock_file)
    assert Lock.load(lock_file) == lock


def test_the_project_pins_the_model_doc_page() -> None:
    from foundation.helpers import REPO

    lock = Lock.load(REPO / "spec" / "lock.json")
    assert [(p.repo, p.path) for p in lock.doc_pages] == [(SPEC_REPO, PAGE_PATH)]
    assert all(len(p.commit) == 40 and len(p.sha256) == 64 for p in lock.doc_pages)


# -- HTTP: an overall deadline, redirects only within the host ---------------------------------------------------
class _Drip:
    """A raw socket server that sends headers, then one body byte every ``gap`` seconds, for ever."""

    def __init__(self, gap: float) -> None:
        import socket

        self.gap = gap
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(4)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                try:
                    conn.recv(65536)
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n")
                    while not self.stop.wait(self.gap):
                        conn.sendall(b" ")
                except OSError:
                    pass

    def close(self) -> None:
        self.stop.set()
        self.thread.join(timeout=5)
        self.sock.close()


def test_a_slow_drip_hits_the_overall_deadline() -> None:
    """Each byte arrives well within the read timeout; only the overall deadline ends the fetch."""
    drip = _Drip(gap=0.02)
    started = time.monotonic()
    try:
        fetcher = Fetcher(base_url=drip.url, retries=0, timeout=5.0, deadline=0.5)
        with pytest.raises(FetchError) as caught:
            fetcher.get(SPEC_REPO, "main", SPEC_PATH)
    finally:
        drip.close()
    assert "expected the whole file within 0.5s" in caught.value.message
    assert caught.value.exit_code == EXIT_UPSTREAM
    assert time.monotonic() - started < 30  # a bound on the test itself, not a speed assertion


def test_a_redirect_to_another_host_is_not_followed() -> None:
    with loopback(always(Reply(200, GOOD))) as other:
        target = other.url.replace("127.0.0.1", "localhost") + "/x"
        with (
            loopback(always(Reply(302, b"", headers=(("Location", target),)))) as server,
            pytest.raises(FetchError) as caught,
        ):
            Fetcher(base_url=server.url, retries=0).get(SPEC_REPO, "main", SPEC_PATH)
        assert other.requests == []
    assert "redirects to another host are not followed" in caught.value.message
    assert f"found a redirect to http://localhost:{other.url.rsplit(':', 1)[1]}" in caught.value.message
    assert caught.value.exit_code == EXIT_UPSTREAM


def test_a_redirect_within_the_host_is_followed() -> None:
    def handler(request: Request) -> Reply:
        if request.path.startswith("/moved"):
            return Reply(200, GOOD)
        return Reply(301, b"", headers=(("Location", "/moved" + request.path),))

    with loopback(handler) as server:
        fetched = Fetcher(base_url=server.url, retries=0).get(SPEC_REPO, "main", SPEC_PATH)
    assert fetched.content == GOOD and hashlib.sha256(GOOD).hexdigest() == fetched.sha256


def test_a_redirect_loop_ends() -> None:
    with (
        loopback(always(Reply(302, b"", headers=(("Location", "/again"),)))) as server,
        pytest.raises(FetchError) as caught,
    ):
        Fetcher(base_url=server.url, retries=0).get(SPEC_REPO, "main", SPEC_PATH)
    assert "expected at most 5 redirects" in caught.value.message

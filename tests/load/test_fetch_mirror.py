"""The mirror maps {repo}/{ref}/{path} to DIR/{repo}/{ref}/{path}; --mirror beats SPEC_MIRROR; the lock is
verified on every fetch and replaced atomically by --update-lock."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
from foundation.helpers import (
    COMMIT_A,
    COMMIT_B,
    REPO,
    SPEC_PATH,
    SPEC_REPO,
    make_project,
    minimal_spec,
    sha256,
    snapshot,
)

from conformance.cli import main
from conformance.errors import FetchError, InputError
from conformance.inputs import Commit
from conformance.load.context import Context
from conformance.load.fetch import Fetcher, Lock, cache_file

OLD = json.dumps(minimal_spec(), indent=2).encode()
NEW = json.dumps(minimal_spec(info={"title": "tiny", "version": "2"}), indent=2).encode()


def make_mirror(root: Path, files: dict[str, bytes], versions: list[str]) -> Path:
    for ref, content in files.items():
        target = root / SPEC_REPO / ref / SPEC_PATH
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    index = {
        "files": {
            SPEC_PATH: {
                "versions_newest_first": [
                    {"commit": c, "date": f"2026-01-0{i + 1}T00:00:00Z", "subject": f"change {i}"}
                    for i, c in enumerate(versions)
                ]
            }
        }
    }
    (root / SPEC_REPO / "INDEX.json").write_text(json.dumps(index))
    return root


@pytest.fixture
def fake_mirror(tmp_path: Path) -> Path:
    return make_mirror(tmp_path / "mirror", {COMMIT_A: OLD, COMMIT_B: NEW, "main": NEW}, [COMMIT_B, COMMIT_A])


@pytest.fixture
def pinned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project pinned to COMMIT_A (OLD); returns the lock file."""
    lock = {
        "repo": SPEC_REPO,
        "path": SPEC_PATH,
        "commit": COMMIT_A,
        "sha256": sha256(OLD),
        "size": len(OLD),
        "fetched_at": "2026-01-01T00:00:00+00:00",
    }
    root = make_project(tmp_path / "project", lock=lock)
    monkeypatch.setenv("CONFORMANCE_ROOT", str(root))
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    return root / "spec" / "lock.json"


def test_mirror_maps_repo_ref_path(fake_mirror: Path) -> None:
    fetcher = Fetcher(mirror=fake_mirror)
    pinned = fetcher.get(SPEC_REPO, COMMIT_A, SPEC_PATH)
    assert pinned.content == OLD
    assert pinned.origin == str(fake_mirror / SPEC_REPO / COMMIT_A / SPEC_PATH)
    assert pinned.commit == COMMIT_A
    main_ref = fetcher.get(SPEC_REPO, "main", SPEC_PATH)
    assert (main_ref.content, main_ref.commit, main_ref.ref) == (NEW, None, "main")


def test_mirror_missing_file_names_what_was_expected(fake_mirror: Path) -> None:
    with pytest.raises(FetchError) as caught:
        Fetcher(mirror=fake_mirror).get(SPEC_REPO, "nope", SPEC_PATH)
    assert caught.value.message == (
        f"mirror: expected {SPEC_REPO}/nope/{SPEC_PATH} under {fake_mirror}, found no such file"
    )
    assert caught.value.exit_code == 3


def test_mirror_oversized_file(fake_mirror: Path) -> None:
    with pytest.raises(FetchError) as caught:
        Fetcher(mirror=fake_mirror, max_bytes=10).get(SPEC_REPO, "main", SPEC_PATH)
    assert caught.value.message == (
        f"{fake_mirror / SPEC_REPO / 'main' / SPEC_PATH}: expected at most 10 bytes, found {len(NEW)} bytes"
    )


def test_mirror_versions_come_from_its_index(fake_mirror: Path) -> None:
    fetcher = Fetcher(mirror=fake_mirror)
    assert fetcher.versions(SPEC_REPO, SPEC_PATH) == [
        Commit(COMMIT_B, "2026-01-01T00:00:00Z", "change 0"),
        Commit(COMMIT_A, "2026-01-02T00:00:00Z", "change 1"),
    ]
    assert fetcher.resolve_commit(SPEC_REPO, "main", SPEC_PATH) == COMMIT_B
    assert fetcher.resolve_commit(SPEC_REPO, COMMIT_A, SPEC_PATH) == COMMIT_A
    with pytest.raises(FetchError) as caught:
        fetcher.versions(SPEC_REPO, "other.json")
    assert caught.value.message == "mirror INDEX.json: expected an entry for other.json, found none"


def test_mirror_without_index(tmp_path: Path) -> None:
    (tmp_path / SPEC_REPO).mkdir(parents=True)
    with pytest.raises(FetchError) as caught:
        Fetcher(mirror=tmp_path).versions(SPEC_REPO, SPEC_PATH)
    assert caught.value.message == f"mirror: expected {tmp_path / SPEC_REPO / 'INDEX.json'}, found no such file"


def test_the_context_reads_spec_mirror_and_the_argument_wins(
    fake_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    monkeypatch.setenv("CONFORMANCE_ROOT", str(tmp_path / "project"))
    assert Context.from_sources().mirror is None  # nothing beside the project: the network
    monkeypatch.setenv("SPEC_MIRROR", str(other))
    assert Context.from_sources().mirror == other
    assert Context.from_sources({"mirror": fake_mirror}).mirror == fake_mirror
    monkeypatch.setenv("SPEC_MIRROR", "")
    assert Context.from_sources().mirror is None


def test_the_context_rejects_a_mirror_that_is_not_a_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        Context.from_sources({"mirror": tmp_path / "absent"})
    assert caught.value.message == (
        f"mirror {tmp_path / 'absent'}: expected a directory laid out as "
        "<repo>/<ref>/<path>, i.e. DIR/{repo}/{ref}/{path} (e.g. "
        "DIR/aimlapi/api-docs/main/docs/...), plus DIR/{repo}/INDEX.json for histories, "
        "found nothing there"
    )
    assert caught.value.exit_code == 2


def test_cli_fetch_through_mirror_flag(
    pinned: Path, fake_mirror: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--mirror", str(fake_mirror)]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"fetched {SPEC_REPO}@{COMMIT_A}:{SPEC_PATH}\n")
    assert "same as the pin" in out
    assert cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH).read_bytes() == OLD


def test_cli_mirror_flag_beats_spec_mirror(
    pinned: Path, fake_mirror: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    monkeypatch.setenv("SPEC_MIRROR", str(empty))
    assert main(["fetch"]) == 3
    assert (
        f"mirror: expected {SPEC_REPO}/{COMMIT_A}/{SPEC_PATH} under {empty}, found no such file"
        in capsys.readouterr().err
    )
    assert main(["fetch", "--mirror", str(fake_mirror)]) == 0
    monkeypatch.setenv("SPEC_MIRROR", str(fake_mirror))
    assert main(["fetch", "--ref", "main"]) == 0
    assert "DIFFERS from the pin" in capsys.readouterr().out


def test_cli_missing_mirror_directory_is_a_usage_error(
    pinned: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--mirror", str(tmp_path / "nowhere")]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"conformance fetch: error: mirror {tmp_path / 'nowhere'}: expected a directory")
    assert "  hint: set SPEC_MIRROR or --mirror to e.g. ../shared/upstream\n" in err


def test_cli_fetch_verifies_the_pinned_sha256(
    pinned: Path, fake_mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (fake_mirror / SPEC_REPO / COMMIT_A / SPEC_PATH).write_bytes(NEW)  # the pinned commit's bytes changed
    before = pinned.read_bytes()
    assert main(["fetch", "--mirror", str(fake_mirror)]) == 3
    err = capsys.readouterr().err
    assert f"sha256 mismatch: expected {sha256(OLD)} (spec/lock.json), found {sha256(NEW)}" in err
    assert pinned.read_bytes() == before
    assert not cache_file(SPEC_REPO, COMMIT_A, SPEC_PATH).exists()


def test_cli_update_lock_takes_the_newest_version(
    pinned: Path, fake_mirror: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["fetch", "--update-lock", "--mirror", str(fake_mirror)]) == 0  # --ref defaults to main
    out = capsys.readouterr().out
    assert f"lock updated: commit {COMMIT_B}" in out
    lock = Lock.load(pinned)
    assert (lock.repo, lock.path, lock.commit, lock.sha256, lock.size) == (
        SPEC_REPO,
        SPEC_PATH,
        COMMIT_B,
        sha256(NEW),
        len(NEW),
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", lock.fetched_at)
    assert (
        pinned.read_text()
        == json.dumps(
            {
                "repo": SPEC_REPO,
                "path": SPEC_PATH,
                "commit": COMMIT_B,
                "sha256": sha256(NEW),
                "size": len(NEW),
                "fetched_at": lock.fetched_at,
            },
            indent=2,
        )
        + "\n"
    )
    assert sorted(p.name for p in pinned.parent.iterdir()) == ["lock.json", "overlay.yaml"]  # no temp file left
    assert main(["fetch", "--mirror", str(fake_mirror)]) == 0
    assert "same as the pin" in capsys.readouterr().out


def test_lock_save_is_atomic(pinned: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    before = pinned.read_bytes()
    new = Lock(SPEC_REPO, SPEC_PATH, COMMIT_B, sha256(NEW), len(NEW), "2026-02-02T00:00:00+00:00")

    def crash(src: str, dst: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        new.save(pinned)
    monkeypatch.undo()
    assert pinned.read_bytes() == before
    assert sorted(p.name for p in pinned.parent.iterdir()) == ["lock.json", "overlay.yaml"]
    new.save(pinned)
    assert Lock.load(pinned) == new


def test_real_mirror_serves_the_pinned_spec(mirror: Path, project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = snapshot(project)
    assert main(["fetch", "--mirror", str(mirror), "--format", "json"]) == 0
    info = json.loads(capsys.readouterr().out)
    lock = Lock.load(REPO / "spec" / "lock.json")
    assert (info["ref"], info["sha256"], info["size"], info["matches_lock"]) == (
        lock.commit,
        lock.sha256,
        lock.size,
        True,
    )
    assert sha256(Path(info["cached"]).read_bytes()) == lock.sha256
    assert snapshot(project) == before


def test_the_mirror_beside_the_project_is_the_default(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands typed as the README shows them read ../shared/upstream when it is there, as `make` does."""
    beside = tmp_path / "shared" / "upstream"
    beside.mkdir(parents=True)
    monkeypatch.setenv("CONFORMANCE_ROOT", str(tmp_path / "project"))
    assert Context.from_sources().mirror == beside
    monkeypatch.setenv("SPEC_BASE_URL", "http://127.0.0.1:9")  # an explicit source wins over the default
    assert Context.from_sources().mirror is None
    monkeypatch.delenv("SPEC_BASE_URL")
    monkeypatch.setenv("GITHUB_API_URL", "http://127.0.0.1:9")
    assert Context.from_sources().mirror is None
    monkeypatch.delenv("GITHUB_API_URL")
    monkeypatch.setenv("SPEC_MIRROR", "")  # set but empty: no mirror
    assert Context.from_sources().mirror is None


def test_a_special_file_in_the_mirror_is_refused_at_once(tmp_path: Path) -> None:
    import os

    from conformance.errors import FetchError
    from conformance.load.fetch import Fetcher

    folder = tmp_path / "mirror" / "owner" / "repo" / "main"
    folder.mkdir(parents=True)
    os.mkfifo(folder / "spec.json")  # a named pipe with no writer would block a plain read forever
    with pytest.raises(FetchError) as caught:
        Fetcher(mirror=tmp_path / "mirror")._from_mirror("owner/repo", "main", "spec.json")
    assert "a special file" in caught.value.message

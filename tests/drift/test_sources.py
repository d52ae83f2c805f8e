"""History from a local git clone (renames followed) and from the GitHub API (a loopback fake), and the catalog."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.load.history import GitHubApi, GitRepo

from .conftest import specs_of, steps_of
from .gitfake import FakeGitHub, GitBuilder
from .specs import obj, request

OLD_PATH = "specs/v1/chat.json"
NEW_PATH = "specs/chat.json"
TOKEN = "ghp_test_token_never_shown_0123456789"


def _spec(models: list[str], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return request({"model": {"type": "string", "enum": models}, "messages": {"type": "array"}, **(extra or {})})


@pytest.fixture
def clone(tmp_path: Path) -> tuple[Path, list[str]]:
    """Four commits: created, unrelated, renamed with a model removed, a field added."""
    builder = GitBuilder(tmp_path / "clone")
    shas = [builder.commit({OLD_PATH: _spec(["a", "b"]), "README.md": "docs\n"}, "add chat spec")]
    shas.append(builder.commit({"README.md": "docs, again\n"}, "readme only"))
    shas.append(builder.rename(OLD_PATH, NEW_PATH, _spec(["a"]), "move the spec up; drop model b"))
    shas.append(
        builder.commit(
            {NEW_PATH: _spec(["a"], {"seed": {"type": "integer"}}), "specs/other.json": _spec(["z"])},
            "seed parameter; another spec",
        )
    )
    return builder.root, shas


def _run(args: list[str], capsys: Any) -> tuple[int, dict[str, Any], str]:
    rc = main(["drift", *args, "--format", "json", "--fail-on", "never"])
    out = capsys.readouterr()
    return rc, json.loads(out.out) if out.out.strip().startswith("{") else {}, out.out + out.err


def _summary(steps: list[dict[str, Any]]) -> list[tuple[str, str, set[tuple[str, str]]]]:
    return [(s["old"], s["new"], {(f["rule_id"], f["pointer"]) for f in s["findings"]}) for s in steps]


def test_history_from_a_local_clone_follows_renames(clone: tuple[Path, list[str]], capsys: Any) -> None:
    root, shas = clone
    rc, payload, _ = _run(["--history", NEW_PATH, "--repo", str(root)], capsys)
    assert rc == 0
    steps = steps_of(payload)
    assert [(s["old"], s["new"]) for s in steps] == [(shas[0][:8], shas[2][:8]), (shas[2][:8], shas[3][:8])]
    assert ("drift-request-enum-value-removed", "request.body.model") in _summary(steps)[0][2]
    assert "renamed from specs/v1/chat.json" in steps[0]["subject"]
    assert ("drift-request-property-added", "request.body.seed") in _summary(steps)[1][2]
    assert steps[0]["reproduce"].startswith(f"conformance drift --repo {root} commit:{shas[0]}:{OLD_PATH} ")


def test_the_reproduce_line_of_a_clone_step_runs(clone: tuple[Path, list[str]], capsys: Any) -> None:
    root, _shas = clone
    _, payload, _ = _run(["--history", NEW_PATH, "--repo", str(root)], capsys)
    step = payload["steps"][0]
    args = step["reproduce"].split()[2:]
    rc, again, _ = _run(args, capsys)
    assert rc == 0 and again["meta"]["fingerprint"] == step["fingerprint"]


def test_history_from_the_github_api_matches_the_clone(
    clone: tuple[Path, list[str]], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = clone
    _, local, _ = _run(["--history", NEW_PATH, "--repo", str(root)], capsys)
    with FakeGitHub(root, page_size=1).running() as fake:
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        rc, remote, text = _run(["--history", NEW_PATH, "--repo", "acme/docs"], capsys)
    assert rc == 0, text
    assert _summary(steps_of(remote)) == _summary(steps_of(local))
    assert [s["fingerprint"] for s in remote["steps"]] == [s["fingerprint"] for s in local["steps"]]
    paths = [p for p, _ in fake.seen]
    assert any("page=2" in p for p in paths), "the history spans two pages: the Link header was followed"
    assert any(
        p.startswith("/repos/acme/docs/commits?path=specs%2Fv1%2Fchat.json") or "path=specs/v1/chat.json" in p
        for p in paths
    ), "the rename was followed to the old path"
    assert {auth for _, auth in fake.seen} == {f"Bearer {TOKEN}"}
    assert TOKEN not in text


def test_a_near_rate_limit_reset_is_waited_for(clone: tuple[Path, list[str]]) -> None:
    root, shas = clone
    waits: list[float] = []
    with FakeGitHub(root).running() as fake:
        fake.rate_limited = 2
        api = GitHubApi("acme/docs", api_url=fake.url, token=None, sleep=waits.append)
        changes = api.changes(NEW_PATH)
    assert [c.commit for c in changes] == [shas[3], shas[2], shas[0]]
    assert [c.path for c in changes] == [NEW_PATH, NEW_PATH, OLD_PATH]
    assert len(waits) == 2 and all(0 <= w <= 5 for w in waits)
    assert all(auth is None for _, auth in fake.seen), "no token set: none sent"


def test_a_far_rate_limit_reset_is_a_clear_upstream_error(
    clone: tuple[Path, list[str]], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, _ = clone
    with FakeGitHub(root).running() as fake:
        fake.rate_limited = 100
        fake.reset_in = 3600
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        rc = main(["drift", "--history", NEW_PATH, "--repo", "acme/docs"])
    err = capsys.readouterr().err
    assert rc == 3
    assert "rate limit" in err and "GITHUB_TOKEN" in err and "Traceback" not in err
    assert len(fake.seen) == 1, "a reset an hour away is not waited for"


def test_the_token_is_not_sent_over_plain_http_to_another_host() -> None:
    from conformance.load.history import _may_send_token

    assert _may_send_token("https://api.github.com/repos/a/b/commits")
    assert _may_send_token("http://127.0.0.1:8080/repos/a/b/commits")
    assert not _may_send_token("http://api.example.com/repos/a/b/commits")


def test_a_folder_that_is_not_a_clone_is_a_usage_error(tmp_path: Path, capsys: Any) -> None:
    rc = main(["drift", "--history", NEW_PATH, "--repo", str(tmp_path)])
    err = capsys.readouterr().err
    assert rc == 2 and "git clone" in err and "Traceback" not in err


def test_catalog_from_a_clone_has_a_section_per_spec_and_the_pair_fingerprints(
    clone: tuple[Path, list[str]], capsys: Any
) -> None:
    root, shas = clone
    rc, payload, text = _run(["--catalog", str(root), "--since", shas[1], "--until", "main"], capsys)
    assert rc == 0, text
    by_path = {s["path"]: s for s in specs_of(payload)}
    assert by_path[NEW_PATH]["status"] == "added" and by_path[OLD_PATH]["status"] == "removed"
    assert by_path["specs/other.json"]["status"] == "added"
    rc, payload, _ = _run(["--catalog", str(root), "--since", shas[2]], capsys)
    [changed] = [s for s in specs_of(payload) if s["status"] == "changed"]
    assert changed["path"] == NEW_PATH and changed["summary"] == {"breaking": 0, "warning": 0, "info": 1}
    _, pair, _ = _run(["--repo", str(root), f"ref:{shas[2]}:{NEW_PATH}", f"ref:main:{NEW_PATH}"], capsys)
    assert changed["fingerprint"] == pair["meta"]["fingerprint"] != "none"
    assert payload["details"]["by_status"]["changed"] == 1


def test_catalog_markdown_has_a_summary_table(clone: tuple[Path, list[str]], capsys: Any) -> None:
    root, shas = clone
    main(["drift", "--catalog", str(root), "--since", shas[2], "--format", "markdown", "--fail-on", "never"])
    out = capsys.readouterr().out
    assert "| spec | status | breaking | warning | info | fingerprint |" in out
    assert "| `chat.json` | changed | 0 | 0 | 1 |" in out
    assert f"### `{NEW_PATH}`" in out


def test_catalog_through_the_github_api(
    clone: tuple[Path, list[str]], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, shas = clone
    _, local, _ = _run(["--catalog", str(root), "--since", shas[2]], capsys)
    with FakeGitHub(root).running() as fake:
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        rc, remote, text = _run(["--catalog", "acme/docs", "--since", shas[2], "--until", shas[3]], capsys)
    assert rc == 0, text
    assert [(s["path"], s["status"], s["fingerprint"]) for s in specs_of(remote)] == [
        (s["path"], s["status"], s["fingerprint"]) for s in specs_of(local)
    ]


def test_catalog_usage_errors(capsys: Any, tmp_path: Path) -> None:
    assert main(["drift", "--catalog", str(tmp_path)]) == 2
    assert "--since" in capsys.readouterr().err
    assert main(["drift", "--since", "main"]) == 2
    assert "--catalog" in capsys.readouterr().err


def test_git_repo_reads_many_files_through_one_process(clone: tuple[Path, list[str]]) -> None:
    root, shas = clone
    repo = GitRepo(root)
    try:
        first = repo.read(shas[0], OLD_PATH)
        for _ in range(50):
            assert repo.read(shas[0], OLD_PATH) == first
        assert repo._batch is not None and repo._batch.poll() is None
        assert json.loads(repo.read("main", NEW_PATH))["paths"]
    finally:
        repo.close()


def test_catalog_of_the_mirror_with_the_gpt52_family(mirror: Path, capsys: Any) -> None:
    root = mirror / "aimlapi" / "api-docs"
    rc, payload, text = _run(["--catalog", str(root), "--since", "cecaa7535f1e04c64a4e1d922f540e9232c5c7cc"], capsys)
    assert rc == 0, text
    by_name = {s["path"].rsplit("/", 1)[-1]: s for s in specs_of(payload)}
    assert len(by_name) == 36
    assert by_name["gpt-5-2.json"]["status"] == "changed"
    assert {f["pointer"] for f in by_name["gpt-5-2.json"]["findings"]} >= {"response.200.meta"}
    family = payload["details"]["family"]
    assert family["reference"].endswith("gpt-5-2-openai.json")
    sibling = {s["path"].rsplit("/", 1)[-1]: s for s in family["siblings"]}
    assert set(sibling) == {"gpt-5-2.json", "gpt-5-2-chat-latest.json", "gpt-5-2-pro.json", "gpt-5-2-codex.json"}
    assert "response.200.meta" in {f["pointer"] for f in sibling["gpt-5-2.json"]["findings"]}


def test_obj_helper_still_builds_objects() -> None:
    assert obj({"a": {"type": "string"}}, ("a",))["required"] == ["a"]


def _lock(project: Path, root: Path, commit: str, sha256: str | None = None) -> None:
    import hashlib
    import subprocess

    raw = subprocess.run(["git", "show", f"{commit}:{NEW_PATH}"], cwd=root, capture_output=True, check=True).stdout
    (project / "spec" / "lock.json").write_text(
        json.dumps(
            {
                "repo": "acme/docs",
                "path": NEW_PATH,
                "commit": commit,
                "sha256": sha256 or hashlib.sha256(raw).hexdigest(),
                "size": len(raw),
                "fetched_at": "2026-01-01T00:00:00+00:00",
            }
        )
    )


def test_the_pin_against_the_head_of_a_local_clone(clone: tuple[Path, list[str]], project: Path, capsys: Any) -> None:
    root, shas = clone
    _lock(project, root, shas[2])
    rc, payload, text = _run(["--repo", str(root)], capsys)
    assert rc == 0, text
    assert payload["meta"]["mode"] == "pin-vs-clone"
    assert {(f["rule_id"], f["pointer"]) for f in payload["findings"]} == {
        ("drift-request-property-added", "request.body.seed")
    }
    assert payload["steps"][0]["reproduce"] == (
        f"conformance drift --repo {root} commit:{shas[2]}:{NEW_PATH} commit:{shas[3]}:{NEW_PATH}"
    )


def test_a_clone_whose_pinned_bytes_differ_from_the_lock_is_refused(
    clone: tuple[Path, list[str]], project: Path, capsys: Any
) -> None:
    root, shas = clone
    _lock(project, root, shas[2], sha256="0" * 64)
    assert main(["drift", "--repo", str(root)]) == 3
    err = capsys.readouterr().err
    assert "the lock's sha256" in err and "Traceback" not in err


def test_catalog_skips_files_that_are_not_openapi_and_reproduces_through_the_clone(tmp_path: Path, capsys: Any) -> None:
    builder = GitBuilder(tmp_path / "clone")
    first = builder.commit(
        {
            "api/chat.json": _spec(["a"]),
            "api/package.json": {"name": "x"},
            "api/list.json": [1, 2],
            "other/skip.json": _spec(["q"]),
        },
        "one",
    )
    builder.commit({"api/chat.json": _spec(["a", "b"])}, "two")
    rc, payload, text = _run(["--catalog", str(builder.root / "api"), "--since", first], capsys)
    assert rc == 0, text
    assert [(s["path"], s["status"]) for s in specs_of(payload)] == [("api/chat.json", "changed")]
    assert payload["details"]["skipped"] == [
        {"path": "api/list.json", "reason": "not an OpenAPI document"},
        {"path": "api/package.json", "reason": "not an OpenAPI document"},
    ]
    args = specs_of(payload)[0]["reproduce"].split()[2:]
    assert args[:2] == ["--repo", str(builder.root / "api")]
    rc, pair, _ = _run(args, capsys)
    assert rc == 0 and pair["meta"]["fingerprint"] == specs_of(payload)[0]["fingerprint"]


def test_a_truncated_tree_from_the_api_is_an_upstream_error(
    clone: tuple[Path, list[str]], capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, shas = clone
    with FakeGitHub(root).running() as fake:
        fake.truncated = True
        monkeypatch.setenv("GITHUB_API_URL", fake.url)
        rc = main(["drift", "--catalog", "acme/docs", "--since", shas[2]])
    err = capsys.readouterr().err
    assert rc == 3 and "truncated" in err and "local clone" in err


def test_main_names_the_default_branch_of_a_clone_called_otherwise(tmp_path: Path, capsys: Any) -> None:
    import subprocess

    builder = GitBuilder(tmp_path / "clone")
    first = builder.commit({"api/chat.json": _spec(["a"])}, "one")
    builder.commit({"api/chat.json": _spec(["a", "b"])}, "two")
    subprocess.run(["git", "branch", "-m", "main", "trunk"], cwd=builder.root, check=True, capture_output=True)
    rc, payload, text = _run(["--catalog", str(builder.root), "--since", first], capsys)
    assert rc == 0, text
    assert [(s["path"], s["status"]) for s in specs_of(payload)] == [("api/chat.json", "changed")]

"""`conformance drift` end to end: exit codes, reports written before the verdict, fingerprints, --update-lock."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
from pathlib import Path
from typing import Any

import attrs
import pytest

from conformance.cli import main
from conformance.errors import GenerateError

from .conftest import OPENAI_DIR, SPEC_REPO, steps_of, write
from .specs import obj, request

S = {"type": "string"}
PINNED = f"{OPENAI_DIR}/gpt-5-2-openai.json"
NEW_COMMIT = "c" * 40


@pytest.fixture
def pair(tmp_path: Path) -> tuple[str, str]:
    old = request({"model": {"type": "string", "enum": ["a", "b"]}, "n": {"type": "integer"}})
    new = request({"model": {"type": "string", "enum": ["a"]}, "n": {"type": "integer"}, "seed": {"type": "integer"}})
    return write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)


@pytest.mark.parametrize(("fail_on", "rc"), [("breaking", 1), ("warning", 1), ("info", 1), ("never", 0)])
def test_fail_on_levels(pair: tuple[str, str], capsys: Any, fail_on: str, rc: int) -> None:
    assert main(["drift", *pair, "--fail-on", fail_on]) == rc
    capsys.readouterr()


def test_info_only_drift_passes_breaking_gate(tmp_path: Path, capsys: Any) -> None:
    old = write(tmp_path / "a.json", request({"model": S}))
    new = write(tmp_path / "b.json", request({"model": S, "seed": {"type": "integer"}}))
    assert main(["drift", old, new]) == 0
    assert main(["drift", old, new, "--fail-on", "info"]) == 1
    capsys.readouterr()


def test_text_report(pair: tuple[str, str], capsys: Any) -> None:
    assert main(["drift", *pair]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("Spec drift: ")
    assert "BREAKING drift-request-enum-value-removed  POST /v1/chat/completions#request.body.model" in out
    assert "         enum value(s) removed: b" in out
    assert "         direction: request" in out
    assert "2 change(s): 1 breaking, 0 warning, 1 info" in out
    assert f"reproduce: conformance drift {pair[0]} {pair[1]}" in out


def test_reports_are_written_before_the_exit_code(
    pair: tuple[str, str], tmp_path: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    step_summary = tmp_path / "step-summary.md"
    step_summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(step_summary))
    output, summary = tmp_path / "out" / "drift.json", tmp_path / "out" / "drift.md"
    rc = main(["drift", *pair, "--format", "json", "--output", str(output), "--summary", str(summary)])
    stdout = capsys.readouterr().out
    assert rc == 1
    assert json.loads(output.read_text()) == json.loads(stdout)
    markdown = summary.read_text()
    assert markdown.startswith("<!-- drift-fingerprint: drift-")
    row = (
        "| breaking | `drift-request-enum-value-removed` | request | "
        "`POST /v1/chat/completions#request.body.model` | enum value(s) removed: b |"
    )
    assert row in markdown
    assert step_summary.read_text() == "earlier step\n" + markdown + "\n"
    assert json.loads(stdout)["meta"]["fingerprint"] in markdown


def test_fingerprint_is_stable_and_ignores_order_and_docs(tmp_path: Path, capsys: Any) -> None:
    def fingerprint(old: dict[str, Any], new: dict[str, Any]) -> str:
        main(["drift", write(tmp_path / "o.json", old), write(tmp_path / "n.json", new), "--format", "json"])
        return str(json.loads(capsys.readouterr().out)["meta"]["fingerprint"])

    old = request({"model": {"type": "string", "enum": ["a", "b", "c"]}})
    new = request({"model": {"type": "string", "enum": ["a"]}})
    first = fingerprint(old, new)
    assert first == fingerprint(old, new)
    reordered = request({"model": {"enum": ["a"], "type": "string", "description": "which model"}})
    assert fingerprint(old, reordered) == first
    other = request({"model": {"type": "string", "enum": ["b"]}})
    assert fingerprint(old, other) != first
    assert fingerprint(old, copy.deepcopy(old)) == "none"


# ---- through the fetcher: a tiny mirror ------------------------------------------------------------
def _mirror(root: Path, real_mirror: Path, lock: dict[str, Any], main_spec: dict[str, Any] | None) -> Path:
    mirror = root / "mirror"
    pinned = real_mirror / SPEC_REPO / lock["commit"] / lock["path"]
    for ref in (lock["commit"],):
        target = mirror / SPEC_REPO / ref / lock["path"]
        target.parent.mkdir(parents=True)
        shutil.copy(pinned, target)
    main_file = mirror / SPEC_REPO / "main" / lock["path"]
    main_file.parent.mkdir(parents=True)
    if main_spec is None:
        shutil.copy(pinned, main_file)
    else:
        main_file.write_text(json.dumps(main_spec))
    index = {
        "files": {
            lock["path"]: {
                "versions_newest_first": [
                    {"commit": NEW_COMMIT, "date": "2026-12-01T00:00:00Z", "subject": "re-gen"},
                    {"commit": lock["commit"], "date": "2025-12-16T00:00:00Z", "subject": "first"},
                ]
            }
        }
    }
    (mirror / SPEC_REPO / "INDEX.json").write_text(json.dumps(index))
    return mirror


def _changed(real_mirror: Path, lock: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((real_mirror / SPEC_REPO / lock["commit"] / lock["path"]).read_text())
    for path in spec["paths"].values():
        schema = path["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        schema["properties"]["meta"] = obj({"usage": obj({"usd_spent": {"type": "number"}})})
        schema.setdefault("required", []).append("meta")
    return spec


def test_default_is_pin_vs_main(mirror: Path, project: Path, capsys: Any) -> None:
    lock = json.loads((project / "spec" / "lock.json").read_text())
    fake = _mirror(project.parent, mirror, lock, _changed(mirror, lock))
    assert main(["drift", "--mirror", str(fake), "--format", "markdown"]) == 0
    out = capsys.readouterr().out
    assert f"## Spec drift: pin {lock['commit'][:8]}:{PINNED} → main:{PINNED} (newest published)" in out
    assert "`drift-response-property-added`" in out and "response.200.meta" in out


@attrs.frozen
class FakeResult:
    package_dir: Path
    surface: str
    surface_changed: bool
    previous_surface: str


def test_update_lock_accepts_main_and_regenerates(
    mirror: Path, project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock_file = project / "spec" / "lock.json"
    lock = json.loads(lock_file.read_text())
    changed = _changed(mirror, lock)
    fake = _mirror(project.parent, mirror, lock, changed)
    calls: list[str] = []

    def regenerate(spec: object, *, check: bool = True) -> FakeResult:
        calls.append(json.loads(lock_file.read_text())["commit"])
        return FakeResult(
            project / "generated",
            "model ChatCompletion\n  field ChatCompletion.meta: Meta | Unset\n",
            True,
            "model ChatCompletion\n",
        )

    monkeypatch.setattr("conformance.generate.regenerate", regenerate)
    assert main(["drift", "--mirror", str(fake), "--update-lock"]) == 0
    out = capsys.readouterr().out
    new_lock = json.loads(lock_file.read_text())
    assert new_lock["commit"] == NEW_COMMIT == calls[0]
    assert new_lock["sha256"] == hashlib.sha256((fake / SPEC_REPO / "main" / lock["path"]).read_bytes()).hexdigest()
    assert "lock updated:" in out
    assert f"{PINNED}: {lock['commit'][:12]} -> {NEW_COMMIT[:12]}" in out
    assert "    + field ChatCompletion.meta: Meta | Unset" in out


def test_update_lock_failure_restores_the_previous_lock(
    mirror: Path, project: Path, capsys: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    lock_file = project / "spec" / "lock.json"
    before = lock_file.read_bytes()
    lock = json.loads(before)
    fake = _mirror(project.parent, mirror, lock, _changed(mirror, lock))

    def regenerate(spec: object, *, check: bool = True) -> FakeResult:
        raise GenerateError("the generator dropped a model")

    monkeypatch.setattr("conformance.generate.regenerate", regenerate)
    rc = main(["drift", "--mirror", str(fake), "--update-lock"])
    err = capsys.readouterr().err
    assert rc == 3
    assert lock_file.read_bytes() == before
    assert "--update-lock failed; the previous lock was restored" in err
    assert "the generator dropped a model" in err


def test_update_lock_only_with_the_default_comparison(pair: tuple[str, str], capsys: Any) -> None:
    assert main(["drift", *pair, "--update-lock"]) == 2
    assert "use it without OLD NEW, --history or --sibling" in capsys.readouterr().err


def test_history_names_an_unloadable_version(tmp_path: Path, capsys: Any) -> None:
    path = "docs/x.json"
    mirror = tmp_path / "mirror"
    commits = ["1" * 40, "2" * 40, "3" * 40]
    bodies = [
        json.dumps(request({"model": S})),
        "<html>rate limited</html>",
        json.dumps(request({"model": S, "n": {"type": "integer"}}, ("model", "n"))),
    ]
    for commit, body in zip(commits, bodies, strict=True):
        target = mirror / SPEC_REPO / commit / path
        target.parent.mkdir(parents=True)
        target.write_text(body)
    index = {
        "files": {
            path: {
                "versions_newest_first": [
                    {"commit": c, "date": f"2026-0{i}-01", "subject": f"v{i}"}
                    for i, c in reversed(list(enumerate(commits, 1)))
                ]
            }
        }
    }
    (mirror / SPEC_REPO / "INDEX.json").write_text(json.dumps(index))
    rc = main(["drift", "--history", path, "--mirror", str(mirror), "--repo", SPEC_REPO, "--format", "json"])
    payload = json.loads(capsys.readouterr().out)
    assert rc == 1
    steps = steps_of(payload)
    assert [(s["old"], s["new"], [f["rule_id"] for f in s["findings"]]) for s in steps] == [
        ("11111111", "22222222", ["drift-spec-unloadable"]),
        ("11111111", "33333333", ["drift-request-required-added"]),
    ]
    assert (
        "expected JSON or YAML" in steps[0]["findings"][0]["message"]
        or "expected a JSON object" in steps[0]["findings"][0]["message"]
    )

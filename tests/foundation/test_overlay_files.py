"""Malformed overlay files fail with an OverlayError (exit 2) that names the file, the action and the problem."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from conformance.cli import main
from conformance.errors import OverlayError
from conformance.overlay import load_overlay

GOOD = {
    "target": "$.info",
    "description": "why",
    "x-rule": "oas-invalid",
    "x-kind": "cosmetic",
    "update": {"version": "2"},
}


def write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "overlay.yaml"
    path.write_text(doc if isinstance(doc, str) else yaml.safe_dump(doc))
    return path


def failure(path: Path) -> str:
    with pytest.raises(OverlayError) as caught:
        load_overlay(path)
    assert caught.value.exit_code == 2
    return caught.value.message


def test_a_good_file_loads(tmp_path: Path) -> None:
    loaded = load_overlay(write(tmp_path, {"overlay": "1.0.0", "info": {"title": "t"}, "actions": [GOOD]}))
    assert loaded.title == "t"
    [action] = loaded.actions
    assert (
        action.index,
        action.target,
        action.description,
        action.rule_id,
        action.kind,
        action.update,
        action.remove,
        action.lift,
    ) == (0, "$.info", "why", "oas-invalid", "cosmetic", {"version": "2"}, False, None)
    assert action.label == "action 0 (oas-invalid: $.info)"


def test_missing_file(tmp_path: Path) -> None:
    assert failure(tmp_path / "absent.yaml") == f"{tmp_path / 'absent.yaml'}: no overlay file"


def test_bad_yaml(tmp_path: Path) -> None:
    path = write(tmp_path, "overlay: 1.0.0\nactions:\n  - target: [unclosed\n")
    assert failure(path).startswith(f"{path}: expected YAML, found a syntax error: ")


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        ({"actions": [GOOD]}, "expected an Overlay 1.x document (`overlay: 1.0.0`)"),
        ({"overlay": "2.0.0", "actions": [GOOD]}, "expected an Overlay 1.x document (`overlay: 1.0.0`)"),
        ("- just\n- a list\n", "expected an Overlay 1.x document (`overlay: 1.0.0`)"),
        ({"overlay": "1.0.0"}, "expected a non-empty `actions` list"),
        ({"overlay": "1.0.0", "actions": []}, "expected a non-empty `actions` list"),
    ],
    ids=["no-version", "version-2", "not-a-mapping", "no-actions", "empty-actions"],
)
def test_not_an_overlay(tmp_path: Path, doc: Any, expected: str) -> None:
    path = write(tmp_path, doc)
    assert failure(path) == f"{path}: {expected}"


def _without(key: str) -> dict[str, Any]:
    return {k: v for k, v in GOOD.items() if k != key}


@pytest.mark.parametrize(
    ("action", "expected"),
    [
        ("not a mapping", "expected a mapping, found str"),
        (_without("x-rule"), "expected a non-empty `x-rule` string, found None"),
        (_without("x-kind"), "expected a non-empty `x-kind` string, found None"),
        (_without("description"), "expected a non-empty `description` string, found None"),
        ({**GOOD, "description": "  "}, "expected a non-empty `description` string, found '  '"),
        (_without("target"), "expected a non-empty `target` string, found None"),
        ({**GOOD, "x-kind": "fix"}, "expected `x-kind` one of ('cosmetic', 'correction'), found 'fix'"),
        ({**GOOD, "remove": True}, "expected exactly one of update, remove, x-lift; found ['update', 'remove']"),
        ({**GOOD, "x-lift": "Info"}, "expected exactly one of update, remove, x-lift; found ['update', 'x-lift']"),
        (_without("update"), "expected exactly one of update, remove, x-lift; found none"),
        ({**_without("update"), "remove": False}, "expected `remove: true`"),
        ({**_without("update"), "x-lift": "not a name"}, "expected `x-lift` to be a schema name, found 'not a name'"),
    ],
    ids=[
        "not-mapping",
        "no-rule",
        "no-kind",
        "no-description",
        "blank-description",
        "no-target",
        "bad-kind",
        "update-and-remove",
        "update-and-lift",
        "no-verb",
        "remove-false",
        "bad-lift-name",
    ],
)
def test_malformed_action(tmp_path: Path, action: Any, expected: str) -> None:
    path = write(tmp_path, {"overlay": "1.0.0", "actions": [GOOD, action]})
    assert failure(path) == f"{path}: actions[1]: {expected}"


@pytest.mark.parametrize("target", ["$.paths[", "paths.x", "$..[?@.a ==]", "$.a[?(@.b)]x"])
def test_invalid_jsonpath(tmp_path: Path, target: str) -> None:
    path = write(tmp_path, {"overlay": "1.0.0", "actions": [{**GOOD, "target": target}]})
    assert failure(path).startswith(f"{path}: actions[0]: target {target!r} is not RFC 9535 JSONPath: ")


def test_cli_reports_a_broken_overlay_without_traceback(
    project: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPEC_MIRROR", str(mirror))
    overlay = project / "spec" / "overlay.yaml"
    overlay.write_text(overlay.read_text().replace("  x-rule: oas-security-scheme-unused\n", "", 1))
    assert main(["lint", "--spec", "normalised"]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith(
        f"conformance lint: error: {overlay}: actions[1]: expected a non-empty `x-rule` string, found None\n"
    )
    assert "Traceback" not in err


def test_cli_reports_a_vanished_target(
    project: Path, mirror: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SPEC_MIRROR", str(mirror))
    overlay = project / "spec" / "overlay.yaml"
    overlay.write_text(
        overlay.read_text().replace(
            "- target: $.paths['/v1/chat/completions'].post\n", "- target: $.paths['/v2/chat/completions'].post\n", 1
        )
    )
    assert main(["lint", "--spec", "normalised"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "conformance lint: error: overlay.yaml: 1 overlay target(s) no longer exist in the spec: "
        "action 2 (oas-duplicate-path-alias: $.paths['/v2/chat/completions'].post)\n"
        "  hint: upstream changed the spec; run `conformance drift` and update spec/overlay.yaml\n"
    )

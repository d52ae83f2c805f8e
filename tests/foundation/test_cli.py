"""CLI conventions: a user mistake exits 2 without a traceback; findings exit 1; --format json is valid JSON;
`python -m conformance` and the `conformance` console script both work."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import conformance.lint
from conformance.cli import main

from .helpers import DATA, REPO

DEFECTS = str(DATA / "chat_published_like.json")
FIXED = str(DATA / "chat_fixed.json")


def _usage_error(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> str:
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert expected in err
    assert "Traceback" not in err
    return err


def test_missing_file(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    err = _usage_error(capsys, ["lint", str(tmp_path / "nope.json")], "")
    assert err == (
        f"conformance lint: error: {tmp_path / 'nope.json'}: no such file\n"
        "  hint: give the path of an OpenAPI JSON or YAML file\n"
    )


def test_a_directory_is_not_a_spec(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _usage_error(
        capsys, ["lint", str(tmp_path)], f"conformance lint: error: {tmp_path}: expected a file, found a directory\n"
    )


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ('{"openapi": "3.0.0",', "expected JSON, found a syntax error at line 1 column 21"),
        ("openapi: [3.0\n", "expected JSON or YAML, found a syntax error at line 2 column 1"),
        ('{"swagger": "2.0", "paths": {}}', "expected an OpenAPI 3.x document, found no 'openapi' key"),
        ("just text\n", "expected a JSON object (an OpenAPI document), found str: 'just text\\n'"),
    ],
    ids=["broken-json", "broken-yaml", "swagger-2", "text"],
)
def test_a_file_that_is_not_a_spec(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, expected: str
) -> None:
    path = tmp_path / "spec.json"
    path.write_text(content)
    _usage_error(capsys, ["lint", str(path)], f"conformance lint: error: {path}: {expected}")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["lint", FIXED, "--bogus"], "conformance: error: unrecognized arguments: --bogus\n"),
        (["lint", FIXED, "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["lint", FIXED, "--fail-on", "sometimes"], "argument --fail-on: invalid choice: 'sometimes'"),
        (["lint", FIXED, "--min-level"], "argument --min-level: expected one argument"),
        (["rules", "--format", "yaml"], "argument --format: invalid choice: 'yaml'"),
        (["fetch", "--update-lock", "--format", "csv"], "argument --format: invalid choice: 'csv'"),
        (["lintt"], "argument COMMAND: invalid choice: 'lintt'"),
        ([], "usage: conformance"),
    ],
    ids=[
        "unknown-flag",
        "bad-format",
        "bad-fail-on",
        "missing-value",
        "rules-format",
        "fetch-format",
        "unknown-command",
        "no-command",
    ],
)
def test_bad_flags_exit_2_without_raising(capsys: pytest.CaptureFixture[str], argv: list[str], expected: str) -> None:
    _usage_error(capsys, argv, expected)


def test_help_returns_0(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", "--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: conformance lint ")
    assert "--format {text,json,markdown,junit,github}" in out


@pytest.mark.parametrize("argv", [["rules", "--help"], ["--debug", "mock", "--help"], ["lint", "--help"]])
def test_a_command_imports_no_other_command(argv: list[str]) -> None:
    """A fresh process: which ``conformance.commands`` modules one command line loads."""
    probe = (
        "import json, sys\nfrom conformance.cli import main\n"
        f"code = main({argv!r})\n"
        "print(json.dumps([code, sorted(m for m in sys.modules if m.startswith('conformance.commands.'))]))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    code, loaded = json.loads(done.stdout.strip().splitlines()[-1])
    command = next(word for word in argv if not word.startswith("-"))
    assert code == 0
    assert set(loaded) - {"conformance.commands._common"} == {f"conformance.commands.{command}"}


def test_the_top_level_help_still_describes_every_command(capsys: pytest.CaptureFixture[str]) -> None:
    from conformance.cli import COMMANDS, _load

    assert main(["--help"]) == 0
    out = " ".join(capsys.readouterr().out.split())
    for name in COMMANDS:
        assert f"{name} {' '.join(_load(name).HELP.split())}" in out, name


def test_findings_exit_1_and_fail_on_moves_the_bar(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", DEFECTS]) == 1
    assert main(["lint", DEFECTS, "--fail-on", "never"]) == 0
    assert main(["lint", DEFECTS, "--min-level", "info", "--fail-on", "breaking"]) == 1
    assert main(["lint", FIXED, "--fail-on", "info"]) == 0
    capsys.readouterr()


def test_json_output_is_valid_and_complete(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    report = tmp_path / "reports" / "lint.json"
    assert main(["lint", DEFECTS, "--format", "json", "--output", str(report)]) == 1
    out = capsys.readouterr().out
    data = json.loads(out)
    assert report.read_text() == out
    assert data["summary"] | {"error": 5, "warning": 20, "info": 25, "total": 50} == data["summary"]
    assert len(data["findings"]) == 50
    first = data["findings"][0]
    assert set(first) == {
        "rule_id",
        "level",
        "fault",
        "location",
        "pointer",
        "at",
        "message",
        "expected",
        "found",
        "hint",
        "evidence",
        "kind",
        "fingerprint",
        "occurrences",
        "normalised_accepts",
        "direction",
        "change",
        "names",
        "extra",
        "baseline",
        "step",
    }
    assert (first["rule_id"], first["level"], first["fault"], first["location"]) == (
        "oas-code-sample-invalid",
        "error",
        "spec",
        DEFECTS,
    )
    assert [f["level"] for f in data["findings"]] == sorted(
        (f["level"] for f in data["findings"]), key=["error", "warning", "info"].index
    )
    assert len({f["fingerprint"] for f in data["findings"]}) == 50


def test_output_that_cannot_be_written_is_a_usage_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _usage_error(
        capsys,
        ["lint", FIXED, "--output", str(tmp_path)],
        f"conformance lint: error: --output {tmp_path}: expected a file path, found a directory\n",
    )
    blocker = tmp_path / "file"
    blocker.write_text("")
    _usage_error(
        capsys,
        ["lint", FIXED, "-o", str(blocker / "report.txt")],
        f"conformance lint: error: --output {blocker / 'report.txt'}: cannot write the report (",
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file"]


def test_markdown_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lint", DEFECTS, "--format", "markdown", "--min-level", "error"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[:5] == [
        "## lint " + DEFECTS,
        "",
        "5 finding(s): 5 error, 0 warning, 0 info",
        "",
        "| level | rule | where | message | expected | found |",
    ]
    assert len([line for line in lines if line.startswith("| error | ")]) == 5


def test_a_bug_exits_4_without_traceback_unless_debug(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(spec: object, location: str) -> list[object]:
        raise RuntimeError("boom")

    monkeypatch.setattr(conformance.lint, "lint", broken)
    assert main(["lint", FIXED]) == 4
    err = capsys.readouterr().err
    assert err == (
        "conformance lint: internal error: RuntimeError: boom\n  this is a bug; rerun with --debug for the traceback\n"
    )
    assert main(["--debug", "lint", FIXED]) == 4
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last):")
    assert err.endswith("RuntimeError: boom\n")


def _run(*argv: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("SPEC_MIRROR", "CONFORMANCE_ROOT")}
    return subprocess.run(list(argv), cwd=REPO, env=env, capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.slow
def test_module_and_console_script_both_work() -> None:
    module = [sys.executable, "-m", "conformance"]
    script = [str(REPO / ".venv" / "bin" / "conformance")]
    listed = _run(*script, "rules", "--format", "json")
    assert listed.returncode == 0
    assert "oas-nullable-without-type" in {r["id"] for r in json.loads(listed.stdout)}
    findings = _run(*module, "lint", DEFECTS, "--format", "json")
    assert findings.returncode == 1
    assert (
        json.loads(findings.stdout)["summary"] | {"error": 5, "warning": 20, "info": 25}
        == json.loads(findings.stdout)["summary"]
    )
    for runner in (module, script):
        mistake = _run(*runner, "lint", "no-such-file.json")
        assert (mistake.returncode, mistake.stdout) == (2, "")
        assert mistake.stderr == (
            "conformance lint: error: no-such-file.json: no such file\n"
            "  hint: give the path of an OpenAPI JSON or YAML file\n"
        )
    bad_flag = _run(*script, "lint", "--format", "xml", DEFECTS)
    assert bad_flag.returncode == 2
    assert "argument --format: invalid choice: 'xml'" in bad_flag.stderr and "Traceback" not in bad_flag.stderr


_FLAGS = st.lists(
    st.sampled_from(
        [
            "--format",
            "text",
            "json",
            "markdown",
            "xml",
            "--fail-on",
            "never",
            "error",
            "warning",
            "breaking",
            "--min-level",
            "info",
            "--output",
            "-o",
            "--spec",
            "normalised",
            "--debug",
            "--",
            "-x",
            "",
            "fixed.json",
            "defects.json",
            "missing.json",
            "out/report.txt",
            ".",
        ]
    ),
    max_size=6,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=st.sampled_from(["fixed.json", "defects.json", "missing.json"]), flags=_FLAGS)
def test_random_flags_never_hit_the_bug_exit_code(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec: str, flags: list[str]
) -> None:
    """Relative names only, in a scratch directory: whatever --output gets, it writes there."""
    monkeypatch.chdir(tmp_path)
    Path("fixed.json").write_text(Path(FIXED).read_text())
    Path("defects.json").write_text(Path(DEFECTS).read_text())
    argv = ["lint", spec, *flags]  # a FILE first: never reach for the pinned spec
    code = main(argv)
    _, err = capsys.readouterr()
    assert code in (0, 1, 2), (argv, code, err)
    assert "Traceback" not in err, argv

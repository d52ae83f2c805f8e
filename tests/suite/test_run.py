"""`conformance run` end to end: the real mock on loopback, the real suite, the reports, the exit codes.

Every drift mode of the mock must make the run fail with the right finding (rule id and JSON path), and
conformant mode must pass: a mode the suite does not catch is a bug in the suite.

The runs are made in the test process (``tests/inprocess.py``: ``conformance.cli.main``, the mock still a process
of its own); the two that must be processes stay so: the canary key is looked for in everything the process
writes, and a run with workers of its own (``-n 2``). Conformant mode runs the whole suite (no false alarm from
any test); the drift modes skip the schemathesis-generated requests (``-k "not test_generated"``, as the kill
matrix does for its defect modes): the hand-written scenarios are what catch a drift. The generated requests meet
wrong answers in ``test_targets.py`` (a fixed answer to every request) and in the kill matrix's whole runs.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from inprocess import run_cli
from upstream_data import pinned_mirror, seed_page

from conformance.mock.modes import list_modes

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
CANARY = "sk-canary-7f3e9b1c2d4a5e6f708192a3b4c5d6e7"

# mode -> (rule id, JSON path) the suite must report as a NEW server finding (the run exits 1)
EXPECTED: dict[str, tuple[str, str]] = {
    "missing-required": ("resp-schema-violation", "/usage"),
    "wrong-type": ("resp-schema-violation", "/created"),
    "enum-outside": ("resp-schema-violation", "/choices/0/finish_reason"),
    "extra-field": ("resp-undocumented-field", "/meta"),
    "wrong-object": ("resp-schema-violation", "/object"),
    "wrong-content-type": ("resp-content-type-undocumented", "/responses/200/content"),
    "undocumented-status": ("resp-status-undocumented", "/responses/202"),
    "documented": ("resp-schema-violation", "/object"),
}
# modes that break only the published spec (what OpenAI really does): a NEW spec finding, and the server passes
SPEC_ONLY: dict[str, tuple[str, str]] = {
    "content-null-with-tool-calls": ("resp-schema-violation", "/choices/0/message/content"),
}


def _command(args: list[str], report_dir: Path) -> list[str]:
    return ["run", "--max-examples", "2", "--report-dir", str(report_dir), *args]


def run(args: list[str], report_dir: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """``conformance run ARGS`` in this process."""
    return run_cli(_command(args, report_dir), env={"SPEC_MIRROR": _mirror(), **(env or {})})


def _deciding(report_dir: Path) -> str:
    """The new findings a run's report names (for a failing assertion's message: which finding decided the exit)."""
    try:
        report = json.loads((report_dir / "findings.json").read_text())
    except (OSError, ValueError) as exc:
        return f"(no findings.json: {exc})\n"
    new = [f for f in report.get("findings", []) if f.get("baseline") == "new"]
    return "".join(f"{f['fault']} {f['level']} {f['rule_id']} {f['location']}: {f['message'][:300]}\n" for f in new)


def run_process(
    args: list[str], report_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m conformance run ARGS`` as a process of its own."""
    full_env = {**os.environ, "SPEC_MIRROR": _mirror(), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "conformance", *_command(args, report_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=600,
    )


def _mirror() -> str:
    return os.environ.get("SPEC_MIRROR") or str(pinned_mirror())


def new_findings(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [f for f in json.loads(result.stdout)["findings"] if f["baseline"] == "new"]


_MODE_RUNS: dict[str, subprocess.CompletedProcess[str]] = {}
WHOLE_SUITE_MODES = {"conformant"}


@pytest.fixture
def mode_run(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], subprocess.CompletedProcess[str]]:
    """One whole run per mock mode, made by the first test that needs it (each test stays short, and xdist
    spreads the modes over its workers), kept for the other tests of the same mode."""

    def get(mode: str) -> subprocess.CompletedProcess[str]:
        if mode == "documented":
            seed_page()  # the mock's documented mode replays the seed page's example
        if mode not in _MODE_RUNS:
            report_dir = tmp_path_factory.mktemp(f"mode-{mode}")
            select = [] if mode in WHOLE_SUITE_MODES else ["-k", "not test_generated"]
            _MODE_RUNS[mode] = run(["--mock-mode", mode, "--strict", "--format", "json", *select], report_dir)
        return _MODE_RUNS[mode]

    return get


def test_every_drift_mode_has_an_expectation() -> None:
    drift = {m.name for m in list_modes("drift")}
    known = set(EXPECTED) | set(SPEC_ONLY)
    assert drift <= known, f"drift modes without an expected finding: {sorted(drift - known)}"


def test_conformant_mode_passes(mode_run: Callable[[str], subprocess.CompletedProcess[str]]) -> None:
    result = mode_run("conformant")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert new_findings(result) == []


@pytest.mark.parametrize("mode", sorted(EXPECTED))
def test_drift_mode_is_caught(
    mode: str, mode_run: Callable[[str], subprocess.CompletedProcess[str]], drift_table: list[tuple[str, str, str, str]]
) -> None:
    result = mode_run(mode)
    rule_id, pointer = EXPECTED[mode]
    findings = new_findings(result) if result.stdout.strip().startswith("{") else []
    caught = any(
        f["rule_id"] == rule_id
        and f["pointer"] == pointer
        and "[stream]" not in f["location"]
        and f["fault"] == "server"
        for f in findings
    )
    drift_table.append((mode, f"`{rule_id}` at `{pointer}`", "yes" if caught else "NO", str(result.returncode)))
    assert result.returncode == 1, result.stderr[-3000:]
    assert caught, f"{mode}: expected {rule_id} at {pointer}; new findings: " + json.dumps(
        [(f["rule_id"], f["location"], f["pointer"], f["fault"]) for f in findings]
    )


@pytest.mark.parametrize("mode", sorted(SPEC_ONLY))
def test_a_mode_that_breaks_only_the_published_spec_blames_the_spec(
    mode: str, mode_run: Callable[[str], subprocess.CompletedProcess[str]], drift_table: list[tuple[str, str, str, str]]
) -> None:
    result = mode_run(mode)
    rule_id, pointer = SPEC_ONLY[mode]
    findings = new_findings(result)
    caught = [f for f in findings if f["rule_id"] == rule_id and f["pointer"] == pointer]
    drift_table.append((mode, f"`{rule_id}` at `{pointer}` (spec)", "yes" if caught else "NO", str(result.returncode)))
    assert caught and all(f["fault"] == "spec" for f in caught), json.dumps(findings)[:3000]
    assert result.returncode == 0, result.stdout[-3000:]


def test_documented_mode_names_the_image_shape(mode_run: Callable[[str], subprocess.CompletedProcess[str]]) -> None:
    findings = new_findings(mode_run("documented"))
    got = {(f["rule_id"], f["pointer"]) for f in findings if "[stream]" not in f["location"]}
    assert {
        ("resp-schema-violation", "/object"),
        ("resp-schema-violation", "/choices"),
        ("resp-undocumented-field", "/data"),
    } <= got
    (obj,) = [f for f in findings if f["pointer"] == "/object" and "[stream]" not in f["location"]][:1]
    assert obj["found"] == '"image"' and "chat.completion" in obj["expected"]


def test_reports_are_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))  # where the run's mock keeps its log meanwhile
    result = run(["--no-baseline", "-k", "scenario", "--fail-on-source", "all"], tmp_path)
    assert list(temporary.iterdir()) == []  # nothing left behind by the run
    assert result.returncode == 1  # the published spec's defects, with no baseline to acknowledge them
    data = json.loads((tmp_path / "findings.json").read_text())
    assert data["findings"] and all(
        f["rule_id"] and f["evidence"]
        for f in data["findings"]
        if f["fault"] in ("server", "spec") and f["rule_id"].startswith("resp-")
    )
    suite = ET.parse(tmp_path / "junit.xml").getroot()
    assert suite.tag == "testsuite" and int(suite.get("failures", "0")) >= 1
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## Conformance: new findings") and "Whose fault" in summary
    assert "NEW findings" in result.stdout
    assert "doc pages checked: gpt-5.2.md (pinned aimlapi/api-docs@" in result.stdout
    assert "Doc pages checked: gpt-5.2.md (pinned aimlapi/api-docs@" in summary
    assert [p["path"].endswith("gpt-5.2.md") for p in data["meta"]["doc_pages"]] == [True]
    # what the generated requests depend on, so that a run can be repeated and two runs compared
    generation = data["meta"]["generation"]
    assert {k: generation[k] for k in ("seed", "max_examples", "pytest_args", "spec")} == {
        "seed": 0,
        "max_examples": 2,
        "pytest_args": ["-k", "scenario"],
        "spec": "published",
    }
    assert re.fullmatch(r"[0-9a-f]{64}", generation["spec_digest"])
    assert (generation["schemathesis"], generation["hypothesis"]) == (version("schemathesis"), version("hypothesis"))
    assert "Generated with seed 0, 2 examples per operation, selection `-k scenario`" in summary


def test_a_partial_run_never_calls_baseline_entries_stale(tmp_path: Path) -> None:
    baseline = json.loads((ROOT / "spec" / "baseline.json").read_text())
    assert baseline["entries"], "the committed baseline acknowledges the published spec's defects"
    assert all(e["reason"] for e in baseline["entries"])
    assert all(e["rule_id"].startswith(("resp-", "doc-")) for e in baseline["entries"])
    result = run(["-k", "errors"], tmp_path)  # a partial run: most baseline entries do not occur
    assert result.returncode == 0, _deciding(tmp_path) + result.stdout[-2000:] + result.stderr[-2000:]
    assert "stale baseline entry" not in result.stdout
    for flag in (["--spec", "normalised"], ["--no-baseline"]):
        other = run(["-k", "errors", *flag], tmp_path / "other")
        assert "stale baseline entry" not in other.stdout


def test_key_is_never_written_anywhere(tmp_path: Path) -> None:
    result = run_process(["--record", "-k", "scenario or errors"], tmp_path, env={"AIMLAPI_KEY": CANARY})
    assert result.returncode in (0, 1), result.stderr[-2000:]
    assert CANARY not in result.stdout and CANARY not in result.stderr
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name.startswith("exchanges-") for p in files)
    for path in files:
        assert CANARY not in path.read_text(errors="replace"), path


@pytest.mark.parametrize(
    "target,env,message",
    [
        ("http://example.com", {"AIMLAPI_KEY": CANARY}, "plain http"),
        ("live", {"AIMLAPI_KEY": ""}, "AIMLAPI_KEY"),
        ("ftp://127.0.0.1", {}, "expected an http(s) URL"),
    ],
)
def test_target_policy(
    tmp_path: Path,
    target: str,
    env: dict[str, str],
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from conformance.cli import main

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert main(["run", "--target", target, "--report-dir", str(tmp_path / "reports")]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
    assert CANARY not in err
    assert not (tmp_path / "reports" / "findings.json").exists()


@pytest.fixture(scope="module")
def scenario_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[subprocess.CompletedProcess[str], Path]:
    """The scenarios against the conformant mock, recorded, every finding new: one run for the tests below."""
    report_dir = tmp_path_factory.mktemp("scenarios")
    return run(["--record", "--no-baseline", "-k", "scenario", "--format", "json"], report_dir), report_dir


def key(result: subprocess.CompletedProcess[str]) -> set[tuple[str, str, str]]:
    return {(f["rule_id"], f["location"], f["pointer"]) for f in new_findings(result)}


def test_record_then_replay_offline(
    tmp_path: Path, scenario_run: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    live, report_dir = scenario_run
    assert (report_dir / "raw").is_dir()
    replayed = run(["--replay", str(report_dir / "raw"), "--no-baseline", "--format", "json"], tmp_path / "replay")
    assert key(live) and key(live) == key(replayed)
    assert "generation" in json.loads(live.stdout)["meta"]
    assert "generation" not in json.loads(replayed.stdout)["meta"]  # a replay generates nothing


def test_shards_merge_into_one_report(
    tmp_path: Path, scenario_run: tuple[subprocess.CompletedProcess[str], Path]
) -> None:
    whole, _ = scenario_run
    for index in (0, 1):
        run(["--no-baseline", "-k", "scenario", "--shard", f"{index}/2"], tmp_path / f"s{index}")
    merged = run(
        [
            "--no-baseline",
            "--merge-from",
            str(tmp_path / "s0"),
            "--merge-from",
            str(tmp_path / "s1"),
            "--format",
            "json",
        ],
        tmp_path / "merged",
    )
    assert key(whole) and key(merged) == key(whole)


def test_parallel_workers_share_one_mock(tmp_path: Path) -> None:
    result = run_process(
        ["--no-baseline", "-k", "scenario", "--format", "json", "-n", "2", "--fail-on-source", "all"], tmp_path
    )
    assert result.returncode == 1, result.stderr[-2000:]
    workers = {p.name for p in (tmp_path / "raw").glob("findings-gw*.jsonl")}
    assert len(workers) == 2
    assert new_findings(result)

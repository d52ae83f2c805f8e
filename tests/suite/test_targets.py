"""`conformance run` against URL targets: keys, refusing targets, budgets, exact requests, echoed keys.

Each target is a real HTTP server on loopback (``targets.serve``) that records what it received. The runs are made
in the test process (``tests/inprocess.py``), except two that need a process: the one whose output is searched for
an echoed key, and the one interrupted with SIGINT.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from inprocess import run_cli
from upstream_data import pinned_mirror

from .targets import serve

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
KEY = "sk-target-test-4c1d9e2f7a0b3c5d"


def run(args: list[str], report_dir: Path, env: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    """``conformance run ARGS`` in this process, with no key but those of ``env``."""
    mirror = os.environ.get("SPEC_MIRROR") or str(pinned_mirror())
    return run_cli(
        ["run", "--max-examples", "1", "--report-dir", str(report_dir), *args],
        env={"AIMLAPI_KEY": None, "GATEWAY_KEY": None, "SPEC_MIRROR": mirror, **env},
    )


def run_process(args: list[str], report_dir: Path, env: dict[str, str | None]) -> subprocess.CompletedProcess[str]:
    """``python -m conformance run ARGS`` as a process of its own, with no key but those of ``env``."""
    full_env = {k: v for k, v in os.environ.items() if k not in ("AIMLAPI_KEY", "GATEWAY_KEY")}
    full_env.setdefault("SPEC_MIRROR", str(pinned_mirror()))
    for name, value in env.items():
        if value is None:
            full_env.pop(name, None)
        else:
            full_env[name] = value
    return subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--max-examples", "1", "--report-dir", str(report_dir), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=full_env,
        timeout=300,
    )


def test_a_url_target_without_a_key_is_a_usage_error_that_says_how_to_give_one(tmp_path: Path) -> None:
    with serve("ok") as target:
        for value in (None, "   "):
            result = run(["--target", target.base_url], tmp_path / "r", {"AIMLAPI_KEY": value})
            assert result.returncode == 2, result.stderr
            assert "AIMLAPI_KEY" in result.stderr and "--no-auth" in result.stderr
            assert "Traceback" not in result.stderr
        assert target.received == [], "nothing may be sent before the key question is settled"
        other = run(
            ["--target", target.base_url, "--api-key-env", "GATEWAY_KEY"], tmp_path / "r2", {"AIMLAPI_KEY": KEY}
        )
        assert other.returncode == 2 and "GATEWAY_KEY" in other.stderr


def test_negative_budgets_and_times_are_usage_errors(tmp_path: Path) -> None:
    for flag, value in (("--max-requests", "-1"), ("--max-response-time", "0"), ("--max-run-time", "-5")):
        result = run(["--target", "mock", flag, value], tmp_path / "r", {})
        assert result.returncode == 2 and flag in result.stderr, (flag, result.stderr)


def test_a_target_that_refuses_every_request_stops_early_without_a_verdict(tmp_path: Path) -> None:
    with serve("refuse") as target:
        result = run(["--target", target.base_url], tmp_path / "r", {"AIMLAPI_KEY": KEY})
        sent = len(target.received)
    assert result.returncode == 3, result.stdout + result.stderr
    assert "NO VERDICT" in result.stdout
    assert sent < 40, f"the run went on after the target refused: {sent} requests"
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["meta"]["verdict"] == "none"
    assert any(f["rule_id"] == "suite-target-refused" for f in report["findings"])


def test_every_request_goes_through_the_budget(tmp_path: Path) -> None:
    with serve("ok") as target:
        result = run(
            ["--target", target.base_url, "--max-requests", "2", "-k", "test_errors"],
            tmp_path / "r",
            {"AIMLAPI_KEY": KEY},
        )
        sent = len(target.received)
    assert sent == 2, f"--max-requests 2 sent {sent}"
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["meta"]["verdict"] == "partial"
    assert any(f["rule_id"] == "suite-budget-spent" for f in report["findings"])
    assert "stale baseline entry" not in result.stdout


def test_a_key_the_target_echoes_never_reaches_a_report(tmp_path: Path) -> None:
    with serve("echo") as target:
        result = run_process(
            ["--target", target.base_url, "--record", "--max-requests", "60"], tmp_path / "r", {"AIMLAPI_KEY": KEY}
        )
        assert any(KEY in r.headers.get("Authorization", "") for r in target.received), "the key was sent"
    assert KEY not in result.stdout + result.stderr
    for file in (tmp_path / "r").rglob("*"):
        if file.is_file():
            assert KEY not in file.read_text(errors="replace"), file


def test_cases_are_sent_exactly_as_generated_and_reproduce_lines_are_exact(tmp_path: Path) -> None:
    with serve("ok") as target:
        result = run(
            ["--target", target.base_url, "-k", "test_generated", "--max-requests", "150"],
            tmp_path / "r",
            {"AIMLAPI_KEY": KEY},
        )
        received = list(target.received)
    assert result.returncode in (0, 1), result.stderr[-2000:]
    methods = {r.method for r in received}
    assert methods - {"POST"}, "schemathesis' method probes were never sent"
    assert all(b"NotSet" not in (r.body or b"") for r in received)
    assert any(r.body is None for r in received), "a body-less case went out with a body"
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert any("--data-binary" in (f.get("evidence") or "") for f in report["findings"]), "no reproduce line"
    for finding in report["findings"]:
        evidence = finding.get("evidence") or ""
        if "--data-binary" in evidence:
            sent = {r.body for r in received}
            body = evidence.split("--data-binary ", 1)[1]
            import shlex

            assert shlex.split(body)[0].encode() in sent, evidence
        assert KEY not in evidence and ("$AIMLAPI_KEY" in evidence or "Authorization" not in evidence)


def test_a_target_that_stalls_on_some_requests_cannot_stretch_the_run(tmp_path: Path) -> None:
    # every third request stalls 0.5 s; the limit (0.6 s) is above that, so only the adapted timeout (0.3 s, half
    # the limit) can cut them
    with serve("stall:0.5") as target:
        result = run(
            ["--target", target.base_url, "-k", "test_scenario", "--max-response-time", "0.6"],
            tmp_path / "r",
            {"AIMLAPI_KEY": KEY},
        )
        posts = sum(r.method == "POST" for r in target.received)
    assert result.returncode == 1, result.stdout[-2000:] + result.stderr[-2000:]
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    slow = [f for f in report["findings"] if f["rule_id"] == "resp-slow"]
    assert slow and all(f["fault"] == "server" for f in slow)
    timed_out = [f for f in slow if f["kind"] == "timeout"]
    assert timed_out, "after two stalls the suite must stop waiting the full limit for each answer"
    assert sum(f["occurrences"] for f in timed_out) >= min(posts // 3, 10) - 3
    # and after ten stalls the run stops: its wall time stays bounded
    assert report["meta"]["stopped"] == "stalls" or posts // 3 < 10


def test_an_interrupted_run_still_writes_its_report(tmp_path: Path) -> None:
    import signal
    import time

    env = {k: v for k, v in os.environ.items() if k != "AIMLAPI_KEY"}
    env.setdefault("SPEC_MIRROR", str(pinned_mirror()))
    env["AIMLAPI_KEY"] = KEY
    with serve("stall:30") as target:
        # a shell without job control starts background jobs with SIGINT ignored, and Python keeps it so:
        # give the run the default disposition, as a terminal would
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "conformance",
                "run",
                "--target",
                target.base_url,
                "--max-examples",
                "1",
                "--report-dir",
                str(tmp_path / "r"),
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        )
        deadline = time.monotonic() + 120
        while len(target.received) < 3 and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.1)  # wait until requests flow (the third one stalls)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=120)
    assert process.returncode == 130, out[-1500:] + err[-1500:]
    report = json.loads((tmp_path / "r" / "findings.json").read_text())
    assert report["meta"]["verdict"] == "partial" and report["meta"]["stopped"] == "interrupted"
    assert "stale baseline entry" not in out

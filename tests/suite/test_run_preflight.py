"""`conformance run` refuses mistakes before it runs or writes anything: unknown options (exit 2), an unwritable
report directory (exit 2, with a hint), an unreachable target (exit 3 at once); local doc pages must exist. These
stop in the preflight, so they run in-process."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.commands.run import pytest_arguments


@pytest.fixture(autouse=True)
def _isolated(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AIMLAPI_KEY", raising=False)


@pytest.fixture
def reports(tmp_path: Path) -> Path:
    """A report directory holding the previous run's reports."""
    directory = tmp_path / "reports"
    directory.mkdir()
    for name in ("findings.json", "junit.xml", "summary.md"):
        (directory / name).write_text(f"previous {name}\n")
    return directory


def _unchanged(directory: Path) -> bool:
    return all((directory / n).read_text() == f"previous {n}\n" for n in ("findings.json", "junit.xml", "summary.md"))


@pytest.mark.parametrize(
    "argv",
    [
        ["--no-basline"],
        ["--max-exampels", "3"],
        ["--target", "mock", "--surprise", "--", "-k", "scenario"],
    ],
)
def test_unknown_options_are_usage_errors_and_keep_the_reports(
    argv: list[str], reports: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", "--report-dir", str(reports), *argv]) == 2
    err = capsys.readouterr().err
    assert "unrecognized arguments:" in err and "pytest options go after `--`" in err
    assert "Traceback" not in err and "bug" not in err
    assert _unchanged(reports)


def test_pytest_options_go_after_a_double_dash() -> None:
    import argparse

    args = argparse.Namespace(extra=["--", "--maxfail", "1"], select="scenario", workers="2")
    assert pytest_arguments(args) == ["-k", "scenario", "-n", "2", "--maxfail", "1"]
    args = argparse.Namespace(extra=[], select=None, workers="many")
    with pytest.raises(Exception, match="expected a positive number or auto"):
        pytest_arguments(args)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_an_unreachable_target_exits_3_before_anything_runs(
    reports: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIMLAPI_KEY", "sk-test-preflight")  # plain http with a key: loopback only, as here
    target = f"http://127.0.0.1:{_closed_port()}"
    started = time.monotonic()
    assert main(["run", "--target", target, "--report-dir", str(reports)]) == 3
    elapsed = time.monotonic() - started
    err = capsys.readouterr().err
    assert f"--target {target}: expected a server accepting connections" in err
    assert "nothing was run or written" in err and "hint: check the URL" in err
    assert _unchanged(reports)
    assert elapsed < 60  # bounds the test, not a speed claim: before the fix this ran the whole suite


def test_an_unwritable_report_dir_is_a_usage_error_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    assert main(["run", "--report-dir", str(blocker / "reports")]) == 2
    err = capsys.readouterr().err
    assert f"--report-dir {blocker / 'reports'}: cannot write reports there" in err
    assert "hint: choose a writable --report-dir" in err
    assert main(["run", "--report-dir", str(blocker)]) == 2
    assert "expected a directory, found a file" in capsys.readouterr().err

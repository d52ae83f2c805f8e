"""The kill matrix: run ``conformance run`` against the reference server in one mode and judge its findings.

A defect mode is *caught* when the run reports a finding whose fault is ``server`` at the expected level whose rule id
matches the expected one and whose pointer matches the damaged place. A conformant mode is *clean* when the run
reports no server-fault error and exits 0. Used by ``tests/suite/test_kill_matrix.py`` and
``scripts/kill_matrix.py`` (which writes ``docs/kill-matrix.md``).
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .harness import ReferenceServer
from .modes import MODES
from .server import MODE_PREFIX

ROOT = Path(__file__).resolve().parents[2]
MIRROR = ROOT.parent / "shared" / "upstream"
KEY_ENV = "AIMLAPI_KEY"
QUICK = "not test_generated"  # pytest -k for defect modes: the hand-written requests, no schemathesis fuzzing
RUN_TIMEOUT = 120.0


@dataclass(frozen=True)
class Expectation:
    """What the suite must report for one mode (a conformant mode expects nothing)."""

    rule: str = ""  # regex, full match on the rule id
    pointer: str = ""  # regex, searched in the finding's pointer
    level: str = "error"
    select: str | None = QUICK  # pytest -k expression passed through `conformance run`; None: the whole suite
    flags: tuple[str, ...] = ()  # extra `conformance run` flags (--name=value); not run until `run --help` has them
    timeout: float = RUN_TIMEOUT
    max_examples: int = 1

    @property
    def conformant(self) -> bool:
        return not self.rule


@dataclass
class Outcome:
    mode: str
    expectation: Expectation
    exit_code: int | None  # None: the run was stopped at the timeout
    seconds: float
    findings: list[dict[str, Any]] = field(default_factory=list)
    output: str = ""
    not_run: str = ""  # why the run was not made (a flag the expectation needs is not there yet)

    @property
    def server_errors(self) -> list[dict[str, Any]]:
        return [f for f in self.findings if f.get("fault") == "server" and f.get("level") == "error"]

    def _matching(self, source: str | None) -> list[dict[str, Any]]:
        exp = self.expectation
        return [
            f
            for f in self.findings
            if (source is None or f.get("fault") == source)
            and f.get("level") == exp.level
            and re.fullmatch(exp.rule, str(f.get("rule_id")))
            and re.search(exp.pointer, str(f.get("pointer")))
        ]

    @property
    def caught(self) -> dict[str, Any] | None:
        if self.expectation.conformant:
            return None
        found = self._matching("server")
        return found[0] if found else None

    @property
    def passed(self) -> bool:
        if self.not_run:
            return False
        if self.expectation.conformant:
            return self.exit_code == 0 and not self.server_errors
        return self.caught is not None

    def verdict(self) -> str:
        if self.not_run:
            return f"not run: {self.not_run}"
        if self.exit_code is None:
            return f"timeout (stopped after {self.expectation.timeout:.0f} s)" + (
                "" if self.passed or self.expectation.conformant else "; missed"
            )
        if self.expectation.conformant:
            if self.passed:
                return "clean"
            parts = [f"{len(self.server_errors)} server-fault error(s)"] if self.server_errors else []
            return "; ".join(parts + ([f"exit {self.exit_code}"] if self.exit_code != 0 else [])) or "clean"
        if self.caught is not None:
            return "caught"
        elsewhere = [f for f in self._matching(None) if f.get("fault") != "server"]
        if elsewhere:
            return f"missed: a {elsewhere[0].get('fault')}-fault finding has that rule and place"
        near = [
            f
            for f in self.findings
            if f.get("fault") == "server"
            and re.fullmatch(self.expectation.rule, str(f.get("rule_id")))
            and re.search(self.expectation.pointer, str(f.get("pointer")))
        ]
        if near:
            return f"missed: reported at level {near[0].get('level')}"
        return "missed"


def where(finding: dict[str, Any]) -> str:
    pointer = finding.get("pointer") or ""
    return f"{finding.get('location')}#{pointer}" if pointer else str(finding.get("location"))


@functools.lru_cache(maxsize=1)
def run_help() -> str:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "run", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        env=_env(None),
    )
    return done.stdout


def _env(key: str | None) -> dict[str, str]:
    env = dict(os.environ)
    if key is not None:
        env[KEY_ENV] = key
    if "SPEC_MIRROR" not in env and MIRROR.is_dir():
        env["SPEC_MIRROR"] = str(MIRROR)
    return env


def run_mode(
    mode: str,
    expectation: Expectation,
    report_dir: Path | None = None,
    extra: Sequence[str] = (),
    *,
    in_process: bool = False,
    server: ReferenceServer | None = None,
) -> Outcome:
    """Start the server in ``mode``, run the suite against it, read ``findings.json``.

    ``in_process``: the run is ``conformance.cli.main`` in this process (``tests/inprocess.py``), bounded by
    ``--max-run-time`` instead of a kill at the timeout; the server is a process either way.
    ``server``: a running server to use instead of starting one; the run's target is its ``/mode/MODE`` prefix,
    which gives every answer the damage of ``mode`` (one server process for a whole matrix)."""
    if mode not in MODES:
        raise ValueError(f"unknown reference-server mode {mode!r}; expected one of {', '.join(MODES)}")
    missing = [f.split("=", 1)[0] for f in expectation.flags if f.split("=", 1)[0] not in run_help()]
    if missing:
        return Outcome(mode, expectation, None, 0.0, not_run=f"`conformance run` has no {', '.join(missing)} yet")
    with contextlib.ExitStack() as stack:
        scratch = stack.enter_context(tempfile.TemporaryDirectory(prefix=f"kill-{mode}-"))
        if server is None:
            server = stack.enter_context(ReferenceServer(mode=mode))
            target = server.base_url
        else:
            target = f"{server.base_url}{MODE_PREFIX}{mode}"
        reports = report_dir or Path(scratch)
        command = [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--target",
            target,
            "--report-dir",
            str(reports),
            "--no-baseline",
            "--max-examples",
            str(expectation.max_examples),
            *expectation.flags,
            *extra,
        ]
        if expectation.select:
            command += ["-k", expectation.select]
        started = time.monotonic()
        if in_process:
            return _run_in_process(mode, expectation, command[3:], server.key, reports, started)
        process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=_env(server.key),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,
        )
        try:
            output, _ = process.communicate(timeout=expectation.timeout)
            code: int | None = process.returncode
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            output, _ = process.communicate()
            code = None
        seconds = time.monotonic() - started
        findings_file = reports / "findings.json"
        findings = (
            json.loads(findings_file.read_text())["findings"] if code is not None and findings_file.is_file() else []
        )
        return Outcome(mode, expectation, code, seconds, findings, output[-4000:])


def _run_in_process(
    mode: str, expectation: Expectation, argv: list[str], key: str, reports: Path, started: float
) -> Outcome:
    from inprocess import run_cli  # tests/ is on the path (pytest's rootdir, scripts/kill_matrix.py)

    if not any(a.startswith("--max-run-time") for a in argv):
        argv = [*argv, f"--max-run-time={expectation.timeout:g}"]  # what the subprocess' timeout bounds
    env: dict[str, str | None] = {KEY_ENV: key}
    if "SPEC_MIRROR" not in os.environ and MIRROR.is_dir():
        env["SPEC_MIRROR"] = str(MIRROR)
    done = run_cli(argv, env=env)
    findings_file = reports / "findings.json"
    findings = json.loads(findings_file.read_text())["findings"] if findings_file.is_file() else []
    output = done.stdout + done.stderr
    return Outcome(mode, expectation, done.returncode, time.monotonic() - started, findings, output[-4000:])


def _cell(text: str) -> str:
    """A Markdown table cell: a ``|`` (in a regex, say) must not end the cell."""
    return text.replace("|", "\\|")


def markdown(outcomes: Sequence[Outcome], command: str) -> str:
    """``docs/kill-matrix.md``: one row per mode."""
    lines = [
        "# Kill matrix: the suite against the reference server",
        "",
        "Each row starts `tests/reference_server/server.py` in one mode (a realistic defect, or one of the two "
        "conformant flavours) and runs the suite against it; see `tests/reference_server/modes.py` for what "
        "each mode damages and `tests/suite/test_kill_matrix.py` for the expected rule and place.",
        "",
        f"Regenerate with `{command}`.",
        "",
        "| mode | expected rule | expected place | caught as | location | exit | seconds | verdict |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for o in outcomes:
        exp = o.expectation
        hit = o.caught
        if exp.conformant:
            expected, place = "no server-fault error, exit 0", ""
            shown = sorted({f"`{f['rule_id']}`" for f in o.server_errors})
            caught = ", ".join(shown[:4]) + (" ..." if len(shown) > 4 else "") or "-"
            location = "<br>".join(sorted({where(f) for f in o.server_errors})[:4]) or "-"
        else:
            expected, place = f"`{exp.rule}` ({exp.level})", f"`{exp.pointer}`" if exp.pointer else "(any)"
            caught = f"`{hit['rule_id']}`" if hit else "-"
            location = where(hit) if hit else "-"
        code = "-" if o.not_run else "timeout" if o.exit_code is None else str(o.exit_code)
        cells = [f"`{o.mode}`", expected, place, caught, location, code, f"{o.seconds:.1f}", o.verdict()]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    killed = sum(o.passed for o in outcomes if not o.expectation.conformant)
    defects = sum(not o.expectation.conformant for o in outcomes)
    clean = sum(o.passed for o in outcomes if o.expectation.conformant)
    lines += [
        "",
        f"{killed} of {defects} defect modes caught; {clean} of {len(outcomes) - defects} conformant "
        "modes clean (no server-fault error, exit 0).",
        "",
    ]
    false_alarms = [(o.mode, f) for o in outcomes if o.expectation.conformant for f in o.server_errors]
    if false_alarms:
        lines += [
            "## False alarms on conformant modes",
            "",
            "| mode | rule | location | message |",
            "|---|---|---|---|",
        ]
        for mode, f in false_alarms:
            message = str(f.get("message", ""))[:160].replace("\n", " ")
            lines.append(
                "| " + " | ".join(_cell(c) for c in (f"`{mode}`", f"`{f['rule_id']}`", where(f), message)) + " |"
            )
        lines.append("")
    return "\n".join(lines)

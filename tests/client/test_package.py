"""The runtime as shipped: copied into the generated package unchanged, ``mypy --strict`` clean with the example
that uses every feature, the example runs against the mock, and the benchmark script runs."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import gpt52_client
import pytest

from conformance import paths

ROOT = paths.project_root()
RUNTIME = ROOT / "generated" / "runtime"
PACKAGE = Path(gpt52_client.__file__).parent
EXAMPLE = ROOT / "examples" / "client_features.py"


def runtime_modules() -> list[Path]:
    return sorted(RUNTIME.glob("*.py"))


def test_the_generated_package_carries_the_current_runtime() -> None:
    assert runtime_modules(), f"no runtime modules in {RUNTIME}"
    stale = [
        m.name
        for m in runtime_modules()
        if not (PACKAGE / m.name).is_file() or (PACKAGE / m.name).read_bytes() != m.read_bytes()
    ]
    assert not stale, (
        f"{PACKAGE} has older copies of {', '.join(stale)}: run "
        "`SPEC_MIRROR=../shared/upstream python -m conformance generate`"
    )


def test_the_runtime_and_the_example_pass_mypy_strict() -> None:
    targets = [str(EXAMPLE)] + [str(PACKAGE / m.name) for m in runtime_modules()]
    cache = paths.cache_dir() / "mypy-client"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unreachable", "--cache-dir", str(cache), *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_example_runs_against_the_mock(mock_server: Any) -> None:
    env = {**os.environ, "AIMLAPI_KEY": "sk-example", "AIMLAPI_BASE_URL": mock_server.base_url}
    result = subprocess.run(
        [sys.executable, str(EXAMPLE)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    for marker in (
        "[complete] stop:",
        "[stream] finish_reason=stop",
        "[stop early] read 2 chunks, connection closed: True",
        "[errors] no error this time",
        "[retries]",
        "[async]",
        "[strict] the answer matches the spec: stop",
        "[decode] finish_reason='end_turn'",
    ):
        assert marker in result.stdout, result.stdout
    assert "sk-example" not in result.stdout + result.stderr


@pytest.mark.slow
def test_the_benchmark_prints_its_section() -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "bench_client.py"),
            "--chunks",
            "200",
            "--requests",
            "5",
            "--rounds",
            "1",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("## Client: streaming and per-request overhead")
    assert "| streamed chunks per second (higher is better) |" in result.stdout
    assert "- machine:" in result.stdout and "- command: `python scripts/bench_client.py" in result.stdout


def test_the_code_blocks_of_docs_client_md_run() -> None:
    """Every Python block of docs/client.md runs as written (none needs a server), with no key in the environment."""
    text = (ROOT / "docs" / "client.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert len(blocks) >= 4
    env = {key: value for key, value in os.environ.items() if key not in ("AIMLAPI_KEY", "AIMLAPI_BASE_URL")}
    for block in blocks:
        result = subprocess.run(
            [sys.executable, "-c", block], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 0, f"{block}\n{result.stderr}"

"""The two packages as shipped: ``gpt52_client`` (generated, installed as a normal package) and ``gpt52`` (the
hand-written client in ``client/``), which imports the generated one by name and only through its public surface;
``mypy --strict`` clean with the example that uses every feature; the example runs against the mock; the benchmark
script runs; both wheels install into a fresh venv and import as documented."""

from __future__ import annotations

import ast
import importlib.metadata
import json
import os
import re
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import gpt52
import gpt52_client
import pytest

from conformance import paths

ROOT = paths.project_root()
CLIENT = ROOT / "client" / "src" / "gpt52"
EXAMPLE = ROOT / "examples" / "client_features.py"
#: the generated package's public surface the client may use
PUBLIC = {"gpt52_client", "gpt52_client.models", "gpt52_client.types"}


def client_modules() -> list[Path]:
    return sorted(CLIENT.glob("*.py"))


def _generated_imports(module: Path) -> list[tuple[int, str, str]]:
    """(line, module, name) of every import of the generated package in ``module``."""
    found: list[tuple[int, str, str]] = []
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "gpt52_client":
            found += [(node.lineno, node.module, alias.name) for alias in node.names]
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name, "") for a in node.names if a.name.split(".")[0] == "gpt52_client"]
    return found


def test_the_client_lives_in_its_own_package_and_the_generated_one_is_installed() -> None:
    assert Path(gpt52.__file__).parent == CLIENT
    assert client_modules(), f"no modules in {CLIENT}"
    generated = Path(gpt52_client.__file__).parent
    assert generated == ROOT / "generated" / "gpt52-client" / "gpt52_client"
    # installed as distributions (pip install -e), not put on sys.path by a hand-written .pth file
    assert importlib.metadata.version("gpt52-client") == importlib.metadata.version("gpt52") == "0.1.0"
    assert not (Path(sysconfig.get_paths()["purelib"]) / "gpt52-generated.pth").exists()
    # generated/ holds the generator's configuration and templates, and the build output
    assert {p.name for p in (ROOT / "generated").iterdir() if not p.name.startswith(".")} <= {
        "config.yaml",
        "templates",
        "gpt52-client",
    }
    assert not list(generated.glob("chat.py")), "hand-written modules are no longer copied into the generated package"


def test_the_client_uses_only_the_public_surface_of_the_generated_package() -> None:
    offending = [
        f"{module.name}:{line}: from {source} import {name}"
        for module in client_modules()
        for line, source, name in _generated_imports(module)
        if source not in PUBLIC or name.startswith("_")
    ]
    assert not offending, "private or deep imports of gpt52_client:\n" + "\n".join(offending)
    used = {source for module in client_modules() for _, source, _ in _generated_imports(module)}
    assert used == PUBLIC


def test_the_event_stream_decoder_needs_nothing_of_the_generated_package() -> None:
    """``conformance`` reads streams with ``gpt52.sse``: importing it does not import ``gpt52_client``."""
    code = "import sys, gpt52.sse; print(sorted(m for m in sys.modules if m.startswith('gpt52')))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split("'")[1::2] == ["gpt52", "gpt52.exceptions", "gpt52.sse"]


def test_the_package_exports_its_main_names() -> None:
    from gpt52 import AsyncGpt52, Gpt52, MessageAccumulator, RetryPolicy, SSEDecoder, decode_completion
    from gpt52.aio import AsyncGpt52 as async_client
    from gpt52.chat import Gpt52 as sync_client

    assert (Gpt52, AsyncGpt52) == (sync_client, async_client)
    assert {MessageAccumulator, RetryPolicy, SSEDecoder, decode_completion} <= {
        getattr(gpt52, n) for n in gpt52.__all__
    }
    with pytest.raises(AttributeError, match="no attribute 'Missing'"):
        _ = gpt52.Missing


def test_no_module_of_the_client_is_over_600_lines() -> None:
    sizes = {m.name: len(m.read_text(encoding="utf-8").splitlines()) for m in client_modules()}
    assert max(sizes.values()) <= 600, sizes


def test_the_client_and_the_example_pass_mypy_strict() -> None:
    targets = [str(EXAMPLE), str(CLIENT)]
    cache = paths.cache_dir() / "mypy-client"
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--warn-unreachable", "--cache-dir", str(cache), *targets],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


WHEEL_CHECK = """
import json, sys
import gpt52, gpt52_client
from gpt52 import Gpt52
from gpt52.decode import decode_completion
from gpt52_client.models import ChatCompletion
body = {"id": "c", "object": "chat.completion", "created": 0, "model": "m",
        "choices": [{"index": 0, "finish_reason": "end_turn", "message": {"role": "assistant", "content": "hi"}}]}
completion = decode_completion(body)
assert isinstance(completion, ChatCompletion) and completion.choices[0].finish_reason == "end_turn"
Gpt52(api_key="sk-x").close()
print(json.dumps({"gpt52": gpt52.__file__, "gpt52_client": gpt52_client.__file__}))
"""


@pytest.mark.slow
def test_both_wheels_install_into_a_fresh_venv_and_import_as_documented(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--wheel-dir",
            str(dist),
            str(ROOT / "generated" / "gpt52-client"),
            str(ROOT / "client"),
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    if built.returncode != 0 and re.search(r"(?i)(connection|network|resolve|index)", built.stderr):
        pytest.skip(f"cannot fetch the build backends (setuptools, pdm-backend): {built.stderr.strip()[-300:]}")
    assert built.returncode == 0, built.stderr
    wheels = sorted(p.name for p in dist.glob("*.whl"))
    assert [w.split("-")[0] for w in wheels] == ["gpt52", "gpt52_client"], wheels
    fresh = tmp_path / "fresh"
    venv.create(fresh, with_pip=False)
    python = fresh / "bin" / "python"
    installed = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps"]
        + [str(dist / w) for w in wheels],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert installed.returncode == 0, installed.stderr
    # the wheels' dependencies (httpx, attrs) from this venv, appended after the fresh venv's own packages;
    # a path listed in a .pth is not itself scanned for .pth files, so this venv's editable installs stay out
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    (site / "deps-from-the-test-venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "AIMLAPI_KEY")}
    result = subprocess.run(
        [str(python), "-c", WHEEL_CHECK], cwd=tmp_path, env=env, capture_output=True, text=True, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr
    where = {name: Path(path) for name, path in json.loads(result.stdout).items()}
    assert all(path.is_relative_to(site) for path in where.values()), where


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

"""`conformance mock`: listing modes, refusing non-loopback hosts, clean shutdown, a drifted spec file."""

from __future__ import annotations

import copy
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.mock import MODES
from conformance.mock.server import MockServer, MockServerError
from conformance.paths import project_root

from .conftest import mirror, server_env
from .helpers import Schemas, assert_error, body, post


def test_list_modes_prints_one_mode_per_line_name_first(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--list-modes"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == [m.name for m in MODES]
    for line, mode in zip(lines, MODES, strict=True):
        assert line.split()[1] == mode.kind
        assert line.endswith(mode.description)


def test_list_modes_as_a_process() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance", "mock", "--list-modes"],
        capture_output=True,
        text=True,
        cwd=project_root(),
        env=server_env(),
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].split()[:2] == ["conformant", "conformant"]


@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.10", "::", "example.com"])
def test_non_loopback_host_is_refused(capsys: pytest.CaptureFixture[str], host: str) -> None:
    assert main(["mock", "--host", host, "--port", "0"]) == 2
    err = capsys.readouterr().err
    assert f"--host {host}: expected a loopback address" in err
    assert "--allow-non-loopback" in err


def test_unknown_mode_and_bad_numbers_are_usage_errors(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["mock", "--mode", "chaos"]) == 2
    assert "--mode chaos: expected one of conformant, strict-spec" in capsys.readouterr().err
    assert main(["mock", "--port", "70000"]) == 2
    assert main(["mock", "--max-body", "0"]) == 2


@pytest.mark.parametrize(
    ("key", "problem"),
    [
        ("", "expected a non-empty key, found an empty one"),
        ("sk-secret with space", "expected printable ASCII without spaces"),
        ("sk-secret\u00e9", "expected printable ASCII without spaces"),
        ("sk-secret" + "x" * 600, "expected at most 512 characters, found 609"),
    ],
)
def test_a_malformed_api_key_is_a_usage_error_that_does_not_repeat_it(
    capsys: pytest.CaptureFixture[str], key: str, problem: str
) -> None:
    assert main(["mock", "--port", "0", "--api-key", "sk-good", "--api-key", key]) == 2
    err = capsys.readouterr().err
    assert f"--api-key (occurrence 2): {problem}" in err
    assert "sk-secret" not in err and "sk-good" not in err


def test_busy_port_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        assert main(["mock", "--port", str(port)]) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in capsys.readouterr().err


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown_on_signal(sig: signal.Signals) -> None:
    server = MockServer(spec="published", env=server_env()).start()
    try:
        assert post(server.base_url, body()).status_code == 200
        server.send_signal(sig)
        assert server.wait(timeout=20) == 0
    finally:
        server.stop()
    log = server.log_text()
    assert "mock stopped after 2 request(s)" in log  # the readiness probe and ours
    assert "Traceback" not in log


# what a mock process never needs: an HTTP client (and the CLI httpx brings along), the generators, the test
# runner, the doc checkers and the JSONPath engine of the overlay (the overlaid spec comes from the cache)
NOT_IN_THE_MOCK = (
    "httpx",
    "rich",
    "click",
    "hypothesis",
    "schemathesis",
    "pytest",
    "conformance.docs.check",
    "jsonpath",
)


def test_a_mock_process_imports_nothing_it_does_not_use() -> None:
    """Every mock the suite, the tests and the benchmarks start pays for its imports (0.2 s of CPU a start)."""
    server = MockServer(spec="published", env={**server_env(), "PYTHONPROFILEIMPORTTIME": "1"}).start()
    try:
        assert post(server.base_url, body()).status_code == 200
        assert post(server.base_url, body(stream=True)).status_code == 200
    finally:
        server.stop()
    imported = {
        line.split("|")[-1].strip() for line in server.log_text().splitlines() if line.startswith("import time:")
    }
    assert "conformance.mock.app" in imported  # the probe sees the mock's own imports
    assert sorted(m for m in imported if m.split(".")[0] in NOT_IN_THE_MOCK or m in NOT_IN_THE_MOCK) == []


def test_python_dash_m_conformance_mock_module() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "conformance.mock", "--list-modes"],
        capture_output=True,
        text=True,
        cwd=project_root(),
        env=server_env(),
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.startswith("conformant")


def test_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    with pytest.raises(MockServerError, match="exited with code 2 before listening") as info:
        MockServer(spec=str(tmp_path / "missing.json"), env=server_env()).start()
    assert "no such file" in str(info.value)


def _drifted(published: dict[str, Any]) -> dict[str, Any]:
    """The published spec with a drift: created becomes a string, usage is no longer required, a new member."""
    spec = copy.deepcopy(published)
    for item in spec["paths"].values():
        schema = item["post"]["responses"]["200"]["content"]["application/json"]["schema"]
        schema["properties"]["created"] = {"type": "string", "format": "date-time"}
        schema["required"] = [r for r in schema["required"] if r != "usage"] + ["service_tier"]
        schema["properties"]["service_tier"] = {"type": "string", "enum": ["flex"]}
        del schema["properties"]["usage"]
        request = item["post"]["requestBody"]["content"]["application/json"]["schema"]
        request["required"] = [*request["required"], "user"]
        request["properties"]["user"] = {"type": "string"}
    return spec


def test_a_drifted_spec_file_gives_a_drifted_mock(tmp_path: Path, published: Schemas) -> None:
    spec = _drifted(published.spec)
    path = tmp_path / "drifted.json"
    path.write_text(json.dumps(spec))
    with MockServer(spec=path, env=server_env()) as server:
        error = assert_error(post(server.base_url, body()), 400, "invalid_value")
        assert error["param"] == "user"
        data = post(server.base_url, body(user="u1")).json()
    assert Schemas(spec).completion_violations(data) == []
    assert data["created"] == "2025-01-01T00:00:00Z"
    assert data["service_tier"] == "flex"
    assert "usage" not in data
    assert published.completion_violations(data)  # against what upstream publishes, it drifted


def test_normalised_spec_with_refs_in_components(tmp_path: Path) -> None:
    """A spec that names its schemas in components/schemas (as the normalised one does) is served the same."""
    spec = json.loads((Path(__file__).parent / "data" / "refs_spec.json").read_text())
    path = tmp_path / "refs.json"
    path.write_text(json.dumps(spec))
    with MockServer(spec=path, env={**server_env(), "SPEC_MIRROR": mirror()}) as server:
        data = post(
            server.base_url,
            {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            path="/api/chat/completions",
        ).json()
        assert post(server.base_url, {"model": 1, "messages": []}, path="/api/chat/completions").status_code == 400
    assert Schemas(spec).completion_violations(data) == []
    assert data["object"] == "chat.completion" and data["choices"][0]["message"]["role"] == "assistant"


def test_a_temporary_log_is_removed_on_stop_and_stays_readable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    with MockServer(spec="published", env=server_env()) as server:
        assert server.log_path is not None and server.log_path.parent == tmp_path and server.log_path.exists()
        post(server.base_url, body())
    assert list(tmp_path.iterdir()) == []
    log = server.log_text()
    assert "mock: serving POST /v1/chat/completions" in log and "POST /v1/chat/completions 200" in log


def test_a_mock_that_fails_to_start_leaves_no_log_behind(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temporary))
    with pytest.raises(MockServerError, match=r"no-such-spec\.json") as caught:
        MockServer(spec=tmp_path / "no-such-spec.json", env=server_env()).start()
    assert "exited with code 2" in str(caught.value)  # the log's end is in the error
    assert list(temporary.iterdir()) == []


def test_a_given_log_path_is_kept(tmp_path: Path) -> None:
    log = tmp_path / "mock.log"
    with MockServer(spec="published", env=server_env(), log_path=log, extra_args=["--quiet"]):
        pass
    assert "mock: serving" in log.read_text()

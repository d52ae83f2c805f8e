"""The validating proxy end to end: real processes on loopback, the official SDK and our client through it."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.mock.auth import DEFAULT_API_KEY as MOCK_KEY
from conformance.mock.server import MockServer
from tests.proxy import helpers
from tests.proxy.helpers import KEY, Proxy, ScriptedUpstream, chunk, files_text, mirror_or_skip, read_request, sse_head

pytestmark = pytest.mark.slow
MESSAGES: list[Any] = [{"role": "user", "content": "Hello"}]


@pytest.fixture(scope="module", autouse=True)
def _mirror() -> None:
    mirror_or_skip()


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    """The mock as the upstream; it accepts the clients' key, handed over in an environment variable."""
    import os

    env = dict(os.environ, SPEC_MIRROR=str(helpers.MIRROR), PROXY_TEST_KEY=KEY)
    with MockServer(spec="normalised", env=env, extra_args=["--api-key-env", "PROXY_TEST_KEY"]) as server:
        yield server


# -- a session through the proxy: the official SDK, our client, a drifting upstream ---------------------------


@pytest.fixture(scope="module")
def session(mock: MockServer, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    import openai
    from gpt52.chat import Gpt52

    workdir = tmp_path_factory.mktemp("proxy-session")
    record = workdir / "recorded"
    seen: dict[str, Any] = {}
    with Proxy(mock.base_url, workdir, "--record", str(record)) as proxy:
        sdk = openai.OpenAI(base_url=proxy.base_url + "/v1", api_key=KEY, max_retries=0)
        completion = sdk.chat.completions.create(model="openai/gpt-5-2", messages=MESSAGES)
        seen["sdk_content"] = completion.choices[0].message.content
        seen["sdk_chunks"] = list(sdk.chat.completions.create(model="openai/gpt-5-2", messages=MESSAGES, stream=True))
        with Gpt52(api_key=KEY, base_url=proxy.base_url, max_retries=0) as ours:
            seen["ours_content"] = ours.create(model="openai/gpt-5-2", messages=MESSAGES).choices[0].message.content
            with ours.create(model="openai/gpt-5-2", messages=MESSAGES, stream=True) as stream:
                seen["ours_chunks"] = list(stream)
        drifted = sdk.chat.completions.with_raw_response.create(
            model="openai/gpt-5-2", messages=MESSAGES, extra_headers={"X-Mock-Mode": "wrong-type"}
        )
        seen["drift_status"] = drifted.http_response.status_code
        seen["live_output"] = proxy.wait_for_output(lambda text: "#/created" in text)
        proxy.stop(signal.SIGTERM)
        seen.update(proxy=proxy, record=record, stdout=proxy.stdout(), stderr=proxy.stderr(), code=proxy.returncode)
    return seen


def test_official_sdk_and_our_client_get_their_answers_through_the_proxy(session: dict[str, Any]) -> None:
    assert session["sdk_content"] and session["ours_content"]
    for chunks in (session["sdk_chunks"], session["ours_chunks"]):
        assert len(chunks) >= 2
        assert chunks[0].choices[0].delta.role == "assistant"
        assert any(c.choices and c.choices[0].finish_reason for c in chunks)


def test_a_defect_of_the_upstream_is_printed_as_it_happens_and_reported(session: dict[str, Any]) -> None:
    assert session["drift_status"] == 200  # the client gets the upstream's answer as it was
    lines = [line for line in session["live_output"].splitlines() if "#/created" in line]
    assert len(lines) == 1 and lines[0].startswith("finding: ERROR resp-schema-violation") and "(server)" in lines[0]
    report_dir = session["proxy"].report_dir
    data = json.loads((report_dir / "findings.json").read_text())
    created = [f for f in data["findings"] if f["pointer"] == "/created"]
    assert created and created[0]["fault"] == "server"
    assert data["meta"]["proxy"]["checked"] == 5 and data["meta"]["proxy"]["exchanges"] == 5
    assert (report_dir / "junit.xml").is_file() and (report_dir / "summary.md").is_file()
    assert session["code"] == 1  # a new error finding, as `conformance run` exits


def test_each_finding_is_printed_once(session: dict[str, Any]) -> None:
    lines = [line for line in session["stdout"].splitlines() if line.startswith("finding:")]
    assert len(lines) == len(set(lines))


def test_the_key_is_never_written(session: dict[str, Any]) -> None:
    proxy = session["proxy"]
    written = files_text([proxy.report_dir, session["record"]]) + session["stdout"] + session["stderr"]
    assert KEY not in written
    assert "Bearer ***" in files_text([session["record"]])


def test_the_recording_is_read_by_conformance_traffic(session: dict[str, Any], tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "traffic", str(session["record"]), "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        env=_env(),
    )
    assert "5 recorded exchange(s): 5 chat completion(s) checked (2 streamed)" in done.stdout, done.stderr
    assert done.returncode == 1
    assert any(f["pointer"] == "/created" for f in json.loads((tmp_path / "findings.json").read_text())["findings"])


def _env() -> dict[str, str]:
    import os

    return dict(os.environ, SPEC_MIRROR=str(helpers.MIRROR))


# -- forwarding ----------------------------------------------------------------------------------------------


def test_request_and_answer_pass_unchanged(tmp_path: Path) -> None:
    received: list[bytes] = []
    answer = b'{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[]}'

    def script(conn: socket.socket) -> None:
        conn.sendall(
            b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\nx-upstream: yes\r\n"
            + f"content-length: {len(answer)}\r\n\r\n".encode()
            + answer
        )

    def record(conn: socket.socket) -> None:
        received.append(read_request(conn))
        script(conn)

    upstream = ScriptedUpstream(script)
    upstream._one = lambda conn: (record(conn), conn.close())  # type: ignore[method-assign]
    body = b'{"model": "openai/gpt-5-2",  "messages": [{"role": "user", "content": "Hi"}]}'
    with upstream, Proxy(upstream.url + "/base", tmp_path, "--no-baseline") as proxy:
        response = httpx.post(
            proxy.base_url + "/v1/chat/completions?api-version=1",
            content=body,
            headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", "X-Custom": "kept"},
        )
    assert (response.status_code, response.content, response.headers["x-upstream"]) == (201, answer, "yes")
    head, _, sent = received[0].partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    assert lines[0] == b"POST /base/v1/chat/completions?api-version=1 HTTP/1.1"
    assert sent == body
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(b":") for line in lines[1:])}
    assert headers[b"authorization"] == f"Bearer {KEY}".encode() and headers[b"x-custom"] == b"kept"


def test_stream_events_reach_the_client_before_the_upstream_finishes(tmp_path: Path) -> None:
    release = threading.Event()
    upstream_saw: list[bool] = []
    first = b'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[]}\n\n'

    def script(conn: socket.socket) -> None:
        conn.sendall(sse_head() + chunk(first))
        # the upstream holds the rest of the stream until the client has the first event (a proxy that
        # buffered would deliver nothing before this wait gave up)
        upstream_saw.append(release.wait(timeout=20))
        conn.sendall(chunk(b"data: [DONE]\n\n") + b"0\r\n\r\n")

    with (
        ScriptedUpstream(script) as upstream,
        Proxy(upstream.url, tmp_path) as proxy,
        httpx.stream(
            "POST",
            proxy.base_url + "/v1/chat/completions",
            json={"stream": True},
            headers={"Authorization": f"Bearer {KEY}"},
            timeout=120,
        ) as response,
    ):
        lines = response.iter_lines()
        got_first = next(lines)
        released_before_first_event = release.is_set()
        release.set()
        rest = list(lines)
    assert got_first == first.decode().strip()
    assert not released_before_first_event
    assert upstream_saw == [True]  # released by the client having read the event, not by the time-out
    assert "data: [DONE]" in rest


def test_unreachable_upstream_is_a_502_and_a_finding(tmp_path: Path) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens here once the socket is closed
    proxy = Proxy(f"http://127.0.0.1:{port}", tmp_path).start()
    try:
        response = httpx.post(proxy.base_url + "/v1/chat/completions", json={}, headers={"Authorization": "Bearer x"})
        proxy.wait_for_output(lambda text: "resp-transport-error" in text)
    finally:
        proxy.stop(signal.SIGINT)  # Ctrl-C: the report is written all the same
    assert response.status_code == 502 and response.json()["error"]["code"] == "upstream_unreachable"
    data = json.loads((proxy.report_dir / "findings.json").read_text())
    assert any(f["rule_id"] == "resp-transport-error" for f in data["findings"])


def test_upstream_timeout_is_a_504(tmp_path: Path) -> None:
    gate = threading.Event()

    def silent(conn: socket.socket) -> None:
        gate.wait(timeout=60)

    with ScriptedUpstream(silent) as upstream, Proxy(upstream.url, tmp_path, "--timeout", "0.5") as proxy:
        response = httpx.post(proxy.base_url + "/v1/chat/completions", json={}, timeout=60)
        gate.set()
    assert response.status_code == 504 and response.json()["error"]["code"] == "upstream_timeout"


def test_an_answer_cut_by_the_upstream_is_cut_for_the_client_too(tmp_path: Path) -> None:
    def cut(conn: socket.socket) -> None:
        conn.sendall(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"id":')

    with ScriptedUpstream(cut) as upstream, Proxy(upstream.url, tmp_path) as proxy:
        with pytest.raises(httpx.RemoteProtocolError) as direct:
            httpx.post(upstream.url + "/v1/chat/completions", json={})
        with pytest.raises(httpx.RemoteProtocolError) as proxied:
            httpx.post(proxy.base_url + "/v1/chat/completions", json={})
    assert type(direct.value) is type(proxied.value)


def test_two_workers_share_the_port_and_one_report(mock: MockServer, tmp_path: Path) -> None:
    with Proxy(mock.base_url, tmp_path, "--workers", "2") as proxy:
        with httpx.Client(base_url=proxy.base_url, headers={"Authorization": f"Bearer {KEY}"}) as client:
            for _ in range(6):
                assert (
                    client.post(
                        "/v1/chat/completions", json={"model": "openai/gpt-5-2", "messages": MESSAGES}
                    ).status_code
                    == 200
                )
        proxy.stop()
    assert json.loads((proxy.report_dir / "findings.json").read_text())["meta"]["proxy"]["exchanges"] == 6
    assert proxy.stdout().count("listening on") == 1


def test_mock_with_two_workers_answers_and_stops_cleanly() -> None:
    import os

    with MockServer(
        spec="normalised",
        extra_args=["--workers", "2", "--quiet"],
        env=dict(os.environ, SPEC_MIRROR=str(helpers.MIRROR)),
    ) as server:
        for _ in range(4):
            response = httpx.post(
                server.base_url + "/v1/chat/completions",
                json={"model": "openai/gpt-5-2", "messages": MESSAGES},
                headers={"Authorization": f"Bearer {MOCK_KEY}"},
            )
            assert response.status_code == 200
        assert server.stop() == 0


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--upstream", "ftp://example.com"], "expected an http(s) URL"),
        (["--upstream", "http://api.example.com"], "refusing to forward API keys over plain http"),
        (["--upstream", "http://127.0.0.1:1", "--workers", "0"], "--workers 0: expected 1 to 64"),
        (["--upstream", "http://127.0.0.1:1", "--host", "0.0.0.0"], "expected a loopback address"),
    ],
)
def test_bad_options_exit_2(args: list[str], expected: str, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "conformance", "proxy", "--port", "0", "--report-dir", str(tmp_path), *args],
        capture_output=True,
        text=True,
        env=_env(),
        timeout=120,
    )
    assert done.returncode == 2 and expected in done.stderr and "Traceback" not in done.stderr


def test_kept_alive_connections_the_upstream_closed_are_replaced(tmp_path: Path) -> None:
    answer = b'{"error": {"message": "no", "type": "x", "param": null, "code": null}}'

    def once_per_connection(conn: socket.socket) -> None:  # answers, then closes without saying so
        conn.sendall(
            b"HTTP/1.1 400 Bad Request\r\ncontent-type: application/json\r\n"
            + f"content-length: {len(answer)}\r\n\r\n".encode()
            + answer
        )

    with (
        ScriptedUpstream(once_per_connection) as upstream,
        Proxy(upstream.url, tmp_path) as proxy,
        httpx.Client(base_url=proxy.base_url) as client,
    ):
        statuses = [client.post("/v1/chat/completions", json={}).status_code for _ in range(5)]
    assert statuses == [400] * 5


def test_a_client_leaving_a_stream_closes_the_upstream_request(tmp_path: Path) -> None:
    closed = threading.Event()

    def endless(conn: socket.socket) -> None:
        conn.sendall(sse_head() + chunk(b'data: {"n": 1}\n\n'))
        conn.settimeout(30)
        try:
            closed.set() if conn.recv(1) == b"" else None
        except OSError:
            closed.set()

    with ScriptedUpstream(endless) as upstream, Proxy(upstream.url, tmp_path) as proxy:
        with httpx.stream(
            "POST", proxy.base_url + "/v1/chat/completions", json={"stream": True}, timeout=60
        ) as response:
            assert next(response.iter_lines()) == 'data: {"n": 1}'
        # the client has gone: the proxy abandons the upstream request instead of reading it to its end
        assert closed.wait(timeout=30)

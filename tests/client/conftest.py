"""Fixtures for the client tests: servers (the project's mock and a small loopback one), a fake clock, and
one driver that runs the same test through the sync client and the async client.

The loopback server speaks the mock's mode names (``X-Mock-Mode``: conformant, rate-limit, error-500/502/503,
drop, stream-cut, latency with ``X-Mock-Latency-Ms``, ``X-Mock-Retry-After``) and adds what the mock cannot do:
stream errors (``error-event``, ``error-data``, ``json-error``), a slow stream that records when the client hangs
up (``slow-stream``), data after ``[DONE]`` (``after-done``), and streams of chunks given in the request body
(``canned``: ``x_loopback_chunks``, split into writes of ``x_loopback_split`` bytes, lines ended by
``x_loopback_eol``). Its answers depend on the messages only, so a streamed answer has the non-streamed one's text.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from gpt52.chat import AsyncGpt52, Gpt52
from gpt52.retries import RetryPolicy
from gpt52_client.models.chat_completion import ChatCompletion
from gpt52_client.models.chat_completion_chunk import ChatCompletionChunk

MODEL = "openai/gpt-5-2"
MESSAGES = [{"role": "user", "content": "Tell me something."}]
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet")
REQUEST_ID = "req_loopback_1"


# -- the loopback server ---------------------------------------------------------------------------


def answer_words(body: dict[str, Any]) -> list[str]:
    seed = hashlib.sha256(json.dumps([body.get("model"), body.get("messages")], sort_keys=True).encode()).digest()
    count = 5 + seed[0] % 8
    return [WORDS[b % len(WORDS)] for b in seed[1 : 1 + count]]


def completion_body(body: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loop",
        "object": "chat.completion",
        "created": 1733832000,
        "model": body["model"],
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "logprobs": None,
                "finish_reason": "stop",
                "message": {
                    "role": "assistant",
                    "content": " ".join(answer_words(body)),
                    "refusal": None,
                    "annotations": [],
                },
            }
        ],
        "usage": {
            "prompt_tokens": 9,
            "completion_tokens": 7,
            "total_tokens": 16,
            "completion_tokens_details": None,
            "prompt_tokens_details": None,
        },
    }


def chunk(delta: dict[str, Any], finish_reason: str | None, model: str = MODEL) -> dict[str, Any]:
    return {
        "id": "chatcmpl-loop",
        "object": "chat.completion.chunk",
        "created": 1733832000,
        "model": model,
        "service_tier": None,
        "usage": None,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}],
    }


def stream_chunks(body: dict[str, Any]) -> list[dict[str, Any]]:
    words = answer_words(body)
    pieces = [words[0]] + [" " + word for word in words[1:]]
    out = [chunk({"role": "assistant", "content": ""}, None)]
    out += [chunk({"content": piece}, None) for piece in pieces]
    out.append(chunk({}, "stop"))
    return out


def event(data: dict[str, Any] | str, eol: str = "\n", name: str | None = None) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    head = f"event: {name}{eol}" if name else ""
    return f"{head}data: {text}{eol}{eol}".encode()


def error_json(message: str, type_: str, code: str | None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


class LoopbackServer:
    """A threaded HTTP/1.1 server on 127.0.0.1; ``requests`` records what arrived, ``disconnects`` who hung up.
    With ``tls`` (a server-side ``ssl.SSLContext``) it speaks HTTPS."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.lock = threading.Lock()
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # small writes go out at once (streams are written in pieces)

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                try:
                    owner.handle(self)
                except (BrokenPipeError, ConnectionResetError):
                    with owner.lock:
                        owner.disconnects += 1
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.base_url = f"{'https' if tls else 'http'}://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="loopback", daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    # -- one request ---------------------------------------------------------------------------------
    def handle(self, h: BaseHTTPRequestHandler) -> None:
        raw = h.rfile.read(int(h.headers.get("content-length", "0")))
        body = json.loads(raw or b"{}")
        mode = h.headers.get("x-mock-mode", "conformant")
        with self.lock:
            self.requests.append(
                {"path": h.path, "mode": mode, "body": body, "authorization": h.headers.get("authorization")}
            )
        if h.path not in ("/v1/chat/completions", "/chat/completions"):
            self.json(
                h, 404, error_json(f"Unknown request URL: POST {h.path}.", "invalid_request_error", "unknown_url")
            )
            return
        auth = h.headers.get("authorization", "")
        if not auth.startswith("Bearer ") or auth == "Bearer sk-rejected":
            self.json(h, 401, error_json("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"))
            return
        latency = h.headers.get("x-mock-latency-ms")
        if latency:
            time.sleep(int(latency) / 1000)
        retry_after = h.headers.get("x-mock-retry-after", "1")
        if mode == "rate-limit":
            self.json(
                h,
                429,
                error_json("Rate limit reached for requests.", "requests", "rate_limit_exceeded"),
                {"Retry-After": retry_after},
            )
            return
        if mode in ("error-500", "error-502", "error-503"):
            status = int(mode[-3:])
            extra = {"Retry-After": retry_after} if status == 503 else {}
            self.json(h, status, error_json("The server had an error.", "server_error", None), extra)
            return
        if body.get("stream") is not True:
            data = json.dumps(completion_body(body)).encode()
            if mode == "drop":
                self.head(h, 200, "application/json", len(data))
                h.wfile.write(data[: len(data) // 2])
                h.close_connection = True
                return
            self.json(h, 200, completion_body(body))
            return
        self.stream(h, body, mode)

    def head(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        content_type: str,
        length: int | None,
        extra: dict[str, str] | None = None,
    ) -> None:
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("x-request-id", REQUEST_ID)
        if length is None:
            h.send_header("Transfer-Encoding", "chunked")
        else:
            h.send_header("Content-Length", str(length))
        for key, value in (extra or {}).items():
            h.send_header(key, value)
        h.end_headers()

    def json(
        self, h: BaseHTTPRequestHandler, status: int, payload: dict[str, Any], extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(payload).encode()
        self.head(h, status, "application/json", len(data), extra)
        h.wfile.write(data)

    @staticmethod
    def write(h: BaseHTTPRequestHandler, data: bytes) -> None:
        if data:
            h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))

    def stream(self, h: BaseHTTPRequestHandler, body: dict[str, Any], mode: str) -> None:
        if mode == "json-error":
            self.json(h, 200, error_json("The model is overloaded.", "server_error", "overloaded"))
            return
        eol = str(body.get("x_loopback_eol", "\n"))
        chunks = body.get("x_loopback_chunks") if mode == "canned" else stream_chunks(body)
        assert isinstance(chunks, list)
        events = [event(c, eol) for c in chunks]
        self.head(h, 200, "text/event-stream; charset=utf-8", None)
        if mode == "drop":
            for e in events[:3]:
                self.write(h, e)
            h.close_connection = True  # no terminating chunk: the body is cut mid-stream
            return
        if mode == "stream-cut":
            for e in events[:3]:
                self.write(h, e)
            h.wfile.write(b"0\r\n\r\n")
            return
        if mode in ("error-event", "error-data"):
            for e in events[:2]:
                self.write(h, e)
            payload = error_json("The upstream model failed mid-answer.", "server_error", "upstream_error")
            self.write(h, event(payload, eol, "error" if mode == "error-event" else None))
            h.wfile.write(b"0\r\n\r\n")
            return
        if mode == "slow-stream":
            for i in range(2000):
                self.write(h, event(chunk({"content": f" {i}"}, None), eol))
                time.sleep(0.002)
            self.write(h, event("[DONE]", eol))
            h.wfile.write(b"0\r\n\r\n")
            return
        data = b": keep-alive comment" + eol.encode() + b"".join(events) + event("[DONE]", eol)
        if mode == "after-done":
            data += event(chunk({"content": "IGNORED"}, "stop"), eol)
        split = int(body.get("x_loopback_split", 0)) or len(data)
        for start in range(0, len(data), split):
            self.write(h, data[start : start + split])
        h.wfile.write(b"0\r\n\r\n")


@pytest.fixture(scope="session")
def loopback() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    yield server
    server.close()


@pytest.fixture(scope="session")
def mock_server() -> Iterator[Any]:
    """The project's mock server (conformance.mock), started once; a mock that does not start fails the tests."""
    from conformance.mock.server import MockServer

    server = MockServer(mode="conformant", seed=7, api_keys=["sk-test", "sk-example"])  # the keys these tests send
    server.start()
    yield server
    server.stop()


@pytest.fixture(params=["loopback", "mock"])
def server_url(request: pytest.FixtureRequest) -> str:
    """Base URL of each server the fault-mode suite runs against."""
    name = request.param
    server = request.getfixturevalue("loopback" if name == "loopback" else "mock_server")
    return str(server.base_url)


# -- a fake clock -------------------------------------------------------------------------------


class FakeClock:
    """Records the waits instead of sleeping; ``random`` is fixed so jitter is predictable."""

    def __init__(self, jitter: float = 0.5, start: float = 1_733_832_000.0) -> None:
        self.t = start
        self.sleeps: list[float] = []
        self.jitter = jitter

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.t += seconds

    async def async_sleep(self, seconds: float) -> None:
        self.sleep(seconds)

    def now(self) -> float:
        return self.t

    def random(self) -> float:
        return self.jitter

    def policy(self, **kwargs: Any) -> RetryPolicy:
        return RetryPolicy(sleep=self.sleep, async_sleep=self.async_sleep, now=self.now, random=self.random, **kwargs)


# -- one driver, two clients ---------------------------------------------------------------------------


class Api:
    """The same calls through ``Gpt52`` (kind "sync") or ``AsyncGpt52`` (kind "async").

    ``script`` gives the ``X-Mock-Mode`` of each attempt (the last one repeats); ``attempts`` records the
    mode of every request sent, so retries are counted on the wire.
    """

    def __init__(
        self,
        kind: str,
        base_url: str,
        *,
        script: list[str] | None = None,
        api_key: str = "sk-test",
        clock: FakeClock | None = None,
        **kwargs: Any,
    ) -> None:
        self.kind = kind
        self.clock = clock or FakeClock()
        self.attempts: list[str] = []
        self.script = script
        kwargs.setdefault("retry", self.clock.policy(max_retries=kwargs.pop("max_retries", 2)))
        if kind == "sync":
            http = httpx.Client(event_hooks={"request": [self._hook]})
            self.sync = Gpt52(api_key=api_key, base_url=base_url, http_client=http, **kwargs)
        else:
            self.loop = asyncio.new_event_loop()

            async def hook(request: httpx.Request) -> None:
                self._hook(request)

            ahttp = httpx.AsyncClient(event_hooks={"request": [hook]})
            self.aio = AsyncGpt52(api_key=api_key, base_url=base_url, http_client=ahttp, **kwargs)

    def _hook(self, request: httpx.Request) -> None:
        if self.script:
            request.headers["X-Mock-Mode"] = self.script[min(len(self.attempts), len(self.script) - 1)]
        self.attempts.append(request.headers.get("X-Mock-Mode", "conformant"))

    @property
    def sleeps(self) -> list[float]:
        return self.clock.sleeps

    def _run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def create(self, **kwargs: Any) -> ChatCompletion:
        kwargs.setdefault("model", MODEL)
        kwargs.setdefault("messages", MESSAGES)
        if self.kind == "sync":
            return self.sync.chat.completions.create(**kwargs)
        result: ChatCompletion = self._run(self.aio.chat.completions.create(**kwargs))
        return result

    def stream(self, **kwargs: Any) -> list[ChatCompletionChunk]:
        """Every chunk of a streamed answer (raises what the stream raises)."""
        return self.stream_first(None, **kwargs)[0]

    def stream_first(self, count: int | None, **kwargs: Any) -> tuple[list[ChatCompletionChunk], httpx.Response]:
        """Read ``count`` chunks (all when None), then close the stream; the chunks and the closed response."""
        kwargs.setdefault("model", MODEL)
        kwargs.setdefault("messages", MESSAGES)
        if self.kind == "sync":
            out: list[ChatCompletionChunk] = []
            with self.sync.chat.completions.create(stream=True, **kwargs) as stream:
                for item in stream:
                    out.append(item)
                    if count is not None and len(out) >= count:
                        break
            return out, stream.response

        async def collect() -> tuple[list[ChatCompletionChunk], httpx.Response]:
            items: list[ChatCompletionChunk] = []
            async with await self.aio.chat.completions.create(stream=True, **kwargs) as astream:
                async for item in astream:
                    items.append(item)
                    if count is not None and len(items) >= count:
                        break
            return items, astream.response

        result: tuple[list[ChatCompletionChunk], httpx.Response] = self._run(collect())
        return result

    def close(self) -> None:
        if self.kind == "sync":
            self.sync.close()
        else:
            self._run(self.aio.close())
            self.loop.close()


@pytest.fixture(params=["sync", "async"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_api(kind: str) -> Iterator[Callable[..., Api]]:
    """``make_api(base_url, script=..., **client_kwargs)``: an :class:`Api` of this test's kind, closed after."""
    made: list[Api] = []

    def make(base_url: str, **kwargs: Any) -> Api:
        api = Api(kind, base_url, **kwargs)
        made.append(api)
        return api

    yield make
    for api in made:
        api.close()


@pytest.fixture(scope="session")
def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

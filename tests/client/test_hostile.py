"""Hostile answers: the client stays bounded and never shows the key.

* An endless ``data:`` line without a newline (or an event of endless ``data:`` lines) served by a
  loopback server fails fast with ``StreamDecodeError`` at the configured limit, with memory bounded
  by that limit; the decoder's buffer grows linearly however the bytes are split.
* A stream that stalls mid-line still ends with ``APITimeoutError`` at the read timeout.
* A server that echoes the API key (a 401 quoting it, an error event, a non-JSON body) never gets the
  key into an error's text, repr, ``message`` or ``body``, nor into the retry log.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import tracemalloc
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from gpt52.chat import AsyncGpt52, Gpt52
from gpt52.exceptions import (
    APIError,
    APIResponseValidationError,
    APIStreamError,
    APITimeoutError,
    AuthenticationError,
    InternalServerError,
    StreamDecodeError,
)
from gpt52.retries import RetryPolicy
from gpt52.sse import SSEDecoder, SSELimits

KEY = "sk-hostile-0123456789abcdefSECRET"
MESSAGES = [{"role": "user", "content": "hi"}]
MIB = 1024 * 1024


class HostileServer:
    """``POST /<mode>/v1/chat/completions`` on 127.0.0.1, answering as ``<mode>`` says."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.written: dict[str, int] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                mode = self.path.split("/")[1]
                try:
                    owner.answer(self, mode)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, name="hostile", daemon=True).start()

    def close(self) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @staticmethod
    def _start_stream(h: BaseHTTPRequestHandler) -> None:
        h.send_response(200)
        h.send_header("Content-Type", "text/event-stream")
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()

    @staticmethod
    def _write(h: BaseHTTPRequestHandler, data: bytes) -> None:
        h.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        h.wfile.flush()

    def answer(self, h: BaseHTTPRequestHandler, mode: str) -> None:
        echoed = h.headers.get("authorization", "")
        if mode in ("endless-line", "endless-event"):
            self._start_stream(h)
            self._write(h, b"data: ")
            piece = b"x" * 65536 if mode == "endless-line" else (b"x" * 1023 + b"\ndata: ")
            total = 0
            while total < 512 * MIB and not self.release.is_set():  # bounded, so a broken client cannot hang
                self._write(h, piece)
                total += len(piece)
                self.written[mode] = total
            return
        if mode == "stall":
            self._start_stream(h)
            self._write(h, b'data: {"id": "chatcmpl-stall", ')
            self.release.wait(30)
            return
        if mode == "echo-stream":
            self._start_stream(h)
            error = {"error": {"message": f"bad credentials: {echoed}", "type": "auth", "code": echoed}}
            self._write(h, b"event: error\ndata: " + json.dumps(error).encode() + b"\n\n")
            h.wfile.write(b"0\r\n\r\n")
            return
        status = {"echo-401": 401, "echo-503": 503, "echo-text": 401, "echo-200": 200, "echo-json": 200}[mode]
        if mode == "echo-json":  # a 2xx answer whose members quote the key
            key = echoed.removeprefix("Bearer ")
            body, content_type = (
                json.dumps(
                    {
                        "id": key,
                        "object": key,
                        "created": 0,
                        "model": echoed,
                        "usage": None,
                        "choices": [
                            {"index": 0, "finish_reason": key, "message": {"role": "assistant", "content": key}}
                        ],
                    }
                ).encode(),
                "application/json",
            )
        elif mode == "echo-text":
            body, content_type = f"Unauthorized: {echoed}".encode(), "text/plain"
        elif mode == "echo-200":
            body, content_type = f"<html>hello {echoed}</html>".encode(), "text/html"
        else:
            key = echoed.removeprefix("Bearer ")
            body = json.dumps(
                {
                    "error": {
                        "message": f"Incorrect API key provided: {key}.",
                        "type": "invalid_request_error",
                        "param": key,
                        "code": "invalid_api_key",
                    },
                    "echo": {"authorization": echoed},
                }
            ).encode()
            content_type = "application/json"
        h.send_response(status)
        h.send_header("Content-Type", content_type)
        h.send_header("Content-Length", str(len(body)))
        h.send_header("Retry-After", "0")
        h.end_headers()
        h.wfile.write(body)


@pytest.fixture(scope="module")
def hostile() -> Iterator[HostileServer]:
    server = HostileServer()
    yield server
    server.close()


def client(hostile: HostileServer, mode: str, **kwargs: Any) -> Gpt52:
    kwargs.setdefault("max_retries", 0)
    return Gpt52(api_key=KEY, base_url=f"{hostile.base_url}/{mode}", **kwargs)


def read_stream(gpt: Gpt52) -> list[Any]:
    with gpt, gpt.create(model="openai/gpt-5-2", messages=MESSAGES, stream=True) as stream:
        return list(stream)


# -- bounded decoding -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "kind"), [("endless-line", "line"), ("endless-event", "event")])
def test_an_endless_line_or_event_fails_fast_with_a_typed_error_and_bounded_memory(
    hostile: HostileServer, mode: str, kind: str
) -> None:
    limits = SSELimits(max_line_bytes=MIB, max_event_bytes=2 * MIB)
    tracemalloc.start()
    try:
        with pytest.raises(StreamDecodeError) as caught:
            read_stream(client(hostile, mode, sse_limits=limits))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    error = caught.value
    assert isinstance(error, APIResponseValidationError)
    assert error.kind == kind and error.limit == (MIB if kind == "line" else 2 * MIB) and error.size > error.limit
    assert error.request is not None and f"limit of {error.limit} bytes" in str(error)
    assert peak < 8 * error.limit, f"peak {peak} bytes for a limit of {error.limit}"
    assert hostile.written[mode] < 64 * MIB  # the client hung up long before the server's own bound


def test_the_default_limit_applies_without_configuration(hostile: HostileServer) -> None:
    with pytest.raises(StreamDecodeError) as caught:
        read_stream(client(hostile, "endless-line"))
    assert caught.value.limit == SSELimits().max_line_bytes == 8 * MIB


def test_a_stream_that_stalls_mid_line_still_times_out(hostile: HostileServer) -> None:
    with pytest.raises(APITimeoutError, match="waiting for the answer"):
        read_stream(client(hostile, "stall", timeout=httpx.Timeout(5.0, read=0.5)))


def test_the_decoder_buffer_is_linear_in_the_input() -> None:
    """A 4 MiB line in 64-byte pieces: 65,536 feeds, each keeps its piece; the line is joined once."""
    decoder = SSEDecoder(SSELimits(max_line_bytes=8 * MIB))
    piece = b"y" * 64
    assert decoder.feed(b"data: ") == []
    for _ in range(65536):
        assert decoder.feed(piece) == []
    events = decoder.feed(b"\n\n")
    assert len(events) == 1 and len(events[0].data) == 4 * MIB


def test_limits_are_checked_in_a_single_feed_too() -> None:
    decoder = SSEDecoder(SSELimits(max_line_bytes=100, max_event_bytes=150))
    with pytest.raises(StreamDecodeError, match="limit of 100 bytes"):
        decoder.feed(b"data: " + b"z" * 200 + b"\n\n")
    decoder = SSEDecoder(SSELimits(max_line_bytes=100, max_event_bytes=150))
    assert decoder.feed(b"data: " + b"z" * 90 + b"\n") == []
    with pytest.raises(StreamDecodeError) as caught:
        decoder.feed(b"data: " + b"z" * 90 + b"\n")
    assert caught.value.kind == "event"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_limits_must_be_positive_byte_counts(bad: Any) -> None:
    with pytest.raises(ValueError, match="positive number of bytes"):
        SSELimits(max_line_bytes=bad)


# -- the key never shows ------------------------------------------------------------------------------------------


def assert_key_hidden(error: APIError) -> None:
    for text in (
        str(error),
        repr(error),
        error.message,
        json.dumps(error.body, default=str),
        repr(error.args),
        str(error.param),
        str(error.code),
    ):
        assert KEY not in text, text
    assert "***" in str(error) + json.dumps(error.body, default=str)


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("echo-401", AuthenticationError), ("echo-text", AuthenticationError), ("echo-200", APIResponseValidationError)],
)
def test_a_key_echoed_by_the_server_is_redacted_from_the_error(
    hostile: HostileServer, mode: str, expected: type[APIError]
) -> None:
    with client(hostile, mode) as gpt, pytest.raises(expected) as caught:
        gpt.create(model="openai/gpt-5-2", messages=MESSAGES)
    assert_key_hidden(caught.value)


def test_a_key_echoed_in_the_members_of_an_answer_is_redacted_from_a_strict_error(hostile: HostileServer) -> None:
    with client(hostile, "echo-json", strict=True) as gpt, pytest.raises(APIResponseValidationError) as caught:
        gpt.create(model="openai/gpt-5-2", messages=MESSAGES)
    assert_key_hidden(caught.value)
    assert caught.value.issues and all(KEY not in str(issue) for issue in caught.value.issues)


def test_a_key_echoed_in_an_error_event_is_redacted(hostile: HostileServer) -> None:
    with pytest.raises(APIStreamError) as caught:
        read_stream(client(hostile, "echo-stream"))
    assert_key_hidden(caught.value)


def test_a_key_echoed_by_a_retried_answer_stays_out_of_the_log(
    hostile: HostileServer, caplog: pytest.LogCaptureFixture
) -> None:
    policy = RetryPolicy(max_retries=1, sleep=lambda _: None)
    gpt = client(hostile, "echo-503", retry=policy, max_retries=None)
    with caplog.at_level(logging.INFO, logger="gpt52"), gpt, pytest.raises(InternalServerError) as caught:
        gpt.create(model="openai/gpt-5-2", messages=MESSAGES)
    assert caught.value.attempts == 2 and "retrying" in caplog.text
    assert KEY not in caplog.text
    assert_key_hidden(caught.value)


def test_the_async_client_is_bounded_alike(hostile: HostileServer) -> None:
    async def read() -> None:
        async with AsyncGpt52(
            api_key=KEY,
            base_url=f"{hostile.base_url}/endless-line",
            max_retries=0,
            sse_limits=SSELimits(max_line_bytes=MIB),
        ) as gpt:
            stream = await gpt.create(model="openai/gpt-5-2", messages=MESSAGES, stream=True)
            async with stream:
                async for _ in stream:
                    pass

    with pytest.raises(StreamDecodeError) as caught:
        asyncio.run(read())
    assert caught.value.kind == "line" and caught.value.request is not None

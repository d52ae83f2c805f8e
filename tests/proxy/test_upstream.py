"""The proxy's upstream client on real loopback sockets: body framings, pooling, failures."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable

import pytest

from conformance.proxy.upstream import Broken, ConnectFailed, UpstreamClient, UpstreamTimeout
from tests.proxy.helpers import ScriptedUpstream, chunk


def _exchange(
    script: Callable[[socket.socket], None], method: str = "POST", requests: int = 1, **client_options: float
) -> list[tuple[int, bytes]]:
    async def main(url: str) -> list[tuple[int, bytes]]:
        client = UpstreamClient(url, **client_options)
        out = []
        try:
            for _ in range(requests):
                response = await client.send(method, "/v1/chat/completions", [(b"content-type", b"x")], b"{}")
                body = b"".join([part async for part in response.body()])
                response.release()
                out.append((response.status, body))
        finally:
            client.close()
        return out

    with ScriptedUpstream(script) as upstream:
        return asyncio.run(main(upstream.url))


@pytest.mark.parametrize(
    ("raw", "body"),
    [
        (b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello", b"hello"),
        (
            b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunk(b"hel") + chunk(b"lo") + b"0\r\n\r\n",
            b"hello",
        ),
        (b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nhello", b"hello"),  # ends with the connection
        (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
    ],
)
def test_each_body_framing_is_read_to_its_end(raw: bytes, body: bytes) -> None:
    assert _exchange(lambda conn: conn.sendall(raw)) == [(int(raw[9:12]), body)]


def test_a_head_answer_has_no_body_whatever_its_length() -> None:
    assert _exchange(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n"), method="HEAD") == [
        (200, b"")
    ]


def test_connections_are_reused_and_replaced_when_the_upstream_closed_them() -> None:
    raw = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
    # the scripted upstream answers once per connection and closes it without saying so
    assert _exchange(lambda conn: conn.sendall(raw), requests=4) == [(200, b"ok")] * 4


def test_unreachable_is_connect_failed() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]

    async def main() -> None:
        await UpstreamClient(f"http://127.0.0.1:{port}").send("POST", "/", [], b"")

    with pytest.raises(ConnectFailed):
        asyncio.run(main())


def test_closed_before_answering_is_connect_failed() -> None:
    with pytest.raises(ConnectFailed):
        _exchange(lambda conn: None)


def test_silence_is_a_timeout() -> None:
    def silent(conn: socket.socket) -> None:
        conn.settimeout(10)
        with contextlib.suppress(OSError):
            conn.recv(1)  # until the client gives up and closes

    with pytest.raises(UpstreamTimeout):
        _exchange(silent, read_timeout=0.3)


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nhel",  # cut short
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n" + chunk(b"hel"),  # no last chunk
        b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\nhel",  # not chunked after all
    ],
)
def test_an_answer_that_breaks_off_raises_broken(raw: bytes) -> None:
    with pytest.raises(Broken):
        _exchange(lambda conn: conn.sendall(raw))


def test_garbage_instead_of_a_status_line_is_an_error() -> None:
    with pytest.raises((Broken, ConnectFailed)):
        _exchange(lambda conn: conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\n\r\n"))

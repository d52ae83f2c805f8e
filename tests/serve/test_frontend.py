"""The HTTP front end (conformance.serve) under normal and hostile clients: real processes, raw sockets.

No timings are asserted: a deadline only turns a hang into a failure (socket timeouts of 10 s).
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading

import httpx
import pytest
from gpt52.tls import default_context
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers import Reader, request, served, stop

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def server():  # type: ignore[no-untyped-def]
    with served(
        "--max-body",
        "100000",
        "--max-headers",
        "4096",
        "--max-header-count",
        "50",
        "--head-timeout",
        "1",
        "--body-timeout",
        "1",
    ) as s:
        yield s


def _one(server, data: bytes) -> tuple[int, dict[str, str], bytes, bool]:  # type: ignore[no-untyped-def]
    """One exchange on a new connection; the last item: whether the server closed it (checked on errors only)."""
    with server.connect() as sock:
        sock.sendall(data)
        reader = Reader(sock)
        status, headers, body = reader.response()
        return status, headers, body, status >= 400 and reader.closed()


def test_keep_alive_serves_requests_one_after_another_on_one_connection(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        reader = Reader(sock)
        for number in range(3):
            sock.sendall(request("POST", f"/echo?n={number}", b"x" * number))
            status, _, body = reader.response()
            assert status == 200
            assert json.loads(body)["query"] == {"n": str(number)} and json.loads(body)["size"] == number


def test_pipelined_requests_are_answered_in_order(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(b"".join(request("POST", f"/echo?n={n}", b"y" * n) for n in range(5)))
        reader = Reader(sock)
        answers = [json.loads(reader.response()[2]) for _ in range(5)]
    assert [a["query"]["n"] for a in answers] == ["0", "1", "2", "3", "4"]
    assert [a["size"] for a in answers] == [0, 1, 2, 3, 4]


def test_a_chunked_request_body_reaches_the_application_whole(server) -> None:  # type: ignore[no-untyped-def]
    chunked = b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
    status, _, body, _ = _one(server, request("POST", "/echo", chunked, {"Transfer-Encoding": "chunked"}))
    assert status == 200 and json.loads(body)["size"] == 11


def test_a_body_over_the_limit_is_a_413_by_content_length_and_by_chunks(server) -> None:  # type: ignore[no-untyped-def]
    status, _, body, closed = _one(server, request("POST", "/echo", headers={"Content-Length": "100001"}))
    assert status == 413 and b"larger than 100000 bytes" in body and closed
    chunk = b"%x\r\n%s\r\n" % (60000, b"z" * 60000)
    status, _, body, closed = _one(
        server, request("POST", "/echo", chunk * 2 + b"0\r\n\r\n", {"Transfer-Encoding": "chunked"})
    )
    assert status == 413 and closed


def test_oversized_or_too_many_headers_are_a_431(server) -> None:  # type: ignore[no-untyped-def]
    status, _, body, closed = _one(server, request("GET", "/echo", headers={"X-Big": "a" * 5000}))
    assert status == 431 and b"larger than 4096 bytes" in body and closed
    many = {f"X-H{n}": "v" for n in range(60)}
    status, _, body, _ = _one(server, request("GET", "/echo", headers=many))
    assert status == 431 and b"more than 50" in body


@pytest.mark.parametrize(
    "raw",
    [
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"GET /echo HTTP/1.1\r\nContent-Length: x\r\n\r\n",
        b"\x00\x01\x02\r\n\r\n",
    ],
)
def test_a_malformed_request_is_a_400_and_the_connection_closes(server, raw: bytes) -> None:  # type: ignore[no-untyped-def]
    status, _, body, closed = _one(server, raw)
    assert status == 400 and body.startswith(b"400 Bad Request: malformed HTTP/1.1 request") and closed


def test_an_overlong_url_is_a_414(server) -> None:  # type: ignore[no-untyped-def]
    status, _, _, _ = _one(server, request("GET", "/echo?" + "q" * 9000))
    assert status == 414


def test_a_request_head_sent_byte_by_byte_forever_is_cut_off(server) -> None:  # type: ignore[no-untyped-def]
    """Slowloris: an unfinished head gets a 408 and a closed connection; other clients are served meanwhile."""
    with server.connect() as sock:
        sock.sendall(b"POST /echo HTTP/1.1\r\nHost: test\r\n")
        assert httpx.post(server.url + "/echo", content=b"abc", timeout=10).json()["size"] == 3
        reader = Reader(sock)
        status, _, body = reader.response()  # would hang (then fail at the socket timeout) without the limit
        assert status == 408 and b"not complete in time" in body
        assert reader.closed()


def test_hundreds_of_idle_connections_do_not_stop_the_server(server) -> None:  # type: ignore[no-untyped-def]
    idle = [server.connect() for _ in range(300)]
    try:
        for sock in idle[::50]:
            sock.sendall(b"GET /ec")  # half a request line on a few of them
        with httpx.Client(timeout=10) as client:
            for number in range(20):
                assert client.post(server.url + "/echo", content=b"q" * number).json()["size"] == number
    finally:
        for sock in idle:
            sock.close()
    assert httpx.get(server.url + "/echo", timeout=10).status_code == 200


def test_each_event_reaches_the_client_before_the_next_is_produced(server) -> None:  # type: ignore[no-untyped-def]
    """The application produces event i+1 only after the client acknowledged event i on another connection:
    an event held back in a buffer would never be acknowledged (the stream then says ``no-ack``)."""
    with server.connect() as sock, httpx.Client(timeout=10) as acks:
        sock.sendall(request("GET", "/stream?n=5"))
        reader = Reader(sock)
        status, headers = reader.head()
        assert status == 200 and headers["transfer-encoding"] == "chunked"
        seen = []
        while (piece := reader.chunk()) != b"":
            seen.append(piece)
            if piece.startswith(b"data: ") and piece[6:7].isdigit():
                acks.get(server.url + f"/ack?i={int(piece[6:].strip())}")
    assert seen == [b"data: %d\n\n" % n for n in range(5)] + [b"data: [DONE]\n\n"]


@pytest.mark.parametrize("route", ["/forever", "/quiet"])
def test_a_client_leaving_in_the_middle_of_a_stream_ends_it(server, route: str) -> None:  # type: ignore[no-untyped-def]
    """Whether the application keeps writing (``/forever``) or waits in silence (``/quiet``, which only
    ``receive`` can tell that the client left)."""
    with httpx.Client(timeout=10) as client:
        with client.stream("GET", server.url + route) as response:
            lines = response.iter_lines()
            assert next(lines) in ("data: tick", "data: one")
            assert client.get(server.url + "/stats").json()["running"] == 1
        # the stream is closed: the application learns it (http.disconnect) and stops
        for _ in range(500):
            if client.get(server.url + "/stats").json()["running"] == 0:
                break
            threading.Event().wait(0.02)
        assert client.get(server.url + "/stats").json()["running"] == 0


def test_a_failing_or_silent_application_is_a_500(server) -> None:  # type: ignore[no-untyped-def]
    for path in ("/raise", "/nothing"):
        status, _, _, closed = _one(server, request("GET", path))
        assert status == 500 and closed
    assert httpx.get(server.url + "/echo", timeout=10).status_code == 200


def test_expect_100_continue_is_answered(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(request("POST", "/echo", headers={"Content-Length": "4", "Expect": "100-continue"}))
        reader = Reader(sock)
        assert reader.head()[0] == 100
        sock.sendall(b"abcd")
        status, _, body = reader.response()
        assert status == 200 and json.loads(body)["size"] == 4


def test_sigterm_lets_the_answer_under_way_finish_then_exits_0() -> None:
    with served() as server:
        with server.connect() as sock:
            sock.sendall(request("GET", "/slow"))
            with server.connect() as other:  # wait until the slow request is being answered
                other.sendall(request("GET", "/echo"))
                Reader(other).response()
            code, err = stop(server)
            status, headers, body = Reader(sock).response()
        assert status == 200 and json.loads(body) == {"slow": True} and headers.get("connection") == "close"
        assert code == 0 and "Traceback" not in err and "stopped after" in err
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", server.port), timeout=5).close()


def test_two_workers_serve_the_same_port() -> None:
    """While one worker's event loop is blocked, the other one accepts and answers."""
    with served("--workers", "2") as server:
        with server.connect() as sock:
            sock.sendall(request("GET", "/block"))
            reader = Reader(sock)
            reader.head()
            blocked = int(reader.chunk().split()[1])
            answer = httpx.get(server.url + "/echo", timeout=10).json()
            assert answer["pid"] != blocked
            assert reader.chunk() == b"done\n"
        code, err = stop(server)
        assert code == 0 and "Traceback" not in err


def test_a_malformed_request_after_pipelined_ones_is_refused_after_their_answers(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(request("GET", "/slow?s=0.2") + request("POST", "/echo?n=1", b"a") + b"NOT HTTP AT ALL\r\n\r\n")
        reader = Reader(sock)
        assert reader.response()[0] == 200
        status, _, body = reader.response()
        assert status == 200 and json.loads(body)["query"] == {"n": "1"}
        assert reader.response()[0] == 400
        assert reader.closed()


def test_a_pipelined_request_with_a_body_over_the_limit_is_refused_after_the_earlier_answer(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        big = b"%x\r\n%s\r\n" % (60000, b"z" * 60000)
        chunked = request("POST", "/echo", big * 2, {"Transfer-Encoding": "chunked"})
        sock.sendall(request("GET", "/slow?s=0.2") + chunked)
        reader = Reader(sock)
        assert reader.response()[0] == 200
        assert reader.response()[0] == 413
        assert reader.closed()


_TOKENS = st.sampled_from(
    [
        b"GET /echo HTTP/1.1\r\n",
        b"POST /echo HTTP/1.1\r\n",
        b"Host: x\r\n",
        b"Content-Length: 3\r\n",
        b"Content-Length: -1\r\n",
        b"Transfer-Encoding: chunked\r\n",
        b"\r\n",
        b"abc",
        b"3\r\nabc\r\n",
        b"0\r\n\r\n",
        b"zz\r\n",
        b" HTTP/1.0",
        b"\x00",
        b":",
    ]
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(pieces=st.lists(_TOKENS | st.binary(max_size=40), min_size=1, max_size=12))
def test_any_bytes_get_an_answer_or_a_close_and_the_server_keeps_serving(server, pieces: list[bytes]) -> None:  # type: ignore[no-untyped-def]
    """Whatever a client sends, the connection ends in answers, a refusal or a close: never a crash, never a
    connection held open once the client said all it had to (its write side shut)."""
    with server.connect() as sock:
        sock.sendall(b"".join(pieces))
        sock.shutdown(socket.SHUT_WR)
        received = b""
        with contextlib.suppress(ConnectionResetError):
            while data := sock.recv(65536):  # ends when the server closes (socket timeout: 10 s, then a failure)
                received += data
    assert received == b"" or received.startswith(b"HTTP/1.1 ")
    assert httpx.post(server.url + "/echo", content=b"ok", timeout=10, verify=default_context()).json()["size"] == 2


def test_a_request_followed_by_a_half_close_gets_its_answer(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(request("POST", "/echo", b"abc") + request("GET", "/slow?s=0.2"))
        sock.shutdown(socket.SHUT_WR)
        reader = Reader(sock)
        assert json.loads(reader.response()[2])["size"] == 3
        assert json.loads(reader.response()[2]) == {"slow": True}
        assert reader.closed()


def test_the_body_limit_counts_what_the_application_already_took(server) -> None:  # type: ignore[no-untyped-def]
    """A chunked body sent in pieces, each taken by the application before the next: 413 all the same."""
    with server.connect() as sock:
        sock.sendall(request("POST", "/echo", headers={"Transfer-Encoding": "chunked"}))
        piece = b"%x\r\n%s\r\n" % (30000, b"p" * 30000)
        with contextlib.suppress(OSError):  # the server may close while pieces are still being sent
            for _ in range(5):
                sock.sendall(piece)
                threading.Event().wait(0.05)  # pacing only: lets the application take each piece
            sock.sendall(b"0\r\n\r\n")
        assert Reader(sock).response()[0] == 413


def test_a_body_that_stops_coming_ends_the_connection(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(request("POST", "/echo", headers={"Content-Length": "10"}) + b"abc")
        assert Reader(sock).closed()  # would hang (then fail at the socket timeout) without the body timeout
    assert httpx.get(server.url + "/echo", timeout=10).status_code == 200


# -- an answer sent before the request body arrived -------------------------------------------------------------------
# An application may answer without reading the body (a refused key). The client, which sent the head first, sends
# the body after; a connection the server then closes while its answer said nothing must not be reused by a client,
# or its next request meets a closed socket ("server disconnected", a transport error the suite would report).


def test_an_early_answer_keeps_the_connection_and_drops_the_body_that_follows(server) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(b"POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n")
        reader = Reader(sock)
        status, headers, _ = reader.response()
        assert status == 401 and headers.get("connection") != "close", headers
        sock.sendall(b"0123456789" + request("POST", "/echo?n=2", b"abc"))
        status, _, body = reader.response()
        assert status == 200 and json.loads(body)["size"] == 3 and json.loads(body)["query"] == {"n": "2"}


@pytest.mark.parametrize(
    "head",
    [
        b"POST /early HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",  # how much follows is unknown
        b"POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 99000\r\n\r\n",  # more than the server holds to drop
        b"POST /early HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\nExpect: 100-continue\r\n\r\n",  # no body sent
    ],
    ids=["chunked", "large", "expect-continue"],
)
def test_an_early_answer_says_connection_close_when_the_rest_is_not_dropped(server, head: bytes) -> None:  # type: ignore[no-untyped-def]
    with server.connect() as sock:
        sock.sendall(head)
        reader = Reader(sock)
        status, headers, _ = reader.response()
        assert status == 401 and headers.get("connection") == "close", headers
        assert reader.closed()


def test_a_client_reusing_connections_never_meets_one_closed_under_it(server) -> None:  # type: ignore[no-untyped-def]
    """httpx writes the head and the body separately: the answer often goes out before the body arrives."""
    with httpx.Client(timeout=10) as client:
        for number in range(200):
            assert client.post(server.url + "/early", content=b"x" * (number % 7 + 1)).status_code == 401
            assert client.post(server.url + "/echo", content=b"abc").json()["size"] == 3

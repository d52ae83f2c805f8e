"""Tiny real HTTP targets on loopback for the run's own behaviour (keys, budgets, early stops, echoes).

Not an OpenAI server (that is ``tests/reference_server``): each target does one thing and records what it
received, so a test can count requests and look at their exact bytes.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import attrs


@attrs.define
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes | None


@attrs.define
class Target:
    base_url: str
    received: list[Received]


def completion(content: str = "hello", model: str = "openai/gpt-5-2") -> dict[str, Any]:
    return {
        "id": "chatcmpl-t1",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4},
    }


@contextmanager
def serve(behaviour: str) -> Iterator[Target]:
    """``refuse``: 401 to everything; ``echo``: 200 with the Authorization header in the content and a 401 that
    echoes it too; ``ok``: 200 with a fixed completion."""
    received: list[Received] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            with lock:
                received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            auth = self.headers.get("Authorization", "")
            if behaviour.startswith("stall") and self.command == "POST" and len(received) % 3 == 0:
                time.sleep(float(behaviour.split(":", 1)[1]))  # "stall:SECONDS" on every third POST
            if behaviour == "refuse" or (behaviour == "echo" and not auth):
                status, payload = (
                    401,
                    {
                        "error": {
                            "message": f"Incorrect API key provided: {auth}",
                            "type": "invalid_request_error",
                            "param": None,
                            "code": "invalid_api_key",
                        }
                    },
                )
            elif behaviour == "echo":
                status, payload = 200, completion(content=f"you sent {auth}")
            else:
                status, payload = 200, completion()
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = _answer

        def _no_such_method(self) -> None:
            # as a web server answers a method it does not serve (http.server's default is a 501, a server
            # error that the suite rightly retries after a back-off)
            with lock:
                received.append(Received(self.command, self.path, dict(self.headers.items()), None))
            self.send_response(405)
            self.send_header("Allow", "GET, POST, PUT, DELETE, PATCH, OPTIONS")
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_HEAD = do_TRACE = do_CONNECT = _no_such_method

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Target(f"http://127.0.0.1:{server.server_address[1]}", received)
    finally:
        server.shutdown()
        server.server_close()

"""An OpenAI-faithful chat-completions server for testing the suite, with one realistic defect per mode.

    python tests/reference_server/server.py --port 0 --mode conformant --key sk-a --key sk-b

prints ``listening on http://127.0.0.1:PORT`` on stdout and serves ``POST /v1/chat/completions`` (and its alias
``POST /chat/completions``) until SIGTERM or SIGINT. Written from the OpenAI API reference and recorded OpenAI
traffic, with the standard library only; it shares no code with the project's mock.

* Auth: ``Authorization: Bearer <key>`` with one of the ``--key`` values (default :data:`DEFAULT_KEY`), else 401.
* Errors: OpenAI's ``{"error": {"message", "type", "param", "code"}}`` for 400 (bad JSON, invalid request),
  401, 404 (unknown path, unknown model), 405 (wrong method), 413 (body over 4 MiB), 500.
* Modes (``--mode``, or per request the header ``X-Test-Mode`` or a path prefix ``/mode/NAME``, so that one
  server serves a client at ``http://127.0.0.1:PORT/mode/NAME`` in mode NAME): see ``modes.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import random
import signal
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

try:
    from . import answers, defects
    from .modes import MODES
    from .validate import ApiError, validate
except ImportError:  # run as a script
    import answers  # type: ignore[no-redef,import-not-found]
    import defects  # type: ignore[no-redef,import-not-found]
    from modes import MODES  # type: ignore[no-redef,import-not-found]
    from validate import ApiError, validate  # type: ignore[no-redef,import-not-found]

DEFAULT_KEY = "sk-reference-test"
PATHS = ("/v1/chat/completions", "/chat/completions")
MODE_HEADER = "X-Test-Mode"
MODE_PREFIX = "/mode/"
MAX_BODY = 4 * 1024 * 1024
SERVER_ERROR = ApiError(500, defects.SERVER_ERROR, None, None, "server_error")


class Settings:
    """What the process was started with, plus per-mode request counters (for the "some requests" modes)."""

    def __init__(self, mode: str, keys: tuple[str, ...], stall_seconds: float, seed: int) -> None:
        self.mode = mode
        self.keys = frozenset(keys)
        self.stall_seconds = stall_seconds
        self.seed = seed
        self._counts: dict[str, int] = {}
        self._lock = threading.Lock()

    def count(self, mode: str) -> int:
        """How many completion requests this mode has seen before this one."""
        with self._lock:
            number = self._counts.get(mode, 0)
            self._counts[mode] = number + 1
            return number


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "reference-openai"
    sys_version = ""
    timeout = 60  # a client that stops sending mid-request is dropped
    disable_nagle_algorithm = True  # headers and body go out as separate writes: no 40 ms delayed-ACK stall
    settings: Settings

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        self._handle()

    def __getattr__(self, name: str) -> Any:
        """Every other method (GET, PUT, TRACE, QUERY...) is routed too: 404 or 405, never the base class's 501."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    # -- the request --------------------------------------------------------------------------------------------
    def _read_body(self) -> bytes:
        try:
            return self._read_framed_body()
        except ValueError:  # a malformed Content-Length or chunk size: the connection cannot be trusted further
            self.close_connection = True
            raise ApiError(400, "Malformed HTTP request framing (Content-Length or chunk size).") from None

    def _read_framed_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            parts: list[bytes] = []
            total = 0
            while True:
                size = int(self.rfile.readline(64).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(parts)
                total += size
                if total > MAX_BODY:
                    raise ApiError(
                        413, f"Request body too large: more than {MAX_BODY} bytes.", None, "request_too_large"
                    )
                parts.append(self.rfile.read(size))
                self.rfile.readline(8)
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ApiError(
                413, f"Request body too large: {length} bytes, at most {MAX_BODY}.", None, "request_too_large"
            )
        return self.rfile.read(length) if length > 0 else b""

    def _mode(self) -> str:
        mode = self.headers.get(MODE_HEADER) or self.settings.mode
        if mode not in MODES:
            raise ApiError(
                400,
                f"Unknown {MODE_HEADER} {mode[:40]!r}; expected one of {', '.join(MODES)}.",
                MODE_HEADER,
                "invalid_value",
            )
        return mode

    def _authorise(self, mode: str) -> None:
        header = self.headers.get("Authorization") or ""
        scheme, _, key = header.strip().partition(" ")
        key = key.strip() if scheme.lower() == "bearer" else ""
        if not key:
            if mode == "no-auth":
                return
            raise ApiError(
                401,
                "You didn't provide an API key. You need to provide your API key in an "
                "Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
            )
        if key not in self.settings.keys and mode != "any-key":
            raise ApiError(
                401,
                "Incorrect API key provided. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                None,
                "invalid_api_key",
            )

    def _parse(self, raw: bytes) -> Any:
        media = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
        if media != "application/json" and not media.endswith("+json"):
            raise ApiError(400, f"Invalid Content-Type header ({media[:60]}), expected application/json.")
        try:
            return json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise ApiError(
                400,
                "We could not parse the JSON body of your request. (HINT: This likely means you "
                "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but "
                "what was sent was not valid JSON.)",
            ) from None

    # -- dispatch -----------------------------------------------------------------------------------------------
    def _route(self) -> tuple[str, str | None]:
        """The path, and the mode a ``/mode/NAME`` prefix chooses (None without one; an unknown NAME is no
        prefix, so the whole path is unknown: 404)."""
        path = self.path.split("?", 1)[0]
        if path.startswith(MODE_PREFIX):
            name, _, rest = path[len(MODE_PREFIX) :].partition("/")
            if name in MODES:
                return "/" + rest, name
        return path, None

    def _handle(self) -> None:
        path, chosen = self._route()
        mode = chosen or self.settings.mode
        try:
            raw = self._read_body()
            mode = chosen or self._mode()
            if path not in PATHS:
                raise ApiError(404, f"Invalid URL ({self.command} {path[:200]})")
            if self.command != "POST":
                raise ApiError(
                    405, f"Method {self.command} is not allowed for {path}; use POST.", None, "method_not_allowed"
                )
            self._authorise(mode)
            try:
                request = validate(self._parse(raw))
            except ApiError as error:
                if mode != "no-validation" or error.status == 413:
                    raise
                request = _lenient(raw)
            self._answer(request, mode)
        except ApiError as error:
            self._send_error(error, mode)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception:  # a bug of this server: say so on stderr, answer like OpenAI would
            traceback.print_exc(file=sys.stderr)
            self._send_error(SERVER_ERROR, mode)

    def _answer(self, request: dict[str, Any], mode: str) -> None:
        number = self.settings.count(mode)
        if mode == "stall" and number % 3 == 2:
            time.sleep(self.settings.stall_seconds)
        if mode == "server-error" and number % 2 == 0:
            raise SERVER_ERROR
        rng = random.Random(f"{self.settings.seed}:{mode}:{number}")
        quirks = mode == "openai-quirks"
        choices = answers.plan(request, rng, quirks)
        defects.damage_plan(mode, choices, request, rng)
        envelope = answers.Envelope.new(request, rng, quirks)
        stream = bool(request.get("stream"))
        if (stream and mode != "stream-as-json") or (not stream and mode == "json-as-stream"):
            chunks = answers.chunks(request, choices, envelope, rng, quirks)
            usage = answers.usage(request, choices, quirks)
            self._send_stream(defects.damage_chunks(mode, chunks, usage, rng), done=mode != "no-done")
            return
        body = defects.damage_completion(mode, answers.completion(request, choices, envelope, rng, quirks))
        content_type = "text/plain; charset=utf-8" if mode == "wrong-content-type" else "application/json"
        self._send_json(200, body, content_type)

    # -- the response -------------------------------------------------------------------------------------------
    def _common_headers(self) -> None:
        self.send_header("x-request-id", f"req_{random.getrandbits(128):032x}")
        self.send_header("openai-processing-ms", "1")

    def _send_json(
        self, status: int, body: Any, content_type: str = "application/json", extra: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body, indent=2).encode()  # OpenAI's JSON answers are indented, its stream events compact
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self._common_headers()
        for key, value in (extra or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _send_error(self, error: ApiError, mode: str) -> None:
        body: dict[str, Any] = {"message": error.message} if mode == "bare-error" else error.body()
        extra = {"Allow": "POST"} if error.status == 405 else {}
        if error.status == 413:
            extra["Connection"] = "close"
            self.close_connection = True
        try:
            self._send_json(error.status, body, extra=extra)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_stream(self, chunks: list[dict[str, Any]], done: bool) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self._common_headers()
        self.end_headers()
        events = [f"data: {json.dumps(chunk, separators=(',', ':'))}\n\n".encode() for chunk in chunks]
        if done:
            events.append(b"data: [DONE]\n\n")
        for event in events:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors found by the HTTP parser itself (bad request line, headers too long) as OpenAI-style JSON."""
        self.close_connection = True
        with contextlib.suppress(BrokenPipeError, ConnectionResetError, AttributeError):
            self._send_json(code, ApiError(code, message or "Bad request.").body(), extra={"Connection": "close"})


def _lenient(raw: bytes) -> dict[str, Any]:
    """What the ``no-validation`` mode makes of an invalid request: whatever it can use, defaults for the rest."""
    try:
        parsed = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        parsed = {}
    parsed = parsed if isinstance(parsed, dict) else {}
    model = parsed.get("model") if isinstance(parsed.get("model"), str) else "gpt-5.2"
    return {"model": model, "messages": [{"role": "user", "content": "Hello"}], "stream": parsed.get("stream") is True}


def make_server(host: str, port: int, settings: Settings) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (Handler,), {"settings": settings})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    server.block_on_close = False
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument("--mode", default="conformant", help=f"one of: {', '.join(MODES)}")
    parser.add_argument(
        "--key", action="append", default=[], help=f"an accepted API key (repeatable; default {DEFAULT_KEY})"
    )
    parser.add_argument("--stall-seconds", type=float, default=20.0, help="how long the stall mode waits")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.mode not in MODES:
        parser.error(f"--mode {args.mode!r}: expected one of {', '.join(MODES)}")
    keys = tuple(k for k in args.key if k.strip()) or (DEFAULT_KEY,)
    server = make_server(args.host, args.port, Settings(args.mode, keys, args.stall_seconds, args.seed))

    def stop(signum: int, frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"listening on http://{args.host}:{server.server_port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

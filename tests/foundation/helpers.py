"""Shared test helpers: a real loopback HTTP server, a sleep recorder, paths to the project and the mirror."""

from __future__ import annotations

import contextlib
import hashlib
import http.server
import json
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
from upstream_data import LazyPath, pinned_doc_page, pinned_mirror

REPO = Path(__file__).resolve().parents[2]
# found when a test first uses them: $SPEC_MIRROR, ../shared/upstream or the network (tests/upstream_data.py)
MIRROR = LazyPath(pinned_mirror)
DATA = Path(__file__).resolve().parent / "data"
SPEC_REPO = "aimlapi/api-docs"
SPEC_PATH = "docs/api-references/text-models-llm/OpenAI/gpt-5-2-openai.json"
DOC_PAGE = LazyPath(pinned_doc_page)
COMMIT_A = "a" * 40
COMMIT_B = "b" * 40


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def load_json(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((DATA / name).read_text())
    return data


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@attrs.frozen
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@attrs.frozen
class Reply:
    """What the loopback server answers.

    ``length``: the Content-Length to declare (``None``: the body's length; ``-1``: no
    Content-Length, the body ends when the connection closes). ``delay``: seconds to wait
    before answering (cut short when the server stops).
    """

    status: int = 200
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    length: int | None = None
    delay: float = 0.0


Handler = Callable[[Request], Reply]


class _RequestHandler(http.server.BaseHTTPRequestHandler):
    server: _Server

    def _serve(self) -> None:
        size = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(size) if size else b""
        request = Request(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        self.server.requests.append(request)
        reply = self.server.handler(request)
        if reply.delay:
            self.server.stopping.wait(reply.delay)
            if self.server.stopping.is_set():
                return
        self.send_response(reply.status)
        for name, value in reply.headers:
            self.send_header(name, value)
        if reply.length != -1:
            self.send_header("Content-Length", str(len(reply.body) if reply.length is None else reply.length))
        self.end_headers()
        self.wfile.write(reply.body)
        self.wfile.flush()
        self.close_connection = True

    do_GET = _serve
    do_POST = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on recorded requests instead."""


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: Handler) -> None:
        super().__init__(("127.0.0.1", 0), _RequestHandler)
        self.handler = handler
        self.requests: list[Request] = []
        self.stopping = threading.Event()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up early (oversized body, timeout) is part of the test."""


@attrs.define
class Loopback:
    server: _Server
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def requests(self) -> list[Request]:
        return self.server.requests


@contextlib.contextmanager
def loopback(handler: Handler) -> Iterator[Loopback]:
    """A real HTTP server on 127.0.0.1 (free port) answering with ``handler``; stopped on exit."""
    server = _Server(handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield Loopback(server, thread)
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def always(reply: Reply) -> Handler:
    return lambda request: reply


def sequence(*replies: Reply) -> Handler:
    """Answer with each reply in turn, then keep repeating the last one."""
    lock = threading.Lock()
    queue = list(replies)

    def handler(request: Request) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return handler


@attrs.define
class SleepRecorder:
    """A fake ``sleep`` for the fetcher: records the backoff delays instead of waiting."""

    calls: list[float] = attrs.field(factory=list)

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` with its bytes (to prove a failed step changed nothing)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def make_project(root: Path, *, lock: dict[str, Any] | None = None) -> Path:
    """A project layout for CONFORMANCE_ROOT: spec/ (lock, overlay) and generated/config.yaml."""
    (root / "spec").mkdir(parents=True, exist_ok=True)
    (root / "generated").mkdir(parents=True, exist_ok=True)
    if lock is None:
        shutil.copyfile(REPO / "spec" / "lock.json", root / "spec" / "lock.json")
    else:
        (root / "spec" / "lock.json").write_text(json.dumps(lock, indent=2) + "\n")
    shutil.copyfile(REPO / "spec" / "overlay.yaml", root / "spec" / "overlay.yaml")
    shutil.copyfile(REPO / "generated" / "config.yaml", root / "generated" / "config.yaml")
    templates = REPO / "generated" / "templates"
    if templates.is_dir():  # the generator's custom templates (open enums)
        shutil.copytree(templates, root / "generated" / "templates")
    return root


def minimal_spec(**extra: Any) -> dict[str, Any]:
    """A tiny valid OpenAPI 3.0 document with one operation."""
    spec: dict[str, Any] = {
        "openapi": "3.0.0",
        "info": {"title": "tiny", "version": "1"},
        "paths": {
            "/items": {
                "get": {
                    "operationId": "listItems",
                    "responses": {
                        "200": {"description": "ok", "content": {"application/json": {"schema": {"type": "string"}}}},
                        "400": {"description": "bad"},
                    },
                }
            }
        },
    }
    spec.update(extra)
    return spec


def dump(path: Path, spec: dict[str, Any]) -> Path:
    path.write_text(json.dumps(spec, indent=2))
    return path


V1 = "/paths/~1v1~1chat~1completions/post"
ALIAS = "/paths/~1chat~1completions/post"
SCHEMAS = "/components/schemas"


def fixed_spec() -> dict[str, Any]:
    """A small chat-completions spec with none of the defects lint knows (tests/foundation/data/chat_fixed.json)."""
    return load_json("chat_fixed.json")


def hits(spec: dict[str, Any], rule_id: str | None = None) -> list[tuple[str, str]]:
    """Sorted (rule id, pointer) of lint's findings, optionally for one rule."""
    from conformance.lint import lint

    return sorted((f.rule_id, f.pointer) for f in lint(spec, "spec.json") if rule_id in (None, f.rule_id))


def pointers(spec: dict[str, Any], rule_id: str) -> list[str]:
    return [pointer for _, pointer in hits(spec, rule_id)]


def write_overlay(directory: Path, *actions: dict[str, Any]) -> Any:
    """Write the actions as an Overlay 1.0 file (each with a description, x-rule and x-kind) and load it."""
    import yaml

    from conformance.overlay import load_overlay

    full = [
        {"description": f"action {i}", "x-rule": "oas-invalid", "x-kind": "cosmetic", **a}
        for i, a in enumerate(actions)
    ]
    path = directory / "overlay.yaml"
    path.write_text(yaml.safe_dump({"overlay": "1.0.0", "info": {"title": "t", "version": "1"}, "actions": full}))
    return load_overlay(path)

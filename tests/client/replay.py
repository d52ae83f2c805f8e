"""Recorded answers for the client tests: loading ``../shared/real-traffic`` and replaying it over loopback.

``ReplayServer`` is a small HTTP/1.1 server on 127.0.0.1 that answers any POST under ``/r/<name>/`` with
the bytes registered for ``<name>`` (a JSON body, or an SSE body written in pieces), so both our client and
the official ``openai`` package read the same bytes from a real socket. ``sse_body(recording)`` turns a
recording's parsed chunks back into an event stream (comment lines, ``event:`` names, ``[DONE]``).
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
RESPONSES = ROOT.parent / "shared" / "real-traffic" / "responses"
MISSING = (
    f"the recorded traffic is not there ({RESPONSES}): these tests read ../shared/real-traffic/responses "
    "relative to the project root, which exists only beside this project's own checkout"
)


def recordings() -> list[dict[str, Any]]:
    """Every recording, with its file name under ``name``; empty when the folder is absent."""
    if not RESPONSES.is_dir():
        return []
    out = []
    for path in sorted(RESPONSES.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        data["name"] = path.stem
        out.append(data)
    return out


def successful(kind: str | None = None) -> list[dict[str, Any]]:
    """Recordings of answers that are not errors (no HTTP error, no error inside the stream)."""
    return [
        r for r in recordings() if not r["error"] and not r.get("stream_error") and (kind is None or r["kind"] == kind)
    ]


def sse_body(recording: dict[str, Any]) -> bytes:
    """The recorded stream as SSE bytes: comments first, each chunk as one event, ``[DONE]`` unless absent."""
    names = recording.get("sse_event_names") or [None] * len(recording["chunks"])
    parts = [f"{line}\n\n".encode() for line in recording.get("sse_comment_lines") or []]
    for chunk, name in zip(recording["chunks"], names, strict=True):
        head = f"event: {name}\n" if name else ""
        parts.append(f"{head}data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode())
    if recording.get("done_marker") is not False:
        parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


class ReplayServer:
    """Answers ``POST /r/<name>/...`` with what was registered for ``<name>``."""

    def __init__(self) -> None:
        self.answers: dict[str, tuple[int, str, list[bytes]]] = {}
        owner = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                parts = self.path.split("/")
                answer = owner.answers.get(parts[2]) if len(parts) > 2 and parts[1] == "r" else None
                if answer is None:
                    data = b'{"error": {"message": "nothing registered here", "type": "not_found"}}'
                    answer = (404, "application/json", [data])
                status, content_type, pieces = answer
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                if content_type.startswith("text/event-stream"):
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for piece in pieces:
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    body = b"".join(pieces)
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request: Any, client_address: Any) -> None:
                pass

        self.httpd = Server(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="replay", daemon=True)
        self.thread.start()

    def register(self, recording: dict[str, Any], piece: int = 0) -> str:
        """Serve ``recording``; returns the base URL prefix for it (``<base>/r/<name>``).

        A stream is written in pieces of ``piece`` bytes (0: one write per event)."""
        name = recording["name"]
        if recording["kind"] == "stream":
            body = sse_body(recording)
            if piece:
                pieces = [body[i : i + piece] for i in range(0, len(body), piece)]
            else:
                pieces = [event + b"\n\n" for event in body.split(b"\n\n") if event]
            self.answers[name] = (200, "text/event-stream; charset=utf-8", pieces)
        else:
            self.answers[name] = (200, "application/json", [json.dumps(recording["body"]).encode()])
        return f"{self.base_url}/r/{name}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

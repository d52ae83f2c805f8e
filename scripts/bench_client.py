"""Benchmark: our client (gpt52_client.chat) against the official ``openai`` package, same server, one run.

Two measures, both clients pointed at the same loopback server:

* streaming: chunks per second parsed from one long stream (``--chunks``, default
  10,000), request to ``[DONE]``, each chunk a typed object;
* per-request overhead: mean wall time of a non-streamed call, minus the time a
  bare ``httpx.Client.post`` + ``json.loads`` takes for the same exchange.

The server is a small fixed one (below): it sends pre-rendered bytes, so the
clients are what is measured. Rounds alternate between the clients; the median
is reported. Prints a Markdown section (machine, command, table, ratios).

    .venv/bin/python scripts/bench_client.py [--chunks 10000] [--requests 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import statistics
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

MODEL = "openai/gpt-5-2"
MESSAGES = [{"role": "user", "content": "Say something long."}]
WORDS = ("the", "model", "answers", "with", "a", "short", "reply", "about", "your", "question")


def render_stream(count: int) -> bytes:
    parts = []
    for i in range(count):
        delta: dict[str, Any] = {"content": " " + WORDS[i % len(WORDS)]}
        if i == 0:
            delta = {"role": "assistant", "content": ""}
        last = i == count - 1
        chunk = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1733832000, "model": MODEL,
                 "system_fingerprint": "fp_bench",
                 "choices": [{"index": 0, "delta": {} if last else delta, "logprobs": None,
                              "finish_reason": "stop" if last else None}]}
        parts.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def render_completion() -> bytes:
    body = {"id": "chatcmpl-bench", "object": "chat.completion", "created": 1733832000, "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello there, a short answer.",
                                                 "refusal": None, "annotations": []},
                         "logprobs": None, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 12, "completion_tokens": 7, "total_tokens": 19,
                      "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
                      "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                                    "accepted_prediction_tokens": 0,
                                                    "rejected_prediction_tokens": 0}}}
    return json.dumps(body).encode()


class FixedServer:
    """Loopback HTTP/1.1 keep-alive server answering POST with fixed bytes (SSE when the body asks to stream)."""

    def __init__(self, chunks: int) -> None:
        stream_body = render_stream(chunks)
        json_body = render_completion()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                streaming = b'"stream":true' in raw.replace(b" ", b"")
                body, kind = (stream_body, b"text/event-stream") if streaming else (json_body, b"application/json")
                self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: " + kind + b"\r\nContent-Length: "
                                 + str(len(body)).encode() + b"\r\nx-request-id: req_bench\r\n\r\n" + body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base_url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> FixedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def timed(fn: Callable[[], object]) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=10_000)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)

    import openai
    from gpt52_client.chat import Gpt52

    with FixedServer(args.chunks) as server:
        ours = Gpt52(api_key="sk-bench", base_url=server.base_url, max_retries=0)
        theirs = openai.OpenAI(api_key="sk-bench", base_url=server.base_url + "/v1", max_retries=0)
        bare = httpx.Client(base_url=server.base_url)
        payload = {"model": MODEL, "messages": MESSAGES}

        def our_stream() -> None:
            count = 0
            with ours.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True) as stream:
                for _chunk in stream:
                    count += 1
            assert count == args.chunks, count

        def their_stream() -> None:
            count = 0
            with theirs.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True) as stream:  # type: ignore[arg-type]
                for _chunk in stream:
                    count += 1
            assert count == args.chunks, count

        def our_calls() -> None:
            for _ in range(args.requests):
                ours.chat.completions.create(model=MODEL, messages=MESSAGES)

        def their_calls() -> None:
            for _ in range(args.requests):
                theirs.chat.completions.create(model=MODEL, messages=MESSAGES)  # type: ignore[arg-type]

        def bare_calls() -> None:
            for _ in range(args.requests):
                json.loads(bare.post("/v1/chat/completions", json=payload).content)

        for warm in (our_stream, their_stream, our_calls, their_calls, bare_calls):
            warm()
        stream_times: dict[str, list[float]] = {"ours": [], "openai": []}
        call_times: dict[str, list[float]] = {"ours": [], "openai": [], "bare": []}
        for _ in range(args.rounds):
            stream_times["ours"].append(timed(our_stream))
            stream_times["openai"].append(timed(their_stream))
            call_times["bare"].append(timed(bare_calls))
            call_times["ours"].append(timed(our_calls))
            call_times["openai"].append(timed(their_calls))
        ours.close()
        theirs.close()
        bare.close()

    rate = {name: args.chunks / statistics.median(times) for name, times in stream_times.items()}
    per_call = {name: statistics.median(times) / args.requests * 1e6 for name, times in call_times.items()}
    overhead = {name: per_call[name] - per_call["bare"] for name in ("ours", "openai")}
    command = "python scripts/bench_client.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print("## Client: streaming and per-request overhead (gpt52_client.chat vs openai)\n")
    print(f"- command: `{command.strip()}`")
    print(f"- machine: {os.cpu_count()} CPU(s) (nproc), {platform.machine()}, Python {platform.python_version()}, "
          f"httpx {httpx.__version__}, openai {openai.__version__}")
    print(f"- server: fixed loopback HTTP/1.1 server (pre-rendered bytes); {args.chunks} chunks per stream, "
          f"{args.requests} calls per round, median of {args.rounds} alternating rounds\n")
    print("| measure | gpt52_client | openai | ratio (ours / openai) |")
    print("|---|---:|---:|---:|")
    print(f"| streamed chunks per second (higher is better) | {rate['ours']:,.0f} | {rate['openai']:,.0f} | "
          f"{rate['ours'] / rate['openai']:.2f}x |")
    print(f"| non-streamed call, µs per request (lower is better) | {per_call['ours']:,.0f} | "
          f"{per_call['openai']:,.0f} | {per_call['ours'] / per_call['openai']:.2f}x |")
    print(f"| client overhead over bare httpx ({per_call['bare']:,.0f} µs), µs per request | "
          f"{overhead['ours']:,.0f} | {overhead['openai']:,.0f} | "
          f"{overhead['ours'] / overhead['openai']:.2f}x |")
    faster = rate["ours"] >= rate["openai"] and per_call["ours"] <= per_call["openai"]
    print(f"\nTarget (at least as fast as openai on both): {'met' if faster else 'NOT met'}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

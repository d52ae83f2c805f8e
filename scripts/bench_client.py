"""Benchmark: our client (gpt52.chat) against the official ``openai`` package, same server, one run.

Two measures, both clients pointed at the same loopback server:

* streaming: chunks per second parsed from one long stream (``--chunks``, default
  10,000), request to ``[DONE]``, each chunk a typed object;
* per-request overhead: median wall time of a non-streamed call, and that minus the
  time a bare ``httpx.Client.post`` + ``json.loads`` takes for the same exchange.

The server is a small fixed one (below): it sends pre-rendered bytes, so the
clients are what is measured. Stream rounds alternate between the clients;
calls are interleaved one by one (ours, openai, bare httpx, in rotating order),
so load from elsewhere on the machine hits all of them alike; medians are
reported. Prints a Markdown section (machine, command, table, ratios).

    .venv/bin/python scripts/bench_client.py [--chunks 10000] [--requests 500] [--rounds 7]
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
        chunk = {
            "id": "chatcmpl-bench",
            "object": "chat.completion.chunk",
            "created": 1733832000,
            "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [
                {
                    "index": 0,
                    "delta": {} if last else delta,
                    "logprobs": None,
                    "finish_reason": "stop" if last else None,
                }
            ],
        }
        parts.append(b"data: " + json.dumps(chunk, separators=(",", ":")).encode() + b"\n\n")
    parts.append(b"data: [DONE]\n\n")
    return b"".join(parts)


def render_completion() -> bytes:
    body = {
        "id": "chatcmpl-bench",
        "object": "chat.completion",
        "created": 1733832000,
        "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": "Hello there, a short answer.",
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": 12,
            "completion_tokens": 7,
            "total_tokens": 19,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
    }
    return json.dumps(body).encode()


class FixedServer:
    """Loopback HTTP/1.1 keep-alive server answering POST with fixed bytes (SSE when the body asks to stream)."""

    def __init__(self, chunks: int) -> None:
        stream_body = render_stream(chunks)
        json_body = render_completion()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", "0")))
                streaming = b'"stream":true' in raw.replace(b" ", b"")
                body, kind = (stream_body, b"text/event-stream") if streaming else (json_body, b"application/json")
                self.wfile.write(
                    b"HTTP/1.1 200 OK\r\nContent-Type: "
                    + kind
                    + b"\r\nContent-Length: "
                    + str(len(body)).encode()
                    + b"\r\nx-request-id: req_bench\r\n\r\n"
                    + body
                )

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
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)

    import openai
    from gpt52.chat import Gpt52
    from openai.types.chat import ChatCompletionMessageParam

    their_messages: list[ChatCompletionMessageParam] = [{"role": "user", "content": MESSAGES[0]["content"]}]

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
            with theirs.chat.completions.create(model=MODEL, messages=their_messages, stream=True) as stream:
                for _chunk in stream:
                    count += 1
            assert count == args.chunks, count

        def our_call() -> None:
            ours.chat.completions.create(model=MODEL, messages=MESSAGES)

        def their_call() -> None:
            theirs.chat.completions.create(model=MODEL, messages=their_messages)

        def bare_call() -> None:
            json.loads(bare.post("/v1/chat/completions", json=payload).content)

        for warm in (our_stream, their_stream):
            warm()
        calls = {"ours": our_call, "openai": their_call, "bare": bare_call}
        for _ in range(20):
            for call in calls.values():
                call()
        stream_times: dict[str, list[float]] = {"ours": [], "openai": []}
        for round_ in range(args.rounds):
            order = [("ours", our_stream), ("openai", their_stream)]
            for name, run in order if round_ % 2 == 0 else reversed(order):
                stream_times[name].append(timed(run))
        # one call of each client in turn, timed one by one: a burst of load elsewhere hits all three alike
        call_times: dict[str, list[float]] = {name: [] for name in calls}
        names = list(calls)
        gc.collect()
        for i in range(args.requests):
            for name in names[i % 3 :] + names[: i % 3]:
                start = time.perf_counter()
                calls[name]()
                call_times[name].append(time.perf_counter() - start)
        ours.close()
        theirs.close()
        bare.close()

    rate = {name: args.chunks / statistics.median(times) for name, times in stream_times.items()}
    per_call = {name: statistics.median(times) * 1e6 for name, times in call_times.items()}
    overhead = {name: per_call[name] - per_call["bare"] for name in ("ours", "openai")}
    command = "python scripts/bench_client.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print("## Client: streaming and per-request overhead (gpt52.chat vs openai)\n")
    print(f"- command: `{command.strip()}`")
    print(
        f"- machine: {os.cpu_count()} CPU(s) (nproc), {platform.machine()}, Python {platform.python_version()}, "
        f"httpx {httpx.__version__}, openai {openai.__version__}"
    )
    print(
        f"- server: fixed loopback HTTP/1.1 server (pre-rendered bytes); streams: {args.chunks} chunks, median of "
        f"{args.rounds} alternating rounds; calls: median of {args.requests} calls per client, interleaved\n"
    )
    print("| measure | gpt52 | openai | ratio (ours / openai) |")
    print("|---|---:|---:|---:|")
    print(
        f"| streamed chunks per second (higher is better) | {rate['ours']:,.0f} | {rate['openai']:,.0f} | "
        f"{rate['ours'] / rate['openai']:.2f}x |"
    )
    print(
        f"| non-streamed call, µs per request (lower is better) | {per_call['ours']:,.0f} | "
        f"{per_call['openai']:,.0f} | {per_call['ours'] / per_call['openai']:.2f}x |"
    )
    print(
        f"| client overhead over bare httpx ({per_call['bare']:,.0f} µs), µs per request | "
        f"{overhead['ours']:,.0f} | {overhead['openai']:,.0f} | "
        f"{overhead['ours'] / overhead['openai']:.2f}x |"
    )
    faster = rate["ours"] >= rate["openai"] and per_call["ours"] <= per_call["openai"]
    print(f"\nTarget (at least as fast as openai on both): {'met' if faster else 'NOT met'}.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

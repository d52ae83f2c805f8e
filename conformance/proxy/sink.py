"""Off the hot path: a background process that checks each proxied exchange, prints, records, and reports.

The proxy's request handler only puts a :class:`~conformance.proxy.app.Captured` on a bounded queue (never
blocking: when the checker falls behind by more than ``maxsize`` exchanges or ``max_bytes`` of them, the newest
are counted as unchecked and forwarded all the same). The checker (a child process, so that checking never holds the
proxy's interpreter lock) turns each into a redacted
:class:`~conformance.suite.exchange.Exchange` (the reader of ``conformance traffic`` does the same for a
recording), runs the suite's checks, prints each finding the first time its fingerprint is seen (one
line), appends the exchange to the recording, and when :meth:`Sink.close` stops it, writes its findings
(one per fingerprint, with ``occurrences``) and counters for the report.
"""

from __future__ import annotations

import json
import multiprocessing
import multiprocessing.process
import os
import queue
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import attrs

from conformance.findings import Finding
from conformance.proxy.app import Captured
from conformance.report import emit_live
from conformance.traffic.adapter import Checker
from conformance.traffic.model import Recorded, is_chat, parse_body_text, to_exchange
from conformance.traffic.redact import redact_url

_STOP = "conformance-proxy-stop"


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def to_recorded(item: Captured) -> Recorded:
    content_type = next((_text(v) for k, v in item.request_headers if k.lower() == b"content-type"), "")
    body = parse_body_text(item.request_body, content_type)
    return Recorded(
        origin="proxy",
        method=item.method,
        url=item.url,
        request_headers=tuple((_text(k), _text(v)) for k, v in item.request_headers),
        request_body=body,
        request_complete=True,
        status=item.status,
        response_headers=tuple((_text(k), _text(v)) for k, v in item.response_headers),
        response_body=b"".join(item.chunks) if item.status is not None else None,
        transport_error=item.transport_error,
        request_text=_request_text(item.request_body),
    )


def _size(item: Captured) -> int:
    return len(item.request_body) + sum(len(c) for c in item.chunks) + 512


def _request_text(body: bytes) -> str | None:
    try:
        return body.decode("utf-8") or None
    except UnicodeDecodeError:
        return None


@attrs.define
class Counters:
    exchanges: int = 0
    checked: int = 0
    other: int = 0
    client_gone: int = 0
    truncated: int = 0
    unchecked: int = 0  # dropped because the checker was behind
    upstream_failures: int = 0

    def as_dict(self) -> dict[str, int]:
        return attrs.asdict(self)


class Sink:
    """Checks exchanges in a child process (``process=True``, the default: no GIL shared with the proxy's event
    loop) or in a thread of the proxy's own process."""

    def __init__(
        self,
        checker: Checker,
        *,
        out: TextIO | None = None,
        record_dir: Path | None = None,
        raw_dir: Path | None = None,
        maxsize: int = 10_000,
        max_bytes: int = 256 * 1024 * 1024,
        process: bool = True,
    ) -> None:
        self.checker = checker
        self.out = out or sys.stdout
        self.record_dir = record_dir
        self.raw_dir = raw_dir
        self.maxsize = maxsize
        self.max_bytes = max_bytes
        self.process = process
        self.queued_bytes: Any = None  # bytes waiting for the checker (shared with it)
        self.queue: Any = None
        self.counters = Counters()
        self.first: dict[str, Finding] = {}
        self.counts: dict[str, int] = {}
        self.dropped = 0  # counted where submit() runs
        self._record: TextIO | None = None
        self._worker: threading.Thread | multiprocessing.process.BaseProcess | None = None

    # -- the hot path ------------------------------------------------------------------------------------
    def submit(self, item: Captured) -> None:
        size = _size(item)
        counter = self.queued_bytes
        with counter.get_lock():
            if counter.value + size > self.max_bytes:
                self.dropped += 1
                return
            counter.value += size
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.dropped += 1
            with counter.get_lock():
                counter.value -= size

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> Sink:
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
        context = multiprocessing.get_context("fork")
        self.queued_bytes = context.Value("q", 0)
        if self.process:
            self.queue = context.Queue(maxsize=self.maxsize)
            self._worker = context.Process(target=self._child, name="proxy-checks", daemon=True)
        else:
            self.queue = queue.Queue(maxsize=self.maxsize)
            self._worker = threading.Thread(target=self._consume, name="proxy-checks", daemon=True)
        self._worker.start()
        return self

    def close(self) -> None:
        """Check what is still queued, then write the findings and counters (by the consumer)."""
        if self._worker is not None:
            self.queue.put((_STOP, self.dropped))
            self._worker.join()
            self._worker = None

    # -- the consumer (child process or thread) ---------------------------------------------------------------
    def _child(self) -> None:
        # Ctrl-C reaches every process of the terminal's group: the checker finishes its queue when the
        # proxy tells it to, not before
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        self._consume()

    def _consume(self) -> None:
        if self.record_dir is not None:
            self._record = (self.record_dir / f"exchanges-proxy-{os.getpid()}.jsonl").open("a", encoding="utf-8")
        try:
            while True:
                item = self.queue.get()
                if isinstance(item, tuple) and item and item[0] == _STOP:
                    self.counters.unchecked += int(item[1])
                    return
                with self.queued_bytes.get_lock():
                    self.queued_bytes.value -= _size(item)
                try:
                    self.handle(item)
                except Exception as exc:  # a bug in a check must not stop the checking of later exchanges
                    self.out.write(f"proxy: internal error while checking an exchange: {type(exc).__name__}: {exc}\n")
                    self.out.flush()
        finally:
            if self._record is not None:
                self._record.close()
                self._record = None
            self._write_raw()

    def _write_raw(self) -> None:
        if self.raw_dir is None:
            return
        self.raw_dir.mkdir(parents=True, exist_ok=True)
        pid = os.getpid()
        lines = []
        for key, finding in self.first.items():
            lines.append(json.dumps(attrs.evolve(finding, occurrences=self.counts[key]).to_dict(), sort_keys=True))
        (self.raw_dir / f"findings-proxy-{pid}.jsonl").write_text("".join(line + "\n" for line in lines))
        (self.raw_dir / f"proxy-stats-{pid}.json").write_text(json.dumps(self.counters.as_dict()))

    def handle(self, item: Captured) -> None:
        counters = self.counters
        counters.exchanges += 1
        if item.client_gone:
            counters.client_gone += 1  # the client left: nothing the server did is to be judged
            return
        if item.status is None:
            counters.upstream_failures += 1
        rec = to_recorded(item)
        exchange = to_exchange(rec)
        exchange = attrs.evolve(exchange, elapsed_ms=item.elapsed_ms)
        if self._record is not None:
            as_recorded = attrs.evolve(exchange, url=redact_url(item.url))
            self._record.write(json.dumps(as_recorded.to_dict(), ensure_ascii=False) + "\n")
            self._record.flush()
        if not is_chat(item.method, item.url):
            counters.other += 1
            return
        if item.truncated:
            counters.truncated += 1  # only part of the body was kept: checking it would report a cut answer
            return
        counters.checked += 1
        for finding in self.checker.check(exchange):
            key = finding.fingerprint
            if key not in self.first:
                self.first[key] = finding
                self.counts[key] = 0
                emit_live(finding, self.out)
            self.counts[key] += 1

"""Off the hot path: a background thread that checks each proxied exchange, prints, records, and reports.

The proxy's request handler only puts a :class:`~conformance.proxy.app.Captured` on a bounded queue (never
blocking: when the checker falls behind by more than ``maxsize`` exchanges, the newest are counted as
unchecked and forwarded all the same). The thread turns each into a redacted
:class:`~conformance.suite.exchange.Exchange` (the reader of ``conformance traffic`` does the same for a
recording), runs the suite's checks, prints each finding the first time its fingerprint is seen (one
line), appends the exchange to the recording, and on :meth:`Sink.close` writes this process's findings
(one per fingerprint, with ``occurrences``) and counters for the report.
"""

from __future__ import annotations

import json
import os
import queue
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

import attrs

from conformance.findings import Finding
from conformance.proxy.app import Captured
from conformance.traffic.adapter import Checker
from conformance.traffic.model import Recorded, is_chat, parse_body_text, to_exchange
from conformance.traffic.redact import redact_url

_STOP = object()


def finding_line(finding: Finding) -> str:
    """One line per finding: level, rule, where, whose fault, message."""
    message = " ".join(finding.message.split())
    if len(message) > 200:
        message = message[:199] + "…"
    return (f"finding: {finding.level.label.upper()} {finding.rule_id} {finding.where} "
            f"({finding.source.value}): {message}")


def _text(value: bytes) -> str:
    return value.decode("latin-1")


def to_recorded(item: Captured) -> Recorded:
    content_type = next((_text(v) for k, v in item.request_headers if k.lower() == b"content-type"), "")
    body = parse_body_text(item.request_body, content_type)
    return Recorded(origin="proxy", method=item.method, url=item.url,
                    request_headers=tuple((_text(k), _text(v)) for k, v in item.request_headers),
                    request_body=body, request_complete=True, status=item.status,
                    response_headers=tuple((_text(k), _text(v)) for k, v in item.response_headers),
                    response_body=b"".join(item.chunks) if item.status is not None else None,
                    transport_error=item.transport_error)


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
    def __init__(self, checker: Checker, *, out: TextIO | None = None, record_dir: Path | None = None,
                 raw_dir: Path | None = None, maxsize: int = 10_000) -> None:
        self.checker = checker
        self.out = out or sys.stdout
        self.record_dir = record_dir
        self.raw_dir = raw_dir
        self.queue: queue.Queue[Any] = queue.Queue(maxsize=maxsize)
        self.counters = Counters()
        self.first: dict[str, Finding] = {}
        self.counts: dict[str, int] = {}
        self._record: TextIO | None = None
        self._thread: threading.Thread | None = None

    # -- the hot path ------------------------------------------------------------------------------------
    def submit(self, item: Captured) -> None:
        try:
            self.queue.put_nowait(item)
        except queue.Full:
            self.counters.unchecked += 1

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> Sink:
        if self.record_dir is not None:
            self.record_dir.mkdir(parents=True, exist_ok=True)
            self._record = (self.record_dir / f"exchanges-proxy-{os.getpid()}.jsonl").open("a", encoding="utf-8")
        self._thread = threading.Thread(target=self._run, name="proxy-checks", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Check what is still queued, then write this process's findings and counters."""
        if self._thread is not None:
            self.queue.put(_STOP)
            self._thread.join()
            self._thread = None
        if self._record is not None:
            self._record.close()
            self._record = None
        if self.raw_dir is not None:
            self.raw_dir.mkdir(parents=True, exist_ok=True)
            pid = os.getpid()
            lines = []
            for key, finding in self.first.items():
                extra = dict(finding.extra)
                extra["occurrences"] = self.counts[key]
                lines.append(json.dumps(attrs.evolve(finding, extra=tuple(sorted(extra.items()))).to_dict(),
                                        sort_keys=True))
            (self.raw_dir / f"findings-proxy-{pid}.jsonl").write_text("".join(line + "\n" for line in lines))
            (self.raw_dir / f"proxy-stats-{pid}.json").write_text(json.dumps(self.counters.as_dict()))

    # -- the checker thread ------------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            item = self.queue.get()
            if item is _STOP:
                return
            try:
                self.handle(item)
            except Exception as exc:  # a bug in a check must not stop the checking of later exchanges
                self.out.write(f"proxy: internal error while checking an exchange: {type(exc).__name__}: {exc}\n")
                self.out.flush()

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
                self.out.write(finding_line(finding) + "\n")
                self.out.flush()
            self.counts[key] += 1

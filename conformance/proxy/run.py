"""``conformance proxy``: serve the proxy until Ctrl-C or SIGTERM, then write the report.

The specs are handed over by the CLI (loaded as for ``conformance run``) before the port is bound, so a spec
that cannot be had stops the command (exit 3) before any client is accepted. Each serving process (one,
or ``--workers N`` forked ones) checks its own exchanges in a background thread and leaves its findings
in ``REPORT_DIR/raw/``; the main process merges them into the run's reports once every worker stopped.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import attrs

from conformance.errors import UsageError
from conformance.findings import Finding, Level, Source
from conformance.inputs import SpecPair
from conformance.proxy.app import ProxyApp, ProxyOptions
from conformance.proxy.sink import Sink
from conformance.report import Report
from conformance.serve import Limits, bind, is_loopback, serve, serve_workers
from conformance.traffic.adapter import load_checker, merge_counted, report


@attrs.frozen
class ProxyRunOptions:
    upstream: str
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    record: Path | None = None
    report_dir: Path = Path("reports")
    spec: str = "published"
    strict: bool = False
    baseline: bool = True
    fail_on: Level | None = Level.ERROR
    fail_sources: frozenset[Source] = frozenset({Source.SERVER})
    specs: SpecPair | None = None  # the pair the exchanges are checked against, from the load layer
    check_requests: bool = True
    timeout: float = 600.0
    connect_timeout: float = 10.0
    allow_non_loopback: bool = False


def check_upstream(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"--upstream {url!r}: expected an http(s) URL such as https://api.aimlapi.com")
    if parts.query or parts.fragment:
        raise UsageError(f"--upstream {url!r}: expected a base URL without query or fragment")
    if parts.username or parts.password:
        raise UsageError("--upstream: expected a URL without user:password (the client's key passes through)")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise UsageError(
            f"--upstream {url}: refusing to forward API keys over plain http to {parts.hostname}",
            hint="use https, or a loopback address for local servers",
        )
    return url.rstrip("/")


def collect(raw_dir: Path) -> tuple[list[Finding], dict[str, int]]:
    findings: list[Finding] = []
    counters: dict[str, int] = {}
    for file in sorted(raw_dir.glob("findings-proxy-*.jsonl")):
        findings += [Finding.from_dict(json.loads(line)) for line in file.read_text().splitlines() if line.strip()]
    for file in sorted(raw_dir.glob("proxy-stats-*.json")):
        for key, value in json.loads(file.read_text()).items():
            counters[key] = counters.get(key, 0) + int(value)
    return merge_counted(findings), counters


def counter_lines(counters: dict[str, int]) -> list[str]:
    total = counters.get("exchanges", 0) + counters.get("unchecked", 0)
    lines = [
        f"{total} exchange(s) proxied: {counters.get('checked', 0)} chat completion(s) checked, "
        f"{counters.get('other', 0)} for other endpoints not checked"
    ]
    notes = {
        "upstream_failures": "upstream failure(s) answered 502/504",
        "client_gone": "left unchecked because the client disconnected first",
        "truncated": "left unchecked because the answer exceeded the check limit",
        "unchecked": "left unchecked because the checker fell behind (forwarded all the same)",
    }
    lines += [f"{counters[key]} {text}" for key, text in notes.items() if counters.get(key)]
    return lines


def run_proxy(options: ProxyRunOptions, *, out: TextIO | None = None) -> Report:
    stdout = out or sys.stdout
    upstream = check_upstream(options.upstream)
    if not 1 <= options.workers <= 64:
        raise UsageError(f"--workers {options.workers}: expected 1 to 64")
    if options.specs is None:
        raise ValueError("ProxyRunOptions.specs is needed: the pair the exchanges are checked against")
    checker = load_checker(
        options.specs, spec=options.spec, strict=options.strict, check_requests=options.check_requests
    )
    report_dir = options.report_dir
    raw_dir = report_dir / "raw"
    raw_dir.mkdir(parents=True, exist_ok=True)
    for old in (*raw_dir.glob("findings-proxy-*.jsonl"), *raw_dir.glob("proxy-stats-*.json")):
        old.unlink()
    sock = bind(options.host, options.port, allow_non_loopback=options.allow_non_loopback)
    app = ProxyApp(ProxyOptions(upstream=upstream, timeout=options.timeout, connect_timeout=options.connect_timeout))
    sink = Sink(checker, out=stdout, record_dir=options.record, raw_dir=raw_dir)
    app.sink = sink
    sys.stderr.write(
        f"proxy: forwarding to {upstream}, checking against the {options.spec} spec"
        + (f", recording in {options.record}" if options.record else "")
        + (f", {options.workers} workers" if options.workers > 1 else "")
        + "\n"
    )
    # no Date header of the front end's own: the upstream's is relayed instead
    config: dict[str, Any] = {"limits": Limits(date_header=False), "graceful": 5.0, "name": "proxy"}
    gc.collect()
    gc.freeze()
    if options.workers > 1:
        serve_workers(app, sock, options.workers, announce=stdout, before=sink.start, after=sink.close, **config)
    else:
        sink.start()
        try:
            serve(app, sock, announce=stdout, **config)
        finally:
            sink.close()
    findings, counters = collect(raw_dir)
    lines = counter_lines(counters)
    target = f"proxy to {upstream}"
    section = "### Proxied traffic\n\n" + "\n".join(f"- {line}" for line in lines)
    return report(
        findings,
        command="proxy",
        report_dir=report_dir,
        target=target,
        spec=options.spec,
        baseline=options.baseline,
        fail_on=options.fail_on,
        fail_sources=options.fail_sources,
        meta={"proxy": counters},
        section=section,
        preface=lines,
    )

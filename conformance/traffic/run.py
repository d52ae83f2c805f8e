"""``conformance traffic``: check recorded exchanges with the suite's checks, report as ``conformance run`` does.

Each file is read (:mod:`conformance.traffic.formats`), each chat completion in it checked as soon as it
is read (memory holds one file's exchanges at most, and only the findings, one per fingerprint, after).
Exchanges for other endpoints are counted and skipped; an exchange whose request was not recorded, or only
in part, is checked without the request-dependent checks, and the report says how many there were.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs

from conformance.findings import Finding, Level, Source
from conformance.inputs import SpecPair
from conformance.locations import ExchangePath
from conformance.report import Report
from conformance.traffic.adapter import Checker, aggregate, load_checker, report
from conformance.traffic.formats import expand, read_file
from conformance.traffic.model import is_chat, to_exchange
from conformance.traffic.redact import redact_url


@attrs.define
class Stats:
    files: int = 0
    interactions: int = 0
    chat: int = 0
    streams: int = 0
    request_incomplete: int = 0
    no_response: int = 0
    no_body: int = 0
    other: dict[str, int] = attrs.field(factory=dict)  # "GET host/path" -> count

    @property
    def skipped(self) -> int:
        return sum(self.other.values())

    def lines(self) -> list[str]:
        out = [
            f"{self.files} file(s), {self.interactions} recorded exchange(s): {self.chat} chat completion(s) "
            f"checked ({self.streams} streamed), {self.skipped} for other endpoints skipped"
        ]
        if self.request_incomplete:
            out.append(
                f"{self.request_incomplete} chat completion(s) with a request not recorded or recorded in "
                "part: request-dependent checks skipped for them"
            )
        if self.no_response:
            out.append(f"{self.no_response} chat completion(s) without a recorded response (transport error)")
        if self.no_body:
            out.append(f"{self.no_body} chat completion(s) whose response body was not recorded: not checked")
        for what, count in sorted(self.other.items(), key=lambda x: (-x[1], x[0]))[:10]:
            out.append(f"  skipped: {what} ({count})")
        return out

    def as_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "exchanges": self.interactions,
            "chat_completions": self.chat,
            "streams": self.streams,
            "request_incomplete": self.request_incomplete,
            "no_response": self.no_response,
            "no_body": self.no_body,
            "other_endpoints": self.skipped,
            "other_endpoints_by_kind": dict(sorted(self.other.items())),
        }


@attrs.frozen
class TrafficOptions:
    spec: str = "published"
    strict: bool = False
    report_dir: Path = Path("reports")
    baseline: bool = True
    fail_on: Level | None = Level.ERROR
    fail_sources: frozenset[Source] = frozenset({Source.SERVER})
    fmt: str = "text"
    # the published/normalised pair, asked for at the first chat completion (a file that is not traffic is
    # reported before any spec is fetched)
    specs: Callable[[], SpecPair] | None = None
    check_requests: bool = True


def _other_kind(method: str, url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    return f"{method.upper()} {parts.netloc}{parts.path}"


def check_files(files: Sequence[Path], make_checker: Callable[[], Checker], stats: Stats) -> list[Finding]:
    """Every chat completion of the files checked; the findings one per fingerprint (with ``occurrences``).

    The checker (the specs) is made at the first chat completion: a file that is not traffic is reported
    before any spec is fetched.
    """
    found: list[Finding] = []
    checker: Checker | None = None
    for path in files:
        stats.files += 1
        batch: list[Finding] = []
        for rec in read_file(path):
            stats.interactions += 1
            if not is_chat(rec.method, rec.url):
                kind = _other_kind(rec.method, rec.url)
                stats.other[kind] = stats.other.get(kind, 0) + 1
                continue
            if rec.status is not None and rec.response_body is None:
                stats.no_body += 1  # nothing to judge: an empty body would read as a broken answer
                continue
            stats.chat += 1
            exchange = to_exchange(rec)
            checker = checker or make_checker()
            if not exchange.request_complete:
                stats.request_incomplete += 1
            if exchange.status is None:
                stats.no_response += 1
            if exchange.content_type == "text/event-stream":
                stats.streams += 1
            batch += [_traced(f, rec.origin, exchange.url, redact_url(rec.url)) for f in checker.check(exchange)]
        # one per fingerprint as we go: memory follows the distinct findings, not the traffic
        found = _merge(found, batch)
    return found


def _traced(finding: Finding, origin: str, checked_url: str, recorded_url: str) -> Finding:
    """The finding with where it was recorded, and its curl line on the URL as recorded (not the spec's path)."""
    evidence = finding.evidence
    if evidence and checked_url != recorded_url:
        evidence = evidence.replace(shlex.quote(checked_url), shlex.quote(recorded_url), 1)
    at = attrs.evolve(finding.at, recorded_in=origin) if isinstance(finding.at, ExchangePath) else finding.at
    return attrs.evolve(finding, evidence=evidence, at=at)


def _merge(found: list[Finding], batch: list[Finding]) -> list[Finding]:
    if not batch:
        return found
    from conformance.traffic.adapter import merge_counted

    return merge_counted([*found, *aggregate(batch)])


def _specs(options: TrafficOptions) -> SpecPair:
    if options.specs is None:
        raise ValueError("TrafficOptions.specs is needed: the pair the exchanges are checked against")
    return options.specs()


def check_traffic(paths: Sequence[Path], options: TrafficOptions) -> Report:
    files = expand(list(paths))
    stats = Stats()
    findings = check_files(
        files,
        lambda: load_checker(
            _specs(options), spec=options.spec, strict=options.strict, check_requests=options.check_requests
        ),
        stats,
    )
    target = f"traffic: {', '.join(str(p) for p in paths)}"
    if len(target) > 160:
        target = target[:159] + "…"
    section = "### Recorded traffic\n\n" + "\n".join(f"- {line.strip()}" for line in stats.lines())
    return report(
        findings,
        command="traffic",
        report_dir=options.report_dir,
        target=target,
        spec=options.spec,
        baseline=options.baseline,
        fail_on=options.fail_on,
        fail_sources=options.fail_sources,
        meta={"traffic": stats.as_dict()},
        section=section,
        preface=stats.lines(),
    )

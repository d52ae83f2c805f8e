"""The one place where recorded traffic and the proxy call into the conformance suite.

Both check exchanges with the suite's own checks (:func:`conformance.suite.checks.check_exchange`) and
write the suite's reports (:func:`conformance.suite.runner.write_reports`) with its baseline and exit
codes; everything they need from ``conformance.suite`` goes through these few functions.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from conformance import paths
from conformance.baseline import Baseline
from conformance.findings import Finding, Level, Source, exit_code_for
from conformance.inputs import SpecPair
from conformance.report import atomic_write
from conformance.suite.checks import CheckContext, SpecView, check_exchange
from conformance.suite.exchange import Exchange
from conformance.traffic.requests import RequestChecker


@attrs.define
class Checker:
    """Everything needed to check one exchange: both spec views, and the request schemas."""

    context: CheckContext
    requests: RequestChecker | None

    def check(self, exchange: Exchange) -> list[Finding]:
        findings = list(check_exchange(exchange, self.context))
        if self.requests is not None and exchange.request_complete:
            findings += self.requests.check(exchange)
        return findings


def load_checker(
    specs: SpecPair, *, spec: str = "published", strict: bool = False, check_requests: bool = True
) -> Checker:
    """A checker of exchanges against the pair (handed over by the CLI, as to ``conformance run``)."""
    ctx = CheckContext(
        SpecView(specs.published, "published"),
        SpecView(specs.normalised, "normalised"),
        strict=strict,
        checked_against=spec,
    )
    return Checker(ctx, RequestChecker(ctx) if check_requests else None)


def aggregate(findings: Sequence[Finding]) -> list[Finding]:
    from conformance.suite.runner import aggregate as run_aggregate

    return run_aggregate(findings)


def merge_counted(findings: Sequence[Finding]) -> list[Finding]:
    """Findings that each carry ``occurrences`` (from several processes), one per fingerprint, counts summed."""
    return aggregate(findings)


DEFAULT_SOURCES = frozenset({Source.SERVER})


@attrs.frozen
class Outcome:
    findings: tuple[Finding, ...]
    new: tuple[Finding, ...]
    acknowledged: tuple[Finding, ...]
    exit_code: int
    fail_sources: frozenset[Source] = DEFAULT_SOURCES


def report(
    findings: Sequence[Finding],
    *,
    report_dir: Path,
    target: str,
    spec: str,
    baseline: bool,
    fail_on: Level | None,
    fail_sources: frozenset[Source] = DEFAULT_SOURCES,
    fmt: str = "text",
    meta: dict[str, Any] | None = None,
    section: str = "",
) -> Outcome:
    """findings.json, junit.xml and summary.md as ``conformance run`` writes them, plus ``meta`` (in
    findings.json) and ``section`` (appended to summary.md); the exit code from the new findings whose source
    is one of ``fail_sources``, as ``conformance run`` decides it."""
    from conformance.suite.runner import RunOptions, deciding, write_reports

    base = Baseline.load(paths.baseline_path()) if baseline else Baseline(paths.baseline_path(), ())
    new, acknowledged, _stale = base.split(findings)
    options = RunOptions(
        target=target,
        spec=spec,
        report_dir=report_dir,
        baseline=baseline,
        fail_on=fail_on,
        fmt=fmt,
        fail_sources=fail_sources,
    )
    report_dir.mkdir(parents=True, exist_ok=True)
    # stale entries are not reported: recorded traffic covers only what was recorded, not the baseline's scope
    write_reports(report_dir, findings, new, acknowledged, (), target, options)
    if meta:
        path = report_dir / "findings.json"
        data = json.loads(path.read_text())
        if isinstance(data, dict) and isinstance(data.get("meta"), dict):
            data["meta"].update(meta)
            atomic_write(path, json.dumps(data, indent=2, sort_keys=True) + "\n")
    if section:
        summary = report_dir / "summary.md"
        atomic_write(summary, summary.read_text().rstrip("\n") + "\n\n" + section.strip("\n") + "\n")
    return Outcome(
        tuple(findings),
        tuple(new),
        tuple(acknowledged),
        exit_code_for(deciding(new, fail_sources), fail_on),
        fail_sources,
    )


def terminal(outcome: Outcome, *, title: str, report_dir: Path, spec: str, fail_on: Level | None) -> str:
    from conformance.suite.runner import RunOptions, RunResult, terminal_summary

    result = RunResult(outcome.findings, outcome.new, outcome.acknowledged, (), 0, outcome.exit_code, title)
    text = terminal_summary(
        result, RunOptions(spec=spec, report_dir=report_dir, fail_on=fail_on, fail_sources=outcome.fail_sources)
    )
    return text.replace("conformance run against ", "", 1)

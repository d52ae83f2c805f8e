"""The one place where recorded traffic and the proxy call into the conformance suite.

Both check exchanges with the suite's own checks (:func:`conformance.suite.checks.check_exchange`) and
report as the suite does (:func:`conformance.suite.runner.run_report`), with its baseline and exit codes;
everything they need from ``conformance.suite`` goes through these few functions.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import attrs

from conformance import paths
from conformance.baseline import Baseline
from conformance.findings import Finding, Level, Source, exit_code_for
from conformance.inputs import SpecPair
from conformance.report import Report
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


def report(
    findings: Sequence[Finding],
    *,
    command: str,
    report_dir: Path,
    target: str,
    spec: str,
    baseline: bool,
    fail_on: Level | None,
    fail_sources: frozenset[Source] = DEFAULT_SOURCES,
    meta: dict[str, Any] | None = None,
    section: str = "",
    preface: Sequence[str] = (),
) -> Report:
    """The report ``conformance run`` makes, for checked exchanges: its baseline (stale entries are not judged:
    recorded traffic covers only what was recorded), its exit code from the new findings whose fault is one of
    ``fail_sources``, plus ``meta`` (in JSON), ``section`` (in Markdown) and ``preface`` lines (in text)."""
    from conformance.suite.runner import RunOptions, RunResult, deciding, run_report, summary_markdown, terminal_summary

    base = Baseline.load(paths.baseline_path()) if baseline else Baseline(paths.baseline_path(), ())
    new, acknowledged, _stale = base.split(findings)
    options = RunOptions(
        target=target, spec=spec, report_dir=report_dir, baseline=baseline, fail_on=fail_on, fail_sources=fail_sources
    )
    code = exit_code_for(deciding(new, fail_sources), fail_on)
    result = RunResult(tuple(findings), tuple(new), tuple(acknowledged), (), 0, code, target)

    def text(_report: Report) -> str:
        body = terminal_summary(result, options).replace("conformance run against ", "", 1)
        return "".join(line + "\n" for line in preface) + body

    made = run_report(result, options, title=target)
    return attrs.evolve(
        made,
        command=command,
        meta={**made.meta, **(meta or {})},
        text_body=text,
        markdown_body=lambda _report: summary_markdown(result, options, section),
    )

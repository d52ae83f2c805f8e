"""The one report pipeline: findings → baseline → formatters → exit code, and the only writer of reports.

Every command (lint, run, docs, drift, traffic, proxy) builds a :class:`Report` from its findings and hands it
to :func:`emit`, which is the only code that writes findings to stdout or to report files (``--output``, the
report directory's ``findings.json``/``junit.xml``/``summary.md``, ``--summary``, ``$GITHUB_STEP_SUMMARY``).
Formatters read the report and never know which check made a finding:

* ``text`` — terminal lines (a command may lay out its own text body from the same report);
* ``json`` — one schema for every command, :data:`SCHEMA_VERSION`, documented in ``docs/report.schema.json``;
* ``markdown`` — a table, for issues and ``$GITHUB_STEP_SUMMARY``;
* ``junit`` — one test case per finding;
* ``github`` — workflow commands (``::error file=…,line=…::``) that annotate a pull request.

The exit code is decided after every report is written: 1 when a new finding (not in the baseline) of a
deciding fault reaches ``--fail-on``, else 0 (a command may override it: no verdict, interrupted, a bug).
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

import attrs

from conformance.baseline import Baseline, Entry
from conformance.errors import UsageError
from conformance.fileio import atomic_write
from conformance.findings import Fault, Finding, Level, exit_code_for, sort_findings
from conformance.locations import DocLine, SpecPointer

#: the version of the JSON report schema (``docs/report.schema.json``); bumped on any incompatible change
SCHEMA_VERSION = 1
FORMATS = ("text", "json", "markdown", "junit", "github")
__all__ = ["FORMATS", "SCHEMA_VERSION", "Destinations", "Report", "Step", "atomic_write", "emit", "render"]


# -- the report ----------------------------------------------------------------------------------
@attrs.frozen
class Step:
    """One comparison of a drift: two versions and what changed between them."""

    old: str
    new: str
    findings: tuple[Finding, ...]
    reproduce: str = ""
    date: str = ""
    subject: str = ""
    fingerprint: str = ""  # a drift's alert key for this step


@attrs.frozen(eq=False)
class Report:
    """What a command found, ready for every format: findings split by the baseline, and how to decide.

    ``text_body``/``markdown_body`` lay out a command's own terminal and Markdown forms from the report (the
    docs catalog's summary table, a drift's steps, a run's verdict); without them the generic forms are used.
    """

    command: str
    title: str
    findings: tuple[Finding, ...]
    acknowledged: frozenset[str] = frozenset()  # fingerprints the baseline acknowledges
    stale: tuple[Entry, ...] = ()
    steps: tuple[Step, ...] = ()
    meta: Mapping[str, Any] = attrs.field(factory=dict)
    details: Mapping[str, Any] = attrs.field(factory=dict)  # command-specific JSON (doc pages, catalog specs)
    fail_on: Level | None = Level.ERROR
    fail_faults: frozenset[Fault] | None = None  # None: every fault decides
    exit_override: int | None = None  # no verdict (3), interrupted (130), the suite crashed (4)
    text_body: Callable[[Report], str] | None = None
    markdown_body: Callable[[Report], str] | None = None

    @property
    def new(self) -> list[Finding]:
        return [f for f in self.findings if f.fingerprint not in self.acknowledged]

    @property
    def known(self) -> list[Finding]:
        return [f for f in self.findings if f.fingerprint in self.acknowledged]

    @property
    def deciding(self) -> list[Finding]:
        """The new findings that decide the exit code: those of a fault ``--fail-on-source`` names."""
        return [f for f in self.new if self.fail_faults is None or f.fault in self.fail_faults]

    @property
    def exit_code(self) -> int:
        if self.exit_override is not None:
            return self.exit_override
        return exit_code_for(self.deciding, self.fail_on)


def apply_baseline(findings: Sequence[Finding], baseline: Baseline | None) -> tuple[frozenset[str], list[Entry]]:
    """(fingerprints the baseline acknowledges, its entries that matched nothing). ``None``: no baseline."""
    if baseline is None:
        return frozenset(), []
    _new, known, unmatched = baseline.split(findings)
    return frozenset(f.fingerprint for f in known), unmatched


def load_baseline(use: bool) -> Baseline | None:
    from conformance import paths

    return Baseline.load(paths.baseline_path()) if use else None


# -- shared pieces ---------------------------------------------------------------------------------
def counts_line(findings: Sequence[Finding]) -> str:
    by_level = Counter(f.level for f in findings)
    parts = [f"{by_level.get(level, 0)} {level.label}" for level in (Level.ERROR, Level.WARNING, Level.INFO)]
    return f"{len(findings)} finding(s): " + ", ".join(parts)


def finding_lines(
    f: Finding,
    *,
    indent: str = "",
    label: str | None = None,
    width: int = 7,
    details: Sequence[tuple[str, str | None]] = (),
    evidence: bool = True,
) -> list[str]:
    """One finding as terminal lines: a header (level, rule id, where), then what, expected, found, fix.

    ``details`` are extra ``(name, value)`` lines shown before the fix (e.g. a drift's direction).
    """
    body = indent + " " * (width + 1)
    lines = [f"{indent}{(label or f.level.label).upper():{width}} {f.rule_id}  {f.where}", f"{body}{f.message}"]
    if f.expected is not None:
        lines.append(f"{body}expected: {f.expected}")
    if f.found is not None:
        lines.append(f"{body}found:    {f.found}")
    lines += [f"{body}{name + ':':9} {value}" for name, value in details if value]
    if f.hint:
        lines.append(f"{body}fix:      {f.hint}")
    if evidence and f.evidence:
        lines.append(f"{body}reproduce: {f.evidence}")
    return lines


def md_cell(text: Any) -> str:
    if text is None:
        return ""
    return str(text).replace("|", "\\|").replace("\n", " ")


def level_summary(findings: Sequence[Finding]) -> dict[str, int]:
    return {level.label: sum(1 for f in findings if f.level == level) for level in Level}


# -- formatters --------------------------------------------------------------------------------------
def render_text(report: Report) -> str:
    if report.text_body is not None:
        return report.text_body(report)
    lines: list[str] = [report.title] if report.title else []
    for f in sort_findings(report.new):
        lines += finding_lines(f)
    known = report.known
    if known:
        lines.append(f"{len(known)} acknowledged finding(s) in the baseline ({counts_line(known)})")
    lines.append(counts_line(report.new))
    return "\n".join(lines) + "\n"


def render_markdown(report: Report) -> str:
    if report.markdown_body is not None:
        return report.markdown_body(report)
    return findings_markdown(report.new, report.title or "Findings", known=report.known)


def findings_markdown(
    findings: Sequence[Finding],
    title: str,
    extra_sections: Iterable[str] = (),
    known: Sequence[Finding] = (),
) -> str:
    """The generic Markdown form: counts, one table row per finding, curl lines folded away."""
    out = [f"## {title}", "", counts_line(findings), ""]
    if findings:
        out.append("| level | rule | where | message | expected | found |")
        out.append("|---|---|---|---|---|---|")
        for f in sort_findings(findings):
            out.append(
                f"| {f.level.label} | `{f.rule_id}` | `{md_cell(f.where)}` | {md_cell(f.message)} "
                f"| {md_cell(f.expected)} | {md_cell(f.found)} |"
            )
        reproducible = [f for f in sort_findings(findings) if f.evidence]
        if reproducible:
            out += ["", "<details><summary>Reproduce</summary>", ""]
            for f in reproducible:
                out += [f"- `{f.rule_id}` {f.where}", "", "  ```", f"  {f.evidence}", "  ```"]
            out += ["", "</details>"]
    if known:
        out += ["", f"{len(known)} acknowledged in the baseline ({counts_line(known)})."]
    for section in extra_sections:
        out += ["", section]
    return "\n".join(out) + "\n"


def report_data(report: Report) -> dict[str, Any]:
    """The report as JSON data, in the one schema every command shares (``docs/report.schema.json``)."""
    numbered: list[tuple[int | None, Finding]] = (
        [(index, f) for index, step in enumerate(report.steps, 1) for f in sort_findings(step.findings)]
        if report.steps
        else [(None, f) for f in sort_findings(report.findings)]
    )
    findings = []
    for index, f in numbered:
        data = f.to_dict()
        data["baseline"] = "acknowledged" if f.fingerprint in report.acknowledged else "new"
        data["step"] = index
        findings.append(data)
    new = report.new
    return {
        "schema_version": SCHEMA_VERSION,
        "command": report.command,
        "title": report.title,
        "meta": dict(report.meta),
        "summary": {
            **level_summary(report.findings),
            "total": len(report.findings),
            "new": len(new),
            "acknowledged": len(report.findings) - len(new),
            "stale": len(report.stale),
            "deciding": len(report.deciding),
        },
        "exit_code": report.exit_code,
        "findings": findings,
        "steps": [
            {
                "index": index,
                "old": step.old,
                "new": step.new,
                "date": step.date,
                "subject": step.subject,
                "reproduce": step.reproduce,
                "fingerprint": step.fingerprint,
                "summary": level_summary(step.findings),
            }
            for index, step in enumerate(report.steps, 1)
        ],
        "stale_baseline_entries": [attrs.asdict(e) for e in report.stale],
        "details": dict(report.details),
    }


def render_json(report: Report) -> str:
    return json.dumps(report_data(report), indent=2, sort_keys=True, default=str) + "\n"


_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_safe(text: str) -> str:
    """``text`` with the characters XML 1.0 cannot hold (control characters, lone surrogates) shown escaped
    (``\\x1b``, ``\\ud800``): a fuzzed or recorded body may carry them, and one makes the whole file unreadable."""
    return _NOT_XML.sub(lambda m: repr(m.group())[1:-1], text)


def render_junit(report: Report, suite: str | None = None) -> str:
    """JUnit XML: one test case per finding — a failure for a new error, skipped when the baseline
    acknowledges it, passed with its text in ``system-out`` otherwise."""
    name = suite or f"conformance.{report.command}"
    cases: list[str] = []
    failures = skipped = 0
    for f in sort_findings(report.findings):
        case = quoteattr(_xml_safe(f"{f.rule_id} {f.where}"))
        body = escape(
            _xml_safe(f"{f.message}\nexpected: {f.expected}\nfound: {f.found}\nreproduce: {f.evidence or ''}")
        )
        head = f"  <testcase classname={quoteattr(_xml_safe(f'{name}.{f.rule_id}'))} name={case}>"
        if f.fingerprint in report.acknowledged:
            skipped += 1
            cases.append(f'{head}<skipped message="acknowledged in the baseline"/></testcase>')
        elif f.level >= Level.ERROR:
            failures += 1
            cases.append(f"{head}<failure message={quoteattr(_xml_safe(f.message))}>{body}</failure></testcase>")
        else:
            cases.append(f"{head}<system-out>{body}</system-out></testcase>")
    header = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name={quoteattr(_xml_safe(name))} tests="{len(cases)}" '
        f'failures="{failures}" errors="0" skipped="{skipped}">'
    )
    return "\n".join([header, *cases, "</testsuite>"]) + "\n"


_GITHUB_LEVEL = {Level.ERROR: "error", Level.WARNING: "warning", Level.INFO: "notice"}


def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    """GitHub workflow commands, one per new finding: ``::error file=F,line=N,title=RULE::message``.

    A spec or doc page finding names its file (and the page's line); a finding about an operation, an exchange
    or the run has no file and annotates the workflow run itself.
    """
    lines = []
    for f in sort_findings(report.new):
        props: list[str] = []
        if isinstance(f.at, DocLine):
            props += [f"file={_gh_property(f.at.page)}", f"line={f.at.line or 1}"]
        elif isinstance(f.at, SpecPointer):
            props += [f"file={_gh_property(f.at.file)}", "line=1"]
        props.append(f"title={_gh_property(f.rule_id)}")
        text = f"{f.where}: {f.message}"
        if f.expected is not None:
            text += f" (expected {f.expected}; found {f.found})"
        lines.append(f"::{_GITHUB_LEVEL[f.level]} {','.join(props)}::{_gh_data(text)}")
    lines.append(f"::notice title=conformance {report.command}::{_gh_data(counts_line(report.new))}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
    "junit": render_junit,
    "github": render_github,
}


def render(report: Report, fmt: str) -> str:
    """The report in ``fmt``, always encodable: a lone surrogate (a fuzzed or recorded body may decode to one) is
    shown as ``\\udXXX`` rather than failing the write."""
    try:
        renderer = RENDERERS[fmt]
    except KeyError:
        raise UsageError(f"--format {fmt}: expected one of {', '.join(FORMATS)}") from None
    return renderer(report).encode("utf-8", "backslashreplace").decode("utf-8")


# -- the one writer ----------------------------------------------------------------------------------
@attrs.frozen
class Destinations:
    """Where a report goes besides stdout."""

    output: Path | None = None  # --output: the report in --format
    report_dir: Path | None = None  # findings.json, junit.xml, summary.md
    summary: Path | None = None  # --summary: Markdown
    step_summary: bool = False  # append the Markdown to $GITHUB_STEP_SUMMARY when it is set
    markdown_title: str = ""  # the summary.md title when it differs from the report's


def check_output(path: Path | None) -> None:
    """An ``--output`` that can never be written is the user's to fix (exit 2), found before any work."""
    if path is not None and path.is_dir():
        raise UsageError(f"--output {path}: expected a file path, found a directory")


def _write(flag: str, path: Path, body: str) -> None:
    if path.is_dir():
        raise UsageError(f"{flag} {path}: expected a file path, found a directory")
    try:
        atomic_write(path, body)
    except OSError as exc:
        raise UsageError(f"{flag} {path}: cannot write the report ({exc.strerror or exc})") from None


def emit(report: Report, fmt: str, where: Destinations | None = None, stream: IO[str] | None = None) -> int:
    """Write the report everywhere it goes, then return the exit code: the report first, the verdict after.

    This is the only function that writes findings to stdout or to report files.
    """
    where = where or Destinations()
    body = render(report, fmt)
    markdown = body if fmt == "markdown" else render(report, "markdown")
    if where.report_dir is not None:
        _write("--report-dir", where.report_dir / "findings.json", render(report, "json"))
        _write("--report-dir", where.report_dir / "junit.xml", render(report, "junit"))
        _write("--report-dir", where.report_dir / "summary.md", markdown)
    if where.output is not None:
        _write("--output", where.output, body)
    if where.summary is not None:
        _write("--summary", where.summary, markdown)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY") if where.step_summary else None
    if step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(markdown + "\n")
    out = stream or sys.stdout
    out.write(body)
    out.flush()
    return report.exit_code


def live_line(finding: Finding) -> str:
    """A finding as one line while a long command runs (the proxy): level, rule, where, whose fault, message."""
    message = " ".join(finding.message.split())
    if len(message) > 200:
        message = message[:199] + "…"
    return (
        f"finding: {finding.level.label.upper()} {finding.rule_id} {finding.where} ({finding.fault.value}): {message}"
    )


def emit_live(finding: Finding, stream: IO[str] | None = None) -> None:
    """Write one finding as soon as it is found, before the report (the proxy's first sight of each defect)."""
    out = stream or sys.stdout
    out.write(live_line(finding) + "\n")
    out.flush()


def emit_text(text: str, stream: IO[str] | None = None) -> None:
    """A line that is not a finding (a written baseline, an updated lock), through the same writer."""
    out = stream or sys.stdout
    out.write(text)
    out.flush()

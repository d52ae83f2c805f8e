"""Drift's own layout of a report (text; Markdown for ``$GITHUB_STEP_SUMMARY`` and issue bodies) and its fingerprint.

:func:`drift_report` builds the :class:`~conformance.report.Report` that ``conformance drift`` hands to the one
writer: every step's findings in one list (each numbered with its step in JSON), so one step and many give
the same JSON shape.

The drift fingerprint is a hash of the sorted finding fingerprints (rule,
location, pointer) plus each finding's change key (which enum values, which
status), over contract findings only: documentation churn, and changes to component
schemas no operation uses, do not make a new alert. The same drift gives the
same fingerprint on every run, so a scheduled job raises one alert per distinct drift, not one per night.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import attrs

from conformance.drift.rules import DRIFT_RULES, QUIET_RULES, UNUSED_SCHEMA_CHANGED
from conformance.findings import Finding, Level, sort_findings
from conformance.report import Report, Step, finding_lines, render

__all__ = ["LABELS", "Step", "drift_report", "fingerprint", "render"]

LABELS = {Level.ERROR: "breaking", Level.WARNING: "warning", Level.INFO: "info"}


def fingerprint(findings: Sequence[Finding]) -> str:
    """``drift-<16 hex>`` over contract findings, or ``none`` when there are none."""
    keys = sorted(f"{f.fingerprint}:{f.change}" for f in findings if f.rule_id not in QUIET_RULES)
    if not keys:
        return "none"
    return "drift-" + hashlib.sha256("\n".join(keys).encode()).hexdigest()[:16]


def counts(findings: Sequence[Finding]) -> dict[str, int]:
    by = Counter(f.level for f in findings)
    return {LABELS[level]: by.get(level, 0) for level in (Level.ERROR, Level.WARNING, Level.INFO)}


def _counts_text(findings: Sequence[Finding]) -> str:
    c = counts(findings)
    return f"{len(findings)} change(s): {c['breaking']} breaking, {c['warning']} warning, {c['info']} info"


def _cell(text: Any) -> str:
    if text is None:
        return ""
    return str(text).replace("|", "\\|").replace("\n", " ")


def overall_fingerprint(steps: Sequence[Step]) -> str:
    return fingerprint([f for s in steps for f in s.findings])


# -- text --------------------------------------------------------------------------------------
def _text_step(step: Step, lines: list[str], acknowledged: frozenset[str] = frozenset()) -> None:
    unused = [f for f in step.findings if f.rule_id == UNUSED_SCHEMA_CHANGED.id]
    known = [f for f in step.findings if f.fingerprint in acknowledged]
    listed = [f for f in step.findings if f.rule_id != UNUSED_SCHEMA_CHANGED.id and f.fingerprint not in acknowledged]
    for f in sort_findings(listed):
        lines += finding_lines(
            f,
            label=LABELS[f.level],
            width=8,
            evidence=False,
            details=(("direction", f.direction), ("client", f.get("client"))),
        )
    if unused:  # one line: schemas no operation uses (every change is in --format json/markdown)
        names = sorted({str(f.get("schema") or f.location) for f in unused})
        shown = ", ".join(names[:8]) + (f", … ({len(names) - 8} more)" if len(names) > 8 else "")
        lines.append(
            f"INFO     {UNUSED_SCHEMA_CHANGED.id}  {len(unused)} change(s) to component schemas no "
            f"operation uses: {shown}"
        )
    if known:
        lines.append(f"{len(known)} change(s) acknowledged in the baseline: " + ", ".join(f.rule_id for f in known))
    lines.append(_counts_text(step.findings))


def render_text(steps: Sequence[Step], title: str, acknowledged: frozenset[str] = frozenset()) -> str:
    lines = [title, f"drift fingerprint: {overall_fingerprint(steps)}"]
    for index, step in enumerate(steps, 1):
        if len(steps) > 1:
            about = f" ({step.date[:10]} {step.subject})" if step.date or step.subject else ""
            lines += ["", f"step {index}: {step.old} -> {step.new}{about}"]
        _text_step(step, lines, acknowledged)
        if step.reproduce:
            lines.append(f"reproduce: {step.reproduce}")
    if len(steps) > 1:
        lines += ["", f"{len(steps)} step(s); " + _counts_text([f for s in steps for f in s.findings])]
    return "\n".join(lines) + "\n"


# -- markdown ----------------------------------------------------------------------------------
def _md_table(findings: Sequence[Finding]) -> list[str]:
    """The findings as a table; changes to unused component schemas folded into a collapsed block after it."""
    unused = [f for f in findings if f.rule_id == UNUSED_SCHEMA_CHANGED.id]
    shown = [f for f in findings if f.rule_id != UNUSED_SCHEMA_CHANGED.id]
    out = _md_rows(shown) if shown else []
    if unused:
        out += [
            "",
            f"<details><summary>{len(unused)} change(s) to component schemas no operation uses (info)</summary>",
            "",
            *_md_rows(unused),
            "",
            "</details>",
        ]
    return out


def _md_rows(findings: Sequence[Finding]) -> list[str]:
    out = ["| level | rule | direction | where | change | client impact |", "|---|---|---|---|---|---|"]
    for f in sort_findings(findings):
        drift_rule = DRIFT_RULES.get(f.rule_id)
        change = f.message
        if f.hint and (drift_rule is None or f.hint != drift_rule.rule.fix):
            change += f" ({f.hint})"
        out.append(
            f"| {LABELS[f.level]} | `{f.rule_id}` | {_cell(f.direction)} | `{_cell(f.where)}` "
            f"| {_cell(change)} | {_cell(f.get('client'))} |"
        )
    return out


def render_markdown(steps: Sequence[Step], title: str) -> str:
    fp = overall_fingerprint(steps)
    every = [f for s in steps for f in s.findings]
    out = [
        f"<!-- drift-fingerprint: {fp} -->",
        f"## {title}",
        "",
        f"Drift fingerprint: `{fp}` · {_counts_text(every)}",
        "",
    ]
    if len(steps) == 1:
        step = steps[0]
        if step.findings:
            out += _md_table(step.findings)
        else:
            out.append("No change a client can see.")
        if step.reproduce:
            out += ["", f"Reproduce: `{step.reproduce}`"]
        return "\n".join(out) + "\n"
    out += ["| step | old | new | date | subject | breaking | warning | info |", "|---|---|---|---|---|---|---|---|"]
    for index, step in enumerate(steps, 1):
        c = counts(step.findings)
        out.append(
            f"| {index} | `{_cell(step.old)}` | `{_cell(step.new)}` | {step.date[:10]} | {_cell(step.subject)} "
            f"| {c['breaking']} | {c['warning']} | {c['info']} |"
        )
    for index, step in enumerate(steps, 1):
        if not step.findings:
            continue
        out += ["", f"### Step {index}: `{step.old}` → `{step.new}`", "", _counts_text(step.findings), ""]
        out += _md_table(step.findings)
        if step.reproduce:
            out += ["", f"Reproduce: `{step.reproduce}`"]
    return "\n".join(out) + "\n"


# -- the report --------------------------------------------------------------------------------
def drift_report(
    steps: Sequence[Step],
    title: str,
    *,
    meta: dict[str, Any] | None = None,
    acknowledged: frozenset[str] = frozenset(),
    fail_on: Level | None = Level.ERROR,
    details: dict[str, Any] | None = None,
    text_body: Callable[[Report], str] | None = None,
    markdown_body: Callable[[Report], str] | None = None,
) -> Report:
    """The steps as one report: all findings, each step's versions and counts, the drift fingerprint."""
    steps = tuple(attrs.evolve(s, fingerprint=fingerprint(s.findings)) for s in steps)
    return Report(
        command="drift",
        title=title,
        findings=tuple(f for s in steps for f in s.findings),
        acknowledged=acknowledged,
        steps=steps,
        meta={**(meta or {}), "fingerprint": overall_fingerprint(steps)},
        details=details or {},
        fail_on=fail_on,
        text_body=text_body or (lambda report: render_text(report.steps, report.title, report.acknowledged)),
        markdown_body=markdown_body or (lambda report: render_markdown(report.steps, report.title)),
    )


def render_steps(steps: Sequence[Step], fmt: str, title: str, meta: dict[str, Any] | None = None) -> str:
    """The steps' report in ``fmt``, without a baseline (for tests and library use)."""
    return render(drift_report(steps, title, meta=meta), fmt)

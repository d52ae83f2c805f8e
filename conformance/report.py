"""Render findings: terminal text, JSON, Markdown, JUnit XML. Atomic file writes.

Renderers read a list of findings and never know which check produced them.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from conformance.findings import Finding, Level, sort_findings

FORMATS = ("text", "json", "markdown")


def atomic_write(path: Path, data: str | bytes) -> None:
    """Write to a temporary file beside ``path`` and rename: never half-written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = data.encode() if isinstance(data, str) else data
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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


def render_text(findings: Sequence[Finding], title: str = "", extra_lines: Iterable[str] = ()) -> str:
    lines: list[str] = []
    if title:
        lines.append(title)
    for f in sort_findings(findings):
        lines += finding_lines(f)
    lines.extend(extra_lines)
    lines.append(counts_line(findings))
    return "\n".join(lines) + "\n"


def render_json(findings: Sequence[Finding], meta: dict[str, Any] | None = None) -> str:
    payload = {
        "meta": meta or {},
        "summary": {level.label: sum(1 for f in findings if f.level == level) for level in Level},
        "findings": [f.to_dict() for f in sort_findings(findings)],
    }
    return json.dumps(payload, indent=2, sort_keys=True) + "\n"


def _md_cell(text: str | None) -> str:
    if text is None:
        return ""
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(findings: Sequence[Finding], title: str = "Findings", extra_sections: Iterable[str] = ()) -> str:
    out = [f"## {title}", "", counts_line(findings), ""]
    if findings:
        out.append("| level | rule | where | message | expected | found |")
        out.append("|---|---|---|---|---|---|")
        for f in sort_findings(findings):
            out.append(
                f"| {f.level.label} | `{f.rule_id}` | `{_md_cell(f.where)}` | {_md_cell(f.message)} "
                f"| {_md_cell(f.expected)} | {_md_cell(f.found)} |"
            )
        reproducible = [f for f in sort_findings(findings) if f.evidence]
        if reproducible:
            out += ["", "<details><summary>Reproduce</summary>", ""]
            for f in reproducible:
                out += [f"- `{f.rule_id}` {f.where}", "", "  ```", f"  {f.evidence}", "  ```"]
            out += ["", "</details>"]
    for section in extra_sections:
        out += ["", section]
    return "\n".join(out) + "\n"


def render(findings: Sequence[Finding], fmt: str, title: str = "", meta: dict[str, Any] | None = None) -> str:
    if fmt == "json":
        return render_json(findings, meta)
    if fmt == "markdown":
        return render_markdown(findings, title or "Findings")
    return render_text(findings, title)


def render_junit(findings: Sequence[Finding], suite: str = "conformance", passed_cases: Iterable[str] = ()) -> str:
    """JUnit XML: one test case per finding (failure for error, skipped-free system-out otherwise)."""
    cases: list[str] = []
    failures = 0
    for f in sort_findings(findings):
        name = quoteattr(f"{f.rule_id} {f.where}")
        body = escape(f"{f.message}\nexpected: {f.expected}\nfound: {f.found}\nreproduce: {f.evidence or ''}")
        if f.level >= Level.ERROR:
            failures += 1
            cases.append(
                f'  <testcase classname="{suite}.{f.rule_id}" name={name}>'
                f"<failure message={quoteattr(f.message)}>{body}</failure></testcase>"
            )
        else:
            cases.append(
                f'  <testcase classname="{suite}.{f.rule_id}" name={name}><system-out>{body}</system-out></testcase>'
            )
    for case in passed_cases:
        cases.append(f'  <testcase classname="{suite}" name={quoteattr(case)}/>')
    header = (
        f'<?xml version="1.0" encoding="utf-8"?>\n<testsuite name="{suite}" tests="{len(cases)}" '
        f'failures="{failures}" errors="0">'
    )
    return "\n".join([header, *cases, "</testsuite>"]) + "\n"

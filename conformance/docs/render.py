"""The doc checks' own layout of a report: per-page findings plus the summary table, as text or Markdown.

:func:`docs_report` builds the :class:`~conformance.report.Report` that ``conformance docs`` hands to the one
writer; its JSON is the shared report schema with the catalog summary and the pages under ``details``.
The Markdown form is meant to be pasted into an issue: a summary table, the
skipped pages with their reason, findings by rule, then one collapsible section
per page with findings. Output depends only on the results (no timings, no
absolute temporary paths), so the same input gives the same report.
"""

from __future__ import annotations

from typing import Any

from conformance.docs.catalog import CatalogResult
from conformance.docs.check import PageResult
from conformance.findings import Finding, Level, sort_findings
from conformance.report import Report, counts_line, finding_lines, render

__all__ = ["docs_report", "render_docs"]


def _cell(text: str | None) -> str:
    return "" if text is None else text.replace("|", "\\|").replace("\n", " ")


def _line_of(finding: Finding) -> str:
    _, _, line = finding.location.rpartition(":")
    return line if line.isdigit() else ""


def _page_counts(page: PageResult) -> str:
    parts = [
        f"{page.count(level)} {level.label}" for level in (Level.ERROR, Level.WARNING, Level.INFO) if page.count(level)
    ]
    return ", ".join(parts) if parts else "clean"


def _summary_rows(result: CatalogResult) -> list[tuple[str, str]]:
    s = result.summary()
    by_level = s["findings_by_level"]
    return [
        ("pages", str(s["pages"])),
        ("validated against a spec", str(s["validated"])),
        ("unresolved (spec link does not resolve)", str(s["unresolved"])),
        ("skipped (nothing to check)", str(s["skipped"])),
        ("pages with errors", str(s["pages_with_errors"])),
        ("clean pages", str(s["pages_clean"])),
        (
            "findings",
            f"{s['findings']} ({by_level['error']} error, {by_level['warning']} warning, {by_level['info']} info)",
        ),
    ]


def render_text(result: CatalogResult, title: str, acknowledged: frozenset[str] = frozenset()) -> str:
    out: list[str] = [title, ""] if title else []
    for page in result.pages:
        if not page.findings:
            continue  # clean and skipped pages are counted (and skipped ones listed) in the summary
        head = f"{page.page}: {_page_counts(page)}"
        if page.skipped_reason:
            head += f" (skipped: {page.skipped_reason})"
        out.append(head)
        for f in sort_findings(page.findings):
            if f.fingerprint in acknowledged:
                out.append(f"  (acknowledged in the baseline) {f.rule_id}  {f.where}")
            else:
                out += finding_lines(f, indent="  ", evidence=False)
        out.append("")
    s = result.summary()
    out.append("Summary")
    width = max(len(k) for k, _ in _summary_rows(result))
    out += [f"  {key:<{width}}  {value}" for key, value in _summary_rows(result)]
    if s["unresolved_by_reason"]:
        out.append("  unresolved pages (nothing on them was validated):")
        out += [f"    {page.page}: {page.unresolved_kind}" for page in result.unresolved]
    if s["skipped_by_reason"]:
        out.append("  skipped pages:")
        out += [f"    {page.page}: {page.skipped_reason}" for page in result.skipped]
    if s["findings_by_rule"]:
        out.append("  findings by rule:")
        rule_width = max(len(r) for r in s["findings_by_rule"])
        out += [
            f"    {rule:<{rule_width}}  {info['level']:<7}  {info['count']}"
            for rule, info in s["findings_by_rule"].items()
        ]
    out.append(counts_line(result.findings))
    return "\n".join(out) + "\n"


def render_markdown(result: CatalogResult, title: str) -> str:
    s = result.summary()
    out = [f"## {title}", "", "| | |", "|---|---|"]
    out += [f"| {key} | {value} |" for key, value in _summary_rows(result)]
    if s["findings_by_rule"]:
        out += ["", "### Findings by rule", "", "| rule | level | count |", "|---|---|---|"]
        out += [f"| `{rule}` | {info['level']} | {info['count']} |" for rule, info in s["findings_by_rule"].items()]
    if result.unresolved:
        out += [
            "",
            "### Unresolved pages (nothing on them was validated)",
            "",
            "| page | why | first message |",
            "|---|---|---|",
        ]
        out += [
            f"| `{_cell(p.page)}` | {_cell(p.unresolved_kind)} | {_cell(p.unresolved_reason)} |"
            for p in result.unresolved
        ]
    if result.skipped:
        out += ["", "### Skipped pages", "", "| page | reason |", "|---|---|"]
        out += [f"| `{_cell(p.page)}` | {_cell(p.skipped_reason)} |" for p in result.skipped]
    with_findings = [p for p in result.pages if p.findings]
    if with_findings:
        out += ["", "### Findings per page"]
        for page in with_findings:
            out += [
                "",
                f"<details><summary><code>{page.page}</code>: {_page_counts(page)}</summary>",
                "",
                "| line | level | rule | pointer | message | expected | found |",
                "|---|---|---|---|---|---|---|",
            ]
            for f in sort_findings(page.findings):
                pointer = f"`{_cell(f.pointer)}`" if f.pointer else ""
                out.append(
                    f"| {_line_of(f)} | {f.level.label} | `{f.rule_id}` | {pointer} | {_cell(f.message)} "
                    f"| {_cell(f.expected)} | {_cell(f.found)} |"
                )
            out += ["", "</details>"]
    out += ["", counts_line(result.findings)]
    return "\n".join(out) + "\n"


def docs_report(
    result: CatalogResult,
    title: str,
    *,
    acknowledged: frozenset[str] = frozenset(),
    fail_on: Level | None = Level.ERROR,
    meta: dict[str, Any] | None = None,
) -> Report:
    """The doc checks as a report: findings, the catalog summary and the pages (JSON ``details``)."""
    return Report(
        command="docs",
        title=title,
        findings=tuple(result.findings),
        acknowledged=acknowledged,
        fail_on=fail_on,
        meta={"root": result.root, **(meta or {})},
        details={"catalog": result.summary(), "pages": [page.to_dict() for page in result.pages]},
        text_body=lambda report: render_text(result, report.title, report.acknowledged),
        markdown_body=lambda report: render_markdown(result, report.title),
    )


def render_docs(result: CatalogResult, fmt: str, title: str, meta: dict[str, Any] | None = None) -> str:
    """The report of ``result`` in ``fmt``, without a baseline (for tests and library use)."""
    return render(docs_report(result, title, meta=meta), fmt)

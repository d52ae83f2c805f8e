"""The example response of doc pages, validated against the pinned spec pair (published and normalised).

``conformance run`` hands the pages it checks (:class:`~conformance.inputs.DocPages`) and its specs here and
adds the findings to the run's report.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conformance.docs.rules import EXAMPLE_SCHEMA, EXAMPLE_UNDOCUMENTED, EXAMPLE_UNPARSABLE
from conformance.findings import Finding
from conformance.inputs import DocPages, SpecPair
from conformance.locations import DocLine
from conformance.oas import Validator, undocumented_fields

OPERATION = ("/v1/chat/completions", "post")


def _schema(spec: dict[str, Any]) -> Any:
    path, method = OPERATION
    return spec["paths"][path][method]["responses"]["200"]["content"]["application/json"]["schema"]


def documented_example_findings(page: str, published: dict[str, Any], normalised: dict[str, Any]) -> list[Finding]:
    from conformance.docs import example_response

    location = Path(page).name
    try:
        example: Any = example_response(Path(page))
    except Exception as exc:  # any failure to read the example is what the finding reports
        return [EXAMPLE_UNPARSABLE.finding(DocLine(location), f"the example response cannot be read: {exc}")]
    if example is None:
        return [EXAMPLE_UNPARSABLE.finding(DocLine(location), "the page has no example response")]
    validator = Validator(_schema(published), published)
    normalised_ok = Validator(_schema(normalised), normalised).is_valid(example)
    findings: list[Finding] = []
    for v in validator.explain(example):
        findings.append(
            EXAMPLE_SCHEMA.finding(
                DocLine(location, None, v.path or "/"),
                f"example response vs published 200 schema: {v.text}",
                expected=v.expected,
                found=v.found,
                normalised_accepts=normalised_ok,
                extra={"keyword": v.schema_path.rsplit("/", 1)[-1]},
            )
        )
    for pointer in sorted(set(undocumented_fields(validator.oas_schema, example))):
        findings.append(
            EXAMPLE_UNDOCUMENTED.finding(
                DocLine(location, None, pointer),
                f"example response has {pointer}, which the 200 schema does not document",
                expected="only documented members",
                found=pointer.rsplit("/", 1)[-1],
            )
        )
    return findings


def doc_page_findings(pages: DocPages, specs: SpecPair) -> list[Finding]:
    """The findings of every page's example response against the pair."""
    out: list[Finding] = []
    for page in pages.pages:
        out.extend(documented_example_findings(page.path, specs.published, specs.normalised))
    return out

"""Check one doc page against the specs it embeds.

For every API-schema block the operation is looked up in the linked spec; then,
in page order, each code sample's request (URL, method, body) is checked against
the operation it calls and compared with the spec's ``x-codeSamples``, and each
example response against the 200 application/json schema of the operation the
samples before it call. The model list is checked against the request ``model``
enum both ways. Every problem is a :class:`~conformance.findings.Finding` with
``page:line`` and a JSON pointer; nothing on a page can crash the run.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import attrs

from conformance.docs import rules
from conformance.docs.checker import _Checker, _Slot
from conformance.docs.example_check import check_example
from conformance.docs.model_check import check_models
from conformance.docs.page import CodeBlock, PageReadError, parse_page, read_page
from conformance.docs.sample_check import check_sample
from conformance.docs.spec_refs import resolve_operation
from conformance.docs.specs import SpecStore, Upstream
from conformance.findings import Finding, Level

__all__ = ["PageResult", "check_page", "check_text"]

SKIP_NO_SPEC = "no API-schema block ({% openapi-operation %} or {% swagger %})"
SKIP_EMPTY = "the page is empty"
UNRESOLVED_KINDS = {
    rules.SPEC_UNAVAILABLE.id: "the linked spec does not exist or cannot be fetched",
    rules.SPEC_REF_INVALID.id: "the API-schema block names no usable spec link, path or method",
    rules.SPEC_INVALID.id: "the linked spec is not a usable OpenAPI document",
    rules.OPERATION_MISSING.id: "the linked spec has no such operation",
}


@attrs.frozen
class PageResult:
    """The outcome for one page: its findings, or why it was skipped, and what was checked."""

    page: str
    path: str
    findings: tuple[Finding, ...] = ()
    skipped_reason: str | None = None
    operations: tuple[str, ...] = ()
    samples: int = 0
    examples: int = 0
    models: tuple[str, ...] = ()
    #: the page has API-schema blocks but none names a spec operation that could be loaded: why
    unresolved_reason: str | None = None
    unresolved_kind: str | None = None

    @property
    def checked(self) -> bool:
        return self.skipped_reason is None

    @property
    def status(self) -> str:
        """``validated`` (checked against a spec), ``unresolved`` (its spec link does not resolve) or ``skipped``."""
        if self.skipped_reason is not None:
            return "skipped"
        return "unresolved" if self.unresolved_reason is not None else "validated"

    @property
    def has_errors(self) -> bool:
        return any(f.level >= Level.ERROR for f in self.findings)

    def count(self, level: Level) -> int:
        return sum(1 for f in self.findings if f.level == level)

    def to_dict(self) -> dict[str, Any]:
        return {
            "page": self.page,
            "path": self.path,
            "skipped_reason": self.skipped_reason,
            "status": self.status,
            "unresolved_reason": self.unresolved_reason,
            "operations": list(self.operations),
            "samples": self.samples,
            "examples": self.examples,
            "models": list(self.models),
            "counts": {level.label: self.count(level) for level in (Level.ERROR, Level.WARNING, Level.INFO)},
        }


def check_page(
    path: str | Path,
    *,
    store: SpecStore | None = None,
    upstream: Upstream | None = None,
    catalog_root: str | Path | None = None,
    display: str | None = None,
) -> PageResult:
    """Check the page file at ``path``; ``display`` is how locations name it (default: the path as given).

    Specs are loaded through ``store``, or a store made here from ``upstream`` (the load layer's
    ``UpstreamFiles``, handed over by the CLI) and the catalog root.
    """
    page_path = Path(path)
    shown = display or str(path)
    if store is None:
        if upstream is None:
            raise ValueError("check_page needs a store or an upstream to read linked specs through")
        store = SpecStore(upstream, catalog_root=Path(catalog_root) if catalog_root else None)
    try:
        text = read_page(page_path)
    except PageReadError as exc:
        finding = rules.PAGE_UNREADABLE.finding(f"{shown}:1", f"{shown}: {exc}")
        return PageResult(
            page=shown, path=str(page_path), findings=(finding,), skipped_reason=f"the page cannot be read ({exc})"
        )
    return check_text(text, path=page_path, display=shown, store=store)


def check_text(text: str, *, path: Path, display: str, store: SpecStore) -> PageResult:
    """Check page ``text`` (read from ``path``, which relative spec links are resolved against)."""
    try:
        return _run(_Checker(parse_page(text, str(path), display), store, path))
    except Exception as exc:  # a bug must not end a catalog run: report it as a finding
        where = traceback.extract_tb(exc.__traceback__)[-1]
        finding = rules.INTERNAL_ERROR.finding(
            f"{display}:1",
            f"checking the page failed: {type(exc).__name__}: {exc}",
            evidence=f"{Path(where.filename).name}:{where.lineno}",
        )
        return PageResult(
            page=display,
            path=str(path),
            findings=(finding,),
            unresolved_kind="the check failed",
            unresolved_reason=finding.message,
        )


def _run(checker: _Checker) -> PageResult:
    page = checker.page
    for problem in page.problems:
        checker.add(rules.TAG_INVALID, problem.line, f"line {problem.line} column {problem.column}: {problem.message}")
    models = tuple(m.id for m in page.models)
    if not page.spec_refs:
        reason = SKIP_EMPTY if not page.text.strip() else SKIP_NO_SPEC
        return PageResult(
            page=page.display, path=page.path, findings=tuple(checker.findings), skipped_reason=reason, models=models
        )
    for ref in page.spec_refs:
        checker.slots.append(_Slot(ref, resolve_operation(checker, ref)))
    check_models(checker)
    current: _Slot | None = None
    events: list[tuple[int, int, CodeBlock]] = [(s.line, 0, s) for s in page.samples]
    events += [(e.line, 1, e) for e in page.examples]
    for _, kind, block in sorted(events, key=lambda e: (e[0], e[1])):
        if kind == 0:
            slot = check_sample(checker, block)
            if slot is not None:
                current = slot
        else:
            target = current if current is not None else next((s for s in checker.slots if s.op), None)
            check_example(checker, block, target)
    operations = tuple(
        f"{slot.ref.label()} ({slot.op.spec.display})" if slot.op else f"{slot.ref.label()} (not loaded)"
        for slot in checker.slots
    )
    why, unresolved = _unresolved(checker)
    return PageResult(
        page=page.display,
        path=page.path,
        findings=tuple(checker.findings),
        operations=operations,
        samples=len(page.samples),
        examples=len(page.examples),
        models=models,
        unresolved_reason=unresolved,
        unresolved_kind=why,
    )


def _unresolved(checker: _Checker) -> tuple[str | None, str | None]:
    """When no API-schema block resolved to an operation: the kind of failure and the first message."""
    if any(slot.op is not None for slot in checker.slots):
        return None, None
    for f in checker.findings:
        kind = UNRESOLVED_KINDS.get(f.rule_id)
        if kind is not None:
            return kind, f.message
    return "the spec could not be used", "no API-schema block resolved to an operation"


def pages_with_errors(results: Iterable[PageResult]) -> int:
    return sum(1 for r in results if r.has_errors)

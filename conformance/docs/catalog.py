"""Catalog mode: check every page under a directory, in parallel across processes.

Pages are distributed over a ``fork`` pool (each worker loads a spec once and
compiles each schema once); results come back as :class:`PageResult` values and
are sorted by page, so the report is the same whatever the number of jobs. A
broken file anywhere is a finding for its page and the run goes on.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import attrs

from conformance.docs.check import PageResult, check_page
from conformance.docs.specs import SpecStore, Upstream
from conformance.findings import Finding, Level

__all__ = ["CatalogResult", "check_catalog", "check_pages", "discover_pages"]

PAGE_SUFFIXES = (".md",)
_IGNORED_DIRS = {".git", "node_modules", ".gitbook", "__pycache__"}


@attrs.frozen
class CatalogResult:
    """Every page's result, sorted by page, plus the summary figures."""

    root: str | None
    pages: tuple[PageResult, ...]
    jobs: int = 1

    @property
    def findings(self) -> list[Finding]:
        return [f for page in self.pages for f in page.findings]

    @property
    def checked(self) -> list[PageResult]:
        return [p for p in self.pages if p.checked]

    @property
    def skipped(self) -> list[PageResult]:
        return [p for p in self.pages if not p.checked]

    @property
    def validated(self) -> list[PageResult]:
        """Pages checked against a spec (at least one API-schema block resolved to an operation)."""
        return [p for p in self.pages if p.status == "validated"]

    @property
    def unresolved(self) -> list[PageResult]:
        """Pages with API-schema blocks whose spec link does not resolve: nothing was validated."""
        return [p for p in self.pages if p.status == "unresolved"]

    def summary(self) -> dict[str, Any]:
        findings = self.findings
        by_rule = Counter(f.rule_id for f in findings)
        levels = {f.rule_id: f.level for f in findings}
        reasons = Counter(p.skipped_reason for p in self.skipped)
        unresolved = Counter(p.unresolved_kind for p in self.unresolved)
        return {
            "pages": len(self.pages),
            "validated": len(self.validated),
            "unresolved": len(self.unresolved),
            "unresolved_by_reason": dict(sorted((str(k), v) for k, v in unresolved.items())),
            "checked": len(self.checked),  # validated + unresolved: pages with an API-schema block
            "skipped": len(self.skipped),
            "skipped_by_reason": dict(sorted((str(k), v) for k, v in reasons.items())),
            "pages_with_errors": sum(1 for p in self.pages if p.has_errors),
            "pages_clean": sum(1 for p in self.validated if not p.findings),
            "findings": len(findings),
            "findings_by_level": {
                level.label: sum(1 for f in findings if f.level == level)
                for level in (Level.ERROR, Level.WARNING, Level.INFO)
            },
            "findings_by_rule": {
                rule: {"level": levels[rule].label, "count": count}
                for rule, count in sorted(by_rule.items(), key=lambda kv: (-levels[kv[0]], kv[0]))
            },
        }


def discover_pages(root: Path) -> list[Path]:
    """Every Markdown page under ``root`` (hidden and vendor folders skipped), sorted."""
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in _IGNORED_DIRS and not d.startswith("."))
        for name in filenames:
            if name.endswith(PAGE_SUFFIXES):
                found.append(Path(dirpath) / name)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


# -- worker side ------------------------------------------------------------------------------------------
_STORE: SpecStore | None = None


def _make_store(catalog_root: str | None, upstream: Upstream) -> SpecStore:
    return SpecStore(upstream, catalog_root=Path(catalog_root) if catalog_root else None)


def _init_worker(catalog_root: str | None, upstream: Upstream) -> None:
    global _STORE
    _STORE = _make_store(catalog_root, upstream)


def _work(task: tuple[str, str]) -> PageResult:
    path, display = task
    assert _STORE is not None
    return check_page(path, store=_STORE, display=display)


def check_pages(
    tasks: Sequence[tuple[str, str]],
    *,
    upstream: Upstream,
    catalog_root: str | None = None,
    jobs: int | None = None,
    on_result: Callable[[PageResult], None] | None = None,
) -> tuple[list[PageResult], int]:
    """Check ``(path, display)`` pages with ``jobs`` processes (default: CPU count); results sorted by display."""
    jobs = max(1, jobs or os.cpu_count() or 1)
    jobs = min(jobs, len(tasks)) if tasks else 1
    results: list[PageResult] = []
    if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
        store = _make_store(catalog_root, upstream)
        for path, display in tasks:
            result = check_page(path, store=store, display=display)
            results.append(result)
            if on_result:
                on_result(result)
        jobs = 1
    else:
        context = multiprocessing.get_context("fork")
        # heavy pages first, small chunks: the slowest worker finishes last by as little as possible
        ordered = sorted(tasks, key=lambda t: -_size(t[0]))
        chunk = max(1, len(ordered) // (jobs * 8))
        sys.stdout.flush()
        sys.stderr.flush()
        with context.Pool(jobs, initializer=_init_worker, initargs=(catalog_root, upstream)) as pool:
            for result in pool.imap_unordered(_work, ordered, chunksize=chunk):
                results.append(result)
                if on_result:
                    on_result(result)
    results.sort(key=lambda r: r.page)
    return results, jobs


def _size(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def check_catalog(
    root: str | Path,
    *,
    upstream: Upstream,
    jobs: int | None = None,
    progress: bool = False,
) -> CatalogResult:
    """Check every page under ``root``; a tqdm progress bar on stderr when ``progress``."""
    base = Path(root).resolve()
    pages = discover_pages(base)
    tasks = [(str(p), p.relative_to(base).as_posix()) for p in pages]
    bar: Any = None
    if progress:
        from tqdm import tqdm

        tqdm.monitor_interval = 0  # no monitor thread: the pool forks right after
        bar = tqdm(total=len(tasks), unit="page", file=sys.stderr, desc="doc checks", leave=False)

    def tick(result: PageResult) -> None:
        if bar is not None:
            bar.update(1)

    try:
        results, used = check_pages(tasks, upstream=upstream, catalog_root=str(base), jobs=jobs, on_result=tick)
    finally:
        if bar is not None:
            bar.close()
    return CatalogResult(root=str(base), pages=tuple(results), jobs=used)

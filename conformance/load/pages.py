"""Which doc pages a run checks: the pages pinned in ``spec/lock.json`` and the local ones named with ``--doc-page``.

The pinned pages (``doc_pages``: repository, path, commit, sha256) are fetched like the spec (mirror or raw
URL, verified, cached). Every run says which pages were checked, or why none was.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from conformance import paths
from conformance.errors import ToolError, UsageError
from conformance.inputs import DocPage, DocPages
from conformance.load.fetch import Fetcher, Lock, pinned_bytes


def resolve(local: Sequence[str], *, pinned: bool, fetcher: Callable[[], Fetcher]) -> DocPages:
    """The pinned pages (unless ``pinned`` is False) and the local ones; a missing local page is a usage error."""
    pages: list[DocPage] = []
    why_not: list[str] = []
    if pinned:
        lock = Lock.load(paths.lock_path())
        if not lock.doc_pages:
            why_not.append(f"no doc page is pinned in {paths.lock_path()} (doc_pages)")
        try:
            source = fetcher()
            for pin in lock.doc_pages:
                cached, _ = pinned_bytes(source, pin)
                pages.append(DocPage(str(cached), f"pinned {pin.repo}@{pin.commit[:12]}"))
        except ToolError as exc:
            why_not.append(f"the pinned doc page could not be fetched: {exc.message}")
    else:
        why_not.append("pinned doc pages turned off (--no-pinned-doc-pages)")
    for page in local:
        path = Path(page)
        if not path.is_file():
            raise UsageError(
                f"--doc-page {page}: expected a doc page file, found "
                + ("a directory" if path.is_dir() else "no such file")
            )
        pages.append(DocPage(str(path.resolve()), "--doc-page"))
    return DocPages(tuple(pages), tuple(why_not))

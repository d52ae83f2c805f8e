"""The doc pages a run checks: pinned ones through the fetcher, local ones by path; always said which, or why none."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.inputs import DocPage, DocPages
from conformance.load.fetch import Fetcher
from conformance.load.pages import resolve


def test_a_missing_local_doc_page_is_a_usage_error(tmp_path: Path) -> None:
    from conformance.errors import UsageError

    with pytest.raises(UsageError, match="no such file"):
        resolve([str(tmp_path / "absent.md")], pinned=False, fetcher=Fetcher)


def test_the_run_says_which_pages_were_checked_or_why_none_was(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# a page\n")
    local = resolve([str(page)], pinned=False, fetcher=Fetcher)
    assert local.pages == (DocPage(str(page.resolve()), "--doc-page"),)
    assert local.describe() == (
        "doc pages checked: page.md (--doc-page); pinned doc pages turned off (--no-pinned-doc-pages)"
    )
    assert DocPages(why_not=("no doc page was asked for",)).describe() == (
        "no doc page checked; no doc page was asked for"
    )


def test_an_unreachable_pinned_page_is_said_not_hidden(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    empty = tmp_path / "mirror"
    empty.mkdir()
    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    pages = resolve([], pinned=True, fetcher=lambda: Fetcher(mirror=empty))
    assert pages.pages == ()
    assert pages.describe().startswith(
        "no doc page checked; the pinned doc page could not be fetched: mirror: expected aimlapi/api-docs/"
    )


def test_the_pinned_page_resolves_through_the_fetcher(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from upstream_data import pinned_mirror

    monkeypatch.setenv("CONFORMANCE_CACHE", str(tmp_path / "cache"))
    pages = resolve([], pinned=True, fetcher=lambda: Fetcher(mirror=pinned_mirror()))
    assert [p.name for p in pages.pages] == ["gpt-5.2.md"]
    assert pages.pages[0].origin.startswith("pinned aimlapi/api-docs@d37e2e6f9ad4")
    assert Path(pages.pages[0].path).is_relative_to(tmp_path / "cache")

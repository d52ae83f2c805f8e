"""Catalog mode on a small mirror written here: parallel = sequential, broken files, history, reports."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from report_schema import assert_valid_report

from conformance.docs import check_catalog, check_page
from conformance.docs.render import render_docs
from conformance.findings import Level

from .conftest import DATA, upstream

NEW, OLD, PAGE_COMMIT, MAIN = "a" * 40, "b" * 40, "c" * 40, "d" * 40
LINK = "https://raw.githubusercontent.com/acme/docs/refs/heads/main/specs/chat.json"

STALE_PAGE = f"""# Stale

{{% openapi-operation spec="chat" path="/v1/chat/completions" method="post" %}}
[OpenAPI chat]({LINK})
{{% endopenapi-operation %}}

<summary>Response</summary>

```json5
{{
  'id': 'chatcmpl-1',
  'object': 'chat.completion',
  'created': 'yesterday',
  'choices': [],
}}
```
"""


def _spec(require_usage: bool) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((DATA / "chat.json").read_text())
    if require_usage:
        spec = copy.deepcopy(spec)
        spec["components"]["schemas"]["Completion"]["required"].append("usage")
    return spec


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    """``<mirror>/acme/docs/{main,<old sha>}`` with an INDEX.json, laid out like ../shared/upstream."""
    repo = tmp_path / "mirror" / "acme" / "docs"
    main = repo / "main"
    (main / "specs").mkdir(parents=True)
    (repo / OLD / "specs").mkdir(parents=True)
    (main / "specs" / "chat.json").write_text(json.dumps(_spec(True)))
    (repo / OLD / "specs" / "chat.json").write_text(json.dumps(_spec(False)))
    pages = main / "docs" / "pages"
    pages.mkdir(parents=True)
    (pages / "stale.md").write_text(STALE_PAGE)
    (pages / "overview.md").write_text("# Overview\n\nNo API here.\n")
    (pages / "latin1.md").write_bytes(b"# caf\xe9\n")
    (pages / "missing.md").write_text(STALE_PAGE.replace("specs/chat.json", "Specs/chat.json"))
    for name in ("clean.md", "models.md", "sample_body.md"):
        text = (DATA / name).read_text().replace("./chat.json", LINK)
        (pages / name).write_text(text)
    (main / ".git").mkdir()
    (main / ".git" / "ignored.md").write_text("not a page")
    index = {
        "repository": "acme/docs",
        "main": MAIN,
        "files": {
            "specs/chat.json": {
                "versions_newest_first": [
                    {"commit": NEW, "date": "2026-04-22T23:19:30+04:00", "subject": "feat: usage is required"},
                    {"commit": OLD, "date": "2026-01-16T16:39:06+04:00", "subject": "feat: first spec"},
                ]
            },
            "docs/pages/stale.md": {
                "versions_newest_first": [
                    {"commit": PAGE_COMMIT, "date": "2026-03-03T09:43:23+00:00", "subject": "docs: add the page"}
                ]
            },
        },
    }
    (repo / "INDEX.json").write_text(json.dumps(index))
    return main


def _digest(result: Any) -> list[tuple[str, str | None, list[tuple[str, str, str, str]]]]:
    return [
        (p.page, p.skipped_reason, [(f.rule_id, f.location, f.pointer, f.message) for f in p.findings])
        for p in result.pages
    ]


def test_parallel_and_sequential_runs_agree(catalog: Path, offline: None) -> None:
    one = check_catalog(catalog, upstream=upstream(), jobs=1)
    two = check_catalog(catalog, upstream=upstream(), jobs=2)
    assert (one.jobs, two.jobs) == (1, 2)
    assert _digest(one) == _digest(two)
    assert [p.page for p in one.pages] == [
        "docs/pages/clean.md",
        "docs/pages/latin1.md",
        "docs/pages/missing.md",
        "docs/pages/models.md",
        "docs/pages/overview.md",
        "docs/pages/sample_body.md",
        "docs/pages/stale.md",
    ]


def test_summary_figures(catalog: Path, offline: None) -> None:
    result = check_catalog(catalog, upstream=upstream(), jobs=2)
    summary = result.summary()
    assert {
        k: summary[k] for k in ("pages", "validated", "unresolved", "skipped", "pages_with_errors", "pages_clean")
    } == {"pages": 7, "validated": 4, "unresolved": 1, "skipped": 2, "pages_with_errors": 5, "pages_clean": 1}
    assert summary["checked"] == 5, "pages with an API-schema block: validated + unresolved"
    assert summary["unresolved_by_reason"] == {"the linked spec does not exist or cannot be fetched": 1}
    assert summary["skipped_by_reason"] == {
        "no API-schema block ({% openapi-operation %} or {% swagger %})": 1,
        "the page cannot be read (expected UTF-8 text, found an undecodable byte at line 1 (offset 5))": 1,
    }
    assert [p.page for p in result.unresolved] == ["docs/pages/missing.md"]
    assert {rule: v["count"] for rule, v in summary["findings_by_rule"].items()} == {
        "doc-example-schema": 1,
        "doc-model-not-in-spec": 1,
        "doc-page-unreadable": 1,
        "doc-sample-body-schema": 4,
        "doc-spec-unavailable": 1,
        "doc-example-stale": 1,
        "doc-model-not-on-page": 1,
        "doc-sample-body-undocumented": 1,
        "doc-sample-differs-from-spec": 2,
        "doc-sample-model-unlisted": 1,
        "doc-sample-not-in-spec": 1,
    }


def test_stale_example_is_a_warning_naming_the_spec_change(catalog: Path) -> None:
    result = check_page(
        catalog / "docs" / "pages" / "stale.md", upstream=upstream(), catalog_root=catalog, display="stale.md"
    )
    by_rule = {f.rule_id: f for f in result.findings}
    assert sorted(by_rule) == ["doc-example-schema", "doc-example-stale"]
    stale = by_rule["doc-example-stale"]
    assert (stale.level, stale.location, stale.pointer) == (Level.WARNING, "stale.md:10", "/usage")
    assert stale.message == (
        'the response example lacks the required property "usage" (the 200 response schema of POST '
        "/v1/chat/completions); it matched specs/chat.json as of the page's last edit (2026-03-03, ccccccc); "
        'the spec changed since: aaaaaaa (2026-04-22, "feat: usage is required")'
    )
    assert stale.evidence == NEW
    # a violation the example always had stays an error
    error = by_rule["doc-example-schema"]
    assert (error.level, error.location, error.pointer) == (Level.ERROR, "stale.md:13", "/created")


def test_missing_spec_hints_at_the_case_of_the_folder(catalog: Path) -> None:
    result = check_page(
        catalog / "docs" / "pages" / "missing.md", upstream=upstream(), catalog_root=catalog, display="missing.md"
    )
    (finding,) = result.findings
    assert finding.rule_id == "doc-spec-unavailable"
    assert finding.hint == f"{catalog / 'specs' / 'chat.json'} exists: the folder's case differs"


def test_reports_in_three_formats(catalog: Path, offline: None) -> None:
    result = check_catalog(catalog, upstream=upstream(), jobs=1)
    text = render_docs(result, "text", "Doc checks: x")
    assert text.startswith("Doc checks: x\n\ndocs/pages/latin1.md: 1 error (skipped: the page cannot be read ")
    assert (
        "Summary\n  pages                                    7\n  validated against a spec                 4\n"
        "  unresolved (spec link does not resolve)  1\n  skipped (nothing to check)               2\n"
    ) in text
    assert "  unresolved pages (nothing on them was validated):\n    docs/pages/missing.md: the linked spec" in text
    assert "    docs/pages/overview.md: no API-schema block" in text
    assert text.endswith("15 finding(s): 8 error, 6 warning, 1 info\n")
    markdown = render_docs(result, "markdown", "Doc checks: x")
    assert markdown.startswith(
        "## Doc checks: x\n\n| | |\n|---|---|\n| pages | 7 |\n| validated against a spec | 4 |\n"
        "| unresolved (spec link does not resolve) | 1 |\n"
    )
    assert "### Unresolved pages (nothing on them was validated)" in markdown
    assert "| `doc-sample-body-schema` | error | 4 |" in markdown
    assert "| `docs/pages/overview.md` | no API-schema block ({% openapi-operation %} or {% swagger %}) |" in markdown
    assert "<details><summary><code>docs/pages/stale.md</code>: 1 error, 1 warning</summary>" in markdown
    assert "| 10 | warning | `doc-example-stale` | `/usage` |" in markdown
    data = json.loads(render_docs(result, "json", "Doc checks: x"))
    assert_valid_report(data)
    assert data["summary"] | {"error": 8, "warning": 6, "info": 1} == data["summary"]
    details = data["details"]
    assert details["catalog"]["pages"] == 7 and len(details["pages"]) == 7 and len(data["findings"]) == 15
    assert render_docs(result, "json", "Doc checks: x") == render_docs(
        check_catalog(catalog, upstream=upstream(), jobs=2), "json", "Doc checks: x"
    )


def test_progress_bar_goes_to_stderr(catalog: Path, capsys: pytest.CaptureFixture[str]) -> None:
    check_catalog(catalog, upstream=upstream(), jobs=1, progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "doc checks:" in err and "0/7" in err


def test_a_sub_folder_of_a_mirror_is_a_catalog_too(catalog: Path, offline: None) -> None:
    whole = {
        p.page.removeprefix("docs/"): p.findings
        for p in check_catalog(catalog, upstream=upstream(), jobs=1).pages
        if p.page.startswith("docs/")
    }
    part = check_catalog(catalog / "docs", upstream=upstream(), jobs=1)
    assert [p.page for p in part.pages] == [
        f"pages/{n}"
        for n in ("clean.md", "latin1.md", "missing.md", "models.md", "overview.md", "sample_body.md", "stale.md")
    ]
    for page in part.pages:
        assert [(f.rule_id, f.pointer) for f in page.findings] == [(f.rule_id, f.pointer) for f in whole[page.page]]

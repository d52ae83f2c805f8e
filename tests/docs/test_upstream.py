"""End to end on ../shared: the seed page, gpt-5.2.md, and the whole catalog at main (figures checked by hand).

The catalog figures were verified independently of the checker (a grep-level
script over the mirror): 57 pages, 3 without an API-schema block; 44 blocks link a
spec file that is not in the repository, 3 links GitBook marks broken; 3
JavaScript samples call /v1/chat/completions on pages that embed only
/v1/responses; 5 samples call a model the page does not list (gpt-5.6-*: ``-pro``
added); 1 example is not JSON (gpt-4.1-nano.md: "move exampes up for openai{...");
7 checked pages have no error: chatgpt-4o, gpt-4o-mini-search-preview,
gpt-4o-search-preview, gpt-5.2-chat-latest, gpt-5.2, gpt-oss-120b, gpt-oss-20b.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conformance.cli import main
from conformance.docs import check_catalog, check_page
from conformance.findings import Level

from .conftest import CATALOG, LLM, SEED, upstream


def test_seed_page_reports_the_image_response_and_the_two_unknown_models(
    mirror: Path, monkeypatch: pytest.MonkeyPatch, offline: None
) -> None:
    monkeypatch.setenv("SPEC_MIRROR", str(mirror))
    result = check_page(SEED, upstream=upstream(), display="seed.txt")
    assert sorted((f.rule_id, f.level.label, f.location, f.pointer) for f in result.findings) == [
        ("doc-example-schema", "error", "seed.txt:134", "/choices"),
        ("doc-example-schema", "error", "seed.txt:136", "/object"),
        ("doc-example-undocumented-field", "warning", "seed.txt:139", "/data"),
        ("doc-model-not-in-spec", "error", "seed.txt:10", "/model"),
        ("doc-model-not-in-spec", "error", "seed.txt:9", "/model"),
    ]
    models = sorted(f.found for f in result.findings if f.rule_id == "doc-model-not-in-spec")
    assert models == ["openai/gpt-5-2-chat-latest", "openai/gpt-5-2-pro"]
    obj = next(f for f in result.findings if f.pointer == "/object")
    assert obj.message == (
        'the response example has /object = "image"; the schema allows only "chat.completion" (the 200 response '
        "schema of POST /v1/chat/completions); the example looks like an image-generation result "
        '(object "image", data[].url), not this operation\'s response'
    )
    # the normalised spec (declared corrections) does not excuse an image for a chat completion
    assert obj.normalised_accepts is False


def test_seed_page_cli_exits_1_listing_the_findings(
    mirror: Path, capsys: pytest.CaptureFixture[str], offline: None
) -> None:
    assert main(["docs", str(SEED), "--mirror", str(mirror)]) == 1
    out, _ = capsys.readouterr()
    for needle in (
        "doc-example-schema",
        'has /object = "image"',
        'lacks the required property "choices"',
        "openai/gpt-5-2-chat-latest",
        "openai/gpt-5-2-pro",
        "4 error, 1 warning",
    ):
        assert needle in out


def test_gpt_5_2_page_real_example_passes(mirror: Path, capsys: pytest.CaptureFixture[str], offline: None) -> None:
    page = CATALOG / LLM / "openai" / "gpt-5.2.md"
    assert main(["docs", str(page), "--mirror", str(mirror), "--fail-on", "error"]) == 0
    capsys.readouterr()
    result = check_page(page, upstream=upstream(), catalog_root=CATALOG, display="gpt-5.2.md")
    assert not result.has_errors
    assert sorted((f.rule_id, f.location, f.pointer) for f in result.findings) == [
        ("doc-example-stale", "gpt-5.2.md:165", "/meta/usage/usd_spent"),
        ("doc-example-undocumented-field", "gpt-5.2.md:162", "/service_tier"),
        ("doc-example-undocumented-field", "gpt-5.2.md:163", "/system_fingerprint"),
    ]
    stale = next(f for f in result.findings if f.rule_id == "doc-example-stale")
    assert stale.message.endswith(
        "it matched OpenAI/gpt-5-2.json as of the page's last edit (2026-03-03, d37e2e6); the spec changed since: "
        '1a0876e (2026-04-22, "feat: re-gen 132 chat completion models (usd_spent added)")'
    )


def test_whole_catalog_at_main(mirror: Path, offline: None) -> None:
    result = check_catalog(CATALOG, upstream=upstream(), jobs=2)
    summary = result.summary()
    assert {
        k: summary[k] for k in ("pages", "validated", "unresolved", "skipped", "pages_with_errors", "pages_clean")
    } == {"pages": 57, "validated": 26, "unresolved": 28, "skipped": 3, "pages_with_errors": 47, "pages_clean": 1}
    assert summary["unresolved_by_reason"] == {
        "the API-schema block names no usable spec link, path or method": 3,
        "the linked spec does not exist or cannot be fetched": 25,
    }
    assert [p.page.rsplit("/", 2)[-2:] for p in result.skipped] == [
        ["OpenAI", "README.md"],
        ["openai", "README.md"],
        ["openai", "gpt-chat-latest.md"],
    ]
    assert {rule: v["count"] for rule, v in summary["findings_by_rule"].items()} == {
        "doc-spec-unavailable": 44,
        "doc-spec-ref-invalid": 3,
        "doc-sample-url": 3,
        "doc-example-unparsable": 1,
        "doc-sample-model-unlisted": 5,
        "doc-example-undocumented-field": 28,
        "doc-sample-differs-from-spec": 4,
        "doc-example-stale": 2,
        "doc-model-not-on-page": 1,
    }
    without_errors = sorted(p.page.rsplit("/", 1)[-1] for p in result.checked if not p.has_errors)
    assert without_errors == [
        "chatgpt-4o.md",
        "gpt-4o-mini-search-preview.md",
        "gpt-4o-search-preview.md",
        "gpt-5.2-chat-latest.md",
        "gpt-5.2.md",
        "gpt-oss-120b.md",
        "gpt-oss-20b.md",
    ]
    nano = next(p for p in result.pages if p.page.endswith("openai/gpt-4.1-nano.md"))
    unparsable = next(f for f in nano.findings if f.rule_id == "doc-example-unparsable")
    assert unparsable.location.endswith("gpt-4.1-nano.md:154")
    assert "found 'move'" in unparsable.message
    url = sorted(f.location.rsplit("/", 1)[-1] for f in result.findings if f.rule_id == "doc-sample-url")
    assert url == ["gpt-5-4-pro.md:96", "gpt-5-4.md:96", "gpt-5-5-pro.md:97"]
    assert not any(f.rule_id == "doc-check-internal-error" for f in result.findings)
    assert all(f.level is not Level.ERROR for f in result.findings if f.rule_id.startswith("doc-example-stale"))


def test_catalog_cli_markdown(mirror: Path, capsys: pytest.CaptureFixture[str], offline: None) -> None:
    assert main(["docs", "--catalog", str(CATALOG), "--format", "markdown", "--no-progress"]) == 1
    out, _ = capsys.readouterr()
    assert out.startswith(
        f"## Doc checks: {CATALOG}\n\n| | |\n|---|---|\n| pages | 57 |\n"
        "| validated against a spec | 26 |\n| unresolved (spec link does not resolve) | 28 |\n"
        "| skipped (nothing to check) | 3 |\n| pages with errors | 47 |\n"
    )
    assert "| `doc-spec-unavailable` | error | 44 |" in out
    assert main(["docs", "--catalog", str(CATALOG), "--format", "json", "--jobs", "1"]) == 1
    assert json.loads(capsys.readouterr()[0])["details"]["catalog"]["findings"] == 91

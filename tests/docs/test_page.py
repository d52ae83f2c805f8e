"""Parsing a GitBook page: spec references, the model list, code samples per tab, example responses."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance.docs.page import PageReadError, SpecRef, parse_page, read_page
from conformance.docs.specs import SpecSource, parse_link
from conformance.docs.tags import TagProblem

from .conftest import DATA, SEED, line_of


def test_seed_page_is_read_completely() -> None:
    page = parse_page(SEED.read_text(), str(SEED))
    link = (
        "https://raw.githubusercontent.com/aimlapi/api-docs/main/docs/api-references/text-models-llm/OpenAI/"
        "gpt-5-2-openai.json"
    )
    assert page.spec_refs == (
        SpecRef("openapi-operation", 61, "gpt-5-2-openai", "/v1/chat/completions", "post", link, 62),
        SpecRef("openapi-operation", 65, "gpt-5-2-openai", "/chat/completions", "post", link, 66),
    )
    # the last item's paragraph swallows the indented {% endhint %}: the id is still read
    assert [(m.id, m.line) for m in page.models] == [
        ("openai/gpt-5-2", 8),
        ("openai/gpt-5-2-chat-latest", 9),
        ("openai/gpt-5-2-pro", 10),
    ]
    assert page.models_line == 5
    assert [(s.language, s.tab, s.line) for s in page.samples] == [
        ("python", "Python", 74),
        ("javascript", "JavaScript", 100),
    ]
    assert [(e.info, e.label, e.line) for e in page.examples] == [("json5", "Response", 134)]
    assert page.examples[0].code.startswith("{\n  'id': 'gen-1733832000-example'")
    assert page.problems == ()
    assert page.title == "GPT-5.2 (OpenAI)"


def test_tags_inside_code_are_code_not_tags() -> None:
    text = "# T\n\n```python\nprint('{% hint %}')\n```\n\n{% hint style=\"info\" %}\nx\n{% endhint %}\n"
    page = parse_page(text)
    assert page.problems == ()
    assert [s.code for s in page.samples] == ["print('{% hint %}')\n"]


def test_swagger_block_and_unindented_model_list() -> None:
    page = parse_page((DATA / "swagger.md").read_text(), str(DATA / "swagger.md"))
    assert page.spec_refs == (SpecRef("swagger", 8, None, "/v1/chat/completions", "post", "./chat.json", 8),)
    assert [m.id for m in page.models] == ["acme/small", "acme/large"]


def test_fences_are_classified_by_language_tab_and_label() -> None:
    text = """{% tabs %}
{% tab title="cURL" %}
```
curl https://x.test
```
{% endtab %}
{% tab title="Request body" %}
```json
{"a": 1}
```
{% endtab %}
{% endtabs %}

## Response

```
{"b": 2}
```

```text
not code we read
```
"""
    page = parse_page(text)
    assert [(s.language, s.tab, s.line) for s in page.samples] == [("curl", "cURL", 4)]
    assert [(e.label, e.line, e.code) for e in page.examples] == [("Response", 17, '{"b": 2}\n')]


def test_problems_are_collected_not_raised() -> None:
    page = parse_page((DATA / "tags_broken.md").read_text())
    assert [p.line for p in page.problems] == [3, 6, 8]
    assert page.problems[0] == TagProblem(3, 1, "{% hint %} is never closed (expected {% endhint %})")
    assert len(page.spec_refs) == 1


def test_read_page_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"# ok\n\xff\xfe broken\n")
    with pytest.raises(PageReadError, match=r"expected UTF-8 text, found an undecodable byte at line 2 \(offset 5\)"):
        read_page(bad)
    with pytest.raises(PageReadError, match="cannot read the page"):
        read_page(tmp_path / "missing.md")


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        (
            "https://raw.githubusercontent.com/aimlapi/api-docs/main/docs/a/OpenAI/x.json",
            SpecSource(
                "aimlapi/api-docs@main:docs/a/OpenAI/x.json", "aimlapi/api-docs", "main", "docs/a/OpenAI/x.json"
            ),
        ),
        (
            "https://raw.githubusercontent.com/aimlapi/api-docs/refs/heads/main/docs/x.json",
            SpecSource("aimlapi/api-docs@main:docs/x.json", "aimlapi/api-docs", "main", "docs/x.json"),
        ),
        (
            "https://github.com/aimlapi/api-docs/blob/0123abc/docs/x%20y.json",
            SpecSource("aimlapi/api-docs@0123abc:docs/x y.json", "aimlapi/api-docs", "0123abc", "docs/x y.json"),
        ),
        ("/broken/openapi/gone", "GitBook marks the spec link as broken (/broken/openapi/gone)"),
        (
            "https://example.test/x.json",
            "the link https://example.test/x.json is not a raw GitHub file URL "
            "(raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>)",
        ),
        (
            "https://raw.githubusercontent.com/a/b/main",
            "the link https://raw.githubusercontent.com/a/b/main is not a raw GitHub file URL "
            "(raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>)",
        ),
        ("ftp://x/y.json", "the link ftp://x/y.json is neither a raw GitHub URL nor a file next to the page"),
        ("", "the link is empty"),
    ],
)
def test_links(link: str, expected: SpecSource | str) -> None:
    assert parse_link(link, None) == expected


def test_relative_links_resolve_next_to_the_page() -> None:
    source = parse_link("./chat.json", DATA / "clean.md")
    assert isinstance(source, SpecSource)
    assert source.local == str(DATA / "chat.json")
    assert parse_link("chat.json", None) == (
        "the link chat.json is not a raw GitHub URL and cannot be resolved against the page"
    )
    assert line_of(DATA / "clean.md", "[OpenAPI chat]") == 13

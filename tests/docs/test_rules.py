"""Each doc rule on a tiny hand-written page + spec pair (tests/docs/data), with exact expectations."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.docs import check_page, check_text, rules
from conformance.docs.check import SKIP_EMPTY, SKIP_NO_SPEC, PageResult
from conformance.docs.specs import SpecStore
from conformance.findings import RULES, Level, Source

from .conftest import DATA, line_of, upstream


def run(name: str) -> PageResult:
    return check_page(DATA / name, upstream=upstream(), display=name)


def triples(result: PageResult) -> list[tuple[str, int, str]]:
    return sorted((f.rule_id, int(f.location.rsplit(":", 1)[1]), f.pointer) for f in result.findings)


def one(result: PageResult, rule_id: str) -> str:
    messages = [f.message for f in result.findings if f.rule_id == rule_id]
    assert len(messages) == 1, messages
    return messages[0]


def test_clean_page_has_no_findings(offline: None) -> None:
    result = run("clean.md")
    assert result.findings == ()
    assert (result.samples, result.examples, result.models) == (3, 1, ("acme/small", "acme/large"))
    assert result.checked and not result.has_errors


def test_swagger_page_is_checked_and_clean() -> None:
    result = run("swagger.md")
    assert result.findings == () and result.operations[0].startswith("POST /v1/chat/completions (")


def test_example_schema_names_the_image_shape() -> None:
    """doc-example-schema: every violation of the 200 schema; doc-example-undocumented-field: softer."""
    page = DATA / "example_image.md"
    result = run("example_image.md")
    assert triples(result) == [
        ("doc-example-schema", line_of(page, "```json5") + 1, "/choices"),
        ("doc-example-schema", line_of(page, "'object': 'image'"), "/object"),
        ("doc-example-undocumented-field", line_of(page, "'data'"), "/data"),
    ]
    by_pointer = {f.pointer: f for f in result.findings}
    shape = (
        '; the example looks like an image-generation result (object "image", data[].url), not this '
        "operation's response"
    )
    assert by_pointer["/object"].message == (
        'the response example has /object = "image"; the schema allows only "chat.completion" '
        f"(the 200 response schema of POST /v1/chat/completions){shape}"
    )
    assert (by_pointer["/object"].expected, by_pointer["/object"].found) == ('enum: ["chat.completion"]', '"image"')
    assert by_pointer["/choices"].message.startswith('the response example lacks the required property "choices"')
    assert by_pointer["/data"].level == Level.WARNING
    assert by_pointer["/data"].found == '[{"url": "https://cdn.example.test/1.png"}]'


def test_example_unparsable_says_what_and_where() -> None:
    page = DATA / "example_unparsable.md"
    result = run("example_unparsable.md")
    assert triples(result) == [("doc-example-unparsable", line_of(page, "oops"), "")]
    assert one(result, "doc-example-unparsable") == (
        "the example response is not JSON, JSON5 or a Python literal: expected ',' or '}', found 'oops' "
        "(line 3, column 31 of the example)"
    )


def test_example_unchecked_without_a_json_response() -> None:
    result = run("example_unchecked.md")
    assert triples(result) == [("doc-example-unchecked", 10, "")]
    assert one(result, "doc-example-unchecked") == (
        "POST /v1/legacy in data/chat.json declares no 200 application/json response schema (responses: 201), "
        "so the example is not checked"
    )


def test_models_both_ways_and_the_sample_model() -> None:
    page = DATA / "models.md"
    result = run("models.md")
    model_line = line_of(page, '"model": "acme/huge"')
    assert triples(result) == [
        ("doc-model-not-in-spec", line_of(page, "acme/tiny"), "/model"),
        ("doc-model-not-on-page", line_of(page, "{% hint"), "/model"),
        ("doc-sample-body-schema", model_line, "/model"),
        ("doc-sample-differs-from-spec", line_of(page, "requests.post("), ""),
        ("doc-sample-model-unlisted", model_line, "/model"),
    ]
    assert one(result, "doc-model-not-in-spec") == (
        "the page lists model `acme/tiny`, which the request `model` enum of POST /v1/chat/completions in "
        "data/chat.json does not accept"
    )
    assert one(result, "doc-model-not-on-page") == (
        "the request `model` enum of POST /v1/chat/completions in data/chat.json accepts `acme/large`, which the "
        "page's model list does not name"
    )
    assert one(result, "doc-sample-model-unlisted") == (
        "the Python sample calls model `acme/huge`, which the page's model list does not name"
    )


def test_sample_url_wrong_host_and_wrong_path() -> None:
    page = DATA / "sample_url.md"
    result = run("sample_url.md")
    url = [f for f in result.findings if f.rule_id == "doc-sample-url"]
    assert [(int(f.location.rsplit(":", 1)[1]), f.message) for f in url] == [
        (
            line_of(page, "requests.post("),
            "the Python sample calls https://api.other.test/v1/chat/completions, "
            "which is not an operation of data/chat.json: it is not under the spec's server(s) https://api.example.test",
        ),
        (
            line_of(page, "fetch("),
            "the JavaScript sample calls https://api.example.test/v1/chat/complete, which is "
            "not an operation of data/chat.json: path /v1/chat/complete is not in the spec's paths",
        ),
    ]
    assert {f.level for f in url} == {Level.ERROR}


def test_sample_method() -> None:
    page = DATA / "sample_method.md"
    result = run("sample_method.md")
    assert triples(result) == [
        ("doc-sample-differs-from-spec", line_of(page, "fetch(url"), ""),
        ("doc-sample-method", line_of(page, "fetch(url"), ""),
    ]
    assert one(result, "doc-sample-method") == (
        "the JavaScript sample sends PUT https://api.example.test/v1/chat/completions; data/chat.json defines POST "
        "for /v1/chat/completions"
    )
    assert one(result, "doc-sample-differs-from-spec").endswith("method: page PUT, spec POST")


def test_sample_body_against_the_request_schema() -> None:
    page = DATA / "sample_body.md"
    result = run("sample_body.md")
    assert triples(result) == [
        ("doc-sample-body-schema", line_of(page, '"robot"'), "/messages/0/role"),
        ("doc-sample-body-schema", line_of(page, '"hot"'), "/temperature"),
        ("doc-sample-body-schema", line_of(page, '{"model": "acme/small"}'), "/messages"),
        ("doc-sample-body-undocumented", line_of(page, "stream_mode"), "/stream_mode"),
        ("doc-sample-differs-from-spec", line_of(page, "curl"), ""),
        ("doc-sample-not-in-spec", line_of(page, "POST /v1/chat/completions HTTP/1.1"), ""),
    ]
    messages = {f.pointer: f.message for f in result.findings if f.rule_id == "doc-sample-body-schema"}
    assert messages == {
        "/messages/0/role": 'the cURL sample\'s request body has /messages/0/role = "robot"; the schema allows only '
        '"user", "assistant", "system" (request schema of POST /v1/chat/completions)',
        "/temperature": 'the cURL sample\'s request body has /temperature = "hot" (string); the schema expects '
        "number (request schema of POST /v1/chat/completions)",
        "/messages": 'the HTTP sample\'s request body lacks the required property "messages" (request schema of '
        "POST /v1/chat/completions)",
    }
    assert one(result, "doc-sample-not-in-spec") == (
        "the x-codeSamples of POST /v1/chat/completions in data/chat.json have no HTTP sample (they have: Python, "
        "JavaScript, cURL)"
    )


def test_sample_differs_from_the_spec_sample_says_how() -> None:
    result = run("sample_differs.md")
    assert one(result, "doc-sample-differs-from-spec") == (
        "the Python sample differs from the spec's Python x-codeSample for POST /v1/chat/completions: "
        'body /messages/0/content: page "Hi there", spec "Hello"; body /model: page "acme/large", spec "acme/small"; '
        "body /temperature only on the page (1)"
    )
    differs = next(f for f in result.findings if f.rule_id == "doc-sample-differs-from-spec")
    assert differs.get("differences") == 3


def test_sample_unparsed_says_what() -> None:
    page = DATA / "sample_unparsed.md"
    result = run("sample_unparsed.md")
    assert [(int(f.location.rsplit(":", 1)[1]), f.message) for f in result.findings] == [
        (
            line_of(page, "build_payload"),
            "the Python sample's request could not be read: the json= body is not a literal (found 'build_payload()')",
        ),
        (
            line_of(page, "new Client"),
            "the JavaScript sample's request could not be read: no fetch(...) call found in the JavaScript sample",
        ),
    ]


def test_pages_without_spec_are_skipped_with_the_reason() -> None:
    assert (run("no_spec.md").skipped_reason, run("no_spec.md").findings) == (SKIP_NO_SPEC, ())
    assert run("empty.md").skipped_reason == SKIP_EMPTY


def test_broken_tags_are_findings_and_the_page_is_still_checked() -> None:
    result = run("tags_broken.md")
    assert triples(result) == [("doc-tag-invalid", 3, ""), ("doc-tag-invalid", 6, ""), ("doc-tag-invalid", 8, "")]
    assert result.checked and result.operations


def test_spec_unavailable_and_invalid(tmp_path: Path) -> None:
    missing = run("spec_missing.md")
    assert triples(missing) == [("doc-spec-unavailable", 4, "")]
    assert one(missing, "doc-spec-unavailable").endswith(f"the linked spec {DATA / 'nope.json'} does not exist")
    invalid = run("spec_invalid.md")
    assert triples(invalid) == [
        ("doc-spec-invalid", 4, ""),
        ("doc-spec-invalid", 7, "/paths/~1v1~1chat~1completions/post/responses/200/content/application~1json/schema"),
    ]
    first, second = sorted(invalid.findings, key=lambda f: f.location)
    assert "expected JSON, found a syntax error at line 5 column 1" in first.message
    assert "$ref '#/components/schemas/Nowhere' points nowhere" in second.message


def test_spec_ref_invalid() -> None:
    result = run("spec_ref_invalid.md")
    assert [(int(f.location.rsplit(":", 1)[1]), f.message) for f in result.findings] == [
        (
            4,
            "{% openapi-operation %} at line 3 (POST /v1/chat/completions): GitBook marks the spec link as broken "
            "(/broken/openapi/gone)",
        ),
        (7, "{% openapi-operation %} at line 7 lacks path="),
        (11, "{% openapi-operation %} at line 11 has no link to a spec file"),
        (
            16,
            "{% openapi-operation %} at line 15 (POST /v1/chat/completions): the link "
            "https://example.test/specs/chat.json is not a raw GitHub file URL "
            "(raw.githubusercontent.com/<owner>/<repo>/<ref>/<path>)",
        ),
    ]


def test_operation_missing_lists_what_the_spec_has() -> None:
    result = run("operation_missing.md")
    assert triples(result) == [("doc-operation-missing", 3, "/paths/~1v1~1embeddings/post")]
    finding = result.findings[0]
    assert finding.expected == "POST /v1/chat/completions, GET /v1/items/{item_id}, POST /v1/legacy"
    assert finding.found == "POST /v1/embeddings"


def test_unreadable_page(tmp_path: Path) -> None:
    page = tmp_path / "latin1.md"
    page.write_bytes("# caf\xe9\n".encode("latin-1"))
    result = check_page(page, upstream=upstream(), display="latin1.md")
    assert triples(result) == [("doc-page-unreadable", 1, "")]
    assert result.findings[0].message == (
        "latin1.md: expected UTF-8 text, found an undecodable byte at line 1 (offset 5)"
    )


def test_a_checker_bug_is_a_finding_not_a_crash(monkeypatch: pytest.MonkeyPatch) -> None:
    from conformance.docs import check

    def boom(checker: object) -> None:
        raise ZeroDivisionError("simulated")

    monkeypatch.setattr(check, "check_models", boom)
    result = run("clean.md")
    assert triples(result) == [("doc-check-internal-error", 1, "")]
    assert result.findings[0].message == "checking the page failed: ZeroDivisionError: simulated"


def test_rule_registry() -> None:
    """Every doc rule: unique doc-* id, a level, a why and a fix; registered in the shared registry."""
    ids = [r.id for r in rules.ALL]
    assert len(ids) == len(set(ids)) == 23
    for rule in rules.ALL:
        assert rule.id.startswith("doc-") and rule.id == rule.id.lower()
        assert RULES[rule.id] is rule
        assert rule.summary.endswith(".") and rule.fix
        assert rule.source in (Source.DOC, Source.SPEC)
    covered = {
        "doc-page-unreadable",
        "doc-tag-invalid",
        "doc-spec-ref-invalid",
        "doc-spec-unavailable",
        "doc-spec-invalid",
        "doc-operation-missing",
        "doc-example-unparsable",
        "doc-example-schema",
        "doc-example-undocumented-field",
        "doc-example-unchecked",
        "doc-sample-unparsed",
        "doc-sample-url",
        "doc-sample-method",
        "doc-sample-body-schema",
        "doc-sample-body-undocumented",
        "doc-sample-model-unlisted",
        "doc-model-not-in-spec",
        "doc-model-not-on-page",
        "doc-sample-differs-from-spec",
        "doc-sample-not-in-spec",
        "doc-check-internal-error",
        "doc-example-stale",  # tests/docs/test_catalog.py::test_stale_example_is_a_warning_naming_the_spec_change
        "doc-sample-language",  # tests/docs/test_streams_and_sdk.py::test_a_curl_command_in_a_javascript_fence
    }
    assert covered == set(ids)


_PAGES = sorted(p.name for p in DATA.glob("*.md"))


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(_PAGES), st.data())
def test_damaged_pages_never_crash_the_checker(name: str, data: st.DataObject) -> None:
    """Cut, duplicate or splice any part of a fixture page: findings, never doc-check-internal-error."""
    text = (DATA / name).read_text()
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, len(text)))
    splice = data.draw(st.sampled_from(["", "{%", "%}", "```", "'", '"', "{", "}", "\n", "`", "<summary>"]))
    mode = data.draw(st.sampled_from(["cut", "dup", "splice"]))
    damaged = {
        "cut": text[:start] + text[end:],
        "dup": text[:end] + text[start:end] + text[end:],
        "splice": text[:start] + splice + text[end:],
    }[mode]
    result = check_text(damaged, path=DATA / name, display=name, store=SpecStore(upstream()))
    assert not [f for f in result.findings if f.rule_id == "doc-check-internal-error"], result.findings

"""Streamed (SSE) example responses, language read from the code, OpenAI SDK samples, downloads of inputs."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.codesamples import SampleError, extract_request
from conformance.docs import check_page
from conformance.docs.check import PageResult
from conformance.docs.detect import detect_language
from conformance.docs.stream import looks_like_sse, parse_events

from .conftest import DATA, upstream

CHUNK = {
    "type": "object",
    "required": ["id", "object", "choices"],
    "properties": {
        "id": {"type": "string"},
        "object": {"type": "string", "enum": ["chat.completion.chunk"]},
        "choices": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["index", "delta"],
                "properties": {
                    "index": {"type": "integer"},
                    "delta": {
                        "type": "object",
                        "properties": {"role": {"type": "string"}, "content": {"type": "string", "nullable": True}},
                    },
                    "finish_reason": {"type": "string", "nullable": True},
                },
            },
        },
        "usage": {"type": "object", "properties": {"total_tokens": {"type": "integer"}}},
    },
}


def _spec(stream: bool = True) -> dict[str, Any]:
    spec: dict[str, Any] = json.loads((DATA / "chat.json").read_text())
    content = spec["paths"]["/v1/chat/completions"]["post"]["responses"]["200"]["content"]
    if stream:
        content["text/event-stream"] = {"schema": CHUNK}
    return spec


def _page(tmp_path: Path, body: str, *, stream: bool = True) -> PageResult:
    (tmp_path / "chat.json").write_text(json.dumps(_spec(stream)))
    page = tmp_path / "page.md"
    page.write_text(
        '# Chat\n\n{% openapi-operation spec="chat" path="/v1/chat/completions" method="post" %}\n'
        "[OpenAPI chat](./chat.json)\n{% endopenapi-operation %}\n\n" + body
    )
    return check_page(page, upstream=upstream(), display="page.md")


def _line(result: PageResult, needle: str) -> int:
    text = Path(result.path).read_text().split("\n")
    return next(i for i, line in enumerate(text, start=1) if needle in line)


def _at(result: PageResult) -> list[tuple[str, int, str]]:
    return sorted((f.rule_id, int(f.location.rsplit(":", 1)[1]), f.pointer) for f in result.findings)


STREAM = """
## Response

```json
data: {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"role": "assistant"}}]}

data: {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": "0", "delta": {"content": "Hel"}}]}

data: {"id": "c1", "object": "chat.completion.chunk", "choices": [{"index": "1", "delta": {"content": "lo"}}]}

data: {"id": "c1", "object": "chat.completion.chunk", "choices": [], "usage": {"total_tokens": 3}, "extra": 1}

data: [DONE]
```
"""


def test_a_streamed_example_is_checked_chunk_by_chunk_with_merged_counts(tmp_path: Path) -> None:
    result = _page(tmp_path, STREAM)
    assert result.examples == 1
    assert _at(result) == [
        ("doc-example-schema", _line(result, '"index": "0"'), "/choices/0/index"),
        ("doc-example-undocumented-field", _line(result, '"extra": 1'), "/extra"),
    ]
    schema = next(f for f in result.findings if f.rule_id == "doc-example-schema")
    assert schema.message.startswith(
        '2 of 4 streamed chunk(s): the chunk has /choices/0/index = "0" (string); '
        "the schema expects integer (the 200 text/event-stream schema of POST "
        '/v1/chat/completions; first in chunk 2; values found: "0", "1")'
    )
    assert (schema.get("count"), schema.get("chunks")) == (2, 4)
    undocumented = next(f for f in result.findings if f.rule_id == "doc-example-undocumented-field")
    assert undocumented.message.startswith("1 of 4 streamed chunk(s) have /extra")


def test_events_with_names_comments_and_a_bad_chunk(tmp_path: Path) -> None:
    body = """
```
: keep-alive
event: completion
data: {"id": "c1", "object": "chat.completion.chunk",
data:  "choices": []}

event: completion
data: {"id": "c1", "object": "chat.chunk", "choices": []}

event: completion
data: {"id": oops}
```
"""
    result = _page(tmp_path, body)
    assert _at(result) == [
        ("doc-example-schema", _line(result, '"object": "chat.chunk"'), "/object"),
        ("doc-example-unparsable", _line(result, "oops"), ""),
    ]
    schema = next(f for f in result.findings if f.rule_id == "doc-example-schema")
    assert schema.message.startswith("1 of 2 streamed chunk(s) ('completion' events): the chunk has /object")
    assert schema.message.endswith("; the stream shows no data: [DONE] end marker")


def test_a_clean_stream_has_no_findings_and_is_not_called_not_json(tmp_path: Path) -> None:
    clean = STREAM.replace('"index": "0"', '"index": 0').replace('"index": "1"', '"index": 0')
    clean = clean.replace(', "extra": 1', "")
    assert _page(tmp_path, clean).findings == ()


def test_a_stream_without_an_event_stream_schema_is_unchecked(tmp_path: Path) -> None:
    result = _page(tmp_path, STREAM, stream=False)
    assert [f.rule_id for f in result.findings] == ["doc-example-unchecked"]
    assert "declares no 2xx text/event-stream response schema" in result.findings[0].message


def test_parse_events_reads_the_sse_grammar() -> None:
    parsed = parse_events('data: {"a": 1}\n\nevent: x\nid: 3\nretry: 5\ndata: {"b":\ndata: 2}\n\ndata: [DONE]\n')
    assert [(e.line, e.name, e.value) for e in parsed.events if not e.done] == [(1, None, {"a": 1}), (6, "x", {"b": 2})]
    assert parsed.done and parsed.problems == ()
    assert looks_like_sse(": ping\ndata: {}") and not looks_like_sse('{"data": 1}')


# -- language read from the code ---------------------------------------------------------------------
CURL_IN_JS = """
{% tabs %}
{% tab title="JavaScript" %}
```javascript
curl -L --request POST --url 'https://api.example.test/v1/chat/completions' \\
  --data '{"model": "acme/small", "messages": [{"role": "user", "content": 5}]}'
```
{% endtab %}
{% endtabs %}
"""


def test_a_curl_command_in_a_javascript_fence(tmp_path: Path) -> None:
    result = _page(tmp_path, CURL_IN_JS)
    rules = {f.rule_id: f for f in result.findings}
    assert "doc-sample-unparsed" not in rules, "the sample is read as cURL, not reported as 'no fetch() call'"
    language = rules["doc-sample-language"]
    assert language.message == (
        "the code block is labelled JavaScript (javascript) but the code is cURL; it was read as cURL"
    )
    assert int(language.location.rsplit(":", 1)[1]) == _line(result, "```javascript")
    body = rules["doc-sample-body-schema"]
    assert body.pointer == "/messages/0/content" and "cURL sample" in body.message


def test_javascript_in_a_python_fence_is_read_as_javascript(tmp_path: Path) -> None:
    body = """
```python
const response = await fetch('https://api.example.test/v1/chat/completions', {
  method: 'POST',
  body: JSON.stringify({model: 'acme/small', messages: [{role: 'user', content: 'Hi'}]}),
});
console.log(await response.json());
```
"""
    result = _page(tmp_path, body)
    findings = [f for f in result.findings if f.rule_id != "doc-sample-differs-from-spec"]
    assert [f.rule_id for f in findings] == ["doc-sample-language"]
    assert "labelled Python (python) but the code is JavaScript" in findings[0].message


@pytest.mark.parametrize(
    ("code", "language"),
    [
        ("curl https://x.test -d '{}'", "curl"),
        ("$ curl -X POST https://x.test", "curl"),
        ("POST /v1/chat/completions HTTP/1.1\nHost: x.test\n\n{}", "http"),
        ("import requests\nrequests.post('https://x.test', json={})", "python"),
        ("from openai import OpenAI\nclient = OpenAI(base_url='https://x.test')\n", "python"),
        ("const r = await fetch('https://x.test');\nconsole.log(r);", "javascript"),
        ("import OpenAI from 'openai';\nconst openai = new OpenAI();", "javascript"),
        ("pip install openai", None),
        ('{"model": "x"}', None),
        ("x = 1", None),
    ],
)
def test_detect_language(code: str, language: str | None) -> None:
    assert detect_language(code) == language


# -- OpenAI SDK samples ------------------------------------------------------------------------------
PY_SDK = """
```python
import os
from openai import OpenAI

client = OpenAI(
    base_url="https://api.example.test/v1",
    api_key=os.environ["AIMLAPI_KEY"],
)

response = client.chat.completions.create(
    model="acme/small",
    messages=[{"role": "user", "content": "Hello"}],
    temperature=3,
    extra_headers={"X-Trace": "1"},
    extra_body={"top_k": 4},
)
print(response.choices[0].message.content)
```
"""

JS_SDK = """
```javascript
import OpenAI from 'openai';

const openai = new OpenAI({
  baseURL: 'https://api.example.test/v1',
  apiKey: process.env.AIMLAPI_KEY,
});

const completion = await openai.chat.completions.create({
  model: 'acme/huge',
  messages: [{role: 'user', content: 'Hello'}],
});
console.log(completion.choices[0].message.content);
```
"""


def test_a_python_sdk_sample_is_read_like_requests(tmp_path: Path) -> None:
    result = _page(tmp_path, PY_SDK)
    found = {(f.rule_id, f.pointer) for f in result.findings}
    assert ("doc-sample-body-schema", "/temperature") in found
    assert ("doc-sample-body-undocumented", "/top_k") in found
    assert not any(f.rule_id in ("doc-sample-unparsed", "doc-sample-url") for f in result.findings)
    request = extract_request("python", PY_SDK.split("```python\n")[1].split("```")[0])
    assert (request.method, request.url) == ("POST", "https://api.example.test/v1/chat/completions")
    assert request.body == {
        "model": "acme/small",
        "messages": [{"role": "user", "content": "Hello"}],
        "temperature": 3,
        "top_k": 4,
    }


def test_a_javascript_sdk_sample_is_read_like_fetch(tmp_path: Path) -> None:
    result = _page(tmp_path, JS_SDK)
    assert [(f.rule_id, f.pointer) for f in result.findings if f.rule_id != "doc-sample-differs-from-spec"] == [
        ("doc-sample-body-schema", "/model")
    ]
    request = extract_request("javascript", JS_SDK.split("```javascript\n")[1].split("```")[0])
    assert (request.method, request.url, request.body["model"]) == (
        "POST",
        "https://api.example.test/v1/chat/completions",
        "acme/huge",
    )


def test_an_sdk_client_without_base_url_calls_openai_and_says_so(tmp_path: Path) -> None:
    code = (
        "from openai import OpenAI\nclient = OpenAI()\nclient.chat.completions.create(model='acme/small', "
        "messages=[])\n"
    )
    request = extract_request("python", code)
    assert request.url == "https://api.openai.com/v1/chat/completions"
    result = _page(tmp_path, f"```python\n{code}```\n")
    assert [f.rule_id for f in result.findings if f.rule_id != "doc-sample-differs-from-spec"] == ["doc-sample-url"]
    assert "https://api.openai.com/v1/chat/completions" in result.findings[-1].message


def test_sdk_resources_and_base_url_from_the_environment() -> None:
    code = (
        "import os, openai\nclient = openai.OpenAI(base_url=os.getenv('BASE', 'https://gw.test/v1'))\n"
        "client.embeddings.create(model='e', input='x')\n"
    )
    request = extract_request("python", code)
    assert (request.url, request.body) == ("https://gw.test/v1/embeddings", {"model": "e", "input": "x"})
    with pytest.raises(SampleError, match="keyword arguments only"):
        extract_request(
            "python",
            "from openai import OpenAI\nc = OpenAI(base_url='https://g.test')\n"
            "c.chat.completions.create({'model': 'x'})\n",
        )


# -- downloads of inputs are not the page's API call ---------------------------------------------------
def test_downloading_an_input_image_is_not_the_api_call() -> None:
    code = """import base64, requests
image = requests.get("https://upload.wikimedia.org/wikipedia/commons/cat.jpg").content
response = requests.post(
    "https://api.example.test/v1/chat/completions",
    json={"model": "acme/small", "messages": [{"role": "user", "content": "describe"}]},
)
"""
    request = extract_request("python", code)
    assert (request.method, request.url) == ("POST", "https://api.example.test/v1/chat/completions")
    js = """const img = await fetch('https://images.example.org/photo');
const r = await fetch('https://api.example.test/v1/chat/completions', {method: 'POST',
  body: JSON.stringify({model: 'acme/small', messages: []})});"""
    assert extract_request("javascript", js).url == "https://api.example.test/v1/chat/completions"


def test_a_download_then_an_sdk_call() -> None:
    code = """import requests
from openai import OpenAI
data = requests.get("https://example.org/cat.png").content
client = OpenAI(base_url="https://api.example.test/v1")
client.chat.completions.create(model="acme/small", messages=[])
"""
    assert extract_request("python", code).url == "https://api.example.test/v1/chat/completions"


def test_a_sample_that_only_downloads_is_unparsed_not_a_wrong_url() -> None:
    with pytest.raises(SampleError, match=r"only downloads https://example\.org/cat\.png"):
        extract_request("python", "import requests\nrequests.get('https://example.org/cat.png')\n")


def test_example_response_skips_a_streamed_example(tmp_path: Path) -> None:
    from conformance.docs import example_response

    page = tmp_path / "p.md"
    page.write_text(
        '```\ndata: {"id": "c1"}\n\ndata: [DONE]\n```\n\n<summary>Response</summary>\n\n```json\n{"id": "whole"}\n```\n'
    )
    assert example_response(page) == {"id": "whole"}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=6,
)


@settings(max_examples=150, deadline=None)
@given(
    chunks=st.lists(st.dictionaries(st.text(max_size=6), _JSON, max_size=4), min_size=1, max_size=6),
    names=st.lists(st.sampled_from([None, "message_start", "content_block_delta"]), min_size=6, max_size=6),
    comments=st.booleans(),
    done=st.booleans(),
    pretty=st.booleans(),
)
def test_sse_round_trip(
    chunks: list[dict[str, Any]], names: list[str | None], comments: bool, done: bool, pretty: bool
) -> None:
    """Whatever the chunks, event names, comments and layout: the parsed events are the chunks, in order."""
    lines: list[str] = []
    for chunk, name in zip(chunks, names, strict=False):
        if comments:
            lines.append(": keep-alive")
        if name:
            lines.append(f"event: {name}")
        text = json.dumps(chunk, indent=1 if pretty else None)
        lines += [f"data: {part}" for part in text.split("\n")]
        lines.append("")
    if done:
        lines.append("data: [DONE]")
    parsed = parse_events("\n".join(lines))
    values = [e for e in parsed.events if not e.done]
    assert [e.value for e in values] == chunks
    assert [e.name for e in values] == [n for _, n in zip(chunks, names, strict=False)]
    assert parsed.done == done and parsed.problems == ()
    assert looks_like_sse("\n".join(lines))


_BODIES = st.fixed_dictionaries(
    {
        "model": st.sampled_from(["acme/small", "acme/large"]),
        "messages": st.lists(
            st.fixed_dictionaries(
                {"role": st.sampled_from(["user", "system"]), "content": st.text(alphabet="abc xyz", max_size=12)}
            ),
            max_size=3,
        ),
    },
    optional={"temperature": st.integers(0, 2), "stream": st.booleans()},
)


def _render(language: str, body: dict[str, Any]) -> str:
    url = "https://api.example.test/v1/chat/completions"
    if language == "python":
        return f"import requests\n\nresponse = requests.post(\n    {url!r},\n    json={body!r},\n)\nprint(response)\n"
    if language == "javascript":
        return (
            f"const response = await fetch('{url}', {{\n  method: 'POST',\n"
            f"  body: JSON.stringify({json.dumps(body)}),\n}});\nconsole.log(await response.json());\n"
        )
    if language == "sdk":
        return (
            "from openai import OpenAI\n\nclient = OpenAI(base_url='https://api.example.test/v1')\n"
            "client.chat.completions.create(" + ", ".join(f"{k}={v!r}" for k, v in body.items()) + ")\n"
        )
    quoted = json.dumps(body).replace("'", "'\\''")
    return f"curl -X POST {url} \\\n  -H 'Content-Type: application/json' \\\n  --data '{quoted}'\n"


@settings(max_examples=60, deadline=None)
@given(
    body=_BODIES,
    written=st.sampled_from(["python", "javascript", "curl", "sdk"]),
    label=st.sampled_from(["python", "javascript", "bash", "js", "py", "curl"]),
)
def test_whatever_the_label_the_code_decides(body: dict[str, Any], written: str, label: str) -> None:
    """A sample is read as the language it is written in, whatever its fence says, and sends its body."""
    from conformance.docs.page import parse_page

    code = _render(written, body)
    page = parse_page(f"# x\n\n```{label}\n{code}```\n")
    [block] = page.samples
    expected = "python" if written == "sdk" else written
    assert block.language == expected
    request = extract_request(block.language, block.code)
    assert (request.method, request.url, request.body) == ("POST", "https://api.example.test/v1/chat/completions", body)

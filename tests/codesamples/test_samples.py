"""Reading the request a code sample sends: Python requests, JavaScript fetch, cURL, raw HTTP."""

from __future__ import annotations

import pytest

from conformance.codesamples import ExtractedRequest, SampleError, extract_request, normalise_language

BODY = {"model": "m", "messages": [{"role": "user", "content": "Hello"}]}


def test_python_requests_post_with_json_literal() -> None:
    code = """import requests

response = requests.post(
    "https://api.example.test/v1/chat/completions",
    headers={"Authorization": "Bearer <KEY>"},
    json={
        "model": "m",
        "messages": [{"role": "user", "content": "Hello"}],  # a comment
    },
)"""
    assert extract_request("python", code) == ExtractedRequest(
        "python", "POST", "https://api.example.test/v1/chat/completions", True, BODY, 3, 6
    )


def test_python_names_fstrings_data_dumps_and_request() -> None:
    code = """import json, requests
BASE = "https://api.example.test"
payload = {"model": "m", "messages": [{"role": "user", "content": "Hello"}]}
requests.request("POST", f"{BASE}/v1/chat/completions", data=json.dumps(payload))"""
    request = extract_request("python", code)
    assert (request.method, request.url, request.body, request.line) == (
        "POST",
        "https://api.example.test/v1/chat/completions",
        BODY,
        4,
    )
    raw = 'import requests\nrequests.put("https://x.test/a", data=\'{"a": 1}\')'
    assert extract_request("python", raw).body == {"a": 1}
    assert extract_request("python", 'import httpx\nhttpx.get("https://x.test/a")').has_body is False


@pytest.mark.parametrize(
    ("code", "message", "line"),
    [
        ("requests.post(", "Python sample does not parse: '(' was never closed", 1),
        (
            "print('no request here')",
            "no requests.<method>(...) or httpx.<method>(...) call found in the Python sample",
            1,
        ),
        ("import requests\nrequests.post(URL, json={})", "the URL is not a string literal (found 'URL')", 2),
        (
            "import requests\nrequests.post('https://x.test', json=make())",
            "the json= body is not a literal (found 'make()')",
            2,
        ),
        ("import requests\nrequests.post()", "requests.post(...) has no URL", 2),
        (
            "import requests\nrequests.post('https://x.test', json={1, 2})",
            "the json= body holds a set, which JSON cannot send",
            2,
        ),
        (
            "import requests\nrequests.post('https://x.test', json={1: 'a'})",
            "the json= body has a key that is not a string (1)",
            2,
        ),
        (
            "import requests\nrequests.post('http://[bad/x', json={})",
            "the URL 'http://[bad/x' is not a valid URL (Invalid IPv6 URL)",
            2,
        ),
        ("import requests\nrequests.get('/relative')", "the URL '/relative' is not an absolute http(s) URL", 2),
    ],
)
def test_python_errors(code: str, message: str, line: int) -> None:
    with pytest.raises(SampleError) as caught:
        extract_request("python", code)
    assert (caught.value.message, caught.value.line) == (message, line)


def test_javascript_fetch_with_json5_body_and_comments() -> None:
    code = """async function main() {
  const response = await fetch('https://api.example.test/v1/chat/completions', {
    method: 'POST',
    headers: {
      // a comment with a 'quote' and a ) paren
      'Authorization': `Bearer ${apiKey}`,
    },
    body: JSON.stringify({
      model: 'm',
      messages:[ { role:'user', content: 'Hello' }  // trailing comment
      ],
    }),
  });
}"""
    assert extract_request("javascript", code) == ExtractedRequest(
        "javascript", "POST", "https://api.example.test/v1/chat/completions", True, BODY, 2, 8
    )


def test_javascript_consts_concatenation_and_default_get() -> None:
    code = """const BASE = "https://api.example.test";
const url = BASE + '/v1/chat/completions';
const body = {model: "m", messages: [{role: "user", content: "Hello"}]};
// fetch('https://commented.out')
await fetch(url, {method: "post", body: JSON.stringify(body)});
fetch(`${BASE}/v1/other`);"""
    request = extract_request("javascript", code)
    assert (request.method, request.url, request.body, request.line) == (
        "POST",
        "https://api.example.test/v1/chat/completions",
        BODY,
        5,
    )
    assert extract_request("javascript", "fetch(`https://x.test/a`)").summary() == "GET https://x.test/a"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("client.chat({})", "no fetch(...) call found in the JavaScript sample"),
        ("fetch(url)", "the fetch URL uses 'url', which the sample does not define"),
        ("fetch('https://x.test', opts)", "fetch options are not an object literal (found 'opts')"),
        (
            "fetch('https://x.test', {method: 'POST', body: JSON.stringify({a: b})})",
            "the JSON.stringify(...) argument is not JSON: expected a value, found 'b' (line 1 of the body)",
        ),
        ("fetch('https://x.test', {", "'(' is never closed"),
    ],
)
def test_javascript_errors(code: str, message: str) -> None:
    with pytest.raises(SampleError) as caught:
        extract_request("javascript", code)
    assert caught.value.message == message


def test_curl_forms() -> None:
    code = """curl -L \\
  --request POST \\
  --url 'https://api.example.test/v1/chat/completions' \\
  --header 'Authorization: Bearer <KEY>' \\
  --data '{
    "model": "m",
    "messages": [{"role": "user", "content": "Hello"}]
  }'"""
    assert extract_request("curl", code) == ExtractedRequest(
        "curl", "POST", "https://api.example.test/v1/chat/completions", True, BODY, 1, 5
    )
    short = "curl https://x.test/a -H 'X: y' -d '{\"a\": 1}'"
    assert extract_request("curl", short).summary() == "POST https://x.test/a"
    assert extract_request("curl", "curl -XPUT --json='[1]' https://x.test/a").body == [1]
    assert extract_request("curl", "curl https://x.test/a | jq .").summary() == "GET https://x.test/a"


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("echo hi", "no curl command found in the sample"),
        ("curl 'https://x.test", "the curl command does not parse as shell words: No closing quotation"),
        ("curl -H 'X: y'", "the curl command has no URL"),
        ("curl https://x.test -d @body.json", "the curl command reads its body from a file (@body.json)"),
        ("curl https://x.test -F a=b", "the curl command sends a multipart form (-F), not a JSON body"),
        ("curl https://x.test --data", "curl option --data has no value"),
    ],
)
def test_curl_errors(code: str, message: str) -> None:
    with pytest.raises(SampleError) as caught:
        extract_request("curl", code)
    assert caught.value.message == message


def test_raw_http() -> None:
    code = """
POST /v1/chat/completions HTTP/1.1
Host: api.example.test
Content-Type: application/json

{"model": "m", "messages": [{"role": "user", "content": "Hello"}]}"""
    assert extract_request("http", code) == ExtractedRequest(
        "http", "POST", "https://api.example.test/v1/chat/completions", True, BODY, 2, 6
    )
    assert extract_request("http", "GET https://x.test/a HTTP/1.1").summary() == "GET https://x.test/a"


@pytest.mark.parametrize(
    ("code", "message", "line"),
    [
        ("", "the HTTP sample is empty", 1),
        (
            "hello world there now",
            "expected a request line like 'POST /path HTTP/1.1', found 'hello world there now'",
            1,
        ),
        ("POST /a HTTP/1.1\nno colon", "expected a header 'Name: value', found 'no colon'", 2),
        ("POST /a HTTP/1.1\nAccept: */*", "the HTTP sample has a relative target and no Host header", 1),
        (
            "POST /a HTTP/1.1\nHost: x\n\n{bad",
            "the HTTP body is not JSON: expected ':' after a property name, "
            "found the end of the text (line 1 of the body)",
            4,
        ),
    ],
)
def test_raw_http_errors(code: str, message: str, line: int) -> None:
    with pytest.raises(SampleError) as caught:
        extract_request("http", code)
    assert (caught.value.message, caught.value.line) == (message, line)


def test_language_names() -> None:
    assert [normalise_language(n) for n in ("Python", "JavaScript", "cURL", "HTTP", "node", "bash", "Go", None)] == [
        "python",
        "javascript",
        "curl",
        "http",
        "javascript",
        "curl",
        None,
        None,
    ]
    with pytest.raises(SampleError):
        extract_request("go", "package main")

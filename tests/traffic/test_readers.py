"""Reading recorded traffic: every format, every body encoding, secrets masked, other endpoints told apart."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.errors import InputError
from conformance.suite.checks import parse_sse
from conformance.traffic.formats import read_file
from conformance.traffic.model import is_chat, to_exchange
from conformance.traffic.redact import redact_headers, redact_url
from tests.traffic import samples


def _read(tmp_path: Path, name: str, text: str) -> list:  # type: ignore[type-arg]
    path = tmp_path / name
    path.write_text(text)
    return list(read_file(path))


@pytest.mark.parametrize("style", ["string", "gzip", "base64", "parsed"])
def test_vcr_bodies_in_every_encoding_read_as_the_same_completion(tmp_path: Path, style: str) -> None:
    recs = _read(tmp_path, "c.yaml", samples.vcr_yaml(style))
    assert [is_chat(r.method, r.url) for r in recs] == [True, True, False]
    ex = to_exchange(recs[0])
    assert ex.status == 200 and ex.content_type == "application/json"
    assert json.loads(ex.response_body) == samples.COMPLETION
    assert ex.request_body == samples.REQUEST and ex.request_complete
    assert ex.request_text == json.dumps(samples.REQUEST)  # the reproduce line sends the recorded bytes
    assert "--data-binary" in ex.curl()
    assert ex.url == "https://api.example.com/v1/chat/completions"  # /openai/v1 mapped onto the spec's path


def test_vcr_stream_is_split_into_its_events(tmp_path: Path) -> None:
    stream = to_exchange(_read(tmp_path, "c.yaml", samples.vcr_yaml())[1])
    payloads, done = parse_sse(stream.response_body)
    assert [json.loads(p) for p in payloads] == samples.CHUNKS and done
    assert stream.content_type == "text/event-stream"


def test_vcr_secrets_never_reach_the_exchange(tmp_path: Path) -> None:
    recs = _read(tmp_path, "c.yaml", samples.vcr_yaml())
    for rec in recs:
        ex = to_exchange(rec)
        dumped = json.dumps(ex.to_dict()) + ex.curl()
        assert samples.KEY not in dumped
        assert "cookie-secret" not in dumped and "abc123secret" not in dumped


def test_har_entries_base64_content_and_unrecorded_request(tmp_path: Path) -> None:
    recs = _read(tmp_path, "t.har", samples.har())
    assert [is_chat(r.method, r.url) for r in recs] == [True, True, False]
    first, stream = (to_exchange(r) for r in recs[:2])
    # HAR keeps decoded text: its content-encoding header must not make us gunzip plain JSON
    assert json.loads(first.response_body) == samples.COMPLETION and first.transport_error is None
    assert first.request_complete and first.request_body == samples.REQUEST
    assert not stream.request_complete and stream.request_body is None
    assert parse_sse(stream.response_body)[1]
    assert samples.KEY not in first.url and samples.KEY not in first.curl()


def test_jsonl_pairs_in_each_accepted_shape(tmp_path: Path) -> None:
    exs = [to_exchange(r) for r in _read(tmp_path, "x.jsonl", samples.pairs_jsonl())]
    assert [e.request_complete for e in exs] == [True, False, True, False]
    assert [e.content_type for e in exs] == [
        "application/json",
        "application/json",
        "text/event-stream",
        "text/event-stream",
    ]
    assert all(e.status == 200 for e in exs)
    payloads, done = parse_sse(exs[2].response_body)
    assert len(payloads) == 2 and done
    assert samples.KEY not in exs[0].curl()


def test_project_recordings_round_trip(tmp_path: Path) -> None:
    original = [to_exchange(r) for r in _read(tmp_path, "c.yaml", samples.vcr_yaml())[:2]]
    text = "".join(json.dumps(e.to_dict()) + "\n" for e in original)
    again = [to_exchange(r) for r in _read(tmp_path, "exchanges-1.jsonl", text)]
    assert [
        json.loads(e.response_body) if e.content_type == "application/json" else e.response_body for e in again
    ] == [samples.COMPLETION, original[1].response_body]
    assert [e.request_body for e in again] == [e.request_body for e in original]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "found an empty file"),
        ("just: [a, mapping]\n", "found a dict with keys ['just']"),
        ("interactions: {a: 1}\n", "expected `interactions` to be a list"),
        ("interactions:\n- request: {method: POST}\n", "expected request.uri and request.method"),
        ('{"log": {"entries": 3}}', "expected log.entries to be a list"),
        ('{"request": {}, "response": 3}\n', "expected `response` to be an object"),
        ('{"request": {}, "response": {}}\nnot json\n', ":2: expected one JSON object per line"),
        ("interactions: [\n  - {\n", "not valid YAML or JSON"),
    ],
)
def test_bad_files_are_input_errors_naming_what_was_expected(tmp_path: Path, text: str, expected: str) -> None:
    with pytest.raises(InputError) as caught:
        _read(tmp_path, "bad.yaml", text)
    assert expected in caught.value.message


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("Authorization", True),
        ("api-key", True),
        ("X-Api-Key", True),
        ("Cookie", True),
        ("set-cookie", True),
        ("x-goog-api-key", True),
        ("Proxy-Authorization", True),
        ("x-session-token", True),
        ("content-type", False),
        ("x-ratelimit-remaining-tokens", False),
        ("openai-processing-ms", False),
    ],
)
def test_secret_header_names(name: str, secret: bool) -> None:
    assert (redact_headers({name: "v4lue"})[name] != "v4lue") is secret


@settings(max_examples=60, deadline=None)
@given(
    st.text(
        alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="&=#%+/?@:[]"),
        min_size=8,
        max_size=40,
    )
)
def test_a_key_in_a_query_or_userinfo_never_survives(secret: str) -> None:
    url = redact_url(f"https://user:{secret}@api.example.com/v1/chat/completions?key={secret}&model=x")
    assert secret not in url.split("model=")[0] and url.endswith("model=x")

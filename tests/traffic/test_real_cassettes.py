"""The real pydantic-ai cassettes in ../shared/real-traffic: every chat exchange is read, as recorded.

The counts are the README's (64 files, 91 interactions, one of them a GET of model metadata, 19 streamed
responses); each of the 68 exchanges the README extracted into ``responses/`` must be read with the same
status, request body, and response body (or the same stream chunks, in order, with the same [DONE]).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.suite.checks import parse_sse
from conformance.suite.exchange import Exchange
from conformance.traffic.formats import read_file
from conformance.traffic.model import is_chat, to_exchange
from tests.traffic.conftest import REAL_TRAFFIC


def _read_all(cassettes: Path) -> dict[str, Exchange | None]:
    out: dict[str, Exchange | None] = {}
    for path in sorted(cassettes.glob("*.yaml")):
        for rec in read_file(path):
            out[rec.origin] = to_exchange(rec) if is_chat(rec.method, rec.url) else None
    return out


@pytest.fixture(scope="module")
def read(cassettes_dir: Path) -> dict[str, Exchange | None]:
    return _read_all(cassettes_dir)


@pytest.fixture(scope="module")
def cassettes_dir() -> Path:
    path = REAL_TRAFFIC / "cassettes" / "pydantic-ai"
    if not path.is_dir():
        pytest.skip(f"the real recordings {path} are not there (../shared/real-traffic beside the clone)")
    return path


def _extracted(provider: str | None = None) -> list[dict[str, Any]]:
    out = []
    for file in sorted((REAL_TRAFFIC / "responses").glob("*__pydantic-ai__*.json")):
        data = json.loads(file.read_text())
        if provider is None or data["provider"] == provider:
            out.append(data)
    return out


def _origin(data: dict[str, Any]) -> str:
    return f"{data['source_path'].replace('/', '__')}#{data['interaction_index']}"


def test_counts_match_the_readme(read: dict[str, Exchange | None], cassettes_dir: Path) -> None:
    assert len(list(cassettes_dir.glob("*.yaml"))) == 64
    assert len(read) == 91
    others = [origin for origin, ex in read.items() if ex is None]
    assert len(others) == 1 and "huggingface" in others[0]
    streams = [ex for ex in read.values() if ex is not None and ex.content_type == "text/event-stream"]
    assert len(streams) == 19


@pytest.mark.parametrize("provider", ["openai", None])
def test_every_extracted_exchange_is_read_as_recorded(read: dict[str, Exchange | None], provider: str | None) -> None:
    extracted = _extracted(provider)
    assert len(extracted) == (10 if provider == "openai" else 68)  # README: 68 of the 91 were extracted
    for data in extracted:
        ex = read[_origin(data)]
        assert ex is not None, _origin(data)
        assert ex.status == data["http_status"]
        assert ex.request_complete and ex.request_body == data["request"]
        assert "openai.com" in ex.url or provider is None
        if data["kind"] == "stream":
            payloads, done = parse_sse(ex.response_body)
            assert [json.loads(p) for p in payloads] == data["chunks"], _origin(data)
            assert done is bool(data["done_marker"])
        else:
            assert ex.json_body() == data["body"], _origin(data)


def test_every_openai_chat_exchange_in_the_cassettes_is_read(
    read: dict[str, Exchange | None], cassettes_dir: Path
) -> None:
    import yaml

    expected = set()
    for path in sorted(cassettes_dir.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text())
        for index, item in enumerate(doc["interactions"]):
            uri = item["request"]["uri"]
            if uri.startswith("https://api.openai.com/") and uri.endswith("/chat/completions"):
                expected.add(f"{path.name}#{index}")
    got = {origin for origin, ex in read.items() if ex is not None and "api.openai.com" in ex.url}
    assert got == expected and len(got) >= 10


def test_no_secret_header_survives(read: dict[str, Exchange | None]) -> None:
    for ex in read.values():
        if ex is None:
            continue
        for name, value in ex.request_headers.items():
            if name.lower() in ("cookie", "authorization", "api-key", "openai-organization", "openai-project"):
                assert value in ("***", "Bearer ***") or name.lower().startswith("openai-"), name
        assert "__cf_bm=" not in ex.curl() and "_cfuvid" not in ex.curl()

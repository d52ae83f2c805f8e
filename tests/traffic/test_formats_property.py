"""Whatever the body, every format and encoding reads back the same exchange."""

from __future__ import annotations

import base64
import gzip
import json
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.traffic.formats import read_file
from conformance.traffic.model import to_exchange

JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**53), 2**53)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=20,
)
BODIES = st.dictionaries(st.text(min_size=1, max_size=8), JSON_VALUES, min_size=1, max_size=5)
URL = "https://api.example.com/v1/chat/completions"


def _vcr(style: str, request: dict[str, Any], response: dict[str, Any]) -> str:
    text = json.dumps(response)
    headers: dict[str, list[str]] = {"content-type": ["application/json"]}
    resp: dict[str, Any] = {"status": {"code": 200, "message": "OK"}, "headers": headers}
    if style == "string":
        resp["body"] = {"string": text}
    elif style == "gzip":
        resp["body"] = {"string": gzip.compress(text.encode())}
        headers["content-encoding"] = ["gzip"]
    elif style == "base64":
        resp["body"] = {"base64_string": base64.b64encode(text.encode()).decode()}
    else:
        resp["parsed_body"] = response
    return yaml.safe_dump(
        {
            "interactions": [
                {
                    "request": {"method": "POST", "uri": URL, "headers": {}, "body": json.dumps(request)},
                    "response": resp,
                }
            ]
        }
    )


def _har(request: dict[str, Any], response: dict[str, Any]) -> str:
    return json.dumps(
        {
            "log": {
                "entries": [
                    {
                        "request": {
                            "method": "POST",
                            "url": URL,
                            "headers": [],
                            "postData": {"mimeType": "application/json", "text": json.dumps(request)},
                        },
                        "response": {
                            "status": 200,
                            "headers": [],
                            "content": {
                                "mimeType": "application/json",
                                "encoding": "base64",
                                "text": base64.b64encode(json.dumps(response).encode()).decode(),
                            },
                        },
                    }
                ]
            }
        }
    )


def _jsonl(request: dict[str, Any], response: dict[str, Any]) -> str:
    return json.dumps({"request": {"url": URL, "body": request}, "response": {"status": 200, "body": response}})


@settings(max_examples=40, deadline=None)
@given(request=BODIES, response=BODIES)
def test_every_format_reads_back_the_same_exchange(request: dict[str, Any], response: dict[str, Any]) -> None:
    texts = {f"vcr-{style}.yaml": _vcr(style, request, response) for style in ("string", "gzip", "base64", "parsed")}
    texts["t.har"] = _har(request, response)
    texts["t.jsonl"] = _jsonl(request, response) + "\n"
    with tempfile.TemporaryDirectory() as tmp:
        for name, text in texts.items():
            path = Path(tmp) / name
            path.write_text(text)
            (rec,) = list(read_file(path))
            ex = to_exchange(rec)
            got = (ex.status, ex.request_body, ex.json_body(), ex.request_complete)
            assert got == (200, request, response, True), name

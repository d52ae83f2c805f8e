"""The real histories in the mirror, step by step, asserting changes verified by hand against the files.

Each expectation below was checked by reading both versions (refs inlined, descriptions stripped).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main

from .conftest import OPENAI_DIR, steps_of

GPT4O = f"{OPENAI_DIR}/gpt-4o.json"
GPT5CHAT = f"{OPENAI_DIR}/gpt-5-chat.json"
GPT52 = f"{OPENAI_DIR}/gpt-5-2.json"
BOTH = "POST /chat/completions, POST /v1/chat/completions"


pytestmark = pytest.mark.usefixtures("full_mirror")  # the mirror's INDEX.json histories


def history(mirror: Path, path: str, capsys: Any) -> list[dict[str, Any]]:
    rc = main(["drift", "--history", path, "--mirror", str(mirror), "--format", "json", "--fail-on", "never"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    return steps_of(json.loads(out.out))


def found(step: dict[str, Any], level: str | None = None) -> set[tuple[str, str, str]]:
    return {
        (f["rule_id"], f["location"], f["pointer"]) for f in step["findings"] if level is None or f["level"] == level
    }


def rules(step: dict[str, Any]) -> set[str]:
    return {f["rule_id"] for f in step["findings"]}


def test_gpt_5_2_history(mirror: Path, capsys: Any) -> None:
    steps = history(mirror, GPT52, capsys)
    assert [(s["old"], s["new"]) for s in steps] == [("cecaa753", "23c54eb5"), ("23c54eb5", "1a0876e7")]
    assert found(steps[0]) == {("drift-example-changed", BOTH, "")}
    [meta] = steps[1]["findings"]
    assert (meta["rule_id"], meta["level"], meta["location"], meta["pointer"]) == (
        "drift-response-property-added",
        "info",
        BOTH,
        "response.200.meta",
    )
    assert meta["found"] == "object|null {usage?: object|null {credits_used: number, usd_spent: number}}"


def test_gpt_4o_history(mirror: Path, capsys: Any) -> None:
    steps = history(mirror, GPT4O, capsys)
    assert len(steps) == 35
    by_new = {s["new"]: s for s in steps}
    # the only model of the enum renamed: 'gpt-4o' removed, 'gpt-4o-2024-05-13' added
    assert found(by_new["6b2ba870"], "error") == {
        ("drift-request-enum-value-removed", "POST /v2/chat/completions", "request.body.model")
    }
    # staging -> production host: oasdiff reports nothing here
    assert found(by_new["c6ab7973"]) == {("drift-server-changed", "spec", "servers")}
    # /v2 -> /v1, with a hint that points at the surviving alias family
    [removed] = [f for f in by_new["3c8a3e1d"]["findings"] if f["rule_id"] == "drift-operation-removed"]
    assert removed["location"] == "POST /v2/chat/completions"
    assert removed["hint"] == "the same operation is still published at /v1/chat/completions; point the client there"
    # 15 models dropped (breaking) while 'type: string' went away (a widening, not breaking)
    step = by_new["27340cb2"]
    [enum] = [f for f in step["findings"] if f["rule_id"] == "drift-request-enum-value-removed"]
    assert enum["message"].count(",") == 14 and "o3-mini" in enum["message"]
    [typed] = [f for f in step["findings"] if f["pointer"] == "request.body.model" and "type" in f["rule_id"]]
    assert (typed["rule_id"], typed["level"]) == ("drift-request-type-widened", "info")
    # re-generation that only added things, plus an untyped 'audio' that became an object with a required 'id'
    step = by_new["1d98eb05"]
    assert "drift-request-variant-removed" not in rules(step)
    assert found(step, "error") == {
        (
            "drift-request-type-changed",
            "POST /v1/chat/completions",
            "request.body.messages[].oneOf[role=assistant].audio",
        ),
        (
            "drift-request-required-added",
            "POST /v1/chat/completions",
            "request.body.messages[].oneOf[role=assistant].audio.id",
        ),
    }
    assert (
        "drift-request-variant-added",
        "POST /v1/chat/completions",
        "request.body.messages[].oneOf[role=developer]",
    ) in found(step)
    # descriptions and one deprecated flag only: oasdiff says four oneOf/anyOf lists lost alternatives
    step = by_new["27ac023d"]
    # (the same edits in component schemas that no operation uses are reported at info level only)
    assert rules(step) - {"drift-unused-schema-changed"} == {"drift-deprecated", "drift-doc-changed"}
    assert {f["level"] for f in step["findings"] if f["rule_id"] == "drift-unused-schema-changed"} <= {"info"}
    assert found(step, "warning") == {
        ("drift-deprecated", "POST /v1/chat/completions", "request.body.messages[].oneOf[role=assistant].function_call")
    }
    # tool and function messages really were removed, and seven request fields
    step = by_new["b5e8a3b4"]
    assert {f[2] for f in found(step) if f[0] == "drift-request-variant-removed"} >= {
        "request.body.messages[].oneOf[role=tool]",
        "request.body.messages[].oneOf[role=function]",
    }
    assert {f[2] for f in found(step, "warning")} >= {
        f"request.body.{name}"
        for name in (
            "audio",
            "modalities",
            "parallel_tool_calls",
            "reasoning_effort",
            "tool_choice",
            "tools",
            "web_search_options",
        )
    }
    # code samples only
    assert {f for f in found(by_new["72b324c2"]) if f[0] != "drift-unused-schema-changed"} == {
        ("drift-example-changed", "POST /v1/chat/completions", "")
    }
    # the broken internal reference of 7a7c09d5 is named; everything else in that version still compares
    step = by_new["7a7c09d5"]
    broken = [f for f in step["findings"] if f["rule_id"] == "drift-ref-broken"]
    assert {f["location"] for f in broken} == {BOTH}
    assert {f["pointer"] for f in broken} == {
        f"/responses/200/content/{ctype}/schema/properties/choices/items/properties/logprobs/anyOf/0/properties/"
        "refusal/items"
        for ctype in ("application~1json", "text~1event-stream")
    }
    assert all(
        "$ref '#/properties/choices/items/properties/logprobs/anyOf/0/properties/content/items' points "
        "nowhere (no key 'properties' under #)" in f["message"]
        for f in broken
    )
    assert all(f["hint"].startswith("it resolves if read relative to the enclosing schema at /paths/") for f in broken)
    assert {"drift-response-success-status-changed", "drift-auth-removed", "drift-operation-added"} <= rules(step)
    # ... and fixed in the next version
    assert {
        (f["rule_id"], f["level"]) for f in by_new["a9f92002"]["findings"] if f["rule_id"] == "drift-ref-broken"
    } == {("drift-ref-broken", "info")}
    assert not found(by_new["a9f92002"], "error")
    # 'chatgpt-4o-latest' dropped from both aliases: one finding
    assert found(by_new["81e5dd8d"]) == {("drift-request-enum-value-removed", BOTH, "request.body.model")}
    assert found(by_new["1a0876e7"]) == {("drift-response-property-added", BOTH, "response.200.meta")}
    # 'provider' added to one alias only
    assert found(by_new["fbcad4ca"]) == {
        ("drift-request-property-added", "POST /v1/chat/completions", "request.body.provider")
    }
    # "move provider override to schema end": reordering only
    assert by_new["4cd011cd"]["findings"] == []


def test_gpt_5_chat_history(mirror: Path, capsys: Any) -> None:
    steps = history(mirror, GPT5CHAT, capsys)
    assert len(steps) == 13
    by_new = {s["new"]: s for s in steps}
    assert found(by_new["5d94f27f"], "error") == {("drift-operation-removed", "POST /v1/responses", "")}
    assert found(by_new["c318f19d"], "error") == {("drift-operation-removed", "POST /v1/chat/completions", "")}
    assert found(by_new["fdc08814"], "error") == {("drift-operation-removed", "POST /openai/deployments/{model}", "")}
    assert "drift-ref-broken" in rules(by_new["7a7c09d5"])
    assert found(by_new["1a0876e7"]) == {("drift-response-property-added", BOTH, "response.200.meta")}
    assert by_new["4cd011cd"]["findings"] == []


def test_sibling_reports_the_meta_block(mirror: Path, project: Path, capsys: Any) -> None:
    rc = main(["drift", "--sibling", GPT52, "--mirror", str(mirror), "--format", "json"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    payload = json.loads(out.out)
    assert found(payload) == {
        ("drift-example-changed", BOTH, ""),
        ("drift-response-property-added", BOTH, "response.200.meta"),
    }
    [meta] = [f for f in payload["findings"] if f["pointer"] == "response.200.meta"]
    assert meta["extra"]["client"].startswith("ChatCompletion has no field `meta` today")


@pytest.mark.parametrize("path", [GPT4O])
def test_history_markdown_has_one_row_per_step(mirror: Path, capsys: Any, path: str) -> None:
    rc = main(["drift", "--history", path, "--mirror", str(mirror), "--format", "markdown"])
    out = capsys.readouterr().out
    assert rc == 1  # breaking steps exist in this history
    assert out.startswith("<!-- drift-fingerprint: drift-")
    rows = [line for line in out.splitlines() if line.startswith("| ") and line.split("|")[1].strip().isdigit()]
    assert len(rows) == 35

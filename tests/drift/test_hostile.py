"""Hostile input: broken references, cycles, a 50 MB spec, things that are not OpenAPI. Clear words, no hang."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from conformance.cli import main
from conformance.drift import diff_specs

from .conftest import write
from .specs import PATH, obj, request

S = {"type": "string"}


def _with_component(spec: dict[str, Any], prop: str, ref: str, schemas: dict[str, Any]) -> dict[str, Any]:
    spec = copy.deepcopy(spec)
    body = spec["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"][prop] = {"$ref": ref}
    spec["components"]["schemas"] = schemas
    return spec


def test_missing_ref_target_is_named_and_the_rest_still_compares(tmp_path: Path, capsys: Any) -> None:
    base = request({"model": S})
    old = _with_component(base, "tool", "#/components/schemas/Tool", {"Tool": obj({"name": S})})
    new = _with_component(
        request({"model": S, "user": S}, ("model", "user")),
        "tool",
        "#/components/schemas/Tol",
        {"Tool": obj({"name": S})},
    )
    rc = main(["drift", write(tmp_path / "old.json", old), write(tmp_path / "new.json", new)])
    out = capsys.readouterr()
    assert rc == 1
    assert "Traceback" not in out.err
    assert (
        "drift-ref-broken  POST /v1/chat/completions#/requestBody/content/application~1json/schema/properties/tool"
        in out.out
    )
    assert "$ref '#/components/schemas/Tol' points nowhere (no key 'Tol' under #/components/schemas)" in out.out
    assert "drift-request-required-added  POST /v1/chat/completions#request.body.user" in out.out


def test_ref_cycle_is_named_with_its_chain(tmp_path: Path, capsys: Any) -> None:
    base = request({"model": S})
    old = _with_component(base, "tool", "#/components/schemas/A", {"A": obj({"name": S})})
    new = _with_component(
        base,
        "tool",
        "#/components/schemas/A",
        {"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}},
    )
    rc = main(["drift", write(tmp_path / "old.json", old), write(tmp_path / "new.json", new), "--format", "json"])
    out = capsys.readouterr()
    assert rc == 1, out.err
    payload = json.loads(out.out)
    [cycle] = [f for f in payload["findings"] if f["rule_id"] == "drift-ref-cycle"]
    assert cycle["message"].startswith(
        "$ref cycle: #/components/schemas/A -> #/components/schemas/B -> #/components/schemas/A"
    )
    assert cycle["level"] == "error"


def test_recursive_but_valid_schema_is_not_a_cycle() -> None:
    node = {"$ref": "#/components/schemas/Node"}
    spec = _with_component(
        request({"model": S}),
        "tree",
        "#/components/schemas/Node",
        {"Node": obj({"children": {"type": "array", "items": node}})},
    )
    assert diff_specs(spec, copy.deepcopy(spec)) == []


def test_a_50_mb_spec_is_compared(tmp_path: Path, capsys: Any) -> None:
    """50 MB: thousands of component schemas (most unreachable) and a wide request body. It finishes."""
    filler = "x" * 2100
    schemas = {
        f"Model{i}": obj({f"field{j}": {"type": "string", "description": filler} for j in range(12)})
        for i in range(2000)
    }
    wide = {f"param{i}": {"type": "integer", "description": filler} for i in range(1500)}
    wide["model"] = {"type": "string", "enum": ["a", "b"]}
    old = request(wide)
    old["components"]["schemas"] = schemas
    body = old["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    body["properties"]["first"] = {"$ref": "#/components/schemas/Model0"}
    old_path = tmp_path / "old.json"
    old_path.write_text(json.dumps(old))
    assert old_path.stat().st_size > 50 * 1024 * 1024
    new = old
    new_body = new["paths"][PATH]["post"]["requestBody"]["content"]["application/json"]["schema"]
    new_body["properties"]["model"]["enum"] = ["a"]
    new["components"]["schemas"]["Model0"]["properties"]["field0"]["type"] = "integer"
    new_path = tmp_path / "new.json"
    new_path.write_text(json.dumps(new))
    del old, new, schemas, wide
    rc = main(["drift", str(old_path), str(new_path), "--format", "json"])
    out = capsys.readouterr()
    assert rc == 1, out.err
    found = {(f["rule_id"], f["pointer"]) for f in json.loads(out.out)["findings"]}
    assert found == {
        ("drift-request-enum-value-removed", "request.body.model"),
        ("drift-request-type-changed", "request.body.first.field0"),
    }


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b'{"hello": "world"}', "expected an OpenAPI 3.x document, found no 'openapi' key"),
        (b'{"openapi": "2.0", "paths": {}}', "expected an OpenAPI 3.x document, found openapi='2.0'"),
        (b"[1, 2, 3]", "expected a JSON object (an OpenAPI document), found a JSON list"),
        (b'{"openapi": "3.0.0", "paths": [', "expected JSON, found a syntax error"),
        (b"\xff\xfe\x00garbage", "expected UTF-8 text"),
        (b"[" * 200_000 + b"]" * 200_000, "nesting too deep"),
    ],
    ids=["plain-json", "swagger-2", "json-list", "truncated", "not-utf8", "deep-nesting"],
)
def test_not_openapi_is_a_clear_error(tmp_path: Path, capsys: Any, content: bytes, expected: str) -> None:
    good = write(tmp_path / "good.json", request({"model": S}))
    bad = tmp_path / "bad.json"
    bad.write_bytes(content)
    rc = main(["drift", good, str(bad)])
    err = capsys.readouterr().err
    assert rc == 2
    assert expected in err
    assert "Traceback" not in err and "internal error" not in err


def test_schemas_nested_too_deep_to_compare_are_a_clear_error(tmp_path: Path, capsys: Any) -> None:
    levels = 300
    old = request({"model": S, "deep": {"$ref": "#/components/schemas/Deep"}})
    text = json.dumps(old)
    deep = '{"type": "object", "properties": {"x": ' * levels + '{"type": "%s"}' + "}}" * levels
    old_text = text[:-1] + ', "x-deep": 0}'
    old_text = old_text.replace('"securitySchemes"', '"schemas": {"Deep": ' + deep % "string" + '}, "securitySchemes"')
    new_text = old_text.replace('{"type": "string"}' + "}}", '{"type": "integer"}' + "}}")
    (tmp_path / "old.json").write_text(old_text)
    (tmp_path / "new.json").write_text(new_text)
    rc = main(["drift", str(tmp_path / "old.json"), str(tmp_path / "new.json")])
    out = capsys.readouterr()
    assert rc in (1, 2), out.err
    assert "Traceback" not in out.err and "internal error" not in out.err
    if rc == 2:
        assert "nested too deep" in out.err


def test_missing_file_and_bad_reference_syntax(tmp_path: Path, capsys: Any) -> None:
    good = write(tmp_path / "good.json", request({"model": S}))
    assert main(["drift", good, str(tmp_path / "nope.json")]) == 2
    assert (
        "expected a spec file, or ref:<ref>[:<path>] / commit:<sha>[:<path>], found no such file"
        in capsys.readouterr().err
    )
    assert main(["drift", good, "commit:abc"]) == 2
    assert "expected a full 40-character commit sha after 'commit:', found 'abc'" in capsys.readouterr().err
    assert main(["drift", good]) == 2
    assert "expected two specs (OLD NEW), found 1" in capsys.readouterr().err
